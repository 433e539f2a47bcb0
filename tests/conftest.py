"""Our own suite uses the shipped test kit: ``any_store`` runs a test on memory, SQLite and
PostgreSQL, sync and async, and ``twin`` calls the matching twin (``langprofile.testing.plugin``).

The PostgreSQL database comes from the ``postgres_uri`` fixture (an embedded server, or
``LANGPROFILE_POSTGRES_URI``): these tests never skip for lack of one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

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


# --- a real ``langgraph dev`` for server tests ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    base: str, method: str, path: str, body: Any = None, *, token: str | None = None
) -> tuple[int, Any]:
    """One HTTP call to the server; (status, JSON body)."""
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}{path}", data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 - loopback
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def start_server(
    project: Path, env: dict[str, str], log: Path
) -> tuple[str, subprocess.Popen[bytes]]:
    """``langgraph dev`` on a free loopback port in ``project``; returns its URL once it is up."""
    port = _free_port()
    cli = Path(sys.executable).parent / "langgraph"
    command = [
        str(cli), "dev", "--host", "127.0.0.1", "--port", str(port), "--no-browser",
        "--no-reload", "--n-jobs-per-worker", "4",
    ]  # fmt: skip
    full_env = {**os.environ, "LANGGRAPH_NO_VERSION_CHECK": "true", "LANGSMITH_TRACING": "false"}
    full_env.update(env)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the installed CLI, on a loopback port
            command, cwd=project, env=full_env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/ok", timeout=2):  # noqa: S310
                return base, process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_server(process)
                pytest.fail(
                    f"langgraph dev did not start:\n{log.read_text(errors='replace')[-4000:]}"
                )
            time.sleep(0.5)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def dev_server() -> Iterator[Callable[[Path, dict[str, str], Path], str]]:
    """Start ``langgraph dev`` in a project folder: ``base_url = dev_server(project, env, log)``.

    Every server started is stopped when the session ends.
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(project: Path, env: dict[str, str], log: Path) -> str:
        base, process = start_server(project, env, log)
        started.append(process)
        return base

    yield start
    for process in started:
        stop_server(process)


@pytest.fixture(scope="session")
def http() -> Callable[..., tuple[int, Any]]:
    """``status, body = http(base, "POST", "/runs/wait", body, token=...)``."""
    return request
