"""One process at a time runs a store's setup, so a fleet's first start works.

langgraph's ``setup()`` reads the applied migrations, then applies the rest: two processes
doing it at once both apply a migration and one fails (``UNIQUE constraint failed``,
``duplicate column``, a deadlock). PostgreSQL setups take a session advisory lock on a
connection of their own; SQLite setups take an exclusive ``flock`` on the database file, which
SQLite's own (``fcntl``) locks do not see. A PostgreSQL waiter polls with
``pg_try_advisory_lock`` rather than blocking in ``pg_advisory_lock``: a blocked statement holds
a snapshot, and the holder's ``CREATE INDEX CONCURRENTLY`` would wait for it forever.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Final

__all__ = ["apg_setup_lock", "asetup_lock", "pg_setup_lock", "setup_lock"]

#: The advisory lock key every langprofile setup takes ("lpsetup" as a 64-bit number).
_PG_LOCK_KEY: Final = 0x6C70736574757000
_MEMORY: Final = ":memory:"
_POLL_S: Final = 0.05
_TRY: Final = "SELECT pg_try_advisory_lock(%s) AS taken"


@contextmanager
def setup_lock(path: str) -> Iterator[None]:
    """Hold an exclusive lock on the SQLite file at ``path`` (nothing for ``:memory:``)."""
    if path == _MEMORY or os.name != "posix":
        yield  # Windows: no flock; concurrent first starts there are not serialized
        return
    import fcntl

    with open(path, "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@asynccontextmanager
async def asetup_lock(path: str) -> AsyncIterator[None]:
    """Async twin of :func:`setup_lock`: the wait for the lock happens off the event loop."""
    lock = setup_lock(path)
    await asyncio.to_thread(lock.__enter__)
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


@contextmanager
def pg_setup_lock(conninfo: str, kwargs: Mapping[str, Any]) -> Iterator[None]:
    """Hold langprofile's setup advisory lock on a connection of its own."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True, **kwargs) as conn:
        while not _taken(conn.execute(_TRY, (_PG_LOCK_KEY,)).fetchone()):
            time.sleep(_POLL_S)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))


@asynccontextmanager
async def apg_setup_lock(conninfo: str, kwargs: Mapping[str, Any]) -> AsyncIterator[None]:
    """Async twin of :func:`pg_setup_lock`."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True, **kwargs) as conn:
        while not _taken(await (await conn.execute(_TRY, (_PG_LOCK_KEY,))).fetchone()):  # noqa: ASYNC110 - polls another process
            await asyncio.sleep(_POLL_S)
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))


def _taken(row: Any) -> bool:
    return bool(row[0] if isinstance(row, tuple) else row)
