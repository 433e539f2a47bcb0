"""The detector and the learner's gate on held-out conversations, against the gate's targets.

The files in ``benchmarks/data/`` follow the format and labelling rules of
``shared/eval/README.md``: ``heldout_v1`` and ``heldout_tune`` were used to tune the rules,
``heldout_untouched`` never was (see ``benchmarks/detector_eval.py``). These tests check the
files' format and that every target holds on every set, the public one included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import available_timezones

import pytest

from langprofile.extraction.detector import SignalDetector

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
HELDOUT = ("heldout_v1.jsonl", "heldout_tune.jsonl", "heldout_untouched.jsonl")
LIST_FIELDS = frozenset({"languages", "domains", "tools", "current_projects", "pain_points"})
TRAP_KINDS = frozenset(
    {
        "other_person",
        "travel_city",
        "roleplay",
        "question",
        "hypothetical",
        "code_string",
        "quoted",
        "assistant_name",
        "translation",
        "fiction",
        "negation",
        "one_off",
        "temporary",
        "aspiration",
    }
)


@pytest.fixture(scope="module")
def scoring(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("detector_eval")


@pytest.fixture(scope="module", params=HELDOUT)
def conversations(scoring: ModuleType, request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = scoring.load(DATA / request.param)
    return loaded


def _fold_with_retractions(turns: list[Mapping[str, Any]]) -> dict[str, object]:
    """The README's fold, retractions included (the benchmark's ``fold`` has none)."""
    profile: dict[str, object] = {}
    for turn in turns:
        if turn["role"] != "user":
            continue
        for field, value in turn.get("retracts", {}).items():
            if field in LIST_FIELDS:
                dropped = {item.casefold() for item in value}
                current = profile.get(field, [])
                assert isinstance(current, list)
                kept = [item for item in current if item.casefold() not in dropped]
                if kept:
                    profile[field] = kept
                else:
                    profile.pop(field, None)
            else:
                profile.pop(field, None)
        for field, value in turn["facts"].items():
            if field in LIST_FIELDS:
                current = profile.setdefault(field, [])
                assert isinstance(current, list)
                seen = {item.casefold() for item in current}
                current.extend(item for item in value if item.casefold() not in seen)
            else:
                profile[field] = value
    return profile


def test_the_file_follows_the_eval_format(conversations: list[dict[str, Any]]) -> None:
    assert len(conversations) >= 50
    assert len({c["id"] for c in conversations}) == len(conversations)
    zones = available_timezones()
    kinds: set[str] = set()
    for conversation in conversations:
        turns = conversation["turns"]
        roles = [turn["role"] for turn in turns]
        assert roles == ["user", "assistant"] * (len(turns) // 2), conversation["id"]
        assert 1 <= len(turns) // 2 <= 8, conversation["id"]
        for turn in turns:
            if turn["role"] == "assistant":
                assert set(turn) == {"role", "content"}
                continue
            assert turn["relevant"] == bool(turn["facts"] or turn.get("retracts")), turn
            if "timezone" in turn["facts"]:
                assert turn["facts"]["timezone"] in zones
            if "trap" in turn:
                kinds.add(turn["trap"])
        assert _fold_with_retractions(turns) == conversation["expected"], conversation["id"]
    assert kinds <= TRAP_KINDS
    assert len(kinds) >= 12


def test_direct_extraction_is_precise(scoring: ModuleType, conversations: list[Any]) -> None:
    report = scoring.score(conversations, SignalDetector())
    assert report.extraction.precision >= scoring.PRECISION_TARGET, scoring.render(report)


def test_the_gate_fires_on_at_most_a_quarter_of_irrelevant_turns(
    scoring: ModuleType, conversations: list[Any]
) -> None:
    assert scoring.firing(conversations, SignalDetector()).rate <= scoring.FIRING_TARGET


def test_relevant_turns_reach_an_extraction_through_the_learner(
    scoring: ModuleType, conversations: list[Any]
) -> None:
    """Coverage is measured through the real learner: gate, held turns and the safety net."""
    debounced = scoring.replay(conversations, debounced=True)
    assert debounced.coverage >= scoring.COVERAGE_TARGET, debounced.missed
    user_turns = sum(len(c["turns"]) // 2 for c in conversations)
    assert debounced.user_turns == user_turns
    # one debounce window per conversation: at most one extraction each
    assert debounced.llm_calls <= len(conversations)
    if user_turns >= 3 * len(conversations):  # heldout_v1 averages 2.4 turns a conversation
        assert debounced.calls_per_turn <= scoring.CALLS_TARGET


def test_targets_hold_with_the_learners_real_timing(
    scoring: ModuleType, conversations: list[Any]
) -> None:
    """Default debounce, max_wait and idle; turns 3-20 s apart; time scaled; no flush."""
    timed = scoring.replay_timed(conversations)
    assert timed.coverage >= scoring.COVERAGE_TARGET, timed.missed
    if timed.user_turns >= 3 * len(conversations):
        assert timed.calls_per_turn <= scoring.CALLS_TARGET


def test_public_set_meets_every_target(scoring: ModuleType) -> None:
    import os

    path = scoring.eval_path(None)
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"eval file not found: {path}")
        pytest.skip(f"eval file not found: {path}")
    public = scoring.load(path)
    report = scoring.score(public, SignalDetector())
    assert report.extraction.precision >= scoring.PRECISION_TARGET
    assert scoring.firing(public, SignalDetector()).rate <= scoring.FIRING_TARGET
    for replayed in (scoring.replay(public, debounced=True), scoring.replay_timed(public)):
        assert replayed.coverage >= scoring.COVERAGE_TARGET, replayed.missed
        assert replayed.calls_per_turn <= scoring.CALLS_TARGET
