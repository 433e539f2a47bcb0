"""A graph for LangGraph Studio (``langgraph dev``): profiles on the platform's store.

``ProfileStore(None)`` uses whatever store the server gives the graph, so nothing here names a
backend. Run it from this folder (``langgraph dev``); in Studio, pass the user id as the run's
context (``{"user_id": "alice@example.com"}``) or as ``configurable.user_id``.

The chat model is an offline stand-in that reports whether it received a profile block; set
``OPENAI_API_KEY`` to answer with ``gpt-4.1-mini`` and to extract with it as well.
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langgraph.graph import START, MessagesState, StateGraph
from typing_extensions import TypedDict

from langprofile import BLOCK_MESSAGE_ID, ProfileInjector, ProfileLearner, ProfileStore
from langprofile.testing import ScriptedChatModel


class Context(TypedDict, total=False):
    """Who the run is for; ``incognito`` runs are neither personalized nor learned from."""

    user_id: str
    incognito: bool


def _stand_in(messages: list[BaseMessage]) -> AIMessage:
    first = messages[0] if messages else None
    if isinstance(first, SystemMessage) and first.id == BLOCK_MESSAGE_ID:
        return AIMessage(f"[offline stand-in] I know you: {first.content}")
    return AIMessage("[offline stand-in] I don't know you yet.")


def _models() -> tuple[BaseChatModel, BaseChatModel | None]:
    if os.environ.get("OPENAI_API_KEY"):
        from langchain_openai import ChatOpenAI

        model = ChatOpenAI(model="gpt-4.1-mini")
        return model, model
    return ScriptedChatModel(script=[_stand_in], cycle=True), None


profiles: ProfileStore[Any] = ProfileStore(None)
chat, extractor = _models()
learner = ProfileLearner(profiles, extractor, debounce=0.5)


async def call_model(state: MessagesState) -> dict[str, Any]:
    return {"messages": [await chat.ainvoke(state["messages"])]}


builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node("profile", ProfileInjector(profiles))
builder.add_node("model", call_model)
builder.add_node("learn", learner)
builder.add_edge(START, "profile")
builder.add_edge("profile", "model")
builder.add_edge("model", "learn")
graph = builder.compile()
