"""``ProfileInjector``: put the user's ``<User Profile>`` block in front of the next model call.

One injector serves three ways, all reading the same canonical block with one store ``get``:

* as a graph node (sync and async) before a model node in any ``StateGraph`` over messages: it
  keeps exactly one block, first in the message list, replaced in place on every turn;
* as ``pre_model_hook`` of ``create_react_agent``: ``injector.as_pre_model_hook()`` (the block is
  shown to the model, never persisted to state);
* as ``create_agent`` middleware: ``injector.as_middleware()`` (see ``langprofile.middleware``).

If the read fails or takes longer than ``read_timeout`` seconds, the model call proceeds without
the block and a warning is logged; a missing user id is a ``MissingUserIdError``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.messages import AnyMessage, BaseMessage, RemoveMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from langprofile._context import run_user
from langprofile.config import READ_TIMEOUT_S
from langprofile.preamble import with_memories
from langprofile.store.profiles import ProfileStore

if TYPE_CHECKING:
    from langprofile.middleware import ProfileMiddleware

__all__ = ["BLOCK_MESSAGE_ID", "ProfileInjector"]

logger = logging.getLogger("langprofile")

#: The id of the injected system message, so each turn replaces it instead of adding another.
BLOCK_MESSAGE_ID = "langprofile-user-profile"

T = TypeVar("T")


class _DaemonPool:
    """A few daemon threads for bounded sync reads: a hung read must not block interpreter exit."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._reset()

    def _reset(self) -> None:
        # Also run in a forked child, which inherits the counters but not the threads.
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
        with self._lock:
            if self._started < self._size:
                self._started += 1
                threading.Thread(target=self._work, name="langprofile-read", daemon=True).start()
        future: Future[T] = Future()
        self._queue.put((future, fn))
        return future


_POOL = _DaemonPool(16)
if hasattr(os, "register_at_fork"):  # pragma: no branch - absent on Windows
    os.register_at_fork(after_in_child=_POOL._reset)


async def _wait(awaitable: Any, seconds: float) -> Any:
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)  # pragma: no cover - 3.10 only


def _messages(state: Any, key: str) -> Sequence[AnyMessage]:
    value = state.get(key) if isinstance(state, Mapping) else getattr(state, key, None)
    return value or []


def _is_block(message: BaseMessage) -> bool:
    return message.id == BLOCK_MESSAGE_ID


class ProfileInjector(Runnable[Any, dict[str, Any]]):
    """A graph node that shows the model the current user's profile block, first.

    Args:
        profiles: the :class:`ProfileStore` to read from.
        messages_key: the state key holding the message list (with the ``add_messages``
            reducer, as in ``MessagesState``).
        read_timeout: seconds to wait for the profile read before continuing without it;
            ``None`` waits as long as the store takes.
        memories: also list, inside the block, up to this many of the user's memories most
            relevant to their last message (``0``, the default, reads the profile only). This
            adds one search of the memory collection per model call.
        memory_tokens: the estimated token budget for those memories.

    The user id comes from the run context (``context={"user_id": ...}``, attribute or key) or
    from ``config["configurable"]["user_id"]``. A run whose context or configurable has
    ``incognito=True`` gets no block.
    """

    def __init__(
        self,
        profiles: ProfileStore[Any],
        *,
        messages_key: str = "messages",
        read_timeout: float | None = READ_TIMEOUT_S,
        memories: int = 0,
        memory_tokens: int = 200,
    ) -> None:
        if memories < 0 or memory_tokens < 0:
            raise ValueError("memories and memory_tokens must be >= 0")
        if not isinstance(profiles, ProfileStore):
            raise TypeError(
                f"ProfileInjector needs a ProfileStore, got {type(profiles).__name__}; "
                "wrap your store: ProfileInjector(ProfileStore(store))"
            )
        if read_timeout is not None and read_timeout <= 0:
            raise ValueError("read_timeout must be positive or None")
        self.profiles = profiles
        self.messages_key = messages_key
        self.read_timeout = read_timeout
        self.memories = memories
        self.memory_tokens = memory_tokens

    @property
    def name(self) -> str:  # type: ignore[override]
        """Node name langgraph shows in graphs and traces."""
        return "ProfileInjector"

    # --- the read, bounded --------------------------------------------------------------
    def _user(self, config: RunnableConfig | None) -> str | None:
        """The user id of this run, or None when the run is incognito."""
        return run_user(config)

    def _skip(self, user_id: str, exc: BaseException, *, what: str = "profile read") -> str:
        outcome = "without memories" if what == "memory search" else "without the block"
        if isinstance(exc, (TimeoutError, FutureTimeout)):
            logger.warning(
                "%s for user %r took longer than %ss; continuing %s",
                what,
                user_id,
                self.read_timeout,
                outcome,
            )
        else:
            logger.warning(
                "%s for user %r failed (%s: %s); continuing %s",
                what,
                user_id,
                type(exc).__name__,
                exc,
                outcome,
            )
        return ""

    def _bounded(self, fn: Callable[[], T], inline: bool, timeout: float | None) -> T:
        """Run ``fn`` inline, or on the read pool for at most ``timeout`` seconds."""
        if timeout is None or inline:
            return fn()
        future = _POOL.submit(fn)
        try:
            return future.result(max(timeout, 0.0))
        finally:
            future.cancel()  # a read still queued is dropped rather than run late

    def read(self, user_id: str, query: str | None = None) -> str:
        """The block for ``user_id``, or ``""`` when there is none or the read failed/timed out.

        ``query`` (the user's last message) picks the memories to list when ``memories`` is on;
        they get what is left of ``read_timeout`` after the profile read, and a memory search
        that fails or runs out of time leaves the block without memories.
        """
        # Resolved here: the read may run on a pool thread, where the running graph's store
        # (ProfileStore(None)) cannot be looked up.
        adapter = self.profiles._adapter_now()
        started = time.monotonic()
        try:
            block = self._bounded(
                lambda: self.profiles._preamble_on(adapter, user_id),
                adapter.inline_sync_reads,
                self.read_timeout,
            )
        except Exception as exc:
            return self._skip(user_id, exc)
        if not (self.memories and block):
            return block
        from langprofile.extraction.memories import search_memories

        left = (
            None if self.read_timeout is None else self.read_timeout - (time.monotonic() - started)
        )
        try:
            found = self._bounded(
                lambda: search_memories(adapter.store, user_id, query, limit=self.memories),
                False,
                left,
            )
        except Exception as exc:  # memories are an extra: never lose the profile over them
            self._skip(user_id, exc, what="memory search")
            return block
        return with_memories(block, found, max_tokens=self.memory_tokens)

    async def aread(self, user_id: str, query: str | None = None) -> str:
        """Async twin of :meth:`read`."""
        adapter = self.profiles._adapter_now()
        started = time.monotonic()
        try:
            read = self.profiles.apreamble(user_id)
            if self.read_timeout is None or adapter.inline_async_reads:
                block = await read
            else:
                block = str(await _wait(read, self.read_timeout))
        except Exception as exc:
            return self._skip(user_id, exc)
        if not (self.memories and block):
            return block
        from langprofile.extraction.memories import asearch_memories

        search = asearch_memories(adapter.store, user_id, query, limit=self.memories)
        try:
            if self.read_timeout is None:
                found = await search
            else:
                left = self.read_timeout - (time.monotonic() - started)
                found = await _wait(search, max(left, 0.001))
        except Exception as exc:
            self._skip(user_id, exc, what="memory search")
            return block
        return with_memories(block, found, max_tokens=self.memory_tokens)

    # --- node ---------------------------------------------------------------------------
    def _update(self, state: Any, block: str) -> dict[str, Any]:
        messages = _messages(state, self.messages_key)
        blocks = [m for m in messages if _is_block(m)]
        if not block:
            if not blocks:
                return {}
            return {self.messages_key: [RemoveMessage(id=BLOCK_MESSAGE_ID)]}
        message = SystemMessage(content=block, id=BLOCK_MESSAGE_ID)
        if len(blocks) == 1 and messages and _is_block(messages[0]):
            if messages[0].content == block:
                return {}
            # add_messages replaces a message with the same id in place: it stays first.
            return {self.messages_key: [message]}
        if not messages:
            return {self.messages_key: [message]}
        rest = [m for m in messages if not _is_block(m)]
        return {self.messages_key: [RemoveMessage(id=REMOVE_ALL_MESSAGES), message, *rest]}

    def _query(self, state: Any) -> str | None:
        if not self.memories:
            return None
        for message in reversed(_messages(state, self.messages_key)):
            if message.type == "human":
                return message.text if isinstance(message.text, str) else str(message.content)
        return None

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Run as a node: return the state update that puts the block first."""
        user_id = self._user(config)
        block = "" if user_id is None else self.read(user_id, self._query(input))
        return self._update(input, block)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Async twin of :meth:`invoke`."""
        user_id = self._user(config)
        block = "" if user_id is None else await self.aread(user_id, self._query(input))
        return self._update(input, block)

    # --- other shapes -------------------------------------------------------------------
    def as_pre_model_hook(self) -> Runnable[Any, dict[str, Any]]:
        """This injector as ``create_react_agent(..., pre_model_hook=...)``.

        Returns ``{"llm_input_messages": [block, *messages]}``: the model sees the block, the
        thread's state does not keep it.
        """
        return _PreModelHook(self)

    def as_middleware(self) -> ProfileMiddleware:
        """This injector as ``create_agent(..., middleware=[...])`` middleware."""
        from langprofile.middleware import ProfileMiddleware

        return ProfileMiddleware(
            self.profiles,
            read_timeout=self.read_timeout,
            memories=self.memories,
            memory_tokens=self.memory_tokens,
        )


def _hook_output(messages: Sequence[AnyMessage], block: str) -> dict[str, Any]:
    rest = [m for m in messages if not _is_block(m)]
    if not block:
        return {"llm_input_messages": rest}
    return {"llm_input_messages": [SystemMessage(content=block, id=BLOCK_MESSAGE_ID), *rest]}


class _PreModelHook(Runnable[Any, dict[str, Any]]):
    def __init__(self, injector: ProfileInjector) -> None:
        self.injector = injector

    @property
    def name(self) -> str:  # type: ignore[override]
        return "ProfileInjector.pre_model_hook"

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        inj = self.injector
        user_id = inj._user(config)
        block = "" if user_id is None else inj.read(user_id, inj._query(input))
        return _hook_output(_messages(input, inj.messages_key), block)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        inj = self.injector
        user_id = inj._user(config)
        block = "" if user_id is None else await inj.aread(user_id, inj._query(input))
        return _hook_output(_messages(input, inj.messages_key), block)
