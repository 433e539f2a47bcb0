"""Background work per user: debounced, one run at a time per user, off the reply path.

Work submitted for a user accumulates until the user has been quiet for ``debounce`` seconds
(at most ``max_wait`` after the first submission), then runs once with everything accumulated,
so debouncing merges work without dropping any. Sync callers are served by daemon threads (a
process that never flushes still exits); async callers by tasks on their own event loop (async
stores are bound to it). Failed runs are logged, counted and retried a bounded number of times.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["Scheduler"]

logger = logging.getLogger("langprofile")

W = TypeVar("W")


@dataclass
class _Slot(Generic[W]):
    work: W
    first: float
    due: float
    attempt: int = 0


@dataclass
class _UserState(Generic[W]):
    pending: _Slot[W] | None = None
    running: bool = False


class Scheduler(Generic[W]):
    """Runs ``run(user_id, work)`` (sync) or ``arun`` (async) in the background per user.

    ``merge(old, new)`` combines work submitted while the user's previous work is pending.
    ``on_failure(user_id, exc)`` is told about every failed attempt.
    """

    def __init__(
        self,
        *,
        run: Callable[[str, W], Any],
        arun: Callable[[str, W], Awaitable[Any]],
        merge: Callable[[W, W], W],
        on_failure: Callable[[str, BaseException], None],
        debounce: float,
        max_wait: float,
        retries: int = 3,
        workers: int = 4,
        exit_timeout: float = 5.0,
    ) -> None:
        self._run, self._arun, self._merge = run, arun, merge
        self._on_failure = on_failure
        self.debounce, self.max_wait, self.retries = debounce, max_wait, retries
        self._cond = threading.Condition()
        self._users: dict[str, _UserState[W]] = {}
        self._flush_all = False
        self._workers = workers
        self._busy = 0
        self._thread: threading.Thread | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._exit_timeout = exit_timeout
        ref = weakref.ref(self)
        # Finish what was submitted when the interpreter exits normally, within a bound.
        atexit.register(lambda: (s := ref()) is not None and s.flush(timeout=s._exit_timeout))

    # --- submission -------------------------------------------------------------------------
    def _enqueue(self, user_id: str, work: W, now: float) -> None:
        state = self._users.setdefault(user_id, _UserState())
        slot = state.pending
        if slot is None:
            state.pending = _Slot(work, now, now + self.debounce)
        else:
            slot.work = self._merge(slot.work, work)
            slot.due = min(now + self.debounce, slot.first + self.max_wait)

    def submit(self, user_id: str, work: W) -> None:
        """Schedule ``work`` for ``user_id`` on the background threads; returns at once."""
        with self._cond:
            self._enqueue(user_id, work, time.monotonic())
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="langprofile-learner", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def asubmit(self, user_id: str, work: W) -> None:
        """Schedule ``work`` on the running event loop; returns at once (call from a coroutine)."""
        with self._cond:
            self._enqueue(user_id, work, time.monotonic())
        task = self._tasks.get(user_id)
        if task is None or task.done():
            # A fresh context: the caller's run config (checkpointer, callbacks) must not leak
            # into background extraction.
            loop = asyncio.get_running_loop()
            task = contextvars.Context().run(loop.create_task, self._user_task(user_id))
            self._tasks[user_id] = task

    # --- sync engine ------------------------------------------------------------------------
    def _take_due(self, now: float) -> tuple[str, _Slot[W]] | None:
        for user_id, state in self._users.items():
            slot = state.pending
            if slot and not state.running and (self._flush_all or slot.due <= now):
                state.pending, state.running = None, True
                return user_id, slot
        return None

    def _next_due(self) -> float | None:
        dues = [s.pending.due for s in self._users.values() if s.pending and not s.running]
        return min(dues) if dues else None

    def _loop(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                picked = self._take_due(now) if self._busy < self._workers else None
                if picked is None:
                    due = self._next_due()
                    timeout = None if due is None else max(0.0, due - now)
                    self._cond.wait(timeout if not self._flush_all else 0.05)
                    continue
                self._busy += 1
            threading.Thread(
                target=self._execute, args=picked, name="langprofile-extract", daemon=True
            ).start()

    def _execute(self, user_id: str, slot: _Slot[W]) -> None:
        try:
            self._run(user_id, slot.work)
            failed: BaseException | None = None
        except Exception as exc:
            failed = exc
        with self._cond:
            self._busy -= 1
            self._finish(user_id, slot, failed)
            self._cond.notify_all()

    def _finish(self, user_id: str, slot: _Slot[W], failed: BaseException | None) -> None:
        state = self._users[user_id]
        state.running = False
        if failed is not None:
            self._on_failure(user_id, failed)
            if slot.attempt + 1 < self.retries:
                retry = _Slot(slot.work, time.monotonic(), 0.0, slot.attempt + 1)
                retry.due = retry.first + min(30.0, 0.5 * 2**slot.attempt)
                if state.pending is not None:
                    retry.work = self._merge(retry.work, state.pending.work)
                state.pending = retry
            else:
                logger.error(
                    "giving up background profile work for %r after %d attempts",
                    user_id,
                    self.retries,
                )
        if state.pending is None:
            del self._users[user_id]

    def flush(self, timeout: float | None = None) -> bool:
        """Run everything submitted from sync code now and wait for it; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flush_all = True
            self._cond.notify_all()
            try:
                while any(s.pending or s.running for s in self._users.values() if s is not None):
                    if self._thread is None and not any(s.running for s in self._users.values()):
                        break  # only async work is pending; aflush() handles it
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining if remaining is not None else 0.1)
            finally:
                self._flush_all = False
        return True

    # --- async engine -----------------------------------------------------------------------
    async def _user_task(self, user_id: str) -> None:
        while True:
            with self._cond:
                state = self._users.get(user_id)
                if state is None or state.pending is None:
                    return
                wait = 0.0 if self._flush_all else state.pending.due - time.monotonic()
                if wait <= 0 and not state.running:
                    slot, state.pending, state.running = state.pending, None, True
                else:
                    slot = None
            if slot is None:
                # Short naps rather than one long sleep, so a flush is picked up promptly.
                await asyncio.sleep(min(max(wait, 0.005), 0.05))
                continue
            failed: BaseException | None = None
            try:
                await self._arun(user_id, slot.work)
            except Exception as exc:
                failed = exc
            with self._cond:
                self._finish(user_id, slot, failed)
                self._cond.notify_all()

    async def aflush(self, timeout: float | None = None) -> bool:
        """Run everything submitted (async and sync) now and wait for it; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self._flush_all = True
        try:
            tasks = [t for t in self._tasks.values() if not t.done()]
            if tasks:
                _, still = await asyncio.wait(tasks, timeout=timeout)
                if still:
                    return False
            self._tasks = {u: t for u, t in self._tasks.items() if not t.done()}
        finally:
            self._flush_all = False
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        return await asyncio.to_thread(self.flush, remaining)

    def pending(self) -> int:
        """How many users have work pending or running."""
        with self._cond:
            return sum(1 for s in self._users.values() if s.pending or s.running)
