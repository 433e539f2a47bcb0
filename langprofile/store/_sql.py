"""The SQL backends' adapters: one conditional statement per compare-and-set.

PostgreSQL and SQLite: a single ``INSERT … ON CONFLICT DO NOTHING`` or ``UPDATE … WHERE
version = expected`` on langgraph's own ``store`` table, atomic across processes and hosts.
PostgreSQL reads are a plain primary-key ``SELECT``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from langgraph.store.base import BaseStore

from langprofile.store._adapters import Adapter, prefix_text
from langprofile.store._ops import CompareAndPut, Request

__all__ = ["AsyncPostgresAdapter", "AsyncSqliteAdapter", "PostgresAdapter", "SqliteAdapter"]


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
            row = conn.execute(_PG_READ, (prefix_text(namespace), key)).fetchone()
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

        params = (prefix_text(namespace), key)
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
    prefix = prefix_text(request.namespace)
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

    prefix = prefix_text(request.namespace)
    if request.expected is None:
        return _PG_INSERT, (prefix, request.key, Jsonb(request.value))
    return _PG_UPDATE, (Jsonb(request.value), prefix, request.key, str(request.expected))
