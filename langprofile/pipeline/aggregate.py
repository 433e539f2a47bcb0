"""The preference aggregator and drift detector: pure functions over a small JSON state.

Per user and dimension the state holds the last ``window`` observations (the short, reactive
view) and an exponential moving average with its variance (the long, stable view). Folding
one observation is constant work. The fused estimate weights each view by the inverse of its
variance, so a steady recent window dominates and a noisy one defers to the EMA. The drift
score is the gap between the views over the square root of their joint variance.

An ordinal dimension is a position in [0, 1] (lowest to highest level). A categorical one is
one indicator per category (1 when an observation names it), so each category gets the same
two views; the fused mode is the category with the highest fused weight.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from langprofile.config import (
    DRIFT_MIN_SIGNALS,
    DRIFT_THRESHOLD,
    EMA_DECAY,
    MAX_CATEGORIES,
    SIGNAL_WINDOW,
    VARIANCE_FLOOR,
)
from langprofile.pipeline.signals import Observation
from langprofile.schema import DimensionSpec

__all__ = ["Estimate", "LoopSettings", "estimate", "fold", "fold_all", "rebase"]


@dataclass(frozen=True)
class LoopSettings:
    """The aggregator's and detector's knobs (``ProfileStore(..., loop=LoopSettings(...))``).

    ``window``: signals in the short view. ``decay``: the EMA's per-signal decay in (0, 1).
    ``threshold``: the drift score above which a dimension is drifting. ``min_signals``: no
    dimension drifts on less evidence.
    """

    window: int = SIGNAL_WINDOW
    decay: float = EMA_DECAY
    threshold: float = DRIFT_THRESHOLD
    min_signals: int = DRIFT_MIN_SIGNALS

    def __post_init__(self) -> None:
        if not (isinstance(self.window, int) and 2 <= self.window <= 1000):
            raise ValueError(f"window must be an int in [2, 1000], got {self.window!r}")
        if not (isinstance(self.decay, (int, float)) and 0 < self.decay < 1):
            raise ValueError(f"decay must be in (0, 1), got {self.decay!r}")
        if not (isinstance(self.threshold, (int, float)) and self.threshold > 0):
            raise ValueError(f"threshold must be positive, got {self.threshold!r}")
        if not (isinstance(self.min_signals, int) and self.min_signals >= 1):
            raise ValueError(f"min_signals must be a positive int, got {self.min_signals!r}")


@dataclass(frozen=True)
class Estimate:
    """What the signals say about one dimension.

    ``short``: the mean of the last ``window`` signals; ``ema``: the moving average; ``fused``:
    their inverse-variance combination (ordinal: positions in [0, 1]; categorical: the fused
    mode's weights). ``level``: the level (or category) the fused value lands on. ``n``: the
    signals folded. ``score``: the drift statistic; ``drifting``: ``score`` above the
    threshold on enough evidence. ``weights``: categorical only, every category's fused weight.
    """

    dimension: str
    kind: Literal["ordinal", "categorical"]
    short: float
    ema: float
    fused: float
    n: int
    score: float
    drifting: bool
    level: str | None
    weights: dict[str, float] = field(default_factory=dict)


def _update_ema(mean: float, var: float, x: float, a: float) -> tuple[float, float]:
    """One exponentially weighted mean and variance step (West's incremental form)."""
    d = x - mean
    return mean + a * d, (1 - a) * (var + a * d * d)


def fold(
    state: Mapping[str, Any] | None, obs: Observation, settings: LoopSettings
) -> dict[str, Any]:
    """The state after one more observation (constant work; the input is not changed)."""
    categorical = obs.position is None
    out: dict[str, Any] = (
        {
            "n": 0,
            "wt": 0.0,
            "win": [],
            "m": {} if categorical else 0.0,
            "v": {} if categorical else 0.0,
        }
        if not state
        else {**state, "win": list(state.get("win", []))}
    )
    # Until the EMA has seen about 1 / decay signals it is the running mean (the rate
    # w / total weight), so its start is not dominated by whichever signal came first.
    a = max(1 - (1 - settings.decay) ** obs.weight, obs.weight / (float(out["wt"]) + obs.weight))
    first = out["n"] == 0
    if categorical:
        label = str(obs.label)
        means: dict[str, float] = dict(out["m"])
        variances: dict[str, float] = dict(out["v"])
        if label not in means:
            means[label], variances[label] = 0.0, 0.0
        for category in list(means):
            x = 1.0 if category == label else 0.0
            if first:
                means[category], variances[category] = x, 0.0
            else:
                means[category], variances[category] = _update_ema(
                    means[category], variances[category], x, a
                )
        out["m"], out["v"] = means, variances
        out["win"].append([label, obs.weight])
        _bound_categories(out)
    else:
        x = float(obs.position)  # type: ignore[arg-type]
        if first:
            out["m"], out["v"] = x, 0.0
        else:
            out["m"], out["v"] = _update_ema(float(out["m"]), float(out["v"]), x, a)
        out["win"].append([x, obs.weight])
    del out["win"][: -settings.window]
    out["n"] = int(out["n"]) + 1
    out["wt"] = float(out["wt"]) + obs.weight
    return out


def fold_all(
    state: Mapping[str, Any] | None, observations: Iterable[Observation], settings: LoopSettings
) -> dict[str, Any] | None:
    """The state after several observations, in order."""
    current = dict(state) if state else None
    for obs in observations:
        current = fold(current, obs, settings)
    return current


def _bound_categories(state: dict[str, Any]) -> None:
    """Keep at most ``MAX_CATEGORIES``: drop the weakest that the window does not hold."""
    means: dict[str, float] = state["m"]
    if len(means) <= MAX_CATEGORIES:
        return
    in_window = {c for c, _ in state["win"]}
    for category in sorted(means, key=lambda c: means[c]):
        if len(means) <= MAX_CATEGORIES:
            break
        if category not in in_window:
            del means[category]
            del state["v"][category]


def _views(
    window: list[tuple[float, float]], mean: float, var: float, total: float, decay: float
) -> tuple[float, float, float, float]:
    """(short mean, its variance, EMA, its variance) for one indicator or position."""
    wsum = sum(w for _, w in window)
    w2 = sum(w * w for _, w in window)
    short = sum(x * w for x, w in window) / wsum
    spread = sum(w * (x - short) ** 2 for x, w in window) / wsum
    var_short = max(spread, VARIANCE_FLOOR) / (wsum * wsum / w2)
    # Early on the EMA is about the mean of what it saw; later it remembers (2 - a) / a.
    var_ema = max(var, VARIANCE_FLOOR) / max(1.0, min(total, (2 - decay) / decay))
    return short, var_short, mean, var_ema


def _fuse(short: float, var_short: float, ema: float, var_ema: float) -> tuple[float, float]:
    """(fused value, drift score)."""
    fused = (short / var_short + ema / var_ema) / (1 / var_short + 1 / var_ema)
    return fused, abs(short - ema) / math.sqrt(var_short + var_ema)


def estimate(
    spec: DimensionSpec, state: Mapping[str, Any] | None, settings: LoopSettings
) -> Estimate | None:
    """The estimate ``state`` gives for ``spec``, or ``None`` with no signals yet."""
    if not state or not state.get("win"):
        return None
    n = int(state["n"])
    total = float(state["wt"])
    enough = n >= settings.min_signals
    if spec.kind == "ordinal":
        window = [(float(x), float(w)) for x, w in state["win"]]
        short, vs, ema, ve = _views(
            window, float(state["m"]), float(state["v"]), total, settings.decay
        )
        fused, score = _fuse(short, vs, ema, ve)
        top = len(spec.levels) - 1
        level = spec.levels[min(top, max(0, round(fused * top)))]
        return Estimate(
            spec.name,
            "ordinal",
            short,
            ema,
            fused,
            n,
            score,
            enough and score > settings.threshold,
            level,
        )
    weights: dict[str, float] = {}
    scores: dict[str, float] = {}
    views: dict[str, tuple[float, float, float]] = {}
    for category, mean in state["m"].items():
        window = [(1.0 if c == category else 0.0, float(w)) for c, w in state["win"]]
        short, vs, ema, ve = _views(
            window, float(mean), float(state["v"][category]), total, settings.decay
        )
        fused, score = _fuse(short, vs, ema, ve)
        weights[category], scores[category] = fused, score
        views[category] = (short, ema, fused)
    mode = max(weights, key=lambda c: (weights[c], c))
    short, ema, fused = views[mode]
    score = max(scores.values())
    return Estimate(
        spec.name,
        "categorical",
        short,
        ema,
        fused,
        n,
        score,
        enough and score > settings.threshold,
        mode,
        dict(sorted(weights.items(), key=lambda kv: -kv[1])),
    )


def rebase(state: Mapping[str, Any]) -> dict[str, Any]:
    """The state with its long view moved onto the short one: drift acted on is not flagged
    again for the same evidence, and the EMA does not drag the new behaviour back."""
    out = {**state, "win": list(state["win"])}
    window = state["win"]
    wsum = sum(float(w) for _, w in window)
    if isinstance(state["m"], dict):
        means, variances = {}, {}
        for category in state["m"]:
            p = sum(float(w) for c, w in window if c == category) / wsum
            means[category], variances[category] = p, p * (1 - p)
        out["m"], out["v"] = means, variances
    else:
        short = sum(float(x) * float(w) for x, w in window) / wsum
        out["m"] = short
        out["v"] = sum(float(w) * (float(x) - short) ** 2 for x, w in window) / wsum
    return out
