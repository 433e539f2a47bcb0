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
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
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

__all__ = ["Adapter", "adapter_for"]


def _prefix_text(namespace: tuple[str, ...]) -> str:
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


class SqliteAdapter(Adapter):
    """Sync ``SqliteStore``: conditional SQL under the store's own connection lock."""

    recent_first = True

    def __init__(self, store: BaseStore) -> None:
        super().__init__(store)
        self._wal = _journal_mode(store) == "wal"

    def reads_inline(self, *, asynchronous: bool) -> bool:
        """Read inline (cheaper than a thread hop) only when the read cannot wait.

        It can wait in two ways: outside WAL mode, for another process's write lock (SQLite's
        busy timeout); in any mode, for the store's one connection, which a write of this
        process holds while *it* waits. Then the read goes through the deadline.
        """
        if asynchronous:
            return False
        lock: Any = getattr(self.store, "lock", None)
        return self._wal and not (lock is not None and lock.locked())

    def compare_and_put(self, request: CompareAndPut) -> bool:
        """Atomic conditional insert/update in one statement."""
        store: Any = self.store
        if not store.is_setup:
            store.setup()
        sql, params = _sqlite_cas(request)
        with store.lock:
            cur = store.conn.execute(sql, params)
            return bool(cur.rowcount == 1)

    async def arun(self, request: Request) -> Any:
        """The sync store has no async API; run in a worker thread."""
        return await asyncio.to_thread(self.run, request)

    async def aread(self, namespace: tuple[str, ...], key: str) -> dict[str, Any] | None:
        """The sync store has no async API; read in a worker thread."""
        return await asyncio.to_thread(self.read, namespace, key)


class AsyncSqliteAdapter(Adapter):
    """``AsyncSqliteStore``: conditional SQL on its aiosqlite connection."""

    recent_first = True

    async def acompare_and_put(self, request: CompareAndPut) -> bool:
        """Atomic conditional insert/update in one statement."""
        store: Any = self.store
        if not store.is_setup:
            await store.setup()
        sql, params = _sqlite_cas(request)
        async with store.lock:
            cur = await store.conn.execute(sql, params)
            return bool(cur.rowcount == 1)

    def compare_and_put(self, request: CompareAndPut) -> bool:
        """Run the async statement on the store's loop from a worker thread."""
        return _on_loop(self.store, self.acompare_and_put(request))


_PG_READ = "SELECT value FROM store WHERE prefix = %s AND key = %s"


class PostgresAdapter(Adapter):
    """Sync ``PostgresStore``: conditional SQL on a pooled or shared connection.

    Reads are a plain primary-key ``SELECT``: ``PostgresStore.get`` wraps every read in a
    TTL-refresh ``UPDATE`` CTE, about 2.5x the cost, and profile items never carry a TTL.
    """

    recent_first = True

    def read(self, namespace: tuple[str, ...], key: str) -> dict[str, Any] | None:
        """One item's value by primary key."""
        with _pg_connection(self.store) as conn:
            row = conn.execute(_PG_READ, (_prefix_text(namespace), key)).fetchone()
        return None if row is None else _row_value(row)

    def compare_and_put(self, request: CompareAndPut) -> bool:
        """Atomic conditional insert/update in one statement."""
        sql, params = _pg_cas(request)
        with _pg_connection(self.store) as conn:
            if conn.autocommit:
                cur = conn.execute(sql, params)
            else:
                with conn.transaction():
                    cur = conn.execute(sql, params)
            return bool(cur.rowcount == 1)

    def run(self, request: Request) -> Any:
        """Execute one request; a dead connection makes the pool check the others."""
        try:
            return super().run(request)
        except Exception as exc:
            _check_pool(self.store, exc)
            raise

    async def arun(self, request: Request) -> Any:
        """``PostgresStore.abatch`` runs in the default executor; so do our requests."""
        return await asyncio.to_thread(self.run, request)


class AsyncPostgresAdapter(Adapter):
    """``AsyncPostgresStore``: conditional SQL on its async pool or connection."""

    async def arun(self, request: Request) -> Any:
        """Execute one request; a dead connection makes the pool check the others."""
        try:
            return await super().arun(request)
        except Exception as exc:
            from psycopg import OperationalError
            from psycopg_pool import AsyncConnectionPool

            pool: Any = self.store.conn  # type: ignore[attr-defined]
            if isinstance(exc, OperationalError) and isinstance(pool, AsyncConnectionPool):
                await pool.check()
            raise

    recent_first = True

    async def aread(self, namespace: tuple[str, ...], key: str) -> dict[str, Any] | None:
        """One item's value by primary key (see :class:`PostgresAdapter`)."""
        from psycopg_pool import AsyncConnectionPool

        params = (_prefix_text(namespace), key)
        conn_or_pool: Any = self.store.conn  # type: ignore[attr-defined]
        if isinstance(conn_or_pool, AsyncConnectionPool):
            async with conn_or_pool.connection() as conn:
                cur = await conn.execute(_PG_READ, params)
                row = await cur.fetchone()
        else:
            cur = await conn_or_pool.execute(_PG_READ, params)
            row = await cur.fetchone()
        return None if row is None else _row_value(row)

    async def acompare_and_put(self, request: CompareAndPut) -> bool:
        """Atomic conditional insert/update in one statement."""
        from psycopg_pool import AsyncConnectionPool

        sql, params = _pg_cas(request)
        conn_or_pool: Any = self.store.conn  # type: ignore[attr-defined]
        if isinstance(conn_or_pool, AsyncConnectionPool):
            async with conn_or_pool.connection() as conn:
                return await _pg_aexecute(conn, sql, params)
        return await _pg_aexecute(conn_or_pool, sql, params)

    def compare_and_put(self, request: CompareAndPut) -> bool:
        """Run the async statement on the store's loop from a worker thread."""
        return _on_loop(self.store, self.acompare_and_put(request))


def _journal_mode(store: BaseStore) -> str:
    conn: Any = getattr(store, "conn", None)
    lock: Any = getattr(store, "lock", None)
    try:
        if lock is not None:
            with lock:
                row = conn.execute("PRAGMA journal_mode").fetchone()
        else:
            row = conn.execute("PRAGMA journal_mode").fetchone()
    except Exception:
        return "unknown"
    return str(row[0]).lower() if row else "unknown"


def _check_pool(store: BaseStore, exc: BaseException) -> None:
    """After a connection-level failure, drop the pool's other dead connections now.

    Idle connections of a pool outlive a server restart, dead; without this each would fail
    one request of its own before the pool noticed.
    """
    from psycopg import OperationalError
    from psycopg_pool import ConnectionPool

    pool: Any = store.conn  # type: ignore[attr-defined]
    if isinstance(exc, OperationalError) and isinstance(pool, ConnectionPool):
        pool.check()


def _row_value(row: Any) -> dict[str, Any]:
    value = row["value"] if isinstance(row, dict) else row[0]
    # jsonb arrives decoded; a connection without psycopg's JSON loaders gives text or bytes.
    return value if isinstance(value, dict) else orjson.loads(value)


async def _pg_aexecute(conn: Any, sql: str, params: tuple[Any, ...]) -> bool:
    if conn.autocommit:
        cur = await conn.execute(sql, params)
    else:
        async with conn.transaction():
            cur = await conn.execute(sql, params)
    return bool(cur.rowcount == 1)


def _on_loop(store: BaseStore, coro: Any) -> bool:
    loop: asyncio.AbstractEventLoop = store.loop  # type: ignore[attr-defined]
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise asyncio.InvalidStateError(
            f"synchronous profile writes on {type(store).__name__} from its own event loop would "
            "deadlock; use the async method (e.g. `await profiles.aupdate(...)`)"
        )
    return bool(asyncio.run_coroutine_threadsafe(coro, loop).result())


@contextmanager
def _pg_connection(store: BaseStore) -> Iterator[Any]:
    from psycopg_pool import ConnectionPool

    conn: Any = store.conn  # type: ignore[attr-defined]
    if isinstance(conn, ConnectionPool):
        with conn.connection() as pooled:
            yield pooled
    else:
        yield conn


_SQLITE_INSERT = (
    "INSERT INTO store (prefix, key, value, created_at, updated_at, expires_at, ttl_minutes) "
    "VALUES (?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL, NULL) "
    "ON CONFLICT (prefix, key) DO NOTHING"
)
_SQLITE_UPDATE = (
    "UPDATE store SET value = ?, updated_at = CURRENT_TIMESTAMP "
    "WHERE prefix = ? AND key = ? AND json_extract(value, '$.version') = ?"
)


def _sqlite_cas(request: CompareAndPut) -> tuple[str, tuple[Any, ...]]:
    # Stored as TEXT JSON so json_extract works whatever the SQLite version.
    body = orjson.dumps(request.value).decode()
    prefix = _prefix_text(request.namespace)
    if request.expected is None:
        return _SQLITE_INSERT, (prefix, request.key, body)
    return _SQLITE_UPDATE, (body, prefix, request.key, request.expected)


_PG_INSERT = (
    "INSERT INTO store (prefix, key, value, created_at, updated_at, expires_at, ttl_minutes) "
    "VALUES (%s, %s, %s, now(), now(), NULL, NULL) ON CONFLICT (prefix, key) DO NOTHING"
)
_PG_UPDATE = (
    "UPDATE store SET value = %s, updated_at = now() "
    "WHERE prefix = %s AND key = %s AND value->>'version' = %s"
)


def _pg_cas(request: CompareAndPut) -> tuple[str, tuple[Any, ...]]:
    from psycopg.types.json import Jsonb

    prefix = _prefix_text(request.namespace)
    if request.expected is None:
        return _PG_INSERT, (prefix, request.key, Jsonb(request.value))
    return _PG_UPDATE, (Jsonb(request.value), prefix, request.key, str(request.expected))


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
_BACKENDS: tuple[tuple[str, str, type[Adapter]], ...] = (
    ("langgraph.store.sqlite.aio", "AsyncSqliteStore", AsyncSqliteAdapter),
    ("langgraph.store.sqlite.base", "SqliteStore", SqliteAdapter),
    ("langgraph.store.postgres.aio", "AsyncPostgresStore", AsyncPostgresAdapter),
    ("langgraph.store.postgres.base", "PostgresStore", PostgresAdapter),
)


def _new_adapter(store: BaseStore) -> Adapter:
    if type(store) is InMemoryStore:  # a subclass may do I/O of its own: no inline reads
        return MemoryAdapter(store)
    for module_name, class_name, adapter in _BACKENDS:
        backend = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(backend, type) and isinstance(store, backend):
            return adapter(store)
    return Adapter(store)
