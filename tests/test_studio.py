"""The deployment example under a real ``langgraph dev``: auth, langprofile's store, the learner
graph on the server's queue.

The server runs ``examples/studio`` as shipped (its store is SQLite through
``langprofile.server.store``); requests carry the example's bearer tokens.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from langprofile._namespace import encode_user_id
from langprofile.extraction._server_runs import learner_thread_id

ROOT = Path(__file__).resolve().parents[1]
ALICE, BOB = "alice@example.com", "bob@example.com"
TOKENS = {ALICE: "alice-token", BOB: "bob-token"}
EXTRACTOR_SECONDS = 3.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, dev_server: Any) -> str:
    tmp = tmp_path_factory.mktemp("studio")
    project = tmp / "studio"
    shutil.copytree(ROOT / "examples" / "studio", project)
    config = json.loads((project / "langgraph.json").read_text())
    config["dependencies"] = [str(ROOT)]
    (project / "langgraph.json").write_text(json.dumps(config))
    env = {"OPENAI_API_KEY": "", "EXAMPLE_EXTRACTOR_LATENCY": str(EXTRACTOR_SECONDS)}
    return str(dev_server(project, env, tmp / "server.log"))


Call = Callable[..., tuple[int, Any]]


@pytest.fixture(scope="module")
def api(server: str, http: Call) -> Call:
    """``status, body = api(method, path, body=None, user=ALICE)``: one call as that user."""

    def call(method: str, path: str, body: Any = None, *, user: str | None = ALICE) -> Any:
        return http(server, method, path, body, token=None if user is None else TOKENS[user])

    return call


def _chat(api: Call, text: str, *, user: str = ALICE, **context: Any) -> tuple[int, Any]:
    body = {
        "assistant_id": "profiled_chat",
        "input": {"messages": [{"role": "user", "content": text}]},
        "context": context,
    }
    return api("POST", "/runs/wait", body, user=user)


def test_learns_on_the_servers_queue_and_injects_for_the_token_user(api: Call) -> None:
    started = time.monotonic()
    status, state = _chat(api, "Hi, I'm Alice Chen. Call me Ali. I live in Lisbon.")
    took = time.monotonic() - started
    assert status == 200, state
    assert "don't know you yet" in state["messages"][-1]["content"]
    # The chat turn did not wait for the extractor (it takes EXTRACTOR_SECONDS per call).
    assert took < EXTRACTOR_SECONDS, took
    deadline = time.monotonic() + 60
    while True:
        status, state = _chat(api, "What should I cook tonight?")
        if "I know you" in state["messages"][-1]["content"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert state["messages"][0]["content"].startswith("<User Profile>")
    assert "Alice Chen" in state["messages"][0]["content"]
    # Learning ran as profile_learner runs on alice's own learner thread.
    status, runs = api("GET", f"/threads/{learner_thread_id(ALICE)}/runs")
    assert status == 200, runs
    assert runs, "no learner run on alice's thread"
    assert all(run["status"] in ("success", "pending", "running") for run in runs)
    # Bob (another token) and an incognito run of alice see nothing.
    status, state = _chat(api, "hi", user=BOB)
    assert "don't know you yet" in state["messages"][-1]["content"]
    status, state = _chat(api, "hi", incognito=True)
    assert "don't know you yet" in state["messages"][-1]["content"]


def test_a_run_naming_another_user_is_refused(api: Call) -> None:
    status, body = _chat(api, "I'm Eve and I speak Klingon.", user_id=BOB)
    assert status >= 400 or "UserIdMismatchError" in json.dumps(body), body
    assert "UserIdMismatchError" in json.dumps(body)
    # bob's data is untouched: nothing under his namespace.
    status, found = api(
        "POST",
        "/store/items/search",
        {"namespace_prefix": ["users", encode_user_id(BOB)]},
        user=BOB,
    )
    assert status == 200, found
    assert "Klingon" not in json.dumps(found)


def test_the_store_api_reaches_only_the_tokens_own_namespace(api: Call) -> None:
    own = ["users", encode_user_id(ALICE)]
    other = ["users", encode_user_id(BOB)]
    status, _ = api("POST", "/store/items/search", {"namespace_prefix": own})
    assert status == 200
    status, _ = api("POST", "/store/items/search", {"namespace_prefix": other})
    assert status == 403
    status, _ = api("POST", "/store/items/search", {"namespace_prefix": ["users"]})
    assert status == 403
    item = {"namespace": [*other, "profile"], "key": "profile", "value": {"kind": "x"}}
    status, _ = api("PUT", "/store/items", item)
    assert status == 403
    status, _ = api("POST", "/store/items/search", {"namespace_prefix": own}, user=None)
    assert status in (401, 403)
