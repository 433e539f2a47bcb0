"""Two ``langgraph dev`` servers (two processes) share one PostgreSQL through
``langprofile.server.store``: concurrent writes to one profile from both all survive."""

from __future__ import annotations

import json
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, create_model

from langprofile import ProfileStore, open_store

GRAPH = """
from typing import Any
from pydantic import create_model
from typing_extensions import TypedDict
from langgraph.graph import START, StateGraph
from langprofile import ProfileStore

Wide = create_model("Wide", **{f"f{i}": (str | None, None) for i in range(16)})
profiles = ProfileStore(None, schema=Wide)


class State(TypedDict):
    field: str


async def set_field(state: State) -> dict[str, Any]:
    await profiles.aupdate("shared@example.com", {state["field"]: "set"})
    return {}


builder = StateGraph(State)
builder.add_node("set_field", set_field)
builder.add_edge(START, "set_field")
graph = builder.compile()
"""

Wide: type[BaseModel] = create_model("Wide", **{f"f{i}": (str | None, None) for i in range(16)})  # type: ignore[call-overload]


def test_sixteen_runs_on_two_servers_lose_no_update(
    tmp_path: Path, postgres_uri: str, dev_server: Any, http: Any
) -> None:
    project = tmp_path / "fleet"
    project.mkdir()
    (project / "graph.py").write_text(textwrap.dedent(GRAPH))
    root = Path(__file__).resolve().parents[1]
    config = {
        "dependencies": [str(root)],
        "graphs": {"setter": "./graph.py:graph"},
        "store": {"path": "langprofile.server.store"},
    }
    (project / "langgraph.json").write_text(json.dumps(config))
    env = {"LANGPROFILE_STORE_URI": postgres_uri}
    servers = (
        dev_server(project, env, tmp_path / "one.log"),
        dev_server(project, env, tmp_path / "two.log"),
    )

    def run(i: int) -> int:
        body = {"assistant_id": "setter", "input": {"field": f"f{i}"}}
        status, _ = http(servers[i % 2], "POST", "/runs/wait", body)
        return int(status)

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(run, range(16)))
    assert statuses == [200] * 16
    with open_store(postgres_uri) as store:
        record = ProfileStore(store, schema=Wide).get("shared@example.com")
        items = store.search(("users",), limit=100)
    assert record is not None
    assert record.profile.model_dump() == {f"f{i}": "set" for i in range(16)}
    assert record.version == 16
    assert len(items) == 1
