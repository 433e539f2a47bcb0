"""Choose and check the drift detector's defaults by simulation.

Usage: ``python benchmarks/drift_simulation.py [--users N] [--threshold T ...] [--seed S]``.

Two populations of simulated users, each on one ordinal dimension of three levels and one
categorical dimension, through the real aggregator (``langprofile.pipeline.aggregate``):

- **stationary**: a fixed preference observed with noise (level votes scattered around the
  user's own level, and measured positions with Gaussian noise). A sweep runs after every few
  signals (a Poisson number, mean 3); the figure is the share of users flagged per sweep once
  they have ``min_signals`` (target <= 2%).
- **shift**: 60 stationary signals, then the preference moves one level (or the category
  changes) and stays there: the figure is the share caught within 20 signals of the new
  behaviour and the median delay (target: caught within 20).

Prints one line per threshold and the verdict for the default.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langprofile.pipeline.aggregate import LoopSettings, estimate, fold
from langprofile.pipeline.signals import Observation
from langprofile.schema import DimensionSpec

ORDINAL = DimensionSpec("density", "ordinal", ("plain", "balanced", "dense"))
CATEGORICAL = DimensionSpec("reply_language", "categorical", ())
AT = datetime(2026, 1, 1, tzinfo=UTC)
LANGUAGES = ("English", "Spanish", "German", "French")


def _ordinal_signal(rng: random.Random, level: int, style: str) -> Observation:
    if style == "votes":  # a nudge or a thumb on the user's level, sometimes a neighbour
        roll = rng.random()
        shown = level if roll < 0.7 else max(0, min(2, level + rng.choice((-1, 1))))
        x = shown / 2
    else:  # a measured response: a continuous position around the level
        x = min(1.0, max(0.0, rng.gauss(level / 2, 0.2)))
    return Observation("density", x, None, 1.0, "thumb", AT)


def _categorical_signal(rng: random.Random, language: str) -> Observation:
    label = language if rng.random() < 0.85 else rng.choice(LANGUAGES)
    return Observation("reply_language", None, label, 1.0, "thumb", AT)


def _signal(rng: random.Random, dim: str, truth: object, style: str) -> Observation:
    if dim == "ordinal":
        return _ordinal_signal(rng, int(truth), style)  # type: ignore[call-overload]
    return _categorical_signal(rng, str(truth))


def stationary(settings: LoopSettings, users: int, seed: int) -> float:
    """The share of (user, sweep) pairs flagged on stationary noise."""
    rng = random.Random(seed)
    flagged = sweeps = 0
    for u in range(users):
        dim = "ordinal" if u % 2 == 0 else "categorical"
        style = "votes" if u % 4 < 2 else "measured"
        truth: object = rng.randrange(3) if dim == "ordinal" else rng.choice(LANGUAGES)
        spec = ORDINAL if dim == "ordinal" else CATEGORICAL
        state = None
        for _ in range(40):  # 40 sweeps of a few signals each
            for _ in range(max(1, _poisson(rng, 3))):
                state = fold(state, _signal(rng, dim, truth, style), settings)
            found = estimate(spec, state, settings)
            if found is None or found.n < settings.min_signals:
                continue
            sweeps += 1
            flagged += found.drifting
    return flagged / sweeps


def shift(settings: LoopSettings, users: int, seed: int) -> tuple[float, float]:
    """(share caught within 20 signals of the shift, median delay of those caught)."""
    rng = random.Random(seed + 1)
    delays: list[int] = []
    caught = 0
    for u in range(users):
        dim = "ordinal" if u % 2 == 0 else "categorical"
        style = "votes" if u % 4 < 2 else "measured"
        spec = ORDINAL if dim == "ordinal" else CATEGORICAL
        if dim == "ordinal":
            before: object = rng.randrange(3)
            after: object = int(before) + 1 if int(before) < 2 else 1  # type: ignore[call-overload]
        else:
            before = rng.choice(LANGUAGES)
            after = rng.choice([lang for lang in LANGUAGES if lang != before])
        state = None
        for _ in range(60):
            state = fold(state, _signal(rng, dim, before, style), settings)
        for k in range(1, 41):
            state = fold(state, _signal(rng, dim, after, style), settings)
            found = estimate(spec, state, settings)
            if found is not None and found.drifting:
                delays.append(k)
                caught += k <= 20
                break
    return caught / users, statistics.median(delays) if delays else float("inf")


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for small means.
    limit, k, p = 2.718281828459045**-mean, 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, action="append")
    parser.add_argument("--decay", type=float, default=None)
    args = parser.parse_args()
    default = LoopSettings()
    if args.decay is not None:
        default = replace(default, decay=args.decay)
    thresholds = args.threshold or [2.0, 2.5, 3.0, 3.5, 4.0]
    print(f"window={default.window} decay={default.decay} min_signals={default.min_signals}")
    print(f"{'threshold':>9}  {'stationary flagged/sweep':>24}  {'shift caught <=20':>17}  median")
    for threshold in thresholds:
        settings = replace(default, threshold=threshold)
        false_rate = stationary(settings, args.users, args.seed)
        caught, delay = shift(settings, args.users, args.seed)
        mark = "  <- default" if threshold == default.threshold else ""
        print(f"{threshold:>9.2f}  {false_rate:>24.3%}  {caught:>17.1%}  {delay:>6}{mark}")
    false_rate = stationary(default, args.users, args.seed + 100)
    caught, delay = shift(default, args.users, args.seed + 100)
    ok = false_rate <= 0.02 and caught >= 0.95
    print(
        f"default on fresh seeds: {false_rate:.2%} flagged per sweep (target <= 2%), "
        f"{caught:.1%} of shifts caught within 20 signals (median {delay}): "
        f"{'meets' if ok else 'MISSES'} the targets"
    )


if __name__ == "__main__":
    main()
