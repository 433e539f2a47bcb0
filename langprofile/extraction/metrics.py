"""Counters for learning: per user and in total, thread-safe, cheap."""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from typing import Any

__all__ = ["COUNTERS", "Metrics"]

logger = logging.getLogger("langprofile")

#: Every counter, so a snapshot always has the same keys.
COUNTERS = (
    "turns_seen",
    "turns_skipped_by_gate",
    "direct_fields",
    "extraction_runs",
    "net_extractions",
    "llm_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "updates_applied",
    "updates_unchanged",
    "updates_discarded",
    "suggestions_created",
    "memories_written",
    "failures",
)


class Metrics:
    """Counts what extraction did, per user and in total; ``discarded`` is kept by reason.

    Per-user counts are kept for the ``max_users`` most recently active users.
    """

    def __init__(self, *, max_users: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._total: Counter[str] = Counter()
        self._users: OrderedDict[str, Counter[str]] = OrderedDict()
        self._max_users = max_users

    def add(self, user_id: str | None, counts: dict[str, int]) -> None:
        """Add ``counts`` (counter name -> increment) for ``user_id`` and the total."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        with self._lock:
            self._total.update(counts)
            if user_id is not None:
                per_user = self._users.pop(user_id, None) or Counter()
                per_user.update(counts)
                self._users[user_id] = per_user
                while len(self._users) > self._max_users:
                    self._users.popitem(last=False)

    def discard(self, user_id: str | None, reason: str, n: int = 1) -> None:
        """Count ``n`` updates discarded for ``reason`` (also added to ``updates_discarded``)."""
        self.add(user_id, {"updates_discarded": n, f"discarded:{reason}": n})

    def fail(self, user_id: str | None, reason: str) -> None:
        """Count one failed extraction run."""
        self.add(user_id, {"failures": 1, f"failure:{reason}": 1})

    def forget(self, user_id: str) -> None:
        """Drop the user's own counters (the totals keep what they counted)."""
        with self._lock:
            self._users.pop(user_id, None)

    def snapshot(self, user_id: str | None = None) -> dict[str, Any]:
        """The counters for one user (or in total): every name in ``COUNTERS``, plus
        ``discarded`` and ``failed`` (reason -> count)."""
        with self._lock:
            source = self._total if user_id is None else self._users.get(user_id, Counter())
            counts = dict(source)
        out: dict[str, Any] = {name: counts.get(name, 0) for name in COUNTERS}
        out["discarded"] = {
            k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("discarded:")
        }
        out["failed"] = {
            k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("failure:")
        }
        return out
