"""No fact crosses users or incognito runs, and erasure wins over learning in flight."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from langprofile import InvalidUserIdError, ProfileInjector, ProfileLearner, ProfileStore
from langprofile.testing import ScriptedChatModel, create_step, patch_step


@dataclass
class Context:
    user_id: str
    incognito: bool = False


def _graph(profiles: ProfileStore[Any], learner: ProfileLearner) -> Any:
    chat = ScriptedChatModel(script=["ok"], cycle=True)

    async def amodel(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await chat.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState, context_schema=Context)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node(
        "model", RunnableLambda(lambda s: {"messages": [chat.invoke(s["messages"])]}, afunc=amodel)
    )
    builder.add_node("learn", learner)
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    builder.add_edge("model", "learn")
    return builder.compile(checkpointer=InMemorySaver())


async def _say(graph: Any, mode: str, text: str, context: Context, thread: str) -> None:
    inputs = {"messages": [HumanMessage(text)]}
    config = {"configurable": {"thread_id": thread}}
    if mode == "sync":
        graph.invoke(inputs, config, context=context)
    else:
        await graph.ainvoke(inputs, config, context=context)


async def _flush(learner: ProfileLearner, mode: str) -> None:
    assert learner.flush(10) if mode == "sync" else await learner.aflush(10)


async def test_an_incognito_turn_is_not_learned_by_the_next_turn(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    learner = ProfileLearner(profiles, debounce=0.0)
    graph = _graph(profiles, learner)
    incognito_turn = "Hi, I'm Zed Secretname. I speak Italian."
    await _say(graph, store_mode, incognito_turn, Context("alice", incognito=True), "t")
    await _flush(learner, store_mode)
    assert await twin(profiles, "get", "alice") is None
    await _say(graph, store_mode, "What's 2+2? I live in Lisbon.", Context("alice"), "t")
    await _flush(learner, store_mode)
    record = await twin(profiles, "get", "alice")
    assert record.profile.model_dump(exclude_none=True) == {"timezone": "Europe/Lisbon"}


async def test_a_user_new_to_a_shared_thread_learns_only_their_own_turns(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    profiles = ProfileStore(any_store)

    def step(messages: list[BaseMessage]) -> Any:
        # A patch that changes nothing when a profile is shown, else carol's first document.
        if any("<instance id=" in str(m.content) for m in messages):
            return patch_step()(messages)
        return create_step(role="carpenter")

    extractor = ScriptedChatModel(script=[step], cycle=True)
    learner = ProfileLearner(profiles, extractor, debounce=0.0)
    graph = _graph(profiles, learner)
    await _say(graph, store_mode, "Hi, I'm Bob Builder. I speak German.", Context("bob"), "team")
    await _flush(learner, store_mode)
    await _say(graph, store_mode, "hello everyone, I'm a carpenter", Context("carol"), "team")
    await _flush(learner, store_mode)
    carol = await twin(profiles, "get", "carol")
    assert carol.profile.name is None
    assert carol.profile.languages is None
    assert carol.profile.role == "carpenter"
    # What carol's extraction was shown: her turn, never bob's.
    shown = "\n".join(str(m.content) for m in extractor.calls[-1])
    assert "Bob Builder" not in shown
    bob = await twin(profiles, "get", "bob")
    assert (bob.profile.name, bob.profile.languages) == ("Bob Builder", ["German"])
    # A thread handed on and back: bob's next turn is his, carol's stays hers.
    await _say(graph, store_mode, "I also speak Dutch.", Context("bob"), "team")
    await _flush(learner, store_mode)
    assert (await twin(profiles, "get", "bob")).profile.languages == ["German", "Dutch"]
    assert (await twin(profiles, "get", "carol")).profile.languages is None


def test_a_restarted_learner_credits_a_run_with_its_own_turn_only() -> None:
    profiles = ProfileStore(InMemoryStore())
    learner = ProfileLearner(profiles, debounce=0.0)
    history = [
        HumanMessage("I'm Dana Smith and I speak French.", id="1"),
        AIMessage("Bonjour Dana!", id="2"),
        HumanMessage("I live in Oslo.", id="3"),
        AIMessage("Noted.", id="4"),
    ]
    learner.invoke({"messages": history}, {"configurable": {"user_id": "eve", "thread_id": "x"}})
    assert learner.flush(10)
    assert profiles.get("eve").profile.model_dump(exclude_none=True) == {"timezone": "Europe/Oslo"}


class _Gated(ScriptedChatModel):
    """An extractor that waits for ``release`` before answering: an extraction in flight."""

    started: Any = None
    release: Any = None

    def _next(self, messages: list[BaseMessage]) -> Any:
        self.started.set()
        assert self.release.wait(10)
        return super()._next(messages)


@pytest.mark.parametrize("store_mode", ["sync"])  # threads drive the sync API here
def test_erasure_by_another_learner_wins_over_an_extraction_in_flight(
    any_store: BaseStore,
) -> None:
    profiles = ProfileStore(any_store)
    extractor = _Gated(script=[create_step(role="pilot")], cycle=True)
    extractor.started, extractor.release = threading.Event(), threading.Event()
    worker_a = ProfileLearner(profiles, extractor, mode="manual")
    worker_b = ProfileLearner(ProfileStore(any_store), mode="manual")
    profiles.update("fay", {"name": "Fay"})
    done: list[Any] = []
    thread = threading.Thread(
        target=lambda: done.append(
            worker_a.learn("fay", [("user", "I'm a pilot and I live in Rome")])
        )
    )
    thread.start()
    assert extractor.started.wait(10)
    assert worker_b.forget("fay") == 1
    extractor.release.set()
    thread.join(10)
    assert profiles.get("fay") is None
    assert profiles.preamble("fay") == ""
    exported = profiles.export("fay")
    assert exported["profile"] is None
    assert "pilot" not in str(exported)
    assert done[0].discarded == {"*": "erased"}
    # New facts after the erasure are learned again.
    worker_b.learn("fay", [("user", "I live in Oslo now.")])
    assert profiles.get("fay").profile.timezone == "Europe/Oslo"


def test_learner_entry_points_check_their_arguments() -> None:
    learner = ProfileLearner(ProfileStore(InMemoryStore()), mode="manual")
    with pytest.raises(InvalidUserIdError):
        learner.learn("", [("user", "what's up")])
    with pytest.raises(InvalidUserIdError):
        learner.forget(["a"])  # type: ignore[arg-type]
    learner.learn("gus", [("user", "I speak Greek"), {"role": "user", "content": "hi"}, "yo"])
    assert learner.profiles.get("gus").profile.languages == ["Greek"]
    assert learner.metrics("gus")["turns_seen"] == 3
    learner.forget("gus")
    assert learner.metrics("gus")["turns_seen"] == 0


def test_a_failed_model_call_keeps_the_turn_and_is_retried() -> None:
    model = ScriptedChatModel(script=[RuntimeError("429 rate limited"), create_step(role="nurse")])
    profiles = ProfileStore(InMemoryStore())
    learner = ProfileLearner(profiles, model, debounce=0.0)
    learner.invoke(
        {"messages": [HumanMessage("I work as a nurse at WHO", id="h1"), AIMessage("ok", id="a1")]},
        {"configurable": {"user_id": "nia", "thread_id": "t"}},
    )
    assert learner.flush(30)
    assert profiles.get("nia").profile.role == "nurse"
    assert len(model.calls) >= 2
    metrics = learner.metrics("nia")
    assert metrics["turns_seen"] == 1
    assert metrics["failed"] == {"model_error": 1}


def test_a_long_paste_does_not_push_out_what_was_held_about_the_user() -> None:
    def step(messages: list[BaseMessage]) -> Any:
        return create_step(tools=["Java"])

    model = ScriptedChatModel(script=[step], cycle=True)
    profiles = ProfileStore(InMemoryStore())
    learner = ProfileLearner(profiles, model, debounce=0.0, idle=3600)
    config = {"configurable": {"user_id": "ola", "thread_id": "t"}}
    history: list[BaseMessage] = []
    for i, text in enumerate(["nuestra empresa usa Java", "Traceback:\n" + "x = 1\n" * 5000]):
        history += [HumanMessage(text, id=f"h{i}"), AIMessage("ok", id=f"a{i}")]
        learner.invoke({"messages": list(history)}, config)
    assert learner.flush(30)
    shown = "\n".join(str(m.content) for call in model.calls for m in call)
    assert "nuestra empresa usa Java" in shown
