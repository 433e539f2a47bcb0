"""Validate and bound a requested change against the schema before anything is read or written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from langprofile.errors import ProfileValidationError
from langprofile.pipeline.bounds import bound_value

__all__ = ["validate_changes"]


def _valid_fields(schema: type[BaseModel]) -> str:
    return ", ".join(sorted(schema.model_fields))


def validate_changes(
    schema: type[BaseModel], changes: Mapping[str, Any] | BaseModel
) -> dict[str, Any]:
    """Return the change as JSON-ready values of the named fields, bounded; ``None`` clears.

    ``changes`` is a mapping of field name to value or a schema instance (only the fields set on
    it count). Raises :class:`ProfileValidationError` naming the offending field and listing the
    valid ones for an unknown field or a value of the wrong type.
    """
    if isinstance(changes, BaseModel):
        unknown = [k for k in changes.model_fields_set if k not in schema.model_fields]
        if unknown:
            raise ProfileValidationError(
                f"unknown profile field(s) {', '.join(map(repr, sorted(unknown)))} on "
                f"{type(changes).__name__}; valid fields: {_valid_fields(schema)}"
            )
        raw: dict[str, Any] = {
            k: getattr(changes, k) for k in changes.model_fields_set if k in schema.model_fields
        }
        raw = {
            k: (v.model_dump(mode="json") if isinstance(v, BaseModel) else v)
            for k, v in raw.items()
        }
    elif isinstance(changes, Mapping):
        raw = {}
        for key, value in changes.items():
            if not isinstance(key, str) or key not in schema.model_fields:
                raise ProfileValidationError(
                    f"unknown profile field {key!r}; valid fields: {_valid_fields(schema)}"
                )
            raw[key] = value
    else:
        raise ProfileValidationError(
            f"changes must be a mapping of field names to values or a {schema.__name__}, "
            f"got {type(changes).__name__}"
        )
    if not raw:
        return {}
    bounded = {k: bound_value(v) for k, v in raw.items()}
    try:
        model = schema.model_validate(bounded)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ProfileValidationError(
            f"invalid profile change ({problems}); valid fields: {_valid_fields(schema)}"
        ) from None
    dumped = model.model_dump(mode="json", include=set(bounded))
    # Validators may normalize or expand values, so bound once more after validation.
    return {k: bound_value(dumped.get(k)) for k in bounded}
