"""Turn latency with background extraction.

Usage::

    python benchmarks/turn_latency.py [--turns N] [--latency 0.05] [--backends memory,sqlite]

Every figure is a ratio against a baseline measured in the same run (SPEC section 5).

**1. Turn latency.** The same user turns go through three LangGraph graphs (``StateGraph`` over
``MessagesState``, ``InMemorySaver`` checkpointer, ``user_id`` in the run context), each with a
scripted chat model that takes ``--latency`` seconds per call:

- ``no-extraction``: ``ProfileInjector`` -> model. Its users have a profile written beforehand,
  so it injects a block of the same size as ``background`` does;
- ``background`` (langprofile): ``ProfileInjector`` -> model -> ``ProfileLearner(mode="always")``
  with an extractor as slow as the chat model, driving langmem through real tool calls (create,
  then JSON-patch ``replace``);
- ``seed-004`` (the LangMem profile guide): the model node reads with ``store.search`` + an
  f-string, then a node runs langmem's ``create_memory_store_manager(...).invoke`` synchronously
  after every turn, with the same slow extractor.

A turn's latency is the wall time of ``graph.invoke`` (sync) or ``await graph.ainvoke`` (async).
Turns come from several users in rotation, each user walking through an eval conversation on
its own thread; a user's next turn comes after the debounce window, so their background
extraction runs while other users' turns are being timed (the busy-server case: every relevant
turn gets its own extraction, none are merged). Variants run in blocks of turns, in a shuffled
order each round, so drift in machine load hits all of them alike. After each ``background``
block, outside the timing, the learner is flushed so no background work leaks into another
variant's block; the table shows how many extractions finished while turns were being timed,
and how long the flushes took. A fourth, diagnostic row, ``bg-no-overlap``, is ``background``
with its learner flushed (untimed) after every turn: no background work overlaps its turns, so
its ratio is the reply-path cost of the learner node alone, and the gap between it and
``background`` is the cost of sharing the process (CPU, GIL, event loop) with extractions.

Read the table as: ``background / no-extraction`` of the median turn latency is what learning
costs a turn (target <= 1.05); ``seed-004 / no-extraction`` is what the synchronous pattern
costs (about 2x with an extractor as slow as the model, plus langmem's own CPU per extraction).
p95 is shown too: a turn whose CPU work coincides with an extraction's is slowed by it (one GIL
per process, and in async code one event loop), which shows in the tail more than the median.
The ratios are only meaningful on an otherwise idle machine.

Extraction LLM calls per user turn are measured by ``benchmarks/detector_eval.py``, through
the same learner, on the public and the held-out conversations.

The pure measurement functions are imported by ``tests/test_benchmarks.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from langprofile import ProfileInjector, ProfileStore, UserProfile, aopen_store, open_store
from langprofile.extraction.learner import ProfileLearner
from langprofile.testing.models import ScriptedChatModel, create_step, patch_step

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_PATH = REPO_ROOT.parent / "shared" / "eval" / "conversations.jsonl"

BASELINE = "no-extraction"
BACKGROUND = "background"
SEED = "seed-004"
NO_OVERLAP = "bg-no-overlap"
#: The three variants the targets are about.
VARIANTS = (BASELINE, BACKGROUND, SEED)
#: Everything timed: the variants and a diagnostic, ``background`` with the learner flushed
#: (untimed) after every turn, so no background work overlaps a timed turn. Its ratio is the
#: reply-path cost of the learner node alone; ``background`` minus it is the cost of sharing
#: the process (CPU, GIL, event loop) with the extractions.
TIMED = (*VARIANTS, NO_OVERLAP)
APIS = ("sync", "async")
LATENCY_TARGET = 1.05

Conversation = Mapping[str, Any]
Graph = Any  # a compiled StateGraph

#: Used when the eval file is absent: the eval format, a few conversations.
BUILTIN_CONVERSATIONS: tuple[dict[str, Any], ...] = (
    {
        "id": "builtin-1",
        "turns": [
            {"role": "user", "content": "Hi! I'm Alice Chen, a data engineer at Acme.",
             "relevant": True},
            {"role": "assistant", "content": "Nice to meet you, Alice!"},
            {"role": "user", "content": "How do I sort a dict by value in Python?",
             "relevant": False},
            {"role": "assistant", "content": "sorted(d.items(), key=lambda kv: kv[1])"},
            {"role": "user", "content": "In general please keep answers short.",
             "relevant": True},
            {"role": "assistant", "content": "Will do."},
        ],
    },
    {
        "id": "builtin-2",
        "turns": [
            {"role": "user", "content": "I'm going to Tokyo for a week. Where should I stay?",
             "relevant": False},
            {"role": "assistant", "content": "Shinjuku is the most convenient for transit."},
            {"role": "user", "content": "For context, I live in Toronto.", "relevant": True},
            {"role": "assistant", "content": "Then plan a light first day for the jet lag."},
        ],
    },
    {
        "id": "builtin-3",
        "turns": [
            {"role": "user", "content": "What's the capital of Peru?", "relevant": False},
            {"role": "assistant", "content": "Lima."},
            {"role": "user", "content": "And its population?", "relevant": False},
            {"role": "assistant", "content": "About ten million in the metro area."},
        ],
    },
)  # fmt: skip


@dataclass(frozen=True)
class Context:
    """The run context every graph takes."""

    user_id: str


@dataclass(frozen=True)
class Turn:
    """One user turn of the timed stream."""

    user_id: str
    thread_id: str
    text: str


# --------------------------------------------------------------------------------------------
# Eval conversations
# --------------------------------------------------------------------------------------------


def eval_path(argument: str | None = None) -> Path:
    """The eval file: the argument, else ``$LANGPROFILE_EVAL_PATH``, else the default."""
    if argument:
        return Path(argument)
    from_env = os.environ.get("LANGPROFILE_EVAL_PATH")
    return Path(from_env) if from_env else DEFAULT_EVAL_PATH


def load_conversations(path: Path | None = None) -> tuple[list[dict[str, Any]], str]:
    """The eval conversations and where they came from (the built-in set if the file is absent)."""
    path = path or eval_path()
    if not path.is_file():
        return [dict(c) for c in BUILTIN_CONVERSATIONS], f"built-in ({path} not found)"
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()], str(path)


def _user_texts(conversation: Conversation) -> list[str]:
    return [t["content"] for t in conversation["turns"] if t["role"] == "user"]


def turn_plan(conversations: Sequence[Conversation], *, users: int, total: int) -> list[Turn]:
    """``total`` turns from ``users`` users in rotation (plain ascii ids, as langmem needs).

    Each user walks through one conversation's user turns on its own thread, then takes the
    next unused conversation (cycling through the set) on a new thread.
    """
    sessions = [texts for texts in map(_user_texts, conversations) if texts]
    if not sessions:
        raise ValueError("no conversation has a user turn")
    source = itertools.cycle(range(len(sessions)))
    threads = itertools.count()
    current: list[tuple[str, Iterator[str]]] = [
        (f"t{next(threads)}", iter(sessions[next(source)])) for _ in range(users)
    ]
    plan: list[Turn] = []
    for i in range(total):
        slot = i % users
        thread, texts = current[slot]
        text = next(texts, None)
        if text is None:
            thread, texts = f"t{next(threads)}", iter(sessions[next(source)])
            current[slot] = (thread, texts)
            text = next(texts)
        plan.append(Turn(f"user-{slot}", thread, text))
    return plan


def schedule(
    variants: Sequence[str], turns: int, *, block: int, seed: int = 1
) -> list[tuple[str, range]]:
    """Blocks of turn indices per variant: every variant runs every block, order shuffled."""
    rng = random.Random(seed)
    out: list[tuple[str, range]] = []
    for start in range(0, turns, block):
        order = list(variants)
        rng.shuffle(order)
        out += [(variant, range(start, min(start + block, turns))) for variant in order]
    return out


# --------------------------------------------------------------------------------------------
# Models and graphs
# --------------------------------------------------------------------------------------------


def extraction_step() -> Callable[[list[BaseMessage]], AIMessage]:
    """A realistic extractor reply: create the profile, or patch the one langmem shows.

    Each patch replaces the role with a new value, so every extraction changes the profile and
    its write path runs too.
    """
    roles = itertools.cycle(("senior data engineer", "data engineer"))

    def step(messages: list[BaseMessage]) -> AIMessage:
        if any("<instance id=" in str(m.content) for m in messages):
            return patch_step(
                {"op": "replace", "path": "/role", "value": next(roles)},
                planned_edits="Update the role the user stated.",
            )(messages)
        return create_step(name="Alice Chen", role="data engineer", tools=["Python", "dbt"])

    return step


def slow_extractor(latency: float) -> ScriptedChatModel:
    """An extractor model as slow as the chat model, answering with :func:`extraction_step`."""
    return ScriptedChatModel(script=[extraction_step()], cycle=True, latency=latency)


def chat_model(latency: float) -> ScriptedChatModel:
    """The chat model of every timed graph."""
    return ScriptedChatModel(script=["ok"], cycle=True, latency=latency)


def _model_node(chat: ScriptedChatModel, api: str) -> Callable[..., Any]:
    if api == "sync":

        def node(state: MessagesState) -> dict[str, Any]:
            return {"messages": [chat.invoke(state["messages"])]}

        return node

    async def anode(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await chat.ainvoke(state["messages"])]}

    return anode


def _builder() -> StateGraph[MessagesState, Context, MessagesState, MessagesState]:
    return StateGraph(MessagesState, context_schema=Context)


def injector_graph(
    profiles: ProfileStore[Any], chat: ScriptedChatModel, api: str, learner: Any = None
) -> Graph:
    """``ProfileInjector`` -> model (-> ``learner`` when given)."""
    builder = _builder()
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node("model", _model_node(chat, api))
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    if learner is not None:
        builder.add_node("learn", learner)
        builder.add_edge("model", "learn")
    return builder.compile(checkpointer=InMemorySaver())


def _seed_prompt(results: Sequence[Any]) -> str:
    """The guide's system prompt: the first search hit in an f-string."""
    profile = ""
    if results:
        profile = f"""<User Profile>:

{results[0].value}
</User Profile>
"""
    return f"""You are a helpful assistant.{profile}"""


def seed004_graph(
    store: BaseStore, chat: ScriptedChatModel, extractor: ScriptedChatModel, api: str
) -> Graph:
    """The LangMem profile guide as a graph: search + f-string read, sync extraction per turn."""
    from langmem import create_memory_store_manager

    manager = create_memory_store_manager(
        extractor,
        namespace=("users", "{user_id}", "profile"),
        schemas=[UserProfile],
        enable_inserts=False,
        store=store,
    )

    def config(runtime: Runtime[Context]) -> dict[str, Any]:
        return {"configurable": {"user_id": runtime.context.user_id}}

    def model(state: MessagesState, runtime: Runtime[Context]) -> dict[str, Any]:
        results = store.search(("users", runtime.context.user_id, "profile"))
        system = {"role": "system", "content": _seed_prompt(results)}
        return {"messages": [chat.invoke([system, *state["messages"]])]}

    def extract(state: MessagesState, runtime: Runtime[Context]) -> dict[str, Any]:
        manager.invoke({"messages": state["messages"]}, config(runtime))
        return {}

    async def amodel(state: MessagesState, runtime: Runtime[Context]) -> dict[str, Any]:
        results = await store.asearch(("users", runtime.context.user_id, "profile"))
        system = {"role": "system", "content": _seed_prompt(results)}
        return {"messages": [await chat.ainvoke([system, *state["messages"]])]}

    async def aextract(state: MessagesState, runtime: Runtime[Context]) -> dict[str, Any]:
        await manager.ainvoke({"messages": state["messages"]}, config(runtime))
        return {}

    builder = _builder()
    builder.add_node("model", model if api == "sync" else amodel)
    builder.add_node("extract", extract if api == "sync" else aextract)
    builder.add_edge(START, "model")
    builder.add_edge("model", "extract")
    return builder.compile(checkpointer=InMemorySaver())


# --------------------------------------------------------------------------------------------
# 1. Turn latency
# --------------------------------------------------------------------------------------------


@dataclass
class LatencyResult:
    """Per-turn seconds of each variant on one backend and API, and the background work done."""

    backend: str
    api: str
    samples: dict[str, list[float]] = field(default_factory=lambda: {v: [] for v in TIMED})
    flush_seconds: float = 0.0
    flushes: int = 0
    extraction_runs: int = 0
    runs_during_turns: int = 0
    """Background extractions that finished before the flush that follows their block."""
    llm_calls: int = 0
    seed_llm_calls: int = 0
    turns_seen: int = 0
    turns_skipped_by_gate: int = 0

    def median_ms(self, variant: str) -> float:
        """Median turn latency in milliseconds."""
        return statistics.median(self.samples[variant]) * 1e3

    def p95_ms(self, variant: str) -> float:
        """95th percentile (nearest rank) turn latency in milliseconds."""
        ordered = sorted(self.samples[variant])
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1e3

    def ratio(self, variant: str, *, p95: bool = False) -> float:
        """``variant`` over ``no-extraction``, of the median (or p95)."""
        of = self.p95_ms if p95 else self.median_ms
        return of(variant) / of(BASELINE)


@dataclass
class LatencyConfig:
    """What one latency measurement runs."""

    turns: int = 96
    latency: float = 0.05
    users: int = 4
    block: int = 12
    debounce: float = 0.1
    warmup: int = 4
    seed: int = 1


PRESET = {"name": "Alice Chen", "role": "data engineer", "tools": ["Python", "dbt"]}


def _store_url(backend: str, tmp: str, name: str) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp}/{name}.db"
    raise ValueError(f"unknown backend {backend!r}; use memory or sqlite")


def _warmup_plan(plan: Sequence[Turn], n: int) -> list[Turn]:
    return [Turn(f"warm-{t.user_id}", f"warm-{t.thread_id}", t.text) for t in plan[:n]]


def _inputs(turn: Turn) -> tuple[dict[str, Any], dict[str, Any], Context]:
    return (
        {"messages": [HumanMessage(turn.text)]},
        {"configurable": {"thread_id": turn.thread_id}},
        Context(turn.user_id),
    )


@dataclass
class _Bench:
    """The graphs of one measurement, and the learners whose background work is tracked."""

    graphs: dict[str, Graph]
    learners: dict[str, ProfileLearner]
    seed_extractor: ScriptedChatModel


def _bench(stores: Mapping[str, BaseStore], config: LatencyConfig, api: str) -> _Bench:
    """Every timed graph, on its own store (``no-extraction``'s store is seeded by the caller)."""
    learners = {
        v: ProfileLearner(
            ProfileStore(stores[v]),
            slow_extractor(config.latency),
            mode="always",
            debounce=config.debounce,
            max_wait=max(config.debounce, 10.0),
        )
        for v in (BACKGROUND, NO_OVERLAP)
    }
    seed_extractor = slow_extractor(config.latency)
    graphs = {
        BASELINE: injector_graph(ProfileStore(stores[BASELINE]), chat_model(config.latency), api),
        **{
            v: injector_graph(learner.profiles, chat_model(config.latency), api, learner)
            for v, learner in learners.items()
        },
        SEED: seed004_graph(stores[SEED], chat_model(config.latency), seed_extractor, api),
    }
    return _Bench(graphs, learners, seed_extractor)


def _runs(learner: ProfileLearner) -> int:
    return int(learner.metrics()["extraction_runs"])


def _finish(result: LatencyResult, bench: _Bench) -> LatencyResult:
    metrics = bench.learners[BACKGROUND].metrics()
    result.extraction_runs = metrics["extraction_runs"]
    result.llm_calls = metrics["llm_calls"]
    result.turns_seen = metrics["turns_seen"]
    result.turns_skipped_by_gate = metrics["turns_skipped_by_gate"]
    result.seed_llm_calls = len(bench.seed_extractor.calls)
    return result


def measure_sync(backend: str, config: LatencyConfig, plan: Sequence[Turn]) -> LatencyResult:
    """Time ``graph.invoke`` per turn for each variant (see the module docstring)."""
    result = LatencyResult(backend, "sync")
    with tempfile.TemporaryDirectory(prefix="lp-turns-") as tmp, ExitStack() as stack:
        stores = {
            v: stack.enter_context(open_store(_store_url(backend, tmp, f"{v}-sync"))) for v in TIMED
        }
        bench = _bench(stores, config, "sync")
        seeded: ProfileStore[UserProfile] = ProfileStore(stores[BASELINE])
        for user in sorted({t.user_id for t in plan}):
            seeded.update(user, PRESET, source="extracted")
        for graph in bench.graphs.values():
            for turn in _warmup_plan(plan, config.warmup):
                inputs, run_config, context = _inputs(turn)
                graph.invoke(inputs, run_config, context=context)
        background = bench.learners[BACKGROUND]
        for learner in bench.learners.values():
            learner.flush()
        done = _runs(background)

        for variant, block in schedule(TIMED, len(plan), block=config.block, seed=config.seed):
            graph = bench.graphs[variant]
            for i in block:
                inputs, run_config, context = _inputs(plan[i])
                started = time.perf_counter()
                graph.invoke(inputs, run_config, context=context)
                result.samples[variant].append(time.perf_counter() - started)
                if variant == NO_OVERLAP:
                    bench.learners[NO_OVERLAP].flush()  # untimed: nothing runs during turns
            if variant == BACKGROUND:
                result.runs_during_turns += _runs(background) - done
                started = time.perf_counter()
                background.flush()
                result.flush_seconds += time.perf_counter() - started
                result.flushes += 1
                done = _runs(background)
    return _finish(result, bench)


async def measure_async(backend: str, config: LatencyConfig, plan: Sequence[Turn]) -> LatencyResult:
    """Time ``await graph.ainvoke`` per turn for each variant (see the module docstring)."""
    result = LatencyResult(backend, "async")
    with tempfile.TemporaryDirectory(prefix="lp-turns-") as tmp:
        async with AsyncExitStack() as stack:
            stores = {
                v: await stack.enter_async_context(
                    aopen_store(_store_url(backend, tmp, f"{v}-async"))
                )
                for v in TIMED
            }
            bench = _bench(stores, config, "async")
            seeded: ProfileStore[UserProfile] = ProfileStore(stores[BASELINE])
            for user in sorted({t.user_id for t in plan}):
                await seeded.aupdate(user, PRESET, source="extracted")
            for graph in bench.graphs.values():
                for turn in _warmup_plan(plan, config.warmup):
                    inputs, run_config, context = _inputs(turn)
                    await graph.ainvoke(inputs, run_config, context=context)
            background = bench.learners[BACKGROUND]
            for learner in bench.learners.values():
                await learner.aflush()
            done = _runs(background)

            blocks = schedule(TIMED, len(plan), block=config.block, seed=config.seed)
            for variant, block in blocks:
                graph = bench.graphs[variant]
                for i in block:
                    inputs, run_config, context = _inputs(plan[i])
                    started = time.perf_counter()
                    await graph.ainvoke(inputs, run_config, context=context)
                    result.samples[variant].append(time.perf_counter() - started)
                    if variant == NO_OVERLAP:
                        await bench.learners[NO_OVERLAP].aflush()  # untimed
                if variant == BACKGROUND:
                    result.runs_during_turns += _runs(background) - done
                    started = time.perf_counter()
                    await background.aflush()
                    result.flush_seconds += time.perf_counter() - started
                    result.flushes += 1
                    done = _runs(background)
    return _finish(result, bench)


def measure_turn_latency(
    backends: Sequence[str],
    config: LatencyConfig,
    conversations: Sequence[Conversation],
    *,
    apis: Sequence[str] = APIS,
    on_result: Callable[[LatencyResult], None] | None = None,
) -> list[LatencyResult]:
    """Every backend and API; ``on_result`` sees each result as soon as it is measured."""
    plan = turn_plan(conversations, users=config.users, total=config.turns)
    results: list[LatencyResult] = []
    for backend in backends:
        for api in apis:
            if api == "sync":
                result = measure_sync(backend, config, plan)
            else:
                result = asyncio.run(measure_async(backend, config, plan))
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


LATENCY_HEADER = (
    f"{'backend':<8}{'api':<7}{'variant':<15}{'median ms':>10}{'p95 ms':>9}"
    f"{'ratio med':>11}{'ratio p95':>11}"
)


def render_latency(result: LatencyResult) -> str:
    """One backend/API: a row per timed variant and a line on the background work."""
    notes = {
        BASELINE: "",
        SEED: "   synchronous baseline (~2x expected)",
        NO_OVERLAP: "   diagnostic: reply-path cost alone",
    }
    met = result.ratio(BACKGROUND) <= LATENCY_TARGET
    notes[BACKGROUND] = f"   target <= {LATENCY_TARGET:.2f}: {'met' if met else 'NOT met'}"
    lines = [
        f"{result.backend:<8}{result.api:<7}{variant:<15}{result.median_ms(variant):>10.1f}"
        f"{result.p95_ms(variant):>9.1f}{result.ratio(variant):>11.3f}"
        f"{result.ratio(variant, p95=True):>11.3f}{notes[variant]}"
        for variant in (BASELINE, BACKGROUND, SEED, NO_OVERLAP)
    ]
    passed = result.turns_seen - result.turns_skipped_by_gate
    lines.append(
        f"{'':<15}background: {result.turns_seen} turns seen, {passed} through the gate, "
        f"{result.extraction_runs} extractions ({result.llm_calls} LLM calls), "
        f"{result.runs_during_turns} finished while turns were timed; "
        f"{result.flushes} flushes took {result.flush_seconds:.2f} s in all (untimed). "
        f"seed-004: {result.seed_llm_calls} LLM calls"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=96, help="timed turns per variant and API")
    parser.add_argument("--latency", type=float, default=0.05, help="model seconds per call")
    parser.add_argument("--backends", default="memory,sqlite")
    parser.add_argument("--users", type=int, default=4, help="users in rotation")
    parser.add_argument("--block", type=int, default=12, help="turns per variant block")
    parser.add_argument("--debounce", type=float, default=0.1, help="learner debounce (s)")
    parser.add_argument("--eval", help="conversations.jsonl to take the turns from")
    args = parser.parse_args(argv)
    config = LatencyConfig(
        turns=args.turns,
        latency=args.latency,
        users=args.users,
        block=args.block,
        debounce=args.debounce,
    )
    conversations, source = load_conversations(eval_path(args.eval))
    started = time.perf_counter()

    print(
        f"1. Turn latency: chat model and extractor {config.latency * 1e3:.0f} ms per call, "
        f"{config.turns} timed turns per variant, {config.users} users in rotation, "
        f"debounce {config.debounce} s, blocks of {config.block} turns in shuffled order, "
        f"os.cpu_count()={os.cpu_count()}"
    )
    print(f"   turns from: {source}")
    print(LATENCY_HEADER, flush=True)
    measure_turn_latency(
        args.backends.split(","),
        config,
        conversations,
        on_result=lambda r: print(render_latency(r), flush=True),
    )

    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
