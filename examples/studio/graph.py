"""A deployment of langprofile on a LangGraph server: ``cd examples/studio && langgraph dev``.

- ``profiled_chat`` injects the user's profile before the model and hands each turn to the
  server's run queue for learning (``executor="server"``);
- ``profile_learner`` learns from those turns, one run at a time per user, on the user's own
  thread (visible in Studio);
- the store is langprofile's (``langgraph.json``: ``langprofile.server.store`` with
  ``LANGPROFILE_STORE_URI``), so writes are compare-and-set across every worker and replica;
- ``auth.py`` authenticates a bearer token per user: the run's user is the token's user.

Offline the chat model is a stand-in that reports whether it received a profile block, and
learning uses the rule-based detector only; with ``OPENAI_API_KEY`` set, ``gpt-4.1-mini``
answers and extracts. ``EXAMPLE_EXTRACTOR_LATENCY`` (seconds) adds a scripted extractor that
takes that long, to watch learning run apart from the chat turn.
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langgraph.graph import START, MessagesState, StateGraph
from typing_extensions import TypedDict

from langprofile import BLOCK_MESSAGE_ID, ProfileInjector, ProfileLearner, ProfileStore
from langprofile.server import learner_graph
from langprofile.testing import ScriptedChatModel, patch_step


class Context(TypedDict, total=False):
    """Who the run is for (on an authenticated server: the token's user); ``incognito`` runs
    are neither personalized nor learned from."""

    user_id: str
    incognito: bool


def _stand_in(messages: list[BaseMessage]) -> AIMessage:
    first = messages[0] if messages else None
    if isinstance(first, SystemMessage) and first.id == BLOCK_MESSAGE_ID:
        return AIMessage(f"[offline stand-in] I know you: {first.content}")
    return AIMessage("[offline stand-in] I don't know you yet.")


def _no_change(messages: list[BaseMessage]) -> AIMessage:
    # A scripted extractor with nothing to add; the rules have learned what they can.
    if any("<instance id=" in str(m.content) for m in messages):
        return patch_step()(messages)
    return AIMessage("", tool_calls=[{"name": "UserProfile", "args": {}, "id": "none"}])


def _models() -> tuple[BaseChatModel, BaseChatModel | None]:
    if os.environ.get("OPENAI_API_KEY"):
        from langchain_openai import ChatOpenAI

        model = ChatOpenAI(model="gpt-4.1-mini")
        return model, model
    latency = float(os.environ.get("EXAMPLE_EXTRACTOR_LATENCY") or 0)
    extractor = ScriptedChatModel(script=[_no_change], cycle=True, latency=latency)
    return ScriptedChatModel(script=[_stand_in], cycle=True), extractor if latency else None


chat, extractor = _models()
profiles: ProfileStore[Any] = ProfileStore(None)  # the server's store
learn_on_server = ProfileLearner(profiles, executor="server", debounce=1)


async def call_model(state: MessagesState) -> dict[str, Any]:
    return {"messages": [await chat.ainvoke(state["messages"])]}


builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node("profile", ProfileInjector(profiles))
builder.add_node("model", call_model)
builder.add_node("learn", learn_on_server)
builder.add_edge(START, "profile")
builder.add_edge("profile", "model")
builder.add_edge("model", "learn")
graph = builder.compile()

learner = learner_graph(model=extractor)
