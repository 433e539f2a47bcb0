"""Memory extraction with langmem, memory search and the agent search tool, on every backend."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import threading
import zlib
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.store.base import BaseStore, PutOp, Result
from langgraph.store.memory import InMemoryStore
from langmem.errors import ConfigurationError

from langprofile import InvalidUserIdError, MissingUserIdError, ProfileStore
from langprofile._namespace import encode_user_id, memories_namespace
from langprofile.extraction.memories import create_memory_collection
from langprofile.pipeline.policy import find_sensitive
from langprofile.store._adapters import adapter_for
from langprofile.store._ops import Handler, adrive, drive
from langprofile.store.memories import memory_text, search_flow
from langprofile.testing.models import ScriptedChatModel
from langprofile.tools import MEMORY_TOOL_NAME, create_search_memory_tool

ALICE = "alice.smith@example.com"
BOB = "bob@example.org"
CARD = "my card is 4111 1111 1111 1111"

_ids = itertools.count(1)
_INSTANCE = re.compile(r"<instance id=(\S+) schema_type=")


def _call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "args": args, "id": f"call-{next(_ids)}", "type": "tool_call"}


def remember(*contents: str) -> AIMessage:
    """The extractor's reply that records new memories: one ``Memory`` tool call each."""
    return AIMessage(content="", tool_calls=[_call("Memory", {"content": c}) for c in contents])


def rewrite(text: str) -> Any:
    """The extractor's reply that replaces the (single) memory it was shown with ``text``."""

    def step(messages: list[BaseMessage]) -> AIMessage:
        found = _INSTANCE.search(str(messages[0].content))
        assert found is not None, "no existing memory was shown to the model"
        patch = {"op": "replace", "path": "/content", "value": text}
        args = {"json_doc_id": found.group(1), "planned_edits": "-", "patches": [patch]}
        return AIMessage(content="", tool_calls=[_call("PatchDoc", args)])

    return step


def memory(text: str) -> dict[str, Any]:
    return {"kind": "Memory", "content": {"content": text}}


async def stored(store: BaseStore, call: Any, user_id: str) -> list[str]:
    items = await call(store, "search", memories_namespace(user_id), limit=100)
    return sorted(memory_text(item.value) for item in items)


async def search(
    store: BaseStore, mode: str, user_id: str, query: str | None, limit: int = 5
) -> list[str]:
    flow = search_flow(memories_namespace(user_id), query, limit)
    handler = Handler(adapter_for(store))
    return drive(flow, handler) if mode == "sync" else await adrive(flow, handler)


def seen_by_model(model: ScriptedChatModel) -> str:
    return "\n".join(str(m.content) for messages in model.calls for m in messages)


# --- extraction ---------------------------------------------------------------------------


async def test_extract_writes_then_updates_under_the_encoded_namespace(
    any_store: BaseStore, twin: Any
) -> None:
    model = ScriptedChatModel(script=[remember("Prefers dark roast coffee"), rewrite("Drinks tea")])
    collection = create_memory_collection(model, store=any_store)

    written = await twin(collection, "extract", ALICE, [("user", "I love dark roast coffee")])

    assert written == 1
    items = await twin(any_store, "search", ("users",), limit=100)
    assert [(item.namespace, item.value) for item in items] == [
        (("users", encode_user_id(ALICE), "memories"), memory("Prefers dark roast coffee"))
    ]
    assert encode_user_id(ALICE) != ALICE  # the "." really needed encoding

    # The second run sees the stored memory and rewrites it in place.
    written = await twin(collection, "extract", ALICE, [HumanMessage("Actually I switched to tea")])

    assert written == 1
    assert await stored(any_store, twin, ALICE) == ["Drinks tea"]
    assert "Prefers dark roast coffee" in str(model.calls[1][0].content)
    assert collection.metrics() == {
        "runs": 2,
        "written": 2,
        "failures": 0,
        "sensitive_dropped": 0,
    }
    # The user's memories are part of what they can export and erase.
    exported = await twin(ProfileStore(any_store), "export", ALICE)
    assert "Drinks tea" in str(exported)
    assert await twin(ProfileStore(any_store), "forget", ALICE) == 1
    assert await stored(any_store, twin, ALICE) == []


async def test_users_are_isolated(any_store: BaseStore, twin: Any) -> None:
    model = ScriptedChatModel(
        script=[remember("Likes green tea"), remember("Likes espresso"), remember("Has a cat")]
    )
    collection = create_memory_collection(model, store=any_store)

    await twin(collection, "extract", ALICE, [("user", "green tea please")])
    await twin(collection, "extract", BOB, [("user", "espresso please")])
    await twin(collection, "extract", ALICE, [("user", "my cat says hi")])

    assert await stored(any_store, twin, ALICE) == ["Has a cat", "Likes green tea"]
    assert await stored(any_store, twin, BOB) == ["Likes espresso"]
    bob_call = "\n".join(str(m.content) for m in model.calls[1])
    assert "green tea" not in bob_call  # Bob's extractor never saw Alice's memories
    assert "espresso" not in "\n".join(str(m.content) for m in model.calls[2])


@pytest.mark.parametrize(
    "secret",
    [CARD, "my password is hunter2", "API key: sk-proj-4fJ9xQ2mZ7LwT1vB8nR3kY6p"],
    ids=["card", "password", "api-key"],
)
async def test_secrets_are_never_stored_and_are_counted(
    any_store: BaseStore, twin: Any, secret: str
) -> None:
    model = ScriptedChatModel(
        script=[remember(secret, "Works at Acme"), rewrite(f"Works at Acme; {secret}")]
    )
    collection = create_memory_collection(model, store=any_store)
    reason = find_sensitive(secret)
    assert reason is not None

    assert await twin(collection, "extract", ALICE, [("user", f"I work at Acme; {secret}")]) == 1
    assert await stored(any_store, twin, ALICE) == ["Works at Acme"]

    # An update that would add the secret to an existing memory leaves the memory as it was.
    assert await twin(collection, "extract", ALICE, [("user", secret)]) == 0
    assert await stored(any_store, twin, ALICE) == ["Works at Acme"]

    metrics = collection.metrics()
    assert metrics["sensitive_dropped"] == 2
    assert metrics[f"sensitive_dropped:{reason}"] == 2
    assert metrics["written"] == 1
    assert metrics["failures"] == 0


@pytest.mark.parametrize(
    "error",
    [RuntimeError("provider is down"), TimeoutError(), ConfigurationError("langmem config")],
    ids=["runtime", "timeout", "langmem-configuration-error"],
)
async def test_model_errors_are_logged_counted_and_write_nothing(
    any_store: BaseStore, twin: Any, error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    collection = create_memory_collection(ScriptedChatModel(script=[error]), store=any_store)

    with caplog.at_level(logging.WARNING, logger="langprofile"):
        written = await twin(collection, "extract", ALICE, [("user", "hi")])

    assert written == 0
    assert await stored(any_store, twin, ALICE) == []
    assert collection.metrics()["failures"] == 1
    assert "memory extraction failed" in caplog.text


async def test_a_model_that_keeps_failing_is_called_a_bounded_number_of_times(
    twin: Any,
) -> None:
    store = InMemoryStore()
    store.put(memories_namespace(ALICE), "m1", memory("Likes chess"))
    # With an existing memory, trustcall retries a raising model without a cap of its own.
    model = ScriptedChatModel(script=[RuntimeError("down")], cycle=True)
    collection = create_memory_collection(model, store=store)

    assert await twin(collection, "extract", ALICE, [("user", "hi")]) == 0

    assert 1 < len(model.calls) <= 8
    assert collection.metrics()["failures"] == 1
    assert await stored(store, twin, ALICE) == ["Likes chess"]


class Abort(BaseException):
    """Stands for KeyboardInterrupt and friends: must not be swallowed."""


async def test_interrupts_are_not_swallowed(twin: Any) -> None:
    class Interrupted(InMemoryStore):
        def batch(self, ops: Any) -> list[Result]:
            raise Abort

        async def abatch(self, ops: Any) -> list[Result]:
            raise Abort

    model = ScriptedChatModel(script=[remember("x")])
    collection = create_memory_collection(model, store=Interrupted())

    with pytest.raises(Abort):
        await twin(collection, "extract", ALICE, [("user", "hi")])


def _unfixed(messages: list[BaseMessage]) -> AIMessage:
    """A fix attempt that changes nothing, so the call stays invalid."""
    args = {"json_doc_id": "x", "planned_edits": "-", "patches": []}
    return AIMessage(content="", tool_calls=[_call("PatchFunctionErrors", args)])


def _bad_call(name: str, args: dict[str, Any]) -> Any:
    return lambda messages: AIMessage(content="", tool_calls=[_call(name, args)])


# case -> (script, most model calls allowed)
MALFORMED: dict[str, tuple[list[Any], int]] = {
    "unknown-tool": ([_bad_call("Nope", {"content": "x"}), _unfixed], 2),
    "wrong-type": ([_bad_call("Memory", {"content": 5}), _unfixed], 2),
    "missing-field": ([_bad_call("Memory", {}), _unfixed], 2),
    # trustcall does not count a fix reply without tool calls as an attempt, then trips over
    # its own state; the run is still bounded and fails quietly.
    "fix-reply-without-tool-call": ([_bad_call("Memory", {}), "?"], 8),
    "invalid-json": (
        [
            AIMessage(
                content="",
                invalid_tool_calls=[
                    {
                        "name": "Memory",
                        "args": "{bad",
                        "id": "x",
                        "error": "bad",
                        "type": "invalid_tool_call",
                    }
                ],
            )
        ],
        1,
    ),
    "plain-text": (["Nothing to remember."], 1),
}


@pytest.mark.parametrize("case", MALFORMED)
async def test_malformed_output_writes_nothing_and_does_not_raise(
    any_store: BaseStore, twin: Any, case: str
) -> None:
    script, most_calls = MALFORMED[case]
    model = ScriptedChatModel(script=script, cycle=True)
    collection = create_memory_collection(model, store=any_store)

    assert await twin(collection, "extract", ALICE, [("user", "hi")]) == 0

    assert await stored(any_store, twin, ALICE) == []
    assert len(model.calls) <= most_calls


async def test_store_write_failures_are_retried_then_counted(twin: Any) -> None:
    class FailingPuts(InMemoryStore):
        puts = 0

        def batch(self, ops: Any) -> list[Result]:
            ops = list(ops)
            if any(isinstance(op, PutOp) for op in ops):
                FailingPuts.puts += 1
                raise ConnectionError("store is down")
            return super().batch(ops)

        async def abatch(self, ops: Any) -> list[Result]:
            return self.batch(ops)

    collection = create_memory_collection(
        ScriptedChatModel(script=[remember("Likes tea")]), store=FailingPuts()
    )

    assert await twin(collection, "extract", ALICE, [("user", "tea")]) == 0
    assert FailingPuts.puts == 3
    assert collection.metrics()["failures"] == 1


async def test_bad_user_id_raises_and_empty_conversation_does_nothing(twin: Any) -> None:
    model = ScriptedChatModel(script=[remember("x")])
    collection = create_memory_collection(model, store=InMemoryStore())

    with pytest.raises(InvalidUserIdError):
        await twin(collection, "extract", "", [("user", "hi")])
    assert await twin(collection, "extract", ALICE, []) == 0
    assert model.calls == []
    assert collection.metrics()["runs"] == 0


async def test_langmem_sees_only_its_own_items(twin: Any) -> None:
    """Foreign value shapes and deeper namespaces are hidden from langmem, never rewritten."""
    store = InMemoryStore()
    namespace = memories_namespace(ALICE)
    store.put(namespace, "note", {"text": "not a langmem value"})
    store.put((*namespace, "archive"), "old", memory("Archived fact"))
    model = ScriptedChatModel(script=[remember("Likes tea")])

    assert await twin(create_memory_collection(model, store=store), "extract", ALICE, ["tea"]) == 1

    assert "Archived fact" not in seen_by_model(model)
    assert store.get(namespace, "note").value == {"text": "not a langmem value"}  # type: ignore[union-attr]
    assert store.get((*namespace, "archive"), "old").value == memory("Archived fact")  # type: ignore[union-attr]


async def test_store_none_uses_each_running_graphs_own_store(store_mode: str) -> None:
    model = ScriptedChatModel(script=[remember("Likes tea")], cycle=True)
    collection = create_memory_collection(model)

    def learn(state: MessagesState) -> dict[str, Any]:
        collection.extract(ALICE, state["messages"])
        return {}

    async def alearn(state: MessagesState) -> dict[str, Any]:
        await collection.aextract(ALICE, state["messages"])
        return {}

    first, second = InMemoryStore(), InMemoryStore()
    for graph_store in (first, second):
        builder = StateGraph(MessagesState)
        builder.add_node("learn", learn if store_mode == "sync" else alearn)
        builder.add_edge(START, "learn")
        graph = builder.compile(store=graph_store)
        inputs: Any = {"messages": [HumanMessage("tea")]}
        if store_mode == "sync":
            graph.invoke(inputs)
        else:
            await graph.ainvoke(inputs)

    # Each run wrote into its own graph's store: langmem did not keep the first one.
    for graph_store in (first, second):
        assert [i.value for i in graph_store.search(memories_namespace(ALICE))] == [
            memory("Likes tea")
        ]
    with pytest.raises(RuntimeError, match="store"):
        collection.extract(ALICE, ["tea"])


def test_metrics_are_thread_safe() -> None:
    model = ScriptedChatModel(script=[remember("Likes tea")], cycle=True)
    collection = create_memory_collection(model, store=InMemoryStore())
    users = [f"user-{i}@example.com" for i in range(8)]
    threads = [
        threading.Thread(target=collection.extract, args=(user, [("user", "tea")]))
        for user in users
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert collection.metrics() == {"runs": 8, "written": 8, "failures": 0, "sensitive_dropped": 0}


# --- search -------------------------------------------------------------------------------


async def test_search_without_index_returns_most_recent_first(
    any_store: BaseStore, twin: Any, store_backend: str, store_mode: str
) -> None:
    namespace = memories_namespace(ALICE)
    # SQLite stamps updated_at to the second.
    tick = 1.05 if store_backend == "sqlite" else 0.01
    await twin(any_store, "put", namespace, "a", memory("Likes tea"))
    await asyncio.sleep(tick)
    await twin(any_store, "put", namespace, "b", memory("Has a cat"))
    await twin(any_store, "put", memories_namespace(BOB), "c", memory("Bob's memory"))

    assert await search(any_store, store_mode, ALICE, None) == ["Has a cat", "Likes tea"]
    await asyncio.sleep(tick)
    await twin(any_store, "put", namespace, "a", memory("Likes green tea"))

    assert await search(any_store, store_mode, ALICE, "cat") == [
        "Likes green tea",
        "Has a cat",
    ]
    assert await search(any_store, store_mode, ALICE, None, 1) == ["Likes green tea"]
    assert await search(any_store, store_mode, "nobody", None) == []


class BagOfWords(Embeddings):
    """Deterministic embeddings: hashed word counts, so texts sharing words are close."""

    dims = 256

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dims
        for word in re.findall(r"[a-z]+", text.lower()):
            vector[zlib.crc32(word.encode()) % self.dims] += 1.0
        vector[0] += 0.01  # never the zero vector
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


async def test_semantic_search_ranks_the_relevant_memory_first(twin: Any, store_mode: str) -> None:
    store = InMemoryStore(
        index={"dims": BagOfWords.dims, "embed": BagOfWords(), "fields": ["content.content"]}
    )
    namespace = memories_namespace(ALICE)
    for key, text in [
        ("1", "Hikes in the mountains every weekend"),
        ("2", "Favourite food is sushi, especially salmon nigiri"),
        ("3", "Works as a data engineer at Acme"),
    ]:
        await twin(store, "put", namespace, key, memory(text))

    found = await search(store, store_mode, ALICE, "what food like sushi", 2)

    assert found[0] == "Favourite food is sushi, especially salmon nigiri"
    assert len(found) == 2
    assert (await search(store, store_mode, ALICE, "mountains hikes"))[0] == (
        "Hikes in the mountains every weekend"
    )


def test_memory_text_shapes() -> None:
    assert memory_text(memory("Likes tea")) == "Likes tea"
    assert memory_text({"kind": "Preference", "content": {"topic": "tea", "level": 3}}) == (
        '{"topic":"tea","level":3}'
    )
    assert memory_text({"content": "plain"}) == "plain"


# --- the agent tool -----------------------------------------------------------------------


def _agent(store: BaseStore | None, graph_store: BaseStore, query: str) -> tuple[Any, Any]:
    from langchain.agents import create_agent

    model = ScriptedChatModel(
        script=[
            AIMessage(content="", tool_calls=[_call(MEMORY_TOOL_NAME, {"query": query})]),
            "Noted.",
        ]
    )
    tool = create_search_memory_tool(store=store)
    return create_agent(model, [tool], store=graph_store), model


def _tool_output(result: dict[str, Any]) -> str:
    (message,) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    return str(message.content)


@pytest.mark.parametrize("explicit_store", [True, False], ids=["explicit-store", "graph-store"])
async def test_search_tool_in_an_agent_sees_only_the_current_user(
    any_store: BaseStore, twin: Any, explicit_store: bool
) -> None:
    await twin(any_store, "put", memories_namespace(ALICE), "a", memory("Likes green tea"))
    await twin(any_store, "put", memories_namespace(BOB), "b", memory("Likes espresso"))
    agent, _ = _agent(any_store if explicit_store else None, any_store, "drinks")

    result = await twin(
        agent, "invoke", {"messages": [("user", "what do I drink?")]}, context={"user_id": ALICE}
    )

    assert _tool_output(result) == "- Likes green tea"
    # The configurable route works too, and a user without memories gets a plain answer.
    agent, _ = _agent(any_store if explicit_store else None, any_store, "drinks")
    result = await twin(
        agent,
        "invoke",
        {"messages": [("user", "what do I drink?")]},
        config={"configurable": {"user_id": "carol@example.com"}},
    )
    assert _tool_output(result) == "No memories found."


async def test_search_tool_reports_a_failing_store_instead_of_raising(
    twin: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class Down(InMemoryStore):
        def batch(self, ops: Any) -> list[Result]:
            raise ConnectionError("down")

        async def abatch(self, ops: Any) -> list[Result]:
            raise ConnectionError("down")

    tool = create_search_memory_tool(store=Down())
    config = {"configurable": {"user_id": ALICE}}

    with caplog.at_level(logging.WARNING, logger="langprofile"):
        answer = await twin(tool, "invoke", {"query": "tea"}, config=config)

    assert "unavailable" in answer
    assert "memory search failed" in caplog.text


async def test_search_tool_without_user_id_names_the_fix(twin: Any) -> None:
    tool = create_search_memory_tool(store=InMemoryStore())

    with pytest.raises(MissingUserIdError, match="context"):
        await twin(tool, "invoke", {"query": "tea"})


def test_search_tool_schema() -> None:
    tool = create_search_memory_tool(store=InMemoryStore())

    assert tool.name == "search_user_memories"
    assert list(tool.args) == ["query"]
    assert tool.coroutine is not None  # type: ignore[attr-defined]


def test_bad_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="limit"):
        create_search_memory_tool(limit=0)
    with pytest.raises(ValueError, match="limit"):
        drive(
            search_flow(memories_namespace(ALICE), None, 0), Handler(adapter_for(InMemoryStore()))
        )
    with pytest.raises(ValueError, match="query_limit"):
        create_memory_collection(ScriptedChatModel(), query_limit=0)


async def test_extraction_inside_a_node_stays_out_of_the_message_stream(store_mode: str) -> None:
    extractor = ScriptedChatModel(script=[remember("Likes tea")])
    chat = ScriptedChatModel(script=[AIMessage("Sure.", id="reply")])
    collection = create_memory_collection(extractor)

    def reply(state: MessagesState) -> dict[str, Any]:
        collection.extract(ALICE, state["messages"])
        return {"messages": [chat.invoke(state["messages"])]}

    async def areply(state: MessagesState) -> dict[str, Any]:
        await collection.aextract(ALICE, state["messages"])
        return {"messages": [await chat.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("reply", reply if store_mode == "sync" else areply)
    builder.add_edge(START, "reply")
    graph = builder.compile(store=InMemoryStore())
    inputs: Any = {"messages": [HumanMessage("tea")]}
    # subgraphs=True would also stream the extractor's own (trustcall) graph, if it were visible.
    options: Any = {"stream_mode": "messages", "subgraphs": True}
    if store_mode == "sync":
        parts = list(graph.stream(inputs, **options))
    else:
        parts = [part async for part in graph.astream(inputs, **options)]

    assert [message.content for _, (message, _) in parts] == ["Sure."]
    assert collection.metrics()["written"] == 1
