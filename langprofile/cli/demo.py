"""``langprofile demo``: one user, two threads, learning as they talk, on a SQLite file.

Thread 1 is a conversation; after each turn a :class:`ProfileLearner` learns from it in the
background. Offline, the rule-based detector does the learning and the chat model is a clearly
labelled stand-in; with ``OPENAI_API_KEY`` set, an OpenAI model answers and extracts (needs
``pip install 'langprofile[openai]'``). Thread 2 is a brand-new conversation, and the demo shows
the ``<User Profile>`` block its first model call received.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda
from langgraph.graph import START, MessagesState, StateGraph

from langprofile.errors import MissingDependencyError
from langprofile.extraction.learner import ProfileLearner
from langprofile.nodes import ProfileInjector
from langprofile.preamble import BLOCK_OPEN
from langprofile.store.backends import open_store
from langprofile.store.profiles import ProfileStore
from langprofile.testing.models import ScriptedChatModel

__all__ = ["run_demo"]

USER = "alice@demo.invalid"  # a reserved domain: never a real user in a --db you pass
THREAD_1 = [
    "Hi! I'm Alice Chen, a data engineer at Acme. Call me Ali.",
    "Our stack is Airflow, dbt and Snowflake. I live in Lisbon, by the way.",
    "I speak Portuguese and English.",
    "What's the difference between a view and a materialized view?",
    "In general keep answers short, and always include code examples.",
]
THREAD_2 = "What's a good way to backfill a large table?"


def _stand_in_reply(messages: list[BaseMessage]) -> AIMessage:
    """An offline stand-in for a chat model: says whether it received a profile block."""
    first = messages[0] if messages else None
    if isinstance(first, SystemMessage) and BLOCK_OPEN in str(first.content):
        words = len(str(first.content).split())
        return AIMessage(
            f"[offline stand-in model] I received your profile ({words} words) and would "
            "tailor this answer to it."
        )
    return AIMessage("[offline stand-in model] Noted.")


def _models() -> tuple[BaseChatModel, BaseChatModel | None, str]:
    if not os.environ.get("OPENAI_API_KEY"):
        stand_in = ScriptedChatModel(script=[_stand_in_reply], cycle=True)
        return stand_in, None, "offline stand-in (no API key); learning by rules only"
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise MissingDependencyError(
            "OPENAI_API_KEY is set but langchain-openai is missing: "
            "pip install 'langprofile[openai]' (or unset the key for the offline demo)"
        ) from exc
    name = os.environ.get("LANGPROFILE_DEMO_MODEL", "gpt-4.1-mini")
    model = ChatOpenAI(model=name)
    return model, model, f"OpenAI {name} for replies and extraction"


@dataclass
class _Context:
    user_id: str


def _build(
    profiles: ProfileStore[Any],
    chat: BaseChatModel,
    learner: ProfileLearner,
    seen: list[list[BaseMessage]],
) -> Any:
    from langgraph.checkpoint.memory import InMemorySaver

    def call_model(state: Any) -> dict[str, Any]:
        seen.append(list(state["messages"]))  # what the model was given, for the printout
        return {"messages": [chat.invoke(state["messages"])]}

    builder = StateGraph(MessagesState, context_schema=_Context)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node("model", RunnableLambda(call_model))
    builder.add_node("learn", learner)
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    builder.add_edge("model", "learn")
    return builder.compile(checkpointer=InMemorySaver())


def run_demo(db_path: str | None = None, *, out: Callable[[str], None] = print) -> str:
    """Run the demo and return the block the model saw in thread 2."""
    path = Path(db_path) if db_path else Path(tempfile.mkdtemp(prefix="langprofile-")) / "demo.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    chat, extractor, label = _models()
    out(f"langprofile demo: SQLite store at {path}")
    out(f"Models: {label}.\n")
    with open_store(f"sqlite:///{path}") as store:
        profiles: ProfileStore[Any] = ProfileStore(store)
        profiles.forget(USER)  # a re-run starts from a clean slate
        learner = ProfileLearner(profiles, extractor, debounce=0.2)
        seen: list[list[BaseMessage]] = []
        graph = _build(profiles, chat, learner, seen)
        context = _Context(user_id=USER)

        out(f"── thread 1 (user {USER}) " + "─" * 30)
        for text in THREAD_1:
            state = graph.invoke(
                {"messages": [HumanMessage(text)]},
                {"configurable": {"thread_id": "thread-1"}},
                context=context,
            )
            out(f"user : {text}")
            out(f"model: {state['messages'][-1].content}")
        learner.flush(timeout=60)
        learned = profiles.get(USER)
        if learned is not None:
            out("\nLearned in the background from thread 1:")
            for field, value in learned.profile.model_dump(exclude_none=True).items():
                out(f"  {field:<22} {value!r}")
        stats = learner.metrics()
        out(
            f"  ({stats['turns_seen']} turns seen, {stats['turns_skipped_by_gate']} skipped by "
            f"the gate, {stats['llm_calls']} LLM extraction calls)"
        )

        out("\n── thread 2: a new conversation " + "─" * 24)
        state = graph.invoke(
            {"messages": [HumanMessage(THREAD_2)]},
            {"configurable": {"thread_id": "thread-2"}},
            context=context,
        )
        first = seen[-1][0] if seen and seen[-1] else None
        block = str(first.content) if isinstance(first, SystemMessage) else ""
        out(f"user : {THREAD_2}")
        out(f"model: {state['messages'][-1].content}\n")
        out("The model received this system block first in thread 2:\n")
        out(block or "(no block)")
        learner.flush(timeout=60)
    return block
