"""``benchmarks/turn_latency.py`` keeps working: a tiny run of its measurement.

These tests check the structure of the results (every variant timed, counts consistent), never
the timings: timings belong to the benchmark run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("turn_latency")


@pytest.fixture
def conversations(bench: ModuleType) -> list[dict[str, Any]]:
    return [dict(c) for c in bench.BUILTIN_CONVERSATIONS[:2]]


def _tiny(bench: ModuleType) -> Any:
    return bench.LatencyConfig(turns=3, latency=0.001, users=2, block=2, debounce=0.0, warmup=1)


def _check_latency(bench: ModuleType, result: Any, api: str, config: Any) -> None:
    assert (result.backend, result.api) == ("memory", api)
    assert set(result.samples) == {*bench.VARIANTS, bench.NO_OVERLAP} == set(bench.TIMED)
    for variant in bench.TIMED:
        assert len(result.samples[variant]) == config.turns
        assert all(seconds > 0 for seconds in result.samples[variant])
    # the learner saw every turn, warm-up included; every extraction made one LLM call
    assert result.turns_seen == config.turns + config.warmup
    assert 0 < result.extraction_runs == result.llm_calls
    assert 0 <= result.runs_during_turns <= result.extraction_runs
    assert result.flushes == 2  # one per background block (blocks of 2 over 3 turns)
    # the synchronous pattern extracts after every turn
    assert result.seed_llm_calls == config.turns + config.warmup
    text = bench.render_latency(result)
    assert all(variant in text for variant in bench.TIMED)
    assert "target <= 1.05" in text


def test_turn_latency_sync(bench: ModuleType, conversations: list[dict[str, Any]]) -> None:
    config = _tiny(bench)
    plan = bench.turn_plan(conversations, users=config.users, total=config.turns)
    _check_latency(bench, bench.measure_sync("memory", config, plan), "sync", config)


async def test_turn_latency_async(bench: ModuleType, conversations: list[dict[str, Any]]) -> None:
    config = _tiny(bench)
    plan = bench.turn_plan(conversations, users=config.users, total=config.turns)
    _check_latency(bench, await bench.measure_async("memory", config, plan), "async", config)


def test_plan_and_schedule_cover_every_turn_once_per_variant(
    bench: ModuleType, conversations: list[dict[str, Any]]
) -> None:
    plan = bench.turn_plan(conversations, users=2, total=9)
    assert len(plan) == 9
    assert [t.user_id for t in plan[:4]] == ["user-0", "user-1", "user-0", "user-1"]
    assert plan[0].text == conversations[0]["turns"][0]["content"]
    # a user who finishes a conversation starts the next one on a new thread
    assert len({t.thread_id for t in plan if t.user_id == "user-0"}) > 1
    blocks = bench.schedule(bench.VARIANTS, 9, block=4)
    for variant in bench.VARIANTS:
        covered = [i for v, block in blocks if v == variant for i in block]
        assert covered == list(range(9))


def test_missing_eval_file_falls_back_to_builtin_turns(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGPROFILE_EVAL_PATH", str(tmp_path / "absent.jsonl"))
    assert bench.eval_path() == tmp_path / "absent.jsonl"
    loaded, source = bench.load_conversations()
    assert source.startswith("built-in")
    assert len(loaded) == len(bench.BUILTIN_CONVERSATIONS)
    present = tmp_path / "present.jsonl"
    present.write_text('{"id": "x", "turns": []}\n\n', encoding="utf-8")
    monkeypatch.setenv("LANGPROFILE_EVAL_PATH", str(present))
    assert bench.load_conversations() == ([{"id": "x", "turns": []}], str(present))


def test_script_runs_end_to_end(
    bench: ModuleType,
    conversations: list[dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "conversations.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in conversations), encoding="utf-8")
    argv = ["--turns", "2", "--latency", "0.001", "--backends", "memory", "--users", "2"]
    assert bench.main([*argv, "--eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("target <= 1.05") == 2  # sync and async
