"""Signals: one preference observation each, checked against the schema's dimensions.

A signal says which dimension it speaks to and the value it votes for: a level name (or a
position in [0, 1]) for an ordinal dimension, a label for a categorical one. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from langprofile.config import MAX_LABEL_CHARS
from langprofile.schema import DimensionSpec

__all__ = ["KINDS", "Observation", "Signal", "SignalKind", "observe"]

SignalKind = Literal["thumb", "nudge", "edit", "skip", "detected"]
KINDS: tuple[SignalKind, ...] = get_args(SignalKind)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Signal:
    """One preference observation: ``dimension`` moved toward ``value``.

    ``value`` is a level name or a float in [0, 1] (lowest to highest level) for an ordinal
    dimension, a label for a categorical one. ``kind``: ``thumb`` (a thumb on a response),
    ``nudge`` (a control moved), ``edit`` (the user edited text about themself), ``skip`` (a
    suggested rewrite skipped), ``detected`` (a cue found in a message). ``weight`` scales how
    much it counts; ``at`` defaults to now (UTC). Checked when recorded: an unknown dimension or
    value is a ``ValueError`` naming it, and nothing is recorded.
    """

    dimension: str
    value: str | float
    kind: SignalKind = "nudge"
    weight: float = 1.0
    at: dt.datetime = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class Observation:
    """A checked signal as the aggregator takes it: a position, or a label, with its weight."""

    dimension: str
    position: float | None
    """Ordinal: where the value sits, 0 (lowest level) to 1 (highest)."""
    label: str | None
    """Categorical: the label, as first spelled."""
    weight: float
    kind: SignalKind
    at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The stored form (short keys: signals are many)."""
        out: dict[str, Any] = {"d": self.dimension, "w": self.weight, "k": self.kind}
        out["at"] = self.at.isoformat()
        if self.position is not None:
            out["x"] = self.position
        else:
            out["c"] = self.label
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Observation | None:
        """The observation a stored signal holds, or ``None`` if it is not one of ours."""
        try:
            position = raw.get("x")
            label = raw.get("c")
            if position is None and not isinstance(label, str):
                return None
            return cls(
                dimension=str(raw["d"]),
                position=None if position is None else float(position),
                label=None if position is not None else str(label),
                weight=float(raw.get("w", 1.0)),
                kind=raw.get("k", "nudge") if raw.get("k") in KINDS else "nudge",
                at=dt.datetime.fromisoformat(str(raw["at"])),
            )
        except (KeyError, TypeError, ValueError):
            return None


def observe(signal: object, specs: Mapping[str, DimensionSpec]) -> Observation:
    """Check ``signal`` against the dimensions and normalize it; ``ValueError`` names the
    problem (the dimension, the value, the kind, the weight or the time)."""
    if not isinstance(signal, Signal):
        raise ValueError(f"expected a Signal, got {type(signal).__name__}")
    spec = specs.get(signal.dimension) if isinstance(signal.dimension, str) else None
    if spec is None:
        known = ", ".join(specs) or "none"
        raise ValueError(f"unknown dimension {signal.dimension!r}; this schema's: {known}")
    if signal.kind not in KINDS:
        raise ValueError(f"unknown signal kind {signal.kind!r}; one of {', '.join(KINDS)}")
    weight = signal.weight
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        raise ValueError(f"signal weight must be a number, got {type(weight).__name__}")
    if not (math.isfinite(weight) and 0 < weight <= 100):
        raise ValueError(f"signal weight must be in (0, 100], got {weight!r}")
    at = signal.at
    if not isinstance(at, dt.datetime):
        raise ValueError(f"signal at must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None:
        raise ValueError("signal at must be timezone-aware (e.g. datetime.now(timezone.utc))")
    position, label = _value(signal.value, spec)
    return Observation(
        signal.dimension, position, label, float(weight), signal.kind, at.astimezone(dt.UTC)
    )


def _value(value: object, spec: DimensionSpec) -> tuple[float | None, str | None]:
    if spec.kind == "ordinal":
        if isinstance(value, str):
            if value not in spec.levels:
                raise ValueError(
                    f"{value!r} is not a level of {spec.name}; levels: {', '.join(spec.levels)}"
                )
            return spec.levels.index(value) / (len(spec.levels) - 1), None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise ValueError(f"{spec.name} takes a position in [0, 1], got {value!r}")
            return float(value), None
        raise ValueError(
            f"{spec.name} takes a level name or a float in [0, 1], got {type(value).__name__}"
        )
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{spec.name} takes a non-empty label, got {value!r}")
    label = " ".join(value.split())
    if len(label) > MAX_LABEL_CHARS:
        raise ValueError(f"{spec.name} labels are at most {MAX_LABEL_CHARS} characters")
    if spec.levels:
        match = next((lv for lv in spec.levels if lv.casefold() == label.casefold()), None)
        if match is None:
            raise ValueError(
                f"{value!r} is not a category of {spec.name}; one of {', '.join(spec.levels)}"
            )
        label = match
    return None, label
