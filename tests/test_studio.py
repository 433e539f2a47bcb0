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

from langprofile._namespace import encode_user_id, learner_thread_id

ROOT = Path(__file__).resolve().parents[1]
ALICE, BOB = "alice@example.com", "bob@example.com"
CAROL, DAN = "carol@example.com", "dan@example.com"  # the erasure test's own users
TOKENS = {ALICE: "alice-token", BOB: "bob-token", CAROL: "carol-token", DAN: "dan-token"}
EXTRACTOR_SECONDS = 3.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, dev_server: Any) -> str:
    tmp = tmp_path_factory.mktemp("studio")
    project = tmp / "studio"
    shutil.copytree(ROOT / "examples" / "studio", project)
    config = json.loads((project / "langgraph.json").read_text())
    config["dependencies"] = [str(ROOT)]
    (project / "langgraph.json").write_text(json.dumps(config))
    env = {
        "OPENAI_API_KEY": "",
        "EXAMPLE_EXTRACTOR_LATENCY": str(EXTRACTOR_SECONDS),
        "DEMO_TOKENS": ",".join(f"{token}={user}" for user, token in TOKENS.items()),
    }
    return str(dev_server(project, env, tmp / "server.log"))


Call = Callable[..., tuple[int, Any]]


@pytest.fixture(scope="module")
def api(server: str, http: Call) -> Call:
    """``status, body = api(method, path, body=None, user=ALICE)``: one call as that user."""

    def call(method: str, path: str, body: Any = None, *, user: str | None = ALICE) -> Any:
        return http(server, method, path, body, token=None if user is None else TOKENS[user])

    return call


def _chat(
    api: Call, text: str, *, user: str = ALICE, thread: str | None = None, **context: Any
) -> tuple[int, Any]:
    body = {
        "assistant_id": "profiled_chat",
        "input": {"messages": [{"role": "user", "content": text}]},
        "context": context,
    }
    path = "/runs/wait" if thread is None else f"/threads/{thread}/runs/wait"
    return api("POST", path, body, user=user)


def _new_thread(api: Call, user: str) -> str:
    status, thread = api("POST", "/threads", {}, user=user)
    assert status == 200, thread
    return str(thread["thread_id"])


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


def test_a_thread_holding_the_block_is_its_owners_only(api: Call) -> None:
    thread = _new_thread(api, BOB)
    status, _ = _chat(api, "Hello there.", user=BOB, thread=thread)
    assert status == 200
    status, _ = api("GET", f"/threads/{thread}/state", user=BOB)
    assert status == 200
    status, _ = api("GET", f"/threads/{thread}/state", user=ALICE)
    assert status == 404
    # A learner thread is its user's too (and nobody else's).
    status, _ = api("GET", f"/threads/{learner_thread_id(ALICE)}", user=BOB)
    assert status == 404


def test_forget_me_erases_the_threads_the_profile_went_into(api: Call) -> None:
    thread = _new_thread(api, CAROL)
    status, _ = _chat(api, "Hi, I'm Carol Mendes and I live in Porto.", user=CAROL, thread=thread)
    assert status == 200
    deadline = time.monotonic() + 60
    turns = 1
    while True:
        status, state = _chat(api, "Any plans for today?", user=CAROL, thread=thread)
        turns += 1
        if "I know you" in state["messages"][-1]["content"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    if turns < 3:
        _chat(api, "And tomorrow?", user=CAROL, thread=thread)
    status, history = api("POST", f"/threads/{thread}/history", {"limit": 100}, user=CAROL)
    assert status == 200
    assert "Carol Mendes" in json.dumps(history)
    status, _ = api("GET", f"/threads/{learner_thread_id(CAROL)}", user=CAROL)
    assert status == 200
    dan_thread = _new_thread(api, DAN)
    _chat(api, "Hi, I'm Dan.", user=DAN, thread=dan_thread)

    status, body = api("DELETE", "/me", user=CAROL)
    assert status == 200, body
    assert body["erased"] >= 1
    # Every checkpoint of the thread is gone with it, and so is her learner thread.
    status, _ = api("POST", f"/threads/{thread}/history", {"limit": 100}, user=CAROL)
    assert status == 404
    status, _ = api("GET", f"/threads/{learner_thread_id(CAROL)}", user=CAROL)
    assert status == 404
    status, found = api(
        "POST",
        "/store/items/search",
        {"namespace_prefix": ["users", encode_user_id(CAROL)]},
        user=CAROL,
    )
    assert status == 200
    assert "Carol" not in json.dumps(found)
    assert "Porto" not in json.dumps(found)
    # Nobody else's thread was touched; an unauthenticated erase is refused.
    status, _ = api("GET", f"/threads/{dan_thread}/state", user=DAN)
    assert status == 200
    status, _ = api("DELETE", "/me", user=None)
    assert status in (401, 403)
