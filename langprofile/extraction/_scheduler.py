"""Background work per user: debounced, one run at a time per user, off the reply path.

Work submitted for a user accumulates until the user has been quiet for ``debounce`` seconds
(at most ``max_wait`` after the first submission), then runs once with everything accumulated,
so debouncing merges work without dropping any. Runs happen on daemon worker threads, for sync
and async graphs alike: extraction is CPU-heavy (langmem, schema validation), and on a thread it
neither blocks a server's event loop nor keeps a process from exiting. Async stores are still
used correctly from there (langgraph's async stores hand each call to their own loop). Failed
runs are logged, counted and retried with back-off (0.5 s doubling to at most 30 s) for
``retry_for`` seconds, so pending learning survives a store outage of minutes; then it is given
up, with an error logged.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["Scheduler"]

logger = logging.getLogger("langprofile")

W = TypeVar("W")

_SCHEDULERS: weakref.WeakSet[Scheduler[Any]] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for scheduler in list(_SCHEDULERS):
        scheduler._after_fork()


if hasattr(os, "register_at_fork"):  # pragma: no branch - absent on Windows
    os.register_at_fork(after_in_child=_reset_after_fork)


@dataclass
class _Slot(Generic[W]):
    work: W
    first: float
    due: float
    attempt: int = 0
    failing_since: float | None = None
    later: bool = False
    """Submitted with a delay of its own (a follow-up), not by a turn."""


@dataclass
class _UserState(Generic[W]):
    pending: _Slot[W] | None = None
    running: bool = False


class Scheduler(Generic[W]):
    """Runs ``run(user_id, work)`` in the background, per user, on daemon threads.

    ``merge(old, new)`` combines work submitted while the user's previous work is pending.
    ``on_failure(user_id, exc)`` is told about every failed attempt.
    """

    def __init__(
        self,
        *,
        run: Callable[[str, W], Any],
        merge: Callable[[W, W], W],
        on_failure: Callable[[str, BaseException], None],
        debounce: float,
        max_wait: float,
        retry_for: float = 600.0,
        workers: int = 4,
        exit_timeout: float = 5.0,
    ) -> None:
        self._run, self._merge, self._on_failure = run, merge, on_failure
        self.debounce, self.max_wait, self.retry_for = debounce, max_wait, retry_for
        self._cond = threading.Condition()
        self._users: dict[str, _UserState[W]] = {}
        self._flushing = 0
        self._workers = workers
        self._busy = 0
        self._thread: threading.Thread | None = None
        self._exit_timeout = exit_timeout
        ref = weakref.ref(self)
        # Finish what was submitted when the interpreter exits normally, within a bound.
        atexit.register(lambda: (s := ref()) is not None and s.flush(timeout=s._exit_timeout))
        _SCHEDULERS.add(self)

    def _after_fork(self) -> None:
        """In a forked child: no threads came along, and the parent still owns its work."""
        self._cond = threading.Condition()
        self._users = {}
        self._busy = 0
        self._flushing = 0
        self._thread = None

    def submit(self, user_id: str, work: W, *, delay: float | None = None) -> None:
        """Schedule ``work`` for ``user_id``; returns at once (safe to call from a coroutine).

        Without ``delay`` the work runs once the user has been quiet for ``debounce`` seconds
        (at most ``max_wait`` after the first submission). With ``delay`` it is a follow-up due
        ``delay`` seconds from now: it joins work already pending without moving it, and
        pending work of its own is not moved by later follow-ups (the first timer holds).
        """
        now = time.monotonic()
        with self._cond:
            state = self._users.setdefault(user_id, _UserState())
            slot = state.pending
            if slot is None:
                due = now + (self.debounce if delay is None else delay)
                state.pending = _Slot(work, now, due, later=delay is not None)
            else:
                slot.work = self._merge(slot.work, work)
                if delay is None and slot.later:
                    # A turn arrived: it runs on the turn's schedule, follow-up included.
                    slot.first, slot.later = now, False
                if delay is None:
                    slot.due = min(now + self.debounce, slot.first + self.max_wait)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="langprofile-learner", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _take_due(self, now: float) -> tuple[str, _Slot[W]] | None:
        for user_id, state in self._users.items():
            slot = state.pending
            # A flush runs pending work now, but a retry still waits out its back-off.
            urgent = self._flushing and slot is not None and slot.attempt == 0
            if slot and not state.running and (urgent or slot.due <= now):
                state.pending, state.running = None, True
                return user_id, slot
        return None

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._users and not self._busy:
                    # Idle: end the thread (submit starts another), so an unused scheduler is
                    # not kept alive by its own loop.
                    self._thread = None
                    return
                if self._busy >= self._workers:
                    self._cond.wait()  # a finishing worker notifies
                    continue
                now = time.monotonic()
                picked = self._take_due(now)
                if picked is None:
                    dues = [
                        s.pending.due for s in self._users.values() if s.pending and not s.running
                    ]
                    self._cond.wait(max(0.0, min(dues) - now) if dues else None)
                    continue
                self._busy += 1
            try:
                threading.Thread(
                    target=self._execute, args=picked, name="langprofile-extract", daemon=True
                ).start()
            except BaseException as exc:  # e.g. no more threads: fail this run, keep looping
                with self._cond:
                    self._busy -= 1
                    self._finish(*picked, exc, final=True)
                    self._cond.notify_all()

    def _execute(self, user_id: str, slot: _Slot[W]) -> None:
        failed: BaseException | None = None
        final = False
        try:
            self._run(user_id, slot.work)
        except Exception as exc:
            failed = exc
        except BaseException as exc:  # e.g. SystemExit from a callback: final, never retried
            failed, final = exc, True
        finally:
            with self._cond:
                self._busy -= 1
                self._finish(user_id, slot, failed, final=final)
                self._cond.notify_all()

    def _finish(
        self, user_id: str, slot: _Slot[W], failed: BaseException | None, *, final: bool = False
    ) -> None:
        state = self._users[user_id]
        state.running = False
        if failed is not None:
            self._on_failure(user_id, failed)
            now = time.monotonic()
            since = now if slot.failing_since is None else slot.failing_since
            if not final and now - since < self.retry_for:
                retry = _Slot(
                    slot.work,
                    now,
                    now + min(30.0, 0.5 * 2 ** min(slot.attempt, 16)),
                    slot.attempt + 1,
                    since,
                )
                if state.pending is not None:
                    retry.work = self._merge(retry.work, state.pending.work)
                state.pending = retry
            else:
                logger.error(
                    "giving up background profile work after %d attempts over %.0f s",
                    slot.attempt + 1,
                    now - since,
                )
        if state.pending is None:
            del self._users[user_id]

    def discard(self, user_id: str) -> None:
        """Drop the user's pending work and wait until any run for them has finished."""
        with self._cond:
            while True:
                state = self._users.get(user_id)
                if state is None:
                    return
                state.pending = None
                if not state.running:
                    del self._users[user_id]
                    return
                self._cond.wait()

    def flush(self, timeout: float | None = None) -> bool:
        """Run everything submitted now and wait for it; False if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flushing += 1
            self._cond.notify_all()
            try:
                while self._users:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining)
            finally:
                self._flushing -= 1
        return True

    async def aflush(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 - twin of flush
        """Async twin of :meth:`flush`: waits in a worker thread, never on the event loop."""
        return await asyncio.to_thread(self.flush, timeout)

    def pending(self) -> int:
        """How many users have work pending or running."""
        with self._cond:
            return len(self._users)
