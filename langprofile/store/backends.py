"""Open a langgraph store from a URL: in memory, SQLite or PostgreSQL, sync or async.

``open_store`` and ``aopen_store`` are context managers: the store is set up (tables created and
migrated, idempotently) before it is yielded, and its connections are closed on exit. The SQLite
and PostgreSQL drivers are optional extras, imported only when a URL asks for them.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from langgraph.store.base import BaseStore, IndexConfig
from langgraph.store.memory import InMemoryStore

from langprofile.config import STORE_TIMEOUT_S
from langprofile.errors import MissingDependencyError
from langprofile.store._setup import apg_setup_lock, asetup_lock, pg_setup_lock, setup_lock

if TYPE_CHECKING:
    from langgraph.store.postgres.base import PoolConfig, PostgresIndexConfig

__all__ = ["DEFAULT_POOL_SIZE", "SUPPORTED_SCHEMES", "aopen_store", "backend_name", "open_store"]

#: URL prefixes ``open_store`` understands, as they appear in error messages.
SUPPORTED_SCHEMES: Final = (
    "memory://",
    "sqlite:///<path>",
    "postgresql://",
    "postgres://",
    "postgresql+psycopg://",
)

#: Most connections one PostgreSQL store holds open at once.
DEFAULT_POOL_SIZE: Final = 10

# After a few broad searches PostgreSQL switches a prepared statement to a generic plan, which
# cannot use the prefix index well for one user's namespace (0.9 ms became 44 ms per search).
_PLAN_CACHE_OPTION: Final = "-c plan_cache_mode=force_custom_plan"

_POSTGRES_SCHEMES: Final = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
_SQLITE_MEMORY: Final = ":memory:"

Backend = Literal["memory", "sqlite", "postgres"]


@contextmanager
def open_store(
    url: str,
    *,
    index: IndexConfig | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    timeout: float = STORE_TIMEOUT_S,
) -> Iterator[BaseStore]:
    """Open the store at ``url``, set it up, and close it when the block ends.

    ``url`` is ``memory://``, ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``,
    ``sqlite:///:memory:`` or a PostgreSQL URI (``postgresql://``, ``postgres://`` or
    ``postgresql+psycopg://``). ``index`` enables semantic search; on PostgreSQL it may carry
    pgvector options (``PostgresIndexConfig``). ``pool_size`` caps the PostgreSQL connection pool
    and is ignored by the other backends; ``timeout`` bounds, in seconds, every wait for a
    PostgreSQL connection (a connect, a connection from the pool, reconnecting after an outage),
    so that a call fails with ``StoreReadError``/``StoreWriteError`` within about that long while
    the server is down and works again within about that long after it returns. A file-backed
    SQLite database is switched to WAL mode so
    other processes can read while this one writes; the returned SQLite store serializes calls
    from many threads on one connection and has no async methods (use ``aopen_store``).

    Raises ``ValueError`` for an unsupported or malformed URL, ``FileNotFoundError`` when a SQLite
    file's directory does not exist, ``MissingDependencyError`` when the backend's extra is not
    installed, ``RuntimeError`` for ``index`` on a Python whose sqlite3 cannot load extensions, and
    ``psycopg.OperationalError`` (at once, with the server's reason) when PostgreSQL refuses.
    """
    backend, location = _parse_url(url)
    if backend == "memory":
        yield InMemoryStore(index=index)
    elif backend == "sqlite":
        with _open_sqlite(location, index) as store:
            yield store
    else:
        with _open_postgres(location, index, pool_size, timeout) as store:
            yield store


@asynccontextmanager
async def aopen_store(
    url: str,
    *,
    index: IndexConfig | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    timeout: float = STORE_TIMEOUT_S,  # noqa: ASYNC109 - a store setting, not a call deadline
) -> AsyncIterator[BaseStore]:
    """Open the store at ``url`` for async use, set it up, and close it when the block ends.

    Takes the same URLs and options as ``open_store`` and raises the same errors. The store's
    async methods (``aget``, ``aput``, ...) must be called from the event loop that opened it;
    its sync methods must not be called from that loop's thread (except on ``memory://``, whose
    store serves both).
    """
    backend, location = _parse_url(url)
    if backend == "memory":
        yield InMemoryStore(index=index)
    elif backend == "sqlite":
        async with _aopen_sqlite(location, index) as store:
            yield store
    else:
        async with _aopen_postgres(location, index, pool_size, timeout) as store:
            yield store


def backend_name(store: BaseStore) -> Literal["memory", "sqlite", "postgres", "other"]:
    """Name the backend behind ``store``; ``"other"`` for any store this module does not open.

    Sync and async variants share a name. Never imports a driver: a store of a class whose module
    was never imported cannot exist.
    """
    if isinstance(store, InMemoryStore):
        return "memory"
    sqlite = sys.modules.get("langgraph.store.sqlite.base")
    if sqlite is not None and isinstance(store, sqlite.BaseSqliteStore):
        return "sqlite"
    postgres = sys.modules.get("langgraph.store.postgres.base")
    if postgres is not None and isinstance(store, postgres.BasePostgresStore):
        return "postgres"
    return "other"


def _parse_url(url: str) -> tuple[Backend, str]:
    """Split ``url`` into a backend and what its driver connects to (a path or a conninfo)."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        scheme = ""
    if scheme == "memory":
        if rest:
            raise ValueError(f"memory:// takes nothing after the scheme, got {url!r}")
        return "memory", ""
    if scheme == "sqlite":
        return "sqlite", _sqlite_path(url, rest)
    if scheme in _POSTGRES_SCHEMES:
        # libpq reads postgresql:// and postgres:// but not the SQLAlchemy-style driver suffix.
        return "postgres", f"postgresql://{rest}"
    # The URL itself may hold a password, so only the scheme is echoed back.
    shown = f"scheme {scheme + '://'!r}" if scheme else "a URL without a scheme"
    raise ValueError(f"Unsupported store URL: {shown}. Supported: {', '.join(SUPPORTED_SCHEMES)}.")


def _sqlite_path(url: str, rest: str) -> str:
    """Return the file path in ``sqlite:///path``; an absolute path adds a fourth slash."""
    if not rest.startswith("/") or rest == "/":
        raise ValueError(
            f"SQLite URLs look like sqlite:///relative/path.db, sqlite:////absolute/path.db "
            f"or sqlite:///:memory:, got {url!r}"
        )
    if "?" in rest or "#" in rest:
        raise ValueError(f"SQLite URLs take no query string or fragment, got {url!r}")
    path = rest[1:]
    if path != _SQLITE_MEMORY and not Path(path).parent.is_dir():
        # sqlite3 would only say "unable to open database file".
        raise FileNotFoundError(
            f"Directory {str(Path(path).parent)!r} for the SQLite database does not exist"
        )
    return path


def _check_sqlite_index(index: IndexConfig | None) -> None:
    import sqlite3

    # Otherwise setup() fails with a bare AttributeError deep inside the driver.
    if index is not None and not hasattr(sqlite3.Connection, "enable_load_extension"):
        raise RuntimeError(
            "Semantic search on SQLite loads the sqlite-vec extension, but this Python's sqlite3 "
            "module cannot load extensions (it was built without "
            "--enable-loadable-sqlite-extensions). Use a Python built with it, a postgresql:// "
            "store, or open the store without index."
        )


def _missing(extra: str, cause: ImportError) -> MissingDependencyError:
    return MissingDependencyError(
        f"This store URL needs the {extra} extra ({cause}). "
        f"Install it with: pip install 'langprofile[{extra}]'"
    )


@contextmanager
def _open_sqlite(path: str, index: IndexConfig | None) -> Iterator[BaseStore]:
    try:
        from langgraph.store.sqlite import SqliteStore
    except ImportError as exc:
        raise _missing("sqlite", exc) from exc
    _check_sqlite_index(index)
    # from_conn_string already opens the connection with check_same_thread=False, and the store
    # serializes every call with its own lock, so one connection serves any number of threads.
    with SqliteStore.from_conn_string(path, index=index) as store:
        if path != _SQLITE_MEMORY:
            store.conn.execute("PRAGMA journal_mode=WAL")
        with setup_lock(path):
            store.setup()
        yield store


@asynccontextmanager
async def _aopen_sqlite(path: str, index: IndexConfig | None) -> AsyncIterator[BaseStore]:
    try:
        from langgraph.store.sqlite.aio import AsyncSqliteStore
    except ImportError as exc:
        raise _missing("sqlite", exc) from exc
    _check_sqlite_index(index)
    async with AsyncSqliteStore.from_conn_string(path, index=index) as store:
        if path != _SQLITE_MEMORY:
            await store.conn.execute("PRAGMA journal_mode=WAL")
        async with asetup_lock(path):
            await store.setup()
        yield store


def _pool_config(conninfo: str, pool_size: int, timeout: float) -> PoolConfig:
    """Pool settings for ``conninfo``: at most ``pool_size`` connections, custom plans forced,
    and no wait longer than ``timeout`` (connecting, getting a connection, reconnecting)."""
    from psycopg.conninfo import conninfo_to_dict

    if pool_size < 1:
        raise ValueError(f"pool_size must be at least 1, got {pool_size}")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    # Connection kwargs replace the URL's own parameters, so keep any options it already sets.
    given = conninfo_to_dict(conninfo)
    options = str(given.get("options") or "")
    if "plan_cache_mode" not in options:
        options = f"{options} {_PLAN_CACHE_OPTION}".strip()
    kwargs: dict[str, Any] = {"options": options}
    if "connect_timeout" not in given:
        kwargs["connect_timeout"] = max(1, round(timeout))  # libpq takes whole seconds
    # Extra pool arguments pass through langgraph's from_conn_string to psycopg_pool. A short
    # reconnect_timeout keeps the pool's reconnect back-off short: after it gives up, the next
    # call connects afresh, so service resumes within about ``timeout`` of the server's return.
    config: dict[str, Any] = {
        "min_size": 1,
        "max_size": pool_size,
        "kwargs": kwargs,
        "timeout": timeout,
        "reconnect_timeout": timeout,
    }
    return cast("PoolConfig", config)


def _probe(conninfo: str, config: PoolConfig) -> None:
    """Connect once and hang up, so a bad URL or server fails now, with the server's reason.

    A pool retries in the background and only says "couldn't get a connection" after 30 s.
    """
    import psycopg

    with psycopg.connect(conninfo, **config["kwargs"]):
        pass


async def _aprobe(conninfo: str, config: PoolConfig) -> None:
    """Async twin of ``_probe``."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(conninfo, **config["kwargs"]):
        pass


@contextmanager
def _open_postgres(
    conninfo: str, index: IndexConfig | None, pool_size: int, timeout: float
) -> Iterator[BaseStore]:
    try:
        from langgraph.store.postgres import PostgresStore
    except ImportError as exc:
        raise _missing("postgres", exc) from exc
    config = _pool_config(conninfo, pool_size, timeout)
    _probe(conninfo, config)
    with PostgresStore.from_conn_string(
        conninfo,
        pool_config=config,
        index=cast("PostgresIndexConfig | None", index),
    ) as store:
        with pg_setup_lock(conninfo, config["kwargs"]):
            store.setup()
        yield store


@asynccontextmanager
async def _aopen_postgres(
    conninfo: str,
    index: IndexConfig | None,
    pool_size: int,
    timeout: float,  # noqa: ASYNC109
) -> AsyncIterator[BaseStore]:
    try:
        from langgraph.store.postgres.aio import AsyncPostgresStore
    except ImportError as exc:
        raise _missing("postgres", exc) from exc
    config = _pool_config(conninfo, pool_size, timeout)
    await _aprobe(conninfo, config)
    async with AsyncPostgresStore.from_conn_string(
        conninfo,
        pool_config=config,
        index=cast("PostgresIndexConfig | None", index),
    ) as store:
        async with apg_setup_lock(conninfo, config["kwargs"]):
            await store.setup()
        yield store
