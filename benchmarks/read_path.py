"""Injection read path vs ``store.get`` and vs the LangMem-guide search read, per backend.

    python benchmarks/read_path.py [--users 1,1000,100000] [--backends memory,sqlite,postgres]

For each backend and population it stores N profiles (our records, plus the same profiles in the
shape and namespace the LangMem profile guide uses), then times, interleaved in one process:

* ``get``      — ``store.get(namespace, key)``: one read by key, the floor;
* ``read``     — ``ProfileStore.preamble(user_id)``: the injector's whole read path (user id →
                 namespace → get → block), what every model call pays;
* ``node``     — ``ProfileInjector.invoke(state, config)`` mid-thread (the block is already first
                 and current: read, compare, no update), and ``node1`` on a thread's first turn
                 (builds the system message and the state update);
* ``baseline`` — the guide's read: ``store.search(("users", user_id, "profile"))`` and an f-string.

and prints per-call microseconds and the ratios read/get, node/get and read/baseline, for the sync
API and the async one. PostgreSQL comes from ``LANGPROFILE_POSTGRES_URI`` or an embedded server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.store.base import BaseStore, PutOp

from langprofile import (
    BLOCK_MESSAGE_ID,
    ProfileInjector,
    ProfileStore,
    UserProfile,
    aopen_store,
    open_store,
)
from langprofile._codec import new_value, now_utc
from langprofile._namespace import profile_namespace
from langprofile.pipeline.provenance import merge_fields, settle
from langprofile.pipeline.verbalize import TemplateVerbalizer

FIELDS = {
    "name": "Alice Chen",
    "role": "data engineer",
    "organization": "Acme",
    "tools": ["Airflow", "dbt", "Snowflake"],
    "timezone": "Europe/Lisbon",
    "response_length": "concise",
}
CHUNK = 2_000


def _values(user_id: str) -> dict[str, Any]:
    """A stored record, built by the same pure pipeline the writer uses."""
    now = now_utc()
    base = new_value(user_id, now)
    merge = merge_fields(base, FIELDS, "user", now)
    paragraph = TemplateVerbalizer().verbalize(UserProfile.model_validate(merge.fields))
    out = settle(base, merge, "user", paragraph, now)
    assert out is not None
    return out


def _ops(n: int) -> Iterator[list[PutOp]]:
    template = _values("u0")
    ops: list[PutOp] = []
    for i in range(n):
        uid = f"user-{i}"
        ops.append(
            PutOp(profile_namespace(uid), "profile", {**template, "user_id": uid}, index=False)
        )
        # The LangMem guide's shape: {"kind","content"} under ("users", id, "profile"), uuid key.
        ops.append(
            PutOp(
                ("lm", uid, "profile"),
                f"k{i:08x}",
                {"kind": "UserProfile", "content": FIELDS},
                index=False,
            )
        )
        if len(ops) >= CHUNK:
            yield ops
            ops = []
    if ops:
        yield ops


def _baseline(store: BaseStore, uid: str) -> str:
    results = store.search(("lm", uid, "profile"))
    return f"<User Profile>:\n\n{results[0].value}\n</User Profile>" if results else ""


async def _abaseline(store: BaseStore, uid: str) -> str:
    results = await store.asearch(("lm", uid, "profile"))
    return f"<User Profile>:\n\n{results[0].value}\n</User Profile>" if results else ""


ROUNDS = 9
ROUND_SECONDS = 0.15


def _calls_per_round(seconds_per_call: float) -> int:
    """Enough calls that one round of one contender takes about ``ROUND_SECONDS``."""
    return max(3, min(5_000, int(ROUND_SECONDS / max(seconds_per_call, 1e-7))))


async def _time(
    fns: dict[str, Callable[[str], Any]], uids: list[str], *, awaited: bool
) -> dict[str, float]:
    """Median per-call microseconds of each contender (``awaited``: they return awaitables)."""
    rng = random.Random(1)

    async def batch_seconds(fn: Callable[[str], Any], batch: list[str]) -> float:
        t0 = time.perf_counter()
        if awaited:
            for uid in batch:
                await fn(uid)
        else:
            for uid in batch:
                fn(uid)
        return time.perf_counter() - t0

    # Calibrate (and warm up) each contender so every round of each takes about ROUND_SECONDS.
    k = {
        name: _calls_per_round(await batch_seconds(fn, uids[:3]) / len(uids[:3]))
        for name, fn in fns.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(ROUNDS):
        order = list(fns)
        rng.shuffle(order)  # interleave so drift in machine load hits every contender alike
        for name in order:
            batch = [rng.choice(uids) for _ in range(k[name])]
            samples[name].append(await batch_seconds(fns[name], batch) / k[name] * 1e6)
    return {name: statistics.median(v) for name, v in samples.items()}


def _row(backend: str, api: str, n: int, t: dict[str, float]) -> str:
    return (
        f"{backend:<9}{api:<6}{n:>8,} {t['get']:>9.1f} {t['read']:>9.1f} {t['node']:>9.1f} "
        f"{t['node1']:>9.1f} {t['baseline']:>10.1f}   {t['read'] / t['get']:>8.2f} "
        f"{t['node'] / t['get']:>8.2f} {t['read'] / t['baseline']:>9.3f}"
    )


HEADER = (
    f"{'backend':<9}{'api':<6}{'users':>8} {'get µs':>9} {'read µs':>9} {'node µs':>9} "
    f"{'node1 µs':>9} {'search µs':>10}   {'read/get':>8} {'node/get':>8} {'read/srch':>9}"
)


def _populate(store: BaseStore, n: int) -> None:
    for ops in _ops(n):
        store.batch(ops)


async def _apopulate(store: BaseStore, n: int) -> None:
    for ops in _ops(n):
        await store.abatch(ops)


# A thread mid-conversation: the block is already first and current (every user has the same
# profile here), so the node only reads and compares. _NEW is a thread's first turn.
_NEW: dict[str, Any] = {"messages": [HumanMessage("hi", id="h0")]}


def _steady_state(block: str) -> dict[str, Any]:
    return {"messages": [SystemMessage(block, id=BLOCK_MESSAGE_ID), HumanMessage("hi", id="h0")]}


def _sync_fns(store: BaseStore) -> dict[str, Callable[[str], Any]]:
    profiles = ProfileStore(store)
    injector = ProfileInjector(profiles)
    state = _steady_state(profiles.preamble("user-0"))
    return {
        "get": lambda uid: store.get(profile_namespace(uid), "profile"),
        "read": profiles.preamble,
        "node": lambda uid: injector.invoke(state, {"configurable": {"user_id": uid}}),
        "node1": lambda uid: injector.invoke(_NEW, {"configurable": {"user_id": uid}}),
        "baseline": lambda uid: _baseline(store, uid),
    }


def _async_fns(store: BaseStore) -> dict[str, Callable[[str], Awaitable[Any]]]:
    profiles = ProfileStore(store)
    injector = ProfileInjector(profiles)
    state = _steady_state(_values("user-0")["preamble"])
    return {
        "get": lambda uid: store.aget(profile_namespace(uid), "profile"),
        "read": profiles.apreamble,
        "node": lambda uid: injector.ainvoke(state, {"configurable": {"user_id": uid}}),
        "node1": lambda uid: injector.ainvoke(_NEW, {"configurable": {"user_id": uid}}),
        "baseline": lambda uid: _abaseline(store, uid),
    }


@contextmanager
def _postgres_uri() -> Iterator[str]:
    if os.environ.get("LANGPROFILE_POSTGRES_URI"):
        yield os.environ["LANGPROFILE_POSTGRES_URI"]
        return
    from langprofile.testing.postgres import start_embedded_postgres

    with tempfile.TemporaryDirectory(prefix="lp-bench-") as tmp:
        uri, handle = start_embedded_postgres(Path(tmp) / "pg")
        try:
            yield uri
        finally:
            handle.cleanup()


def _fresh_db(base_uri: str) -> str:
    from langprofile.testing.postgres import create_database

    return create_database(base_uri)


def run(backends: list[str], populations: list[int]) -> None:
    print(HEADER)
    with tempfile.TemporaryDirectory(prefix="lp-bench-") as tmp, _postgres_uri_if(backends) as pg:
        for backend in backends:
            for n in populations:
                if backend == "memory":
                    url = "memory://"
                elif backend == "sqlite":
                    url = f"sqlite:///{tmp}/bench-{n}.db"
                else:
                    url = _fresh_db(pg)
                uids = [f"user-{i}" for i in range(n)]
                with open_store(url) as store:
                    _populate(store, n)
                    assert ProfileStore(store).preamble(uids[-1]).startswith("<User Profile>")
                    print(
                        _row(
                            backend,
                            "sync",
                            n,
                            asyncio.run(_time(_sync_fns(store), uids, awaited=False)),
                        ),
                        flush=True,
                    )
                    timed = asyncio.run(_async_part(store, url, uids))
                    print(_row(backend, "async", n, timed), flush=True)


async def _async_part(store: BaseStore, url: str, uids: list[str]) -> dict[str, float]:
    """Time the async API; the in-memory store is shared, others reopen as async stores."""
    if url == "memory://":
        return await _time(_async_fns(store), uids, awaited=True)
    async with aopen_store(url) as astore:
        return await _time(_async_fns(astore), uids, awaited=True)


@contextmanager
def _postgres_uri_if(backends: list[str]) -> Iterator[str]:
    if "postgres" not in backends:
        yield ""
        return
    with _postgres_uri() as uri:
        yield uri


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,1000,100000")
    parser.add_argument("--backends", default="memory,sqlite,postgres")
    args = parser.parse_args(argv)
    run(args.backends.split(","), [int(x) for x in args.users.split(",")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
