"""Which messages of a thread arrived in this run: how a message is attributed to a user.

A thread may be shared (a team channel) or handed on (a kiosk, a support thread passed to the
next customer), so a user is credited only with what arrived in their own runs. The learner
keeps, per thread, the id of the last message it saw; a run's new messages are those after it,
and they belong to the run's user. Every run moves the cursor, incognito runs included, so the
next run of the thread never takes an incognito turn, or another user's, for its own.

When the learner has no cursor for the thread (a thread it has not seen, a process restart, a
history trimmed or summarized past the cursor), it credits the run with its own turn only: the
human messages at the end of the thread, before the reply. Earlier messages are never guessed
to be this user's.

Cursors are bounded: at most ``max_threads`` threads, each forgotten ``max_age`` seconds after
it was last seen (the turn after that counts as a thread not seen).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from langchain_core.messages import BaseMessage

__all__ = ["ThreadCursors", "own_turn"]


def own_turn(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The run's own turn: the last run of human messages and what follows them."""
    end = len(messages)
    i = end
    while i > 0 and messages[i - 1].type != "human":
        i -= 1
    start = i
    while start > 0 and messages[start - 1].type == "human":
        start -= 1
    return list(messages[start:end]) if start < i else []


class ThreadCursors:
    """The last message seen per thread; thread-safe, bounded in count and age."""

    def __init__(self, *, max_threads: int = 100_000, max_age: float = 86_400.0) -> None:
        self._lock = threading.Lock()
        self._cursors: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self.max_threads = max_threads
        self.max_age = max_age

    def new_messages(self, thread_id: str, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
        """The messages of ``messages`` that arrived since the thread was last seen; the
        cursor moves to the end (see the module docstring for a thread not seen)."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            seen = self._cursors.get(thread_id)
            start: int | None = None
            if seen is not None:
                for i in range(len(messages) - 1, -1, -1):
                    if messages[i].id == seen[0]:
                        start = i + 1
                        break
            if messages and messages[-1].id is not None:
                self._cursors[thread_id] = (messages[-1].id, now)
                self._cursors.move_to_end(thread_id)
                while len(self._cursors) > self.max_threads:
                    self._cursors.popitem(last=False)
        return own_turn(messages) if start is None else list(messages[start:])

    def _expire(self, now: float) -> None:
        while self._cursors:
            thread_id, (_, seen_at) = next(iter(self._cursors.items()))
            if now - seen_at <= self.max_age:
                return
            del self._cursors[thread_id]

    def __len__(self) -> int:
        with self._lock:
            return len(self._cursors)
