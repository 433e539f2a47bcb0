"""Learning: a graph that learns who the user is while it talks, without delaying replies.

Offline: the chat model and the extractor are scripted stand-ins that make the same tool calls a
real model would (langmem's create and patch calls). Swap in real models and nothing else
changes: ``ProfileLearner(profiles, init_chat_model("openai:gpt-4.1-mini"))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph

from langprofile import ProfileInjector, ProfileLearner, ProfileStore, open_store
from langprofile.testing import ScriptedChatModel, create_step, patch_step


@dataclass
class Context:
    user_id: str


def extractor_step(messages: list[BaseMessage]) -> AIMessage:
    """Stands in for an LLM extractor: what a good model would answer to langmem's prompts."""
    prompt = "\n".join(str(m.content) for m in messages)
    if "<instance id=" not in prompt:  # no profile yet: create one
        return create_step(role="data engineer", organization="Acme", tools=["dbt"])
    if "moved to Snowflake" in prompt:  # the latest turn adds a tool
        return patch_step({"op": "add", "path": "/tools/-", "value": "Snowflake"})(messages)
    return patch_step(  # the profile exists (the rules already wrote the name): fill it in
        {"op": "replace", "path": "/role", "value": "data engineer"},
        {"op": "replace", "path": "/organization", "value": "Acme"},
        {"op": "replace", "path": "/tools", "value": ["dbt"]},
    )(messages)


def main() -> dict[str, Any]:
    chat = ScriptedChatModel(script=["(stand-in reply)"], cycle=True)
    extractor = ScriptedChatModel(script=[extractor_step], cycle=True)
    with open_store("memory://") as store:
        profiles: ProfileStore[Any] = ProfileStore(store)
        learner = ProfileLearner(profiles, extractor, debounce=0.1)

        builder = StateGraph(MessagesState, context_schema=Context)
        builder.add_node("profile", ProfileInjector(profiles))
        builder.add_node("model", lambda state: {"messages": [chat.invoke(state["messages"])]})
        builder.add_node("learn", learner)  # returns at once; learning runs in the background
        builder.add_edge(START, "profile")
        builder.add_edge("profile", "model")
        builder.add_edge("model", "learn")
        graph = builder.compile(checkpointer=InMemorySaver())

        config = {"configurable": {"thread_id": "1"}}
        user = Context(user_id="sam@example.com")
        for text in [
            "Hi, I'm Sam Okafor. I'm a data engineer at Acme and we use dbt.",  # rules + LLM
            "How do I deduplicate rows in SQL?",  # nothing about Sam: the gate skips it
            "We also moved to Snowflake last month. Keep answers short, please.",
        ]:
            graph.invoke({"messages": [("user", text)]}, config, context=user)
            learner.flush()  # a demo wants to see each step; a server never needs this

        record = profiles.get("sam@example.com")
        assert record is not None
        print(record.preamble)
        stats = learner.metrics("sam@example.com")
        print(
            f"{stats['turns_seen']} turns, {stats['turns_skipped_by_gate']} skipped by the gate, "
            f"{stats['llm_calls']} LLM calls, {stats['direct_fields']} fields found by rules"
        )
        return record.profile.model_dump(exclude_none=True)


if __name__ == "__main__":
    main()
