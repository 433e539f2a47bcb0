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

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AnyMessage, BaseMessage, RemoveMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from langprofile._context import FROM_RUN, run_thread, run_user
from langprofile.config import READ_TIMEOUT_S
from langprofile.store._ops import Flow, adrive, drive
from langprofile.store.profiles import ProfileStore
from langprofile.store.reads import DeadlineHandler, injection_flow
from langprofile.store.writes import record_thread_flow

if TYPE_CHECKING:
    from langprofile.middleware import ProfileMiddleware

__all__ = ["BLOCK_MESSAGE_ID", "ProfileInjector"]

logger = logging.getLogger("langprofile")

#: The id of the injected system message, so each turn replaces it instead of adding another.
BLOCK_MESSAGE_ID = "langprofile-user-profile"


def _messages(state: Any, key: str) -> Sequence[AnyMessage]:
    value = state.get(key) if isinstance(state, Mapping) else getattr(state, key, None)
    return value or []


def _is_block(message: BaseMessage) -> bool:
    return message.id == BLOCK_MESSAGE_ID


def _thread_not_recorded(exc: Exception) -> None:
    logger.warning("could not record the thread of an injected block (%s)", type(exc).__name__)


def last_human_text(messages: Sequence[BaseMessage]) -> str | None:
    """The text of the last human message (what memories are picked by), or ``None``."""
    for message in reversed(messages):
        if message.type == "human":
            return message.text if isinstance(message.text, str) else str(message.content)
    return None


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
        self._recorded: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._recorded_lock = threading.Lock()

    @property
    def name(self) -> str:  # type: ignore[override]
        """Node name langgraph shows in graphs and traces."""
        return "ProfileInjector"

    # --- the read: one flow for every surface ------------------------------------------
    def read(self, user_id: str, query: str | None = None) -> str:
        """The block for ``user_id``, or ``""`` when there is none or the read failed/timed out.

        ``query`` (the user's last message) picks the memories to list when ``memories`` is on;
        the profile read and the memory search share ``read_timeout``, and a memory search that
        fails or runs out of time leaves the block without memories.
        """
        return drive(self._flow(user_id, query), self._handler())

    async def aread(self, user_id: str, query: str | None = None) -> str:
        """Async twin of :meth:`read`."""
        return await adrive(self._flow(user_id, query), self._handler())

    def _flow(self, user_id: str, query: str | None) -> Flow[str]:
        return injection_flow(
            user_id,
            query=query if self.memories else None,
            memories=self.memories,
            memory_tokens=self.memory_tokens,
            timeout=self.read_timeout,
        )

    def _handler(self) -> DeadlineHandler:
        # Resolved on the caller's thread: a pool thread cannot look up the running graph's
        # store (ProfileStore(None)).
        return DeadlineHandler(self.profiles.adapter(), self.read_timeout)

    def block_for(
        self,
        messages: Sequence[BaseMessage],
        config: RunnableConfig | None = None,
        context: Any = FROM_RUN,
    ) -> str:
        """The block this run's user should see before ``messages`` (``""`` when incognito).

        The user comes from ``context``/``config`` (by default the running graph's); a missing
        user id is a ``MissingUserIdError``.
        """
        user_id = run_user(config, context)
        return "" if user_id is None else self.read(user_id, self._query(messages))

    async def ablock_for(
        self,
        messages: Sequence[BaseMessage],
        config: RunnableConfig | None = None,
        context: Any = FROM_RUN,
    ) -> str:
        """Async twin of :meth:`block_for`."""
        user_id = run_user(config, context)
        return "" if user_id is None else await self.aread(user_id, self._query(messages))

    def _query(self, messages: Sequence[BaseMessage]) -> str | None:
        return last_human_text(messages) if self.memories else None

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

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Run as a node: return the state update that puts the block first.

        The block then lives in the thread's state (its checkpoints): the first time a user's
        block goes into a thread, the thread is recorded with the user's data, so that
        ``ProfileStore.forget(user_id, checkpointer=...)`` can delete it.
        """
        user_id = run_user(config)
        messages = _messages(input, self.messages_key)
        block = "" if user_id is None else self.read(user_id, self._query(messages))
        if block and (recording := self._new_thread(user_id, config)) is not None:
            try:
                drive(recording, self._handler())
            except Exception as exc:  # the reply goes on; forget may then miss this thread
                _thread_not_recorded(exc)
        return self._update(input, block)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Async twin of :meth:`invoke`."""
        user_id = run_user(config)
        messages = _messages(input, self.messages_key)
        block = "" if user_id is None else await self.aread(user_id, self._query(messages))
        if block and (recording := self._new_thread(user_id, config)) is not None:
            try:
                await adrive(recording, self._handler())
            except Exception as exc:
                _thread_not_recorded(exc)
        return self._update(input, block)

    def _new_thread(self, user_id: str | None, config: RunnableConfig | None) -> Flow[None] | None:
        """The flow recording this run's thread for the user, if not recorded yet."""
        thread_id = run_thread(config)
        if user_id is None or not thread_id:
            return None
        key = (user_id, thread_id)
        with self._recorded_lock:
            if key in self._recorded:
                return None
            self._recorded[key] = None
            while len(self._recorded) > 100_000:
                self._recorded.popitem(last=False)
        return record_thread_flow(user_id, thread_id)

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
        messages = _messages(input, self.injector.messages_key)
        return _hook_output(messages, self.injector.block_for(messages, config))

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        messages = _messages(input, self.injector.messages_key)
        return _hook_output(messages, await self.injector.ablock_for(messages, config))
