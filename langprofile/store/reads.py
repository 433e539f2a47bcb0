"""The canonical read: one ``get`` by key returns the pre-rendered ``<User Profile>`` block.

Written once and used by every surface (``ProfileStore.preamble``, the injector node, the
``pre_model_hook`` and the ``create_agent`` middleware), sync and async. Injection bounds the
read with a deadline: :class:`DeadlineHandler` runs each request within what is left of it (on
a few daemon threads for sync stores that can block, under ``asyncio.timeout`` for async ones),
and :func:`injection_flow` turns any failure into "no block" (or "no memories") and a warning.
Nothing here imports langmem or the detector.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from langprofile._codec import KIND
from langprofile._namespace import memories_namespace, profile_namespace
from langprofile.config import PROFILE_KEY
from langprofile.errors import LangProfileError
from langprofile.pipeline.bounds import shown
from langprofile.preamble import with_memories
from langprofile.store._adapters import Adapter
from langprofile.store._ops import Flow, Handler, Read, StoreRequestError, io
from langprofile.store.memories import search_flow

__all__ = ["DeadlineHandler", "block_flow", "block_of", "injection_flow"]

logger = logging.getLogger("langprofile")
T = TypeVar("T")


def block_of(value: Mapping[str, Any] | None) -> str:
    """The stored block of a profile value; ``""`` for anything that is not one of ours."""
    if value is None or value.get("kind") != KIND:
        return ""
    block = value.get("preamble", "")
    return block if isinstance(block, str) else ""


def block_flow(user_id: str) -> Flow[str]:
    """The user's block, or ``""``: one read by key, nothing rendered; a read that failed fast
    is tried once more, then ``StoreReadError``."""
    value = yield from io(Read(profile_namespace(user_id), PROFILE_KEY), attempts=2)
    return block_of(value)


def _warn(what: str, user_id: str, exc: BaseException, timeout: float | None) -> None:
    outcome = "without memories" if what == "memory search" else "without the block"
    if isinstance(exc, StoreRequestError):
        exc = exc.cause
    if isinstance(exc, TimeoutError):
        logger.warning(
            "%s for user %s took longer than %ss; continuing %s",
            what,
            shown(user_id, 40),
            timeout,
            outcome,
        )
    else:
        logger.warning(
            "%s for user %s failed (%s); continuing %s",
            what,
            shown(user_id, 40),
            str(exc) if isinstance(exc, LangProfileError) else type(exc).__name__,
            outcome,
        )


def injection_flow(
    user_id: str,
    *,
    query: str | None = None,
    memories: int = 0,
    memory_tokens: int = 200,
    timeout: float | None = None,
) -> Flow[str]:
    """What the model is shown: the block, with up to ``memories`` relevant memories in it.

    Never raises for the store: a failed or late profile read gives ``""``; a failed or late
    memory search leaves the block without memories. ``timeout`` only names the deadline in the
    warning; the handler enforces it.
    """
    try:
        block = yield from block_flow(user_id)
    except Exception as exc:
        _warn("profile read", user_id, exc, timeout)
        return ""
    if not (memories and block):
        return block
    try:
        found = yield from search_flow(memories_namespace(user_id), query, memories)
    except Exception as exc:  # memories are an extra: never lose the profile over them
        _warn("memory search", user_id, exc, timeout)
        return block
    return with_memories(block, found, max_tokens=memory_tokens)


class _DaemonPool:
    """A few daemon threads for bounded sync reads: a hung read must not block interpreter exit."""

    def __init__(self, size: int) -> None:
        self._size = size
        self.reset()

    def reset(self) -> None:
        """Start empty (also in a forked child, which inherits counters but not threads)."""
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._started = 0
        self._lock = threading.Lock()

    def _work(self) -> None:
        while True:
            future, fn = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the waiting caller
                future.set_exception(exc)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` on a pool thread."""
        with self._lock:
            if self._started < self._size:
                self._started += 1
                threading.Thread(target=self._work, name="langprofile-read", daemon=True).start()
        future: Future[T] = Future()
        self._queue.put((future, fn))
        return future


_POOL = _DaemonPool(16)
if hasattr(os, "register_at_fork"):  # pragma: no branch - absent on Windows
    os.register_at_fork(after_in_child=_POOL.reset)


class DeadlineHandler(Handler):
    """Runs a read flow's requests within ``timeout`` seconds in all (``None``: no bound).

    Stores that cannot hang (the in-memory store; a local SQLite file for sync reads) are read
    inline: a thread hop would cost more than the read.
    """

    def __init__(self, adapter: Adapter, timeout: float | None) -> None:
        super().__init__(adapter)
        self.timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout

    def _left(self) -> float:
        assert self._deadline is not None
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"read deadline of {self.timeout}s passed")
        return left

    def handle(self, request: Any) -> Any:
        """Execute one request with blocking I/O, within the deadline."""
        if self._deadline is None or self.adapter.reads_inline(asynchronous=False):
            return super().handle(request)
        future = _POOL.submit(lambda: super(DeadlineHandler, self).handle(request))
        try:
            return future.result(self._left())
        except FutureTimeout:
            raise TimeoutError(f"read deadline of {self.timeout}s passed") from None
        finally:
            future.cancel()  # a read still queued is dropped rather than run late

    async def ahandle(self, request: Any) -> Any:
        """Execute one request with async I/O, within the deadline."""
        if self._deadline is None or self.adapter.reads_inline(asynchronous=True):
            return await super().ahandle(request)
        async with asyncio.timeout(self._left()):
            return await super().ahandle(request)
