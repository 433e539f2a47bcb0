"""Turns the gate let pass without an extraction, held per user until one sees them.

An extraction always sees every message since the user's previous extraction: what the gate
skipped is context for the next one. Held turns that talk about the user themself are also the
learner's safety net: if no later turn fires the gate, they are extracted on their own once the
net's timer runs out (see ``ProfileLearner``'s ``idle``), so coverage never depends on a later
turn happening.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage

__all__ = ["Held", "HeldTurns"]


@dataclass
class Held:
    """One user's held messages, and whether any of them talks about the user."""

    messages: list[BaseMessage] = field(default_factory=list)
    about_user: bool = False


def _key(message: BaseMessage) -> object:
    return message.id or id(message)


class HeldTurns:
    """Held messages per user, thread-safe; at most ``max_messages`` each, ``max_users`` users."""

    def __init__(self, *, max_messages: int, max_users: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._users: OrderedDict[str, Held] = OrderedDict()
        self.max_messages = max_messages
        self.max_users = max_users

    def context(self, user_id: str, fresh: Sequence[BaseMessage]) -> list[BaseMessage]:
        """The held messages followed by the new ones not already held, newest kept."""
        with self._lock:
            held = self._users.get(user_id)
            messages = list(held.messages) if held else []
        seen = {_key(m) for m in messages}
        messages.extend(m for m in fresh if _key(m) not in seen)
        return messages[-self.max_messages :]

    def about_user(self, user_id: str) -> bool:
        """Whether a held turn of this user talks about them (the net should extract)."""
        with self._lock:
            held = self._users.get(user_id)
            return bool(held and held.about_user)

    def hold(self, user_id: str, context: list[BaseMessage], *, about_user: bool) -> bool:
        """Hold ``context`` for the user's next extraction; True if the net was just armed."""
        with self._lock:
            held = self._users.pop(user_id, None) or Held()
            armed = about_user and not held.about_user
            held.messages = context[-self.max_messages :]
            held.about_user = held.about_user or about_user
            self._users[user_id] = held
            while len(self._users) > self.max_users:
                self._users.popitem(last=False)
            return armed

    def release(self, user_id: str) -> None:
        """Forget what is held for the user (an extraction saw it, or the user was erased)."""
        with self._lock:
            self._users.pop(user_id, None)
