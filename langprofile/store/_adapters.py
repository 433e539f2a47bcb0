"""Per-backend execution of the store requests, including an atomic compare-and-put.

``BaseStore`` has no conditional write, so each backend gets the strongest one it can give:

* PostgreSQL and SQLite: a single conditional ``INSERT … ON CONFLICT DO NOTHING`` or
  ``UPDATE … WHERE version = expected`` on langgraph's own ``store`` table. Atomic across
  processes and hosts.
* ``InMemoryStore`` (process-local by nature) and any other store: a process-wide striped lock
  around get-compare-put. Correct for every writer in this process; a custom store shared by
  several processes needs an adapter of its own (subclass :class:`Adapter`).

Reads, listings and deletes use the public ``BaseStore`` API everywhere.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import weakref
from typing import Any

from langgraph.store.base import BaseStore, PutOp
from langgraph.store.memory import InMemoryStore

from langprofile.store._ops import (
    CompareAndPut,
    Delete,
    ListUser,
    PutMany,
    Read,
    RecentFirst,
    Request,
    Search,
)

__all__ = ["Adapter", "adapter_for", "prefix_text"]

logger = logging.getLogger("langprofile")


def prefix_text(namespace: tuple[str, ...]) -> str:
    # langgraph's SQL stores keep the namespace dot-joined; our labels never contain a dot.
    return ".".join(namespace)


class Adapter:
    """Runs requests against one store: public API for reads, a lock for compare-and-put."""

    _STRIPES = 64
    #: Reads that cannot hang (no network): run inline, skipping the timeout machinery.
    inline_sync_reads = False
    inline_async_reads = False
    #: Whether an unranked search lists the most recently updated items first.
    recent_first = False

    def __init__(self, store: BaseStore) -> None:
        self.store = store
        self._locks = [threading.Lock() for _ in range(self._STRIPES)]

    def reads_inline(self, *, asynchronous: bool) -> bool:
        """Whether a read may skip the read deadline: it cannot hang (no network, no lock)."""
        return self.inline_async_reads if asynchronous else self.inline_sync_reads

    def describe(self) -> str:
        """What store this is, for error messages: its kind and where, never a password."""
        return _describe(self.store)

    def _lock(self, namespace: tuple[str, ...], key: str) -> threading.Lock:
        return self._locks[hash((namespace, key)) % self._STRIPES]

    # --- sync -----------------------------------------------------------------------------
    def read(self, namespace: tuple[str, ...], key: str) -> dict[str, Any] | None:
        """One item's value by key, or ``None``: the read every profile read goes through."""
        item = self.store.get(namespace, key, refresh_ttl=False)
        return None if item is None else item.value

    async def aread(self, namespace: tuple[str, ...], key: str) -> dict[str, Any] | None:
        """Async twin of :meth:`read`."""
        item = await self.store.aget(namespace, key, refresh_ttl=False)
        return None if item is None else item.value

    def run(self, request: Request) -> Any:  # noqa: PLR0911 - one branch per request type
        """Execute one request with blocking I/O."""
        if isinstance(request, Read):
            return self.read(request.namespace, request.key)
        if isinstance(request, CompareAndPut):
            return self.compare_and_put(request)
        if isinstance(request, ListUser):
            return self.store.search(
                request.prefix, limit=request.limit, offset=request.offset, refresh_ttl=False
            )
        if isinstance(request, RecentFirst):
            return self.recent_first
        if isinstance(request, Search):
            return self.store.search(
                request.namespace, query=request.query, limit=request.limit, offset=request.offset
            )
        if isinstance(request, PutMany):
            self.store.batch([PutOp(ns, key, value) for ns, key, value in request.items])
            return len(request.items)
        if isinstance(request, Delete):
            self.store.batch([PutOp(ns, key, None) for ns, key in request.targets])
            return len(request.targets)
        raise TypeError(f"unknown store request {request!r}")

    def compare_and_put(self, request: CompareAndPut) -> bool:
        """Write ``request.value`` iff the stored version is ``request.expected``."""
        with self._lock(request.namespace, request.key):
            item = self.store.get(request.namespace, request.key, refresh_ttl=False)
            if _version(item.value if item else None) != request.expected:
                return False
            self.store.put(request.namespace, request.key, request.value, index=False)
            return True

    # --- async ----------------------------------------------------------------------------
    async def arun(self, request: Request) -> Any:  # noqa: PLR0911 - one branch per request type
        """Execute one request with async I/O."""
        if isinstance(request, Read):
            return await self.aread(request.namespace, request.key)
        if isinstance(request, CompareAndPut):
            return await self.acompare_and_put(request)
        if isinstance(request, ListUser):
            return await self.store.asearch(
                request.prefix, limit=request.limit, offset=request.offset, refresh_ttl=False
            )
        if isinstance(request, RecentFirst):
            return self.recent_first
        if isinstance(request, Search):
            return await self.store.asearch(
                request.namespace, query=request.query, limit=request.limit, offset=request.offset
            )
        if isinstance(request, PutMany):
            await self.store.abatch([PutOp(ns, key, value) for ns, key, value in request.items])
            return len(request.items)
        if isinstance(request, Delete):
            await self.store.abatch([PutOp(ns, key, None) for ns, key in request.targets])
            return len(request.targets)
        raise TypeError(f"unknown store request {request!r}")

    async def acompare_and_put(self, request: CompareAndPut) -> bool:
        """Async twin of :meth:`compare_and_put`."""
        lock = self._lock(request.namespace, request.key)
        await _acquire(lock)
        try:
            item = await self.store.aget(request.namespace, request.key, refresh_ttl=False)
            if _version(item.value if item else None) != request.expected:
                return False
            await self.store.aput(request.namespace, request.key, request.value, index=False)
            return True
        finally:
            lock.release()


async def _acquire(lock: threading.Lock) -> None:
    """Take a thread lock from a coroutine without blocking the event loop.

    Sync writers in other threads share these locks, so an ``asyncio.Lock`` would not do. The
    lock is only ever held for one get-compare-put, so waiting is short: poll with back-off
    rather than park a thread per waiter (parked waiters could exhaust the default executor the
    holder itself needs). A cancelled waiter holds nothing.
    """
    delay = 0.0005
    while not lock.acquire(blocking=False):
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.02)


def _describe(store: BaseStore) -> str:
    kind = type(store).__name__
    try:
        conn: Any = getattr(store, "conn", None)
        conninfo = getattr(conn, "conninfo", None)  # a psycopg pool
        if conninfo is None and hasattr(conn, "info") and hasattr(conn.info, "dsn"):
            conninfo = conn.info.dsn  # a psycopg connection (the dsn holds no password)
        if isinstance(conninfo, str):
            from psycopg.conninfo import conninfo_to_dict

            parts = conninfo_to_dict(conninfo)
            where = f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}"
            return f"{kind} at {where}/{parts.get('dbname', '')}"
        if conn is not None and hasattr(conn, "execute") and "Sqlite" in kind:
            return f"{kind} at {_sqlite_path(store)}"
    except Exception:  # describing the store must never hide the error being reported
        return kind
    return kind


def _sqlite_path(store: BaseStore) -> str:
    import sqlite3

    conn: Any = getattr(store, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        rows = conn.execute("PRAGMA database_list").fetchall()
        if rows and rows[0][2]:
            return str(rows[0][2])
    return "a SQLite database"


def _version(value: Any) -> int | None:
    return None if value is None else int(value.get("version", 0))


class MemoryAdapter(Adapter):
    """``InMemoryStore``: in-process, so async requests run inline without a thread hop."""

    inline_sync_reads = True
    inline_async_reads = True

    async def arun(self, request: Request) -> Any:
        """Execute inline: the in-memory store never waits on I/O."""
        return self.run(request)


# Keyed by id: a store need not be hashable or weak-referenceable. Adapters are held weakly, so a
# store is released once nothing uses it; while anything does, everyone gets the same adapter.
_ADAPTERS: weakref.WeakValueDictionary[int, Adapter] = weakref.WeakValueDictionary()
_ADAPTERS_LOCK = threading.Lock()


def adapter_for(store: BaseStore) -> Adapter:
    """The one adapter of ``store`` in this process (a locking one for stores it does not know).

    Shared by every ``ProfileStore`` over the same store, so the process-wide locks of the
    locking adapters really are process-wide.
    """
    adapter = _ADAPTERS.get(id(store))
    if adapter is not None and adapter.store is store:
        return adapter  # the hot path of every read: no lock
    with _ADAPTERS_LOCK:
        adapter = _ADAPTERS.get(id(store))
        if adapter is None or adapter.store is not store:
            adapter = _ADAPTERS[id(store)] = _new_adapter(store)
        return adapter


# Backend classes by the module that defines them. Only modules the process has imported are
# consulted: a store cannot be an instance of a class never loaded, and the extras stay optional.
_BACKENDS: tuple[tuple[str, str, str], ...] = (
    ("langgraph.store.sqlite.aio", "AsyncSqliteStore", "AsyncSqliteAdapter"),
    ("langgraph.store.sqlite.base", "SqliteStore", "SqliteAdapter"),
    ("langgraph.store.postgres.aio", "AsyncPostgresStore", "AsyncPostgresAdapter"),
    ("langgraph.store.postgres.base", "PostgresStore", "PostgresAdapter"),
)


def _new_adapter(store: BaseStore) -> Adapter:
    if type(store) is InMemoryStore:  # a subclass may do I/O of its own: no inline reads
        return MemoryAdapter(store)
    for module_name, class_name, adapter_name in _BACKENDS:
        backend = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(backend, type) and isinstance(store, backend):
            from langprofile.store import _sql

            adapter: type[Adapter] = getattr(_sql, adapter_name)
            return adapter(store)
    _warn_process_local(store)
    return Adapter(store)


_WARNED: set[str] = set()


def _warn_process_local(store: BaseStore) -> None:
    """Say once per store class that its compare-and-set only holds within this process."""
    kind = f"{type(store).__module__}.{type(store).__qualname__}"
    if kind in _WARNED:
        return
    _WARNED.add(kind)
    logger.warning(
        "langprofile does not know %s: profile writes to it are compare-and-set under a lock "
        "of this process only, so two processes or replicas writing one profile can lose an "
        'update. On a LangGraph server, set "store": {"path": "langprofile.server.store"} '
        "in langgraph.json with LANGPROFILE_STORE_URI=postgresql://...; elsewhere, use "
        "open_store() with a SQLite or PostgreSQL URL",
        kind,
    )
