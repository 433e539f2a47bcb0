"""The Studio example under a real ``langgraph dev`` server: learn in one run, inject in the next.

The server gives the graph its own store; ``ProfileStore(None)`` must find it on the reply path
and in the background learner alike.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310 - a loopback server this test started
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    project = tmp_path / "studio"
    shutil.copytree(ROOT / "examples" / "studio", project)
    config = json.loads((project / "langgraph.json").read_text())
    config["dependencies"] = [str(ROOT)]
    (project / "langgraph.json").write_text(json.dumps(config))
    port = _free_port()
    cli = Path(sys.executable).parent / "langgraph"
    env = {
        **os.environ,
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "LANGSMITH_TRACING": "false",
        "OPENAI_API_KEY": "",
    }
    log = tmp_path / "server.log"
    command = [str(cli), "dev", "--host", "127.0.0.1", "--port", str(port), "--no-browser"]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the installed CLI, on a loopback port
            [*command, "--no-reload"],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/ok", timeout=2):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = log.read_text(errors="replace")
                    pytest.fail(f"langgraph dev did not start:\n{output[-3000:]}")
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _run(base: str, text: str, **context: Any) -> list[dict[str, Any]]:
    body = {
        "assistant_id": "profiled_chat",
        "input": {"messages": [{"role": "user", "content": text}]},
        "context": context,
    }
    return list(_post(f"{base}/runs/wait", body)["messages"])


def test_learns_in_one_run_and_injects_in_the_next(server: str) -> None:
    first = _run(server, "Hi, I'm Alice Chen. Call me Ali. I live in Lisbon.", user_id="a@x.io")
    assert "don't know you yet" in first[-1]["content"]
    deadline = time.monotonic() + 20  # learning happens in the background
    while True:
        reply = _run(server, "What should I cook tonight?", user_id="a@x.io")
        if "I know you" in reply[-1]["content"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert reply[0]["content"].startswith("<User Profile>")
    assert "Alice Chen" in reply[0]["content"]
    assert "Europe/Lisbon" in reply[-1]["content"]
    # another user, and an incognito run of the same user, see nothing
    assert "don't know you yet" in _run(server, "hi", user_id="b@x.io")[-1]["content"]
    incognito = _run(server, "hi", user_id="a@x.io", incognito=True)
    assert "don't know you yet" in incognito[-1]["content"]
