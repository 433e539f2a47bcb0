"""The aggregator and drift detector: worked numbers and properties."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langprofile.pipeline.aggregate import LoopSettings, estimate, fold, fold_all, rebase
from langprofile.pipeline.signals import Observation, Signal, observe
from langprofile.schema import DimensionSpec, UserProfile, dimensions

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
DENSITY = DimensionSpec("density", "ordinal", ("plain", "balanced", "dense"))
LANGUAGE = DimensionSpec("reply_language", "categorical", ())
SETTINGS = LoopSettings(window=4, decay=0.5, threshold=2.0, min_signals=3)


def _x(x: float, w: float = 1.0) -> Observation:
    return Observation("density", x, None, w, "nudge", AT)


def _c(label: str, w: float = 1.0) -> Observation:
    return Observation("reply_language", None, label, w, "nudge", AT)


def test_worked_ordinal_example() -> None:
    # The rate is max(decay, w / total): 1/2 for the second signal, 0.5 for the third.
    state = fold_all(None, [_x(0.0), _x(1.0), _x(1.0)], SETTINGS)
    assert state is not None
    # EMA: 0 -> 0 + 0.5 * 1 = 0.5 -> 0.5 + 0.5 * 0.5 = 0.75
    assert state["m"] == pytest.approx(0.75)
    # variance: 0 -> 0.5 * (0 + 0.5 * 1) = 0.25 -> 0.5 * (0.25 + 0.5 * 0.25) = 0.1875
    assert state["v"] == pytest.approx(0.1875)
    found = estimate(DENSITY, state, SETTINGS)
    assert found is not None
    assert found.short == pytest.approx(2 / 3)
    spread = ((2 / 3) ** 2 + 2 * (1 / 3) ** 2) / 3  # 2/9
    var_short = spread / 3
    var_ema = 0.1875 / 3  # remembers min(3 signals, (2 - 0.5) / 0.5 = 3)
    fused = (found.short / var_short + 0.75 / var_ema) / (1 / var_short + 1 / var_ema)
    assert found.fused == pytest.approx(fused)
    assert found.score == pytest.approx(abs(2 / 3 - 0.75) / math.sqrt(var_short + var_ema))
    assert found.n == 3
    assert found.fused == pytest.approx(0.7119, abs=1e-4)
    assert found.level == "balanced"  # 0.71 x 2 = 1.42: the middle of three levels
    assert not found.drifting


def test_worked_categorical_example() -> None:
    state = fold_all(None, [_c("English"), _c("Spanish"), _c("Spanish")], SETTINGS)
    found = estimate(LANGUAGE, state, SETTINGS)
    assert found is not None
    assert found.level == "Spanish"
    assert set(found.weights) == {"English", "Spanish"}
    assert found.weights["Spanish"] > found.weights["English"]
    # Spanish indicator: 0 -> 0.5 -> 0.75, as the ordinal example.
    assert found.ema == pytest.approx(0.75)
    assert found.short == pytest.approx(2 / 3)


def test_a_steady_window_dominates_and_a_noisy_one_defers_to_the_ema() -> None:
    settings_ = LoopSettings(window=10, decay=0.02, threshold=3.0, min_signals=5)
    history = [_x(0.0)] * 60
    steady = fold_all(None, [*history, *[_x(1.0)] * 10], settings_)
    noisy = fold_all(None, [*history, *[_x(1.0), _x(0.0)] * 5], settings_)
    s, n = estimate(DENSITY, steady, settings_), estimate(DENSITY, noisy, settings_)
    assert s is not None
    assert n is not None
    # Steady window: the fused value sits nearer the window than the EMA.
    assert abs(s.fused - s.short) < abs(s.fused - s.ema)
    assert s.drifting
    # Noisy window: weight moves to the EMA, and there is no drift.
    assert abs(n.fused - n.ema) < abs(n.fused - n.short)
    assert not n.drifting


def test_rebase_stops_flagging_the_same_evidence() -> None:
    settings_ = LoopSettings(window=10, decay=0.02, threshold=3.0, min_signals=5)
    state = fold_all(None, [*[_x(0.0)] * 60, *[_x(1.0)] * 10], settings_)
    assert state is not None
    assert estimate(DENSITY, state, settings_).drifting  # type: ignore[union-attr]
    again = estimate(DENSITY, rebase(state), settings_)
    assert again is not None
    assert not again.drifting
    assert again.fused == pytest.approx(1.0)


def test_no_drift_on_little_evidence() -> None:
    state = fold_all(None, [_x(0.0), _x(1.0)], SETTINGS)
    found = estimate(DENSITY, state, SETTINGS)
    assert found is not None
    assert not found.drifting
    assert estimate(DENSITY, None, SETTINGS) is None


def test_fold_does_not_change_its_input_and_bounds_the_window() -> None:
    state = fold(None, _x(0.5), SETTINGS)
    before = {**state, "win": list(state["win"])}
    later = fold_all(state, [_x(1.0)] * 10, SETTINGS)
    assert state == before
    assert later is not None
    assert len(later["win"]) == SETTINGS.window
    assert later["n"] == 11


def test_categories_are_bounded() -> None:
    state = fold_all(None, [_c(f"lang{i}") for i in range(40)], SETTINGS)
    assert state is not None
    assert len(state["m"]) <= 12
    assert {c for c, _ in state["win"]} <= set(state["m"])


positions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
weights = st.floats(min_value=0.1, max_value=5.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(positions, weights), min_size=1, max_size=80))
def test_fused_lies_between_the_two_views(values: list[tuple[float, float]]) -> None:
    settings_ = LoopSettings()
    state = fold_all(None, [_x(x, w) for x, w in values], settings_)
    found = estimate(DENSITY, state, settings_)
    assert found is not None
    low, high = sorted((found.short, found.ema))
    assert low - 1e-9 <= found.fused <= high + 1e-9
    assert 0.0 <= found.fused <= 1.0
    assert found.score >= 0.0
    assert found.n == len(values)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["en", "es", "de"]), min_size=1, max_size=60),
    st.floats(min_value=0.5, max_value=3.0),
)
def test_categorical_weights_are_bounded_and_the_mode_is_the_heaviest(
    labels: list[str], noise: float
) -> None:
    settings_ = LoopSettings()
    state = fold_all(None, [_c(label, noise) for label in labels], settings_)
    found = estimate(LANGUAGE, state, settings_)
    assert found is not None
    assert all(-1e-9 <= w <= 1 + 1e-9 for w in found.weights.values())
    assert found.level == max(found.weights, key=lambda c: (found.weights[c], c))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(positions, weights), min_size=2, max_size=40))
def test_noisier_windows_move_weight_to_the_ema(values: list[tuple[float, float]]) -> None:
    # Same EMA, two windows with the same mean: the noisier one is trusted less.
    settings_ = LoopSettings(window=4)
    base = fold_all(None, [_x(x, w) for x, w in values], settings_)
    assert base is not None
    calm: dict[str, Any] = {**base, "win": [[0.5, 1.0]] * 4}
    wild: dict[str, Any] = {**base, "win": [[0.0, 1.0], [1.0, 1.0]] * 2}
    c, w = estimate(DENSITY, calm, settings_), estimate(DENSITY, wild, settings_)
    assert c is not None
    assert w is not None
    if abs(base["m"] - 0.5) > 1e-6:
        assert abs(w.fused - w.ema) <= abs(c.fused - c.ema) + 1e-12


def test_signals_are_checked_against_the_schema() -> None:
    specs = dimensions(UserProfile)
    ok = observe(Signal("density", "dense", at=AT), specs)
    assert ok.position == 1.0
    assert observe(Signal("density", 0.25, at=AT), specs).position == 0.25
    assert observe(Signal("reply_language", "  Spanish ", at=AT), specs).label == "Spanish"
    bad: list[tuple[Any, str]] = [
        (Signal("densty", "dense"), "unknown dimension 'densty'"),
        (Signal("density", "thick"), "'thick' is not a level of density"),
        (Signal("density", 1.5), r"position in \[0, 1\]"),
        (Signal("density", math.nan), r"position in \[0, 1\]"),
        (Signal("density", True), "level name or a float"),
        (Signal("density", "dense", kind="wink"), "unknown signal kind"),  # type: ignore[arg-type]
        (Signal("density", "dense", weight=0), r"weight must be in \(0, 100\]"),
        (Signal("density", "dense", at=dt.datetime(2026, 1, 1)), "timezone-aware"),
        (Signal("reply_language", ""), "non-empty label"),
        (Signal("reply_language", "x" * 81), "at most 80"),
        ("density=dense", "expected a Signal"),
    ]
    for signal, message in bad:
        with pytest.raises(ValueError, match=message):
            observe(signal, specs)


def test_observations_round_trip_and_foreign_ones_are_skipped() -> None:
    specs = dimensions(UserProfile)
    for signal in (Signal("density", "plain", at=AT), Signal("domain", "statistics", at=AT)):
        obs = observe(signal, specs)
        assert Observation.from_json(obs.to_json()) == obs
    assert Observation.from_json({"d": "density"}) is None
    assert Observation.from_json({"d": "density", "x": "high", "at": "now"}) is None
