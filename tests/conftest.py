"""Shared fixtures: every store-facing test runs on memory, SQLite and PostgreSQL, sync and async.

The PostgreSQL database comes from the ``postgres_uri`` fixture of ``langprofile.testing``
(an embedded server, or ``LANGPROFILE_POSTGRES_URI``): these tests never skip for lack of one.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from langprofile import aopen_store, open_store

BACKENDS = ["memory", "sqlite", "postgres"]
MODES = ["sync", "async"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'profiles.db'}"
    return str(request.getfixturevalue("postgres_uri"))


@pytest.fixture
async def store(store_url: str, mode: str) -> AsyncIterator[BaseStore]:
    """A fresh store of the parametrized backend: sync flavour for sync tests, async for async."""
    if store_url == "memory://":
        yield InMemoryStore()
    elif mode == "sync":
        with open_store(store_url) as opened:
            yield opened
    else:
        async with aopen_store(store_url) as opened:
            yield opened


@pytest.fixture
def call(mode: str) -> Any:
    """``await call(obj, "update", ...)`` runs ``obj.update`` or ``obj.aupdate``, per ``mode``."""

    async def _call(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if mode == "sync":
            return getattr(obj, name)(*args, **kwargs)
        return await getattr(obj, "a" + name)(*args, **kwargs)

    return _call


SNAPSHOTS = Path(__file__).parent / "snapshots"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="session")
def load_benchmark() -> Callable[[str], ModuleType]:
    """Import a script of ``benchmarks/`` by name, so tests can run its measurement code."""

    def load(name: str) -> ModuleType:
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # dataclasses resolve annotations through sys.modules while the module executes
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    return load
