"""Turns the gate let pass without an extraction, held per user until one sees them.

An extraction always sees every message since the user's previous extraction: what the gate
skipped is context for the next one. Held turns that talk about the user themself are also the
learner's safety net: if no later turn fires the gate, they are extracted on their own once the
net's timer runs out (see ``ProfileLearner``'s ``idle``), so coverage never depends on a later
turn happening.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage

__all__ = ["Held", "HeldTurns"]


@dataclass
class Held:
    """One user's held messages: whether any talks about the user, when the first was seen."""

    messages: list[BaseMessage] = field(default_factory=list)
    about_user: bool = False
    observed: dt.datetime | None = None
    chars: int = 0
    held_at: float = 0.0


def _key(message: BaseMessage) -> object:
    return message.id or id(message)


def _cut(message: BaseMessage, limit: int) -> BaseMessage:
    content = message.content
    if not isinstance(content, str) or len(content) <= limit:
        return message
    head = limit * 3 // 4
    text = f"{content[:head]}\n[\u2026]\n{content[-(limit - head) :]}"
    return message.model_copy(update={"content": text})


def _size(message: BaseMessage) -> int:
    content = message.content
    return len(content) if isinstance(content, str) else len(str(content))


class HeldTurns:
    """Held messages per user, thread-safe and bounded.

    Per user: the newest ``max_messages`` messages within ``max_chars`` characters. In all:
    ``max_total_chars`` characters (the least recently active users go first) and
    ``max_users`` users; a user's held turns are dropped ``max_age`` seconds after they were
    last added to (the safety net runs long before, at the learner's ``idle``).
    """

    def __init__(
        self,
        *,
        max_messages: int,
        max_chars: int = 20_000,
        max_total_chars: int = 20_000_000,
        max_users: int = 100_000,
        max_age: float = 3_600.0,
    ) -> None:
        self._lock = threading.Lock()
        self._users: OrderedDict[str, Held] = OrderedDict()
        self._chars = 0
        self.max_messages = max_messages
        self.max_chars = max_chars
        self.max_total_chars = max_total_chars
        self.max_users = max_users
        self.max_age = max_age

    def context(self, user_id: str, fresh: Sequence[BaseMessage]) -> list[BaseMessage]:
        """The held messages followed by the new ones not already held, newest kept."""
        with self._lock:
            self._expire(time.monotonic())
            held = self._users.get(user_id)
            messages = list(held.messages) if held else []
        seen = {_key(m) for m in messages}
        messages.extend(m for m in fresh if _key(m) not in seen)
        return self._bounded(messages)

    def observed(self, user_id: str) -> dt.datetime | None:
        """When the oldest held turn of the user was seen."""
        with self._lock:
            held = self._users.get(user_id)
            return held.observed if held else None

    def _bounded(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        """The newest messages within the bounds; a long one (a pasted log) is cut to its first
        and last parts rather than pushing out the shorter turns held before it."""
        kept: list[BaseMessage] = []
        chars = 0
        for message in reversed(messages[-self.max_messages :]):
            short = _cut(message, self.max_chars // 5)
            chars += _size(short)
            if chars > self.max_chars and kept:
                break
            kept.append(short)
        return kept[::-1]

    def _expire(self, now: float) -> None:
        while self._users:
            user_id, held = next(iter(self._users.items()))
            if now - held.held_at <= self.max_age:
                return
            self._drop(user_id)

    def _drop(self, user_id: str) -> None:
        held = self._users.pop(user_id, None)
        if held is not None:
            self._chars -= held.chars

    def about_user(self, user_id: str) -> bool:
        """Whether a held turn of this user talks about them (the net should extract)."""
        with self._lock:
            held = self._users.get(user_id)
            return bool(held and held.about_user)

    def hold(
        self,
        user_id: str,
        context: list[BaseMessage],
        *,
        about_user: bool,
        observed: dt.datetime | None = None,
    ) -> bool:
        """Hold ``context`` for the user's next extraction; True if the net was just armed."""
        with self._lock:
            held = self._users.get(user_id) or Held()
            self._drop(user_id)
            armed = about_user and not held.about_user
            held.messages = self._bounded(context)
            held.chars = sum(_size(m) for m in held.messages)
            held.about_user = held.about_user or about_user
            if observed is not None and (held.observed is None or observed < held.observed):
                held.observed = observed
            held.held_at = time.monotonic()
            self._users[user_id] = held
            self._chars += held.chars
            while self._users and (
                len(self._users) > self.max_users or self._chars > self.max_total_chars
            ):
                self._drop(next(iter(self._users)))
            return armed

    def release(self, user_id: str) -> None:
        """Forget what is held for the user (an extraction saw it, or the user was erased)."""
        with self._lock:
            self._drop(user_id)

    @property
    def chars(self) -> int:
        """Characters held in all."""
        with self._lock:
            return self._chars
