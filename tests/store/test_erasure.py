"""Erasure that erases: the profile, its records, and the checkpoints that held the block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.store.base import BaseStore

from langprofile import ProfileInjector, ProfileStore
from langprofile.testing import ScriptedChatModel


@dataclass
class Context:
    user_id: str


def _graph(profiles: ProfileStore[Any], saver: InMemorySaver) -> Any:
    chat = ScriptedChatModel(script=["ok"], cycle=True)

    async def amodel(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await chat.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState, context_schema=Context)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node(
        "model", RunnableLambda(lambda s: {"messages": [chat.invoke(s["messages"])]}, afunc=amodel)
    )
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    return builder.compile(checkpointer=saver)


def _held_text(saver: InMemorySaver, thread: str, text: str) -> bool:
    return any(
        text in str(snapshot.checkpoint)
        for snapshot in saver.list({"configurable": {"thread_id": thread}})
    )


async def test_forget_with_the_checkpointer_leaves_no_checkpoint_with_profile_text(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "alice", {"name": "Alicia Secretname"})
    await twin(profiles, "update", "bob", {"name": "Bob Keeper"})
    saver = InMemorySaver()
    graph = _graph(profiles, saver)
    for thread, user in [("a1", "alice"), ("a2", "alice"), ("b1", "bob")]:
        for turn in range(3):
            config = {"configurable": {"thread_id": thread}}
            inputs = {"messages": [HumanMessage(f"turn {turn}")]}
            if store_mode == "sync":
                graph.invoke(inputs, config, context=Context(user))
            else:
                await graph.ainvoke(inputs, config, context=Context(user))
    assert _held_text(saver, "a1", "Alicia Secretname")
    assert await twin(profiles, "forget", "alice", checkpointer=saver) >= 3  # profile + 2 threads
    for thread in ("a1", "a2"):
        assert not _held_text(saver, thread, "Alicia")
        assert list(saver.list({"configurable": {"thread_id": thread}})) == []
    assert _held_text(saver, "b1", "Bob Keeper")  # other users' threads stay
    assert await twin(profiles, "get", "alice") is None


class _MissingError(Exception):
    """What a LangGraph client raises for a thread it does not know."""

    class response:  # noqa: N801 - the shape of httpx.HTTPStatusError
        status_code = 404


class _Threads:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.deleted: list[str] = []

    def delete(self, thread_id: str) -> None:
        if thread_id not in self.known:
            raise _MissingError(thread_id)
        self.known.discard(thread_id)
        self.deleted.append(thread_id)


class _AsyncThreads(_Threads):
    async def delete(self, thread_id: str) -> None:  # type: ignore[override]
        super().delete(thread_id)


@dataclass
class _Client:
    """The part of a ``langgraph_sdk`` client ``forget`` uses: ``threads.delete``."""

    threads: _Threads


async def test_forget_deletes_threads_through_a_server_client(
    any_store: BaseStore, twin: Any
) -> None:
    from langprofile._namespace import learner_thread_id

    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "alice", {"name": "Alicia"})
    for threads in (_Threads({"t1", learner_thread_id("alice")}), _AsyncThreads({"t1"})):
        await twin(profiles, "update", "alice", {"name": "Alicia"})
        injector = ProfileInjector(profiles)
        await injector.ainvoke(
            {"messages": [HumanMessage("hi")]},
            {"configurable": {"thread_id": "t1", "user_id": "alice"}},
        )
        await twin(profiles, "forget", "alice", checkpointer=_Client(threads))
        # The recorded thread went, the learner thread too where the server had one; a thread
        # the server no longer knows is not an error.
        assert "t1" in threads.deleted
        assert threads.known == set()
        assert await twin(profiles, "get", "alice") is None


async def test_forget_refuses_what_cannot_delete_a_thread_before_erasing(
    any_store: BaseStore, twin: Any
) -> None:
    import pytest

    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "alice", {"name": "Alicia"})
    with pytest.raises(TypeError, match="checkpointer must be"):
        await twin(profiles, "forget", "alice", checkpointer="postgres://nope")
    assert (await twin(profiles, "get", "alice")).profile.name == "Alicia"
