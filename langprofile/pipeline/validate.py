"""Validate and bound a requested change against the schema before anything is read or written.

One step of the writer, for every source. An explicit change (``strict``) that names an unknown
field, has the wrong type or holds a value no backend stores the same way raises
:class:`ProfileValidationError`; an automated change keeps what is valid and reports the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from langprofile.errors import ProfileValidationError
from langprofile.pipeline.bounds import bound_value, shown

__all__ = ["Validated", "unstorable", "validate_changes"]

#: Integers JSON columns of every backend hold exactly (SQLite's JSON is 64-bit).
_INT_LIMIT: Final = 2**63


@dataclass(frozen=True, slots=True)
class Validated:
    """The valid part of a change (JSON-ready, bounded) and, per field, why the rest is not."""

    changes: dict[str, Any]
    invalid: dict[str, str] = field(default_factory=dict)


def unstorable(value: Any) -> str | None:  # noqa: PLR0911 - one answer per JSON type
    """Why ``value`` (JSON-like) cannot be stored identically on every backend, or ``None``.

    NaN and infinities are not JSON; integers beyond 64 bits are not stored by SQLite; a lone
    surrogate is not valid UTF-8.
    """
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a storable number"
    if isinstance(value, int) and not isinstance(value, bool):
        return None if -_INT_LIMIT < value < _INT_LIMIT else "an integer beyond 64 bits"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text with an unpaired surrogate (not valid unicode)"
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            reason = unstorable(key) or unstorable(item)
            if reason:
                return reason
    elif isinstance(value, (list, tuple)):
        for item in value:
            reason = unstorable(item)
            if reason:
                return reason
    return None


def _valid_fields(schema: type[BaseModel]) -> str:
    return ", ".join(sorted(schema.model_fields))


def _raw(
    schema: type[BaseModel], changes: Mapping[str, Any] | BaseModel, strict: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """The change as field -> value, and the unknown fields an automated change named."""
    unknown: dict[str, str] = {}
    if isinstance(changes, BaseModel):
        values = {k: getattr(changes, k, None) for k in changes.model_fields_set}
    elif isinstance(changes, Mapping):
        values = dict(changes.items())
    else:
        raise ProfileValidationError(
            f"changes must be a mapping of field names to values or a {schema.__name__}, "
            f"got {type(changes).__name__}"
        )
    raw: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or key not in schema.model_fields:
            if strict:
                raise ProfileValidationError(
                    f"unknown profile field {shown(key)}; valid fields: {_valid_fields(schema)}"
                )
            unknown[key[:100] if isinstance(key, str) else shown(key, 60)] = "unknown_field"
            continue
        raw[key] = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return raw, unknown


def _problems(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "<root>"
        top = str(err["loc"][0]) if err["loc"] else "<root>"
        out.setdefault(top, f"{where}: {err['msg']}")
    return out


def validate_changes(
    schema: type[BaseModel], changes: Mapping[str, Any] | BaseModel, *, strict: bool = True
) -> Validated:
    """Return the change as JSON-ready, bounded values of the named fields; ``None`` clears.

    ``changes`` is a mapping of field name to value or a schema instance (only the fields set on
    it count). With ``strict`` (explicit writes) an unknown field, a wrong type or an unstorable
    value raises :class:`ProfileValidationError` naming the field, and nothing is kept; without
    it (automated writes) those fields are left out and listed in ``invalid``.
    """
    raw, invalid = _raw(schema, changes, strict)
    bounded: dict[str, Any] = {}
    for name, given in raw.items():
        value = bound_value(given)
        # Checked before validation too: pydantic's JSON dump turns NaN under ``Any`` into
        # None and chokes on a lone surrogate in a key.
        reason = unstorable(value)
        if reason is None:
            bounded[name] = value
        elif strict:
            raise ProfileValidationError(f"field {name!r} holds {reason}; nothing was written")
        else:
            invalid[name] = "unstorable"
    while bounded:
        try:
            model = schema.model_validate(bounded)
        except ValidationError as exc:
            problems = _problems(exc)
            if strict or not set(problems) & set(bounded):
                detail = "; ".join(problems.values())
                raise ProfileValidationError(
                    f"invalid profile change ({detail}); valid fields: {_valid_fields(schema)}"
                ) from None
            for name in set(problems) & set(bounded):
                del bounded[name]
                invalid[name] = "invalid_type"
            continue
        break
    else:
        return Validated({}, invalid)
    dumped = model.model_dump(mode="json", include=set(bounded))
    out: dict[str, Any] = {}
    for name in bounded:
        # Validators may normalize or expand values, so bound once more after validation.
        value = bound_value(dumped.get(name))
        reason = unstorable(value)
        if reason is not None:
            if strict:
                raise ProfileValidationError(f"field {name!r} holds {reason}; nothing was written")
            invalid[name] = "unstorable"
            continue
        out[name] = value
    return Validated(out, invalid)
