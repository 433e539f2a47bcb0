"""Free-form memories about each user, learned with langmem.

Beside the single profile item, each user has a collection of memories (observations the
extractor wrote) under ``("users", <label>, "memories")``, many items per user. langmem is kept
at arm's length:

* it is always called with the *encoded* user label (``encode_user_id``), so any user id works,
  emails included; langmem itself formats its namespace template unencoded;
* it never writes: it sees a read-only view of the store, and the puts it proposes go through
  the memory writer (``langprofile.store.memories.write_flow``), which applies the policy
  (anything sensitive drops the memory) and refuses other namespaces. That also avoids
  langmem's sync ``invoke``, which runs puts in threads and silently loses their errors;
* nothing that goes wrong while extracting escapes: it is logged, counted and reported as ``0``.

Search (``create_search_memory_tool``, the injector's ``memories=``) lives with the store and
the tools: it never imports langmem.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import MessageLikeRepresentation, convert_to_messages
from langchain_core.runnables import RunnableConfig
from langgraph.constants import TAG_HIDDEN, TAG_NOSTREAM
from langgraph.store.base import BaseStore
from langmem import create_memory_store_manager
from langmem.errors import ConfigurationError
from pydantic import BaseModel

from langprofile._codec import now_utc
from langprofile._namespace import encode_user_id, memories_namespace
from langprofile.config import MEMORIES_LEAF, USERS_ROOT
from langprofile.extraction._quiet import quiet_extraction_logs
from langprofile.pipeline.policy import Policy
from langprofile.store._adapters import Adapter, adapter_for
from langprofile.store._ops import Flow, Handler, adrive, drive
from langprofile.store.memories import write_flow
from langprofile.store.profiles import runtime_store
from langprofile.store.views import ReadOnlyView

__all__ = ["MemoryCollection", "create_memory_collection", "memory_flow"]

logger = logging.getLogger("langprofile")

#: langmem's namespace template; ``{user_id}`` is filled with the encoded label, never the raw id.
_TEMPLATE: Final = (USERS_ROOT, "{user_id}", MEMORIES_LEAF)

# trustcall makes 1 + (max_attempts - 1) fix calls for invalid output; one fix is enough to
# repair a typo, more mostly burns tokens on a model that keeps failing.
_MAX_ATTEMPTS: Final = 2
# A create or update with one fix round takes 6 graph steps. trustcall retries a model that
# raises in update mode with no cap of its own, so this limit is what bounds those calls.
_RECURSION_LIMIT: Final = 8

# Everything that may go wrong inside an extraction. langmem's ConfigurationError derives from
# BaseException, so `except Exception` alone would let it escape; KeyboardInterrupt, SystemExit
# and asyncio.CancelledError are deliberately not listed.
_RECOVERABLE: Final = (Exception, ConfigurationError)


@dataclass(frozen=True, slots=True)
class _Extract:
    """One langmem run; result: the puts langmem proposes (it cannot write them itself)."""

    manager: Any
    messages: list[Any]
    config: RunnableConfig

    def run(self) -> Any:
        try:
            return self.manager.invoke({"messages": self.messages}, config=self.config)
        except ConfigurationError as exc:  # a BaseException: make it an ordinary failure
            raise RuntimeError(f"langmem configuration error: {exc}") from exc

    async def arun(self) -> Any:
        try:
            return await self.manager.ainvoke({"messages": self.messages}, config=self.config)
        except ConfigurationError as exc:
            raise RuntimeError(f"langmem configuration error: {exc}") from exc


class _Counters:
    """Thread-safe named counters; the base names are always reported, even at zero."""

    _BASE: Final = ("runs", "written", "failures", "sensitive_dropped")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {**dict.fromkeys(self._BASE, 0), **self._counts}


class MemoryCollection:
    """Writes memories about users from their conversations, with langmem, safely.

    Build it with :func:`create_memory_collection`. ``extract(user_id, messages)`` (or
    ``aextract``) runs one langmem extraction over the user's existing memories and returns how
    many memories it wrote or updated. It never raises for anything that goes wrong while
    extracting (model errors, malformed model output, store faults): those are logged as
    warnings, counted in :meth:`metrics` and return ``0``. It does raise for caller mistakes found
    before any work: an invalid user id (``InvalidUserIdError``) and, with ``store=None``, no
    running graph store (``MissingStoreError``). Memories whose content holds a secret or
    sensitive identifier are never stored. Safe to share between threads and tasks.
    """

    def __init__(
        self,
        model: str | BaseChatModel,
        *,
        store: BaseStore | None = None,
        instructions: str | None = None,
        schemas: Sequence[type[BaseModel]] | None = None,
        query_limit: int = 5,
        policy: Policy | None = None,
    ) -> None:
        if query_limit < 1:
            raise ValueError(f"query_limit must be at least 1, got {query_limit}")
        self.model = model
        self.store = store
        self.policy: Policy = policy if policy is not None else Policy()
        self._options: dict[str, Any] = {"query_limit": query_limit}
        if instructions is not None:
            self._options["instructions"] = instructions
        if schemas is not None:
            self._options["schemas"] = list(schemas)
        self._counters = _Counters()
        # With a known store the manager is built once; a graph's store is only known per call,
        # and langmem would cache the first one it saw, so that manager is built per call (~1 ms).
        self._manager = None if store is None else self.langmem_manager(store)

    def langmem_manager(self, store: BaseStore) -> Any:
        """The langmem manager for ``store`` (built once when the collection has a store)."""
        if self.store is store and getattr(self, "_manager", None) is not None:
            return self._manager
        quiet_extraction_logs()
        return create_memory_store_manager(
            self.model,
            namespace=_TEMPLATE,
            enable_inserts=True,
            enable_deletes=False,
            store=ReadOnlyView(store),
            **self._options,
        )

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``name`` (see :meth:`metrics`)."""
        self._counters.add(name, n)

    def metrics(self) -> dict[str, int]:
        """Counters since creation: ``runs``, ``written``, ``failures``, ``sensitive_dropped``.

        Dropped memories are also counted per reason, as ``sensitive_dropped:<reason>`` (for
        example ``sensitive_dropped:secret:card_number``); memories of a user erased after the
        conversation was seen as ``dropped:erased``.
        """
        return self._counters.snapshot()

    def _handler(self) -> Handler:
        return Handler(adapter_for(self.store if self.store is not None else runtime_store(_OWNER)))

    def extract(self, user_id: str, messages: Sequence[MessageLikeRepresentation]) -> int:
        """Learn memories about ``user_id`` from ``messages``; return how many were written.

        ``messages`` are LangChain messages or anything ``convert_to_messages`` accepts. See the
        class docstring for what is raised and what is only counted.
        """
        handler = self._handler()
        return drive(memory_flow(self, user_id, messages, handler.adapter), handler)

    async def aextract(self, user_id: str, messages: Sequence[MessageLikeRepresentation]) -> int:
        """Async twin of :meth:`extract`."""
        handler = self._handler()
        return await adrive(memory_flow(self, user_id, messages, handler.adapter), handler)


_OWNER: Final = "create_memory_collection(store=None)"


def memory_flow(
    collection: MemoryCollection,
    user_id: str,
    messages: Sequence[MessageLikeRepresentation],
    adapter: Adapter,
    observed: dt.datetime | None = None,
) -> Flow[int]:
    """One memory extraction for ``user_id``; how many memories were written.

    Memories are kept in the collection's store, or, for a collection without one, in the store
    behind ``adapter`` (the running graph's, resolved by the caller). ``observed``: when the
    messages were seen; a user erased since then gets nothing written back.
    """
    memories_namespace(user_id)  # a bad user id fails here, before any work
    observed = observed or now_utc()
    # The collection's own store wins: memories are read and written there.
    if collection.store is not None:
        adapter = adapter_for(collection.store)
    store = adapter.store
    manager = collection.langmem_manager(store)
    turns = convert_to_messages(messages)
    if not turns:
        return 0
    config: RunnableConfig = {
        "configurable": {"user_id": encode_user_id(user_id), "max_attempts": _MAX_ATTEMPTS},
        "recursion_limit": _RECURSION_LIMIT,
        # Keep the extractor's model calls and its graph's messages out of a surrounding
        # graph's message stream, even with subgraphs=True (tracers still record the runs).
        "tags": [TAG_NOSTREAM, TAG_HIDDEN],
    }
    collection.count("runs")
    try:
        proposed = yield _Extract(manager, turns, config)
        for put in proposed:
            if not isinstance(put, dict) or not {"namespace", "key", "value"} <= set(put):
                raise TypeError(f"langmem proposed a memory of unexpected shape: {put!r:.100}")
        written = yield from write_flow(
            adapter, user_id, proposed, collection.policy, observed=observed
        )
    except _RECOVERABLE as exc:
        collection.count("failures")
        logger.warning("memory extraction failed; nothing was written (%s)", type(exc).__name__)
        return 0
    for reason in written.dropped:
        if reason.startswith(("secret:", "pii:")):
            collection.count("sensitive_dropped")
            collection.count(f"sensitive_dropped:{reason}")
        else:
            collection.count(f"dropped:{reason}")
    collection.count("written", written.written)
    return written.written


def create_memory_collection(
    model: str | BaseChatModel,
    *,
    store: BaseStore | None = None,
    instructions: str | None = None,
    schemas: Sequence[type[BaseModel]] | None = None,
    query_limit: int = 5,
    policy: Policy | None = None,
) -> MemoryCollection:
    """A :class:`MemoryCollection`: langmem memory extraction into each user's collection.

    ``model`` is a chat model or an ``init_chat_model`` name. ``store=None`` uses the running
    graph's store (``langgraph.config.get_store()``) at each call. ``instructions`` replace
    langmem's default extraction instructions (they go into the human turn). ``schemas`` default
    to langmem's ``Memory`` (one free-text ``content`` field per memory). ``query_limit`` is how
    many existing memories, most similar to the last message, the model sees and may update;
    similarity needs a store with an index, otherwise langmem sees whatever the store returns
    first. The model may add memories and update those it sees, never delete. ``policy`` decides
    what may be kept (e-mails and phone numbers are dropped by default; secrets always are).
    """
    return MemoryCollection(
        model,
        store=store,
        instructions=instructions,
        schemas=schemas,
        query_limit=query_limit,
        policy=policy,
    )
