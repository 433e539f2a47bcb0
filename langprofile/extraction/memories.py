"""Free-form memories about each user: langmem extraction, search, and a search tool for agents.

Beside the single profile item, each user has a collection of memories (observations the
extractor wrote) under ``("users", <label>, "memories")``, many items per user. This module is
the only writer of that collection and keeps langmem at arm's length:

* langmem is always called with the *encoded* user label (``encode_user_id``), so any user id
  works, emails included; langmem itself formats its namespace template unencoded.
* langmem never writes: it sees a read-only view of the store, and its proposed puts are
  screened (secrets dropped, other namespaces refused) before this module writes them. That also
  avoids langmem's sync ``invoke``, which runs puts in threads and silently loses their errors.
* Nothing that goes wrong while extracting escapes: it is logged, counted and reported as ``0``.

Stored values keep langmem's shape, ``{"kind": "Memory", "content": {"content": "..."}}``, so
the next extraction sees and updates them. ``ProfileStore.forget``/``export`` cover them, since
they live under the user's prefix.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import MessageLikeRepresentation, convert_to_messages
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.constants import TAG_HIDDEN, TAG_NOSTREAM
from langgraph.store.base import BaseStore, Op, PutOp, Result, SearchItem, SearchOp
from langmem import create_memory_store_manager
from langmem.errors import ConfigurationError
from pydantic import BaseModel

from langprofile._context import run_user
from langprofile._namespace import encode_user_id, memories_namespace
from langprofile.config import (
    MEMORIES_LEAF,
    USERS_ROOT,
)
from langprofile.errors import MissingStoreError
from langprofile.extraction.policy import find_sensitive
from langprofile.pipeline.bounds import bound_value
from langprofile.store._ops import Flow, Handler, adrive, drive, io
from langprofile.store.backends import backend_name

__all__ = [
    "MEMORY_TOOL_NAME",
    "MemoryCollection",
    "asearch_memories",
    "create_memory_collection",
    "create_search_memory_tool",
    "memory_text",
    "search_memories",
]

logger = logging.getLogger("langprofile")
T = TypeVar("T")

#: Name of the agent tool made by :func:`create_search_memory_tool`.
MEMORY_TOOL_NAME: Final = "search_user_memories"

#: langmem's namespace template; ``{user_id}`` is filled with the encoded label, never the raw id.
_TEMPLATE: Final = (USERS_ROOT, "{user_id}", MEMORIES_LEAF)

# trustcall makes 1 + (max_attempts - 1) fix calls for invalid output; one fix is enough to
# repair a typo, more mostly burns tokens on a model that keeps failing.
_MAX_ATTEMPTS: Final = 2
# A create or update with one fix round takes 6 graph steps. trustcall retries a model that
# raises in update mode with no cap of its own, so this limit is what bounds those calls.
_RECURSION_LIMIT: Final = 8

# Backends whose search without a query already returns the most recently updated items first.
_NEWEST_FIRST: Final = frozenset({"postgres", "sqlite"})
# Other stores are read in full (in pages) and sorted, up to this many items per user.
_SCAN_PAGE: Final = 500
_SCAN_MAX: Final = 10_000

_NONE_FOUND: Final = "No memories found."
_UNAVAILABLE: Final = "Memory search is unavailable right now; continue without it."
_TOOL_DESCRIPTION: Final = (
    "Search what is remembered about the current user from earlier conversations: facts, "
    "preferences, projects, past requests. Pass a short description of what you are looking for."
)

# Everything that may go wrong inside an extraction. langmem's ConfigurationError derives from
# BaseException, so `except Exception` alone would let it escape; KeyboardInterrupt, SystemExit
# and asyncio.CancelledError are deliberately not listed.
_RECOVERABLE: Final = (Exception, ConfigurationError)

#: Longest text of one stored memory, in characters.
MEMORY_CHARS: Final = 1000


# --------------------------------------------------------------------------------------------
# Requests and drivers: flows are generators, so sync and async twins share every step but I/O.
# --------------------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class _Write:
    store: BaseStore
    ops: tuple[PutOp, ...]
    writes = True  # io() reports a final failure as StoreWriteError

    def run(self) -> Any:
        return self.store.batch(self.ops)

    async def arun(self) -> Any:
        return await self.store.abatch(self.ops)


@dataclass(frozen=True, slots=True)
class _Search:
    store: BaseStore
    namespace: tuple[str, ...]
    query: str | None
    limit: int
    offset: int = 0

    def run(self) -> list[SearchItem]:
        return self.store.search(
            self.namespace, query=self.query, limit=self.limit, offset=self.offset
        )

    async def arun(self) -> list[SearchItem]:
        return await self.store.asearch(
            self.namespace, query=self.query, limit=self.limit, offset=self.offset
        )


def _drive(flow: Flow[T]) -> T:
    """Run ``flow`` with blocking I/O (its requests execute themselves)."""
    return drive(flow, _HANDLER)


async def _adrive(flow: Flow[T]) -> T:
    """Async twin of :func:`_drive`."""
    return await adrive(flow, _HANDLER)


_HANDLER = Handler()


# --------------------------------------------------------------------------------------------
# The store view langmem works on
# --------------------------------------------------------------------------------------------


def _is_langmem_item(item: SearchItem, namespace: tuple[str, ...]) -> bool:
    value = item.value
    return (
        item.namespace == namespace
        and isinstance(value.get("kind"), str)
        and isinstance(value.get("content"), dict)
    )


class _ReadOnlyView(BaseStore):
    """``store`` as langmem sees it: reads pass through, puts are discarded.

    Search results are limited to langmem-shaped items in exactly the searched namespace: langmem
    fails with ``KeyError`` on any other value shape, and would otherwise rewrite items stored
    deeper under the prefix.
    """

    __slots__ = ("_store",)

    def __init__(self, store: BaseStore) -> None:
        self._store = store

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        reads = [op for op in ops if not isinstance(op, PutOp)]
        return _merge(ops, self._store.batch(reads) if reads else [])

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        reads = [op for op in ops if not isinstance(op, PutOp)]
        return _merge(ops, await self._store.abatch(reads) if reads else [])


def _merge(ops: list[Op], read_results: list[Result]) -> list[Result]:
    """Results for ``ops``: ``None`` for each discarded put, the filtered read result otherwise."""
    pending = iter(read_results)
    out: list[Result] = []
    for op in ops:
        if isinstance(op, PutOp):
            out.append(None)
            continue
        result = next(pending)
        if isinstance(op, SearchOp) and isinstance(result, list):
            result = [
                item
                for item in result
                if isinstance(item, SearchItem) and _is_langmem_item(item, op.namespace_prefix)
            ]
        out.append(result)
    return out


# --------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _sensitive_reason(content: Any) -> str | None:
    """Why ``content`` must not be stored (the first sensitive string found), or ``None``."""
    for text in _strings(content):
        reason: str | None = find_sensitive(text)
        if reason is not None:
            return reason
    return None


def memory_text(value: Mapping[str, Any]) -> str:
    """The text of one stored memory value, as shown to people and models.

    langmem's ``Memory`` schema (``{"kind": "Memory", "content": {"content": text}}``) gives its
    text; any other content (a custom schema, a plain string) is given as a string or as compact
    JSON.
    """
    content = value.get("content", value)
    if (
        isinstance(content, Mapping)
        and isinstance(content.get("content"), str)
        and (len(content) == 1 or value.get("kind") == "Memory")
    ):
        return str(content["content"])
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str)


def _resolve_store(store: BaseStore | None, owner: str) -> BaseStore:
    if store is not None:
        return store
    from langgraph.config import get_store

    try:
        found: BaseStore | None = get_store()
    except RuntimeError:
        found = None
    if found is None:
        raise MissingStoreError(
            f"{owner} was created without a store, so it uses the store of the running graph, "
            "but none is available here: compile the graph with `store=...` (langgraph dev "
            "provides one), or pass one explicitly, e.g. store=InMemoryStore()"
        )
    return found


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


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


class MemoryCollection:
    """Writes memories about users from their conversations, with langmem, safely.

    Build it with :func:`create_memory_collection`. ``extract(user_id, messages)`` (or
    ``aextract``) runs one langmem extraction over the user's existing memories and returns how
    many memories it wrote or updated. It never raises for anything that goes wrong while
    extracting (model errors, malformed model output, store faults): those are logged as
    warnings, counted in :meth:`metrics` and return ``0``. It does raise for caller mistakes found
    before any work: an invalid user id (``InvalidUserIdError``) and, with ``store=None``, no
    running graph store (``RuntimeError``). Memories whose content holds a secret or sensitive
    identifier are never stored. Safe to share between threads and tasks.
    """

    def __init__(
        self,
        model: str | BaseChatModel,
        *,
        store: BaseStore | None = None,
        instructions: str | None = None,
        schemas: Sequence[type[BaseModel]] | None = None,
        query_limit: int = 5,
    ) -> None:
        if query_limit < 1:
            raise ValueError(f"query_limit must be at least 1, got {query_limit}")
        self._model = model
        self._store = store
        self._options: dict[str, Any] = {"query_limit": query_limit}
        if instructions is not None:
            self._options["instructions"] = instructions
        if schemas is not None:
            self._options["schemas"] = list(schemas)
        self._counters = _Counters()
        # With a known store the manager is built once; a graph's store is only known per call,
        # and langmem would cache the first one it saw, so that manager is built per call (~1 ms).
        self._manager = None if store is None else self._build(store)

    def _build(self, store: BaseStore) -> Any:
        return create_memory_store_manager(
            self._model,
            namespace=_TEMPLATE,
            enable_inserts=True,
            enable_deletes=False,
            store=_ReadOnlyView(store),
            **self._options,
        )

    def metrics(self) -> dict[str, int]:
        """Counters since creation: ``runs``, ``written``, ``failures``, ``sensitive_dropped``.

        Dropped memories are also counted per reason, as ``sensitive_dropped:<reason>`` (for
        example ``sensitive_dropped:secret:card_number``).
        """
        return self._counters.snapshot()

    def extract(self, user_id: str, messages: Sequence[MessageLikeRepresentation]) -> int:
        """Learn memories about ``user_id`` from ``messages``; return how many were written.

        ``messages`` are LangChain messages or anything ``convert_to_messages`` accepts. See the
        class docstring for what is raised and what is only counted.
        """
        return _drive(self._extract_flow(user_id, messages))

    async def aextract(self, user_id: str, messages: Sequence[MessageLikeRepresentation]) -> int:
        """Async twin of :meth:`extract`."""
        return await _adrive(self._extract_flow(user_id, messages))

    def _extract_flow(
        self,
        user_id: str,
        messages: Sequence[MessageLikeRepresentation],
        store: BaseStore | None = None,
    ) -> Flow[int]:
        """The extraction; ``store`` overrides the collection's (resolved by a caller that can
        still see the running graph's store)."""
        namespace = memories_namespace(user_id)
        # The collection's own store wins: its langmem manager reads existing memories there.
        if self._store is not None:
            store = self._store
        elif store is None:
            store = _resolve_store(None, "create_memory_collection(...)")
        manager = self._manager if self._manager is not None else self._build(store)
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
        self._counters.add("runs")
        try:
            proposed = yield _Extract(manager, turns, config)
            ops = self._screen(proposed, namespace)
            if ops:
                yield from io(_Write(store, ops))
        except _RECOVERABLE as exc:
            self._counters.add("failures")
            logger.warning(
                "memory extraction failed; nothing was written (%s: %.200s)",
                type(exc).__name__,
                exc,
            )
            return 0
        self._counters.add("written", len(ops))
        return len(ops)

    def _screen(self, proposed: Any, namespace: tuple[str, ...]) -> tuple[PutOp, ...]:
        """The puts from langmem that may be written: in ``namespace`` and free of secrets."""
        ops: list[PutOp] = []
        for put in proposed:
            target = tuple(put["namespace"])
            if target != namespace:
                # The view only serves this namespace, so langmem cannot legitimately aim
                # elsewhere; refuse rather than write into another user's data.
                logger.warning("memory extraction proposed a write outside %s; dropped", namespace)
                continue
            value = put["value"]
            if not isinstance(value, dict) or not isinstance(value.get("content"), dict):
                raise TypeError(f"langmem proposed a memory of unexpected shape: {value!r:.100}")
            reason = _sensitive_reason(value["content"])
            if reason is not None:
                self._counters.add("sensitive_dropped")
                self._counters.add(f"sensitive_dropped:{reason}")
                logger.warning(
                    "memory dropped before storing: it holds sensitive data (%s)", reason
                )
                continue
            # Bounded like every other write: no megabyte memories.
            value = {**value, "content": bound_value(value["content"], max_chars=MEMORY_CHARS)}
            ops.append(PutOp(namespace, str(put["key"]), value))
        return tuple(ops)


def create_memory_collection(
    model: str | BaseChatModel,
    *,
    store: BaseStore | None = None,
    instructions: str | None = None,
    schemas: Sequence[type[BaseModel]] | None = None,
    query_limit: int = 5,
) -> MemoryCollection:
    """A :class:`MemoryCollection`: langmem memory extraction into each user's collection.

    ``model`` is a chat model or an ``init_chat_model`` name. ``store=None`` uses the running
    graph's store (``langgraph.config.get_store()``) at each call. ``instructions`` replace
    langmem's default extraction instructions (they go into the human turn). ``schemas`` default
    to langmem's ``Memory`` (one free-text ``content`` field per memory). ``query_limit`` is how
    many existing memories, most similar to the last message, the model sees and may update;
    similarity needs a store with an index, otherwise langmem sees whatever the store returns
    first. The model may add memories and update those it sees, never delete.
    """
    return MemoryCollection(
        model, store=store, instructions=instructions, schemas=schemas, query_limit=query_limit
    )


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


def _search_flow(store: BaseStore, user_id: str, query: str | None, limit: int) -> Flow[list[str]]:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    namespace = memories_namespace(user_id)
    query = query or None
    items: list[SearchItem] = yield _Search(store, namespace, query, limit)
    # Scores mean the store ranked by the query; without an index it ignores the query.
    if query is not None and any(item.score is not None for item in items):
        return [memory_text(item.value) for item in items]
    if backend_name(store) not in _NEWEST_FIRST:
        items = []
        while len(items) < _SCAN_MAX:
            page: list[SearchItem] = yield _Search(
                store, namespace, None, _SCAN_PAGE, offset=len(items)
            )
            items.extend(page)
            if len(page) < _SCAN_PAGE:
                break
        items.sort(key=lambda item: item.updated_at, reverse=True)
    return [memory_text(item.value) for item in items[:limit]]


def search_memories(
    store: BaseStore, user_id: str, query: str | None, *, limit: int = 5
) -> list[str]:
    """The texts of up to ``limit`` of ``user_id``'s memories, best first.

    With a ``query`` and a store that has an index (semantic search), "best" is most relevant;
    otherwise (no query, or no index) it is most recently updated. Store errors are raised.
    """
    return _drive(_search_flow(store, user_id, query, limit))


async def asearch_memories(
    store: BaseStore, user_id: str, query: str | None, *, limit: int = 5
) -> list[str]:
    """Async twin of :func:`search_memories`."""
    return await _adrive(_search_flow(store, user_id, query, limit))


def _run_user_id() -> str | None:
    """The current run's user id (``None`` for an incognito run)."""
    return run_user()


def _tool_flow(store: BaseStore | None, query: str, limit: int) -> Flow[str]:
    user_id = _run_user_id()
    if user_id is None:
        return "This conversation is incognito: memories are not used."
    resolved = _resolve_store(store, "create_search_memory_tool(...)")
    try:
        texts = yield from _search_flow(resolved, user_id, query, limit)
    except Exception as exc:
        # A memory lookup is an aid: a store outage must not end the agent's turn.
        logger.warning("memory search failed (%s: %.200s)", type(exc).__name__, exc)
        return _UNAVAILABLE
    if not texts:
        return _NONE_FOUND
    return "\n".join(f"- {' '.join(text.split())}" for text in texts)


def create_search_memory_tool(*, store: BaseStore | None = None, limit: int = 5) -> BaseTool:
    """A tool, ``search_user_memories(query)``, that searches the current user's memories.

    For agents (``create_agent``, ``ToolNode``). The user id comes from the run: the runtime
    context (attribute or key ``user_id``) or ``config["configurable"]["user_id"]``; without one
    the tool raises ``MissingUserIdError``. ``store=None`` uses the running graph's store. It
    returns up to ``limit`` memories as ``- text`` lines, or ``"No memories found."``; if the
    store fails it logs a warning and says the search is unavailable instead of raising.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")

    def search_user_memories(query: str) -> str:
        return _drive(_tool_flow(store, query, limit))

    async def asearch_user_memories(query: str) -> str:
        return await _adrive(_tool_flow(store, query, limit))

    return StructuredTool.from_function(
        func=search_user_memories,
        coroutine=asearch_user_memories,
        name=MEMORY_TOOL_NAME,
        description=_TOOL_DESCRIPTION,
    )
