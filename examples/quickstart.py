"""Quickstart: a graph whose model always sees who it is talking to.

Runs offline: the chat model is a scripted stand-in that reports the profile block it received.
Swap in a real one (e.g. ``init_chat_model("openai:gpt-4.1-mini")``) and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph

from langprofile import ProfileInjector, ProfileStore, open_store
from langprofile.testing.models import ScriptedChatModel


@dataclass
class Context:
    user_id: str


def stand_in(messages: list[BaseMessage]) -> AIMessage:
    """Offline stand-in for a chat model: echoes the first line of the system block it got."""
    first = str(messages[0].content) if messages else ""
    return AIMessage(f"(stand-in model) system block seen: {first.splitlines()[1:2]}")


def build_graph(profiles: ProfileStore[Any], llm: Any) -> Any:
    builder = StateGraph(MessagesState, context_schema=Context)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node("model", lambda state: {"messages": [llm.invoke(state["messages"])]})
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    return builder.compile(checkpointer=InMemorySaver())


def main() -> str:
    with open_store("memory://") as store:
        profiles: ProfileStore[Any] = ProfileStore(store)
        profiles.update("alice@example.com", {"name": "Alice", "response_length": "concise"})
        graph = build_graph(profiles, ScriptedChatModel(script=[stand_in], cycle=True))
        result = graph.invoke(
            {"messages": [("user", "How do I reverse a list in Python?")]},
            {"configurable": {"thread_id": "1"}},
            context=Context(user_id="alice@example.com"),
        )
        reply = str(result["messages"][-1].content)
        print(reply)
        return reply


if __name__ == "__main__":
    main()
