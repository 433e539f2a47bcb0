"""``langprofile demo``: one user, two threads, offline, on a SQLite file.

Thread 1 records what the user says about themself through the ``ProfileStore`` API; thread 2 is
a brand-new conversation, and the offline stand-in model shows the ``<User Profile>`` block it
received. No API key and no network are needed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda
from langgraph.graph import START, MessagesState, StateGraph

from langprofile.nodes import ProfileInjector
from langprofile.preamble import BLOCK_OPEN
from langprofile.store.backends import open_store
from langprofile.store.profiles import ProfileStore
from langprofile.testing.models import ScriptedChatModel

__all__ = ["run_demo"]

USER = "alice@example.com"
THREAD_1: list[tuple[str, dict[str, Any]]] = [
    (
        "Hi! I'm Alice Chen, a data engineer at Acme. Call me Ali.",
        {
            "name": "Alice Chen",
            "preferred_name": "Ali",
            "role": "data engineer",
            "organization": "Acme",
        },
    ),
    (
        "Our stack is Airflow, dbt and Snowflake. I live in Lisbon.",
        {
            "tools": ["Airflow", "dbt", "Snowflake"],
            "timezone": "Europe/Lisbon",
        },
    ),
    (
        "In general keep answers short, and always include code examples.",
        {
            "response_length": "concise",
            "prefers_code_examples": True,
        },
    ),
]
THREAD_2 = "What's a good way to backfill a large table?"


def _stand_in_reply(messages: list[BaseMessage]) -> AIMessage:
    """An offline stand-in for a chat model: says what profile it was given."""
    first = messages[0] if messages else None
    if isinstance(first, SystemMessage) and BLOCK_OPEN in str(first.content):
        return AIMessage(
            "[offline stand-in model] I received your profile block and would tailor "
            "this answer to it."
        )
    return AIMessage("[offline stand-in model] Noted.")


@dataclass
class _Context:
    user_id: str


def _build(profiles: ProfileStore[Any], model: ScriptedChatModel) -> Any:
    from langgraph.checkpoint.memory import InMemorySaver

    builder = StateGraph(MessagesState, context_schema=_Context)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node("model", RunnableLambda(lambda s: {"messages": [model.invoke(s["messages"])]}))
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    return builder.compile(checkpointer=InMemorySaver())


def run_demo(db_path: str | None = None, *, out: Callable[[str], None] = print) -> str:
    """Run the demo and return the block the model saw in thread 2."""
    path = Path(db_path) if db_path else Path(tempfile.mkdtemp(prefix="langprofile-")) / "demo.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    out(f"langprofile demo: SQLite store at {path}")
    out("The chat model is an offline stand-in (no API key, no network).\n")
    with open_store(f"sqlite:///{path}") as store:
        profiles: ProfileStore[Any] = ProfileStore(store)
        profiles.forget(USER)  # a re-run starts from a clean slate
        model = ScriptedChatModel(script=[_stand_in_reply], cycle=True)
        graph = _build(profiles, model)
        context = _Context(user_id=USER)

        out(f"── thread 1 (user {USER}) " + "─" * 30)
        for text, facts in THREAD_1:
            state = graph.invoke(
                {"messages": [HumanMessage(text)]},
                {"configurable": {"thread_id": "thread-1"}},
                context=context,
            )
            out(f"user : {text}")
            out(f"model: {state['messages'][-1].content}")
            record = profiles.update(USER, facts, source="user")
            out(f"       recorded {', '.join(facts)} → profile version {record.version}")

        out("\n── thread 2: a new conversation " + "─" * 24)
        state = graph.invoke(
            {"messages": [HumanMessage(THREAD_2)]},
            {"configurable": {"thread_id": "thread-2"}},
            context=context,
        )
        seen = model.calls[-1]
        block = str(seen[0].content) if isinstance(seen[0], SystemMessage) else ""
        out(f"user : {THREAD_2}")
        out(f"model: {state['messages'][-1].content}\n")
        out("The model received this system block first in thread 2:\n")
        out(block or "(no block)")
        final = profiles.get(USER)
        if final is not None:
            out(
                f"\nprovenance={final.provenance.value} version={final.version} "
                f"fields={sorted(final.field_sources)}"
            )
    return block
