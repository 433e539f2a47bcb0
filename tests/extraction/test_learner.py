"""ProfileLearner: background learning after each turn, gated, debounced per user, safe."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from langprofile import ProfileInjector, ProfileStore
from langprofile.extraction.learner import ProfileLearner
from langprofile.testing.models import ScriptedChatModel, create_step, patch_step, tool_call_step


@dataclass
class Context:
    user_id: str
    incognito: bool = False


def _graph(profiles: ProfileStore[Any], learner: ProfileLearner, chat: ScriptedChatModel) -> Any:
    builder = StateGraph(MessagesState, context_schema=Context)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node(
        "model",
        RunnableLambda(
            lambda s: {"messages": [chat.invoke(s["messages"])]},
            afunc=lambda s: _ainvoke(chat, s),
        ),
    )
    builder.add_node("learn", learner)
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    builder.add_edge("model", "learn")
    return builder.compile(checkpointer=InMemorySaver())


async def _ainvoke(chat: ScriptedChatModel, state: Any) -> dict[str, Any]:
    return {"messages": [await chat.ainvoke(state["messages"])]}


async def _turn(graph: Any, mode: str, text: str, user: str, thread: str = "t", **ctx: Any) -> Any:
    inputs = {"messages": [HumanMessage(text)]}
    config = {"configurable": {"thread_id": thread}}
    if mode == "sync":
        return graph.invoke(inputs, config, context=Context(user, **ctx))
    return await graph.ainvoke(inputs, config, context=Context(user, **ctx))


async def _flush(learner: ProfileLearner, mode: str) -> None:
    assert learner.flush(10) if mode == "sync" else await learner.aflush(10)


async def test_rules_learn_without_an_llm(any_store: BaseStore, store_mode: str, twin: Any) -> None:
    profiles = ProfileStore(any_store)
    learner = ProfileLearner(profiles, debounce=0.05)
    graph = _graph(profiles, learner, ScriptedChatModel(script=["ok"], cycle=True))
    await _turn(graph, store_mode, "Hi, I'm Alice Chen. Call me Ali.", "alice")
    await _turn(graph, store_mode, "I speak English and Portuguese.", "alice")
    await _turn(graph, store_mode, "What's the capital of Peru?", "alice")
    await _flush(learner, store_mode)
    record = await twin(profiles, "get", "alice")
    assert record.profile.name == "Alice Chen"
    assert record.profile.preferred_name == "Ali"
    assert record.profile.languages == ["English", "Portuguese"]
    assert set(record.field_sources.values()) == {"extracted"}
    metrics = learner.metrics("alice")
    assert metrics["turns_seen"] == 3
    assert metrics["turns_skipped_by_gate"] == 1
    assert metrics["llm_calls"] == 0
    # the next turn's model call sees what was learned
    chat = ScriptedChatModel(script=["ok"], cycle=True)
    await _turn(_graph(profiles, learner, chat), store_mode, "hello", "alice", thread="t2")
    assert "Alice Chen" in str(chat.calls[-1][0].content)


async def test_llm_extraction_is_gated_and_debounced_per_user(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    extractor = ScriptedChatModel(
        script=[create_step(role="data engineer", organization="Acme", tools=["dbt"])]
    )
    learner = ProfileLearner(profiles, extractor, debounce=0.2, max_wait=5)
    graph = _graph(profiles, learner, ScriptedChatModel(script=["ok"], cycle=True))
    await _turn(graph, store_mode, "How do I sort a dict by value?", "bo", thread="a")
    await _turn(graph, store_mode, "I'm a data engineer at Acme.", "bo", thread="a")
    await _turn(graph, store_mode, "Our stack is dbt mostly.", "bo", thread="b")
    await _turn(graph, store_mode, "What is 2+2?", "carl", thread="c")  # another user: not merged
    await _flush(learner, store_mode)

    assert len(extractor.calls) == 1  # three turns of bo, one extraction; carl gated out
    seen = "\n".join(str(m.content) for m in extractor.calls[0])
    assert "data engineer at Acme" in seen
    assert "stack is dbt" in seen
    assert "sort a dict" in seen  # context since the last extraction is kept
    record = await twin(profiles, "get", "bo")
    assert record.profile.organization == "Acme"
    assert await twin(profiles, "get", "carl") is None
    assert learner.metrics()["turns_skipped_by_gate"] == 2


async def test_later_turns_patch_the_profile(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    extractor = ScriptedChatModel(
        script=[
            create_step(role="nurse"),
            patch_step({"op": "replace", "path": "/role", "value": "icu nurse"}),
        ]
    )
    learner = ProfileLearner(profiles, extractor, debounce=0)
    graph = _graph(profiles, learner, ScriptedChatModel(script=["ok"], cycle=True))
    await _turn(graph, store_mode, "I work as a nurse.", "di")
    await _flush(learner, store_mode)
    await _turn(graph, store_mode, "Actually I'm an ICU nurse now.", "di")
    await _flush(learner, store_mode)
    assert (await twin(profiles, "get", "di")).profile.role == "icu nurse"
    # the second extraction saw only what was new since the first
    assert "I work as a nurse" not in str(extractor.calls[1][-1].content)


async def test_incognito_run_neither_reads_nor_writes(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "eve", {"name": "Eve"})
    before = await twin(profiles, "get", "eve")
    extractor = ScriptedChatModel(script=[create_step(role="spy")], cycle=True)
    learner = ProfileLearner(profiles, extractor, debounce=0)
    chat = ScriptedChatModel(script=["ok"], cycle=True)
    graph = _graph(profiles, learner, chat)
    await _turn(graph, store_mode, "I'm Eve Smith, a spy at MI6. Call me E.", "eve", incognito=True)
    await _flush(learner, store_mode)
    assert "<User Profile>" not in "".join(str(m.content) for m in chat.calls[-1])
    assert extractor.calls == []
    assert await twin(profiles, "get", "eve") == before
    assert learner.metrics()["turns_seen"] == 0


async def test_agentic_tool_writes_as_agent(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    from langchain.agents import create_agent

    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "fox", {"response_length": "concise"})
    learner = ProfileLearner(profiles, mode="agentic")
    chat = ScriptedChatModel(
        script=[
            tool_call_step(
                "update_user_profile",
                {"changes": {"role": "pilot", "response_length": "detailed", "organization": None}},
            ),
            tool_call_step("update_user_profile", {"changes": {"expertise_level": "guru"}}),
            tool_call_step(
                "update_user_profile", {"changes": {"pain_points": ["my password is hunter2"]}}
            ),
            "Noted!",
        ]
    )
    agent = create_agent(chat, tools=learner.tools(), context_schema=Context)
    inputs = {"messages": [HumanMessage("I'm a pilot; give me detailed answers")]}
    if store_mode == "sync":
        state = agent.invoke(inputs, context=Context("fox"))
    else:
        state = await agent.ainvoke(inputs, context=Context("fox"))
    replies = [str(m.content) for m in state["messages"] if m.type == "tool"]
    assert replies[0].startswith("Saved: role")
    assert "left as a suggestion" in replies[0]
    assert "expertise_level" in replies[1]  # the validation error goes back to the model
    assert "sensitive" in replies[2]
    record = await twin(profiles, "get", "fox")
    assert record.profile.role == "pilot"
    assert record.field_sources["role"] == "agent"
    assert record.profile.response_length == "concise"
    assert record.profile.expertise_level is None
    assert record.profile.pain_points is None
    assert [s.field for s in record.suggestions] == ["response_length"]


async def test_manual_learn(any_store: BaseStore, twin: Any) -> None:
    profiles = ProfileStore(any_store)
    learner = ProfileLearner(
        profiles, ScriptedChatModel(script=[create_step(tools=["Rust"])]), mode="manual"
    )
    nothing = await twin(learner, "learn", "gil", [HumanMessage("what time is it?")])
    assert nothing is None
    result = await twin(learner, "learn", "gil", [HumanMessage("I write Rust every day.")])
    assert result.applied == ("tools",)
    assert (await twin(profiles, "get", "gil")).profile.tools == ["Rust"]


def test_failed_background_work_is_logged_counted_and_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class FlakyStore(InMemoryStore):
        """Fails the first few writes, like a database that is restarting."""

        failures = 4

        def batch(self, ops: Any) -> Any:
            ops = list(ops)
            if self.failures and any(getattr(op, "value", None) for op in ops):
                self.failures -= 1
                raise ConnectionError("database restarting")
            return super().batch(ops)

    profiles = ProfileStore(FlakyStore())
    learner = ProfileLearner(profiles, debounce=0)
    learner.invoke(
        {"messages": [HumanMessage("I'm Hana Ito. Call me Hana.", id="m1")]},
        {"configurable": {"user_id": "hana"}},
    )
    with caplog.at_level("WARNING", logger="langprofile"):
        assert learner.flush(20)
    record = profiles.get("hana")
    assert record is not None
    assert record.profile.preferred_name == "Hana"
    assert "ConnectionError" in caplog.text
    assert "database restarting" not in caplog.text  # drivers may quote data: types only
    assert learner.metrics("hana")["failed"] == {"StoreWriteError": 1}


def test_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="incognito is a per-run flag"):
        ProfileLearner(ProfileStore(InMemoryStore()), mode="incognito")  # type: ignore[arg-type]


SCRIPT = """
import sys
from langchain_core.messages import HumanMessage
from langprofile import ProfileStore, open_store
from langprofile.extraction.learner import ProfileLearner

opened = open_store(sys.argv[1])  # a server's store: open for the process lifetime
store = opened.__enter__()
learner = ProfileLearner(ProfileStore(store), debounce=30, max_wait=60)  # longer than the run
learner.invoke({"messages": [HumanMessage("I'm Ivo Petrov. Call me Ivo.", id="1")]},
               {"configurable": {"user_id": "ivo"}})
print("returned", flush=True)
# no flush(): exiting must neither hang nor lose the pending work
"""


def test_process_exits_cleanly_without_flush(tmp_path: Path) -> None:
    db = tmp_path / "exit.db"
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(SCRIPT))
    done = subprocess.run(  # noqa: S603 - our own script, this interpreter
        [sys.executable, str(script), f"sqlite:///{db}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "returned" in done.stdout
    from langprofile import open_store

    with open_store(f"sqlite:///{db}") as store:
        record = ProfileStore(store).get("ivo")
    assert record is not None
    assert record.profile.preferred_name == "Ivo"


def _never(messages: list[BaseMessage]) -> AIMessage:
    raise AssertionError("the gate should have kept this turn from the extractor")


def test_memories_are_learned_in_the_same_background_run() -> None:
    from langprofile import create_memory_collection
    from langprofile._namespace import memories_namespace

    store = InMemoryStore()
    profiles = ProfileStore(store)
    memory_model = ScriptedChatModel(
        script=[tool_call_step("Memory", {"content": "Runs marathons in the spring"})]
    )
    learner = ProfileLearner(
        profiles, debounce=0, memories=create_memory_collection(memory_model, store=store)
    )
    config = {"configurable": {"user_id": "ola@example.com"}}
    learner.invoke({"messages": [HumanMessage("What's 2+2?", id="a")]}, config)
    learner.invoke({"messages": [HumanMessage("I'm Ola Nordmann, a runner.", id="b")]}, config)
    assert learner.flush(10)
    items = store.search(memories_namespace("ola@example.com"))
    assert [i.value["content"]["content"] for i in items] == ["Runs marathons in the spring"]
    assert len(memory_model.calls) == 1  # the irrelevant turn alone caused no call
    assert learner.metrics("ola@example.com")["memories_written"] == 1
