"""Our own suite uses the shipped test kit: ``any_store`` runs a test on memory, SQLite and
PostgreSQL, sync and async, and ``twin`` calls the matching twin (``langprofile.testing.plugin``).

The PostgreSQL database comes from the ``postgres_uri`` fixture (an embedded server, or
``LANGPROFILE_POSTGRES_URI``): these tests never skip for lack of one.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

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
