"""The one value shape of a stored profile, and the only code that reads or builds it.

A stored profile value is a JSON object::

    {"kind": "langprofile/profile", "schema_version": 1, "user_id": "alice@example.com",
     "fields": {...}, "field_sources": {"name": "user"}, "paragraph": "...", "preamble": "...",
     "provenance": "evolved", "suggestions": [...], "version": 3,
     "created_at": "2026-...", "updated_at": "2026-..."}

``preamble`` is the rendered block, so the injector's read is one ``get`` and one key lookup.
Older shapes are upgraded on read by ``MIGRATIONS`` (append-only; position = version).

``forget`` leaves a tombstone at the profile key, ``{"kind": "langprofile/erased",
"erased_at": ..., "version": n}``, holding nothing about the user: reads see no profile, and an
automated write of what was observed before ``erased_at`` is refused, in any process. A profile
written after an erasure keeps ``erased_at`` for the same reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from langprofile.config import SCHEMA_VERSION
from langprofile.errors import ForeignDataError
from langprofile.schema import SOURCES, ProfileRecord, Provenance, Source, Suggestion

__all__ = [
    "ERASED",
    "KIND",
    "MIGRATIONS",
    "base_value",
    "decode_profile",
    "erased_at",
    "new_value",
    "to_record",
    "tombstone",
    "upgrade",
]

logger = logging.getLogger("langprofile")

KIND = "langprofile/profile"
ERASED = "langprofile/erased"
P = TypeVar("P", bound=BaseModel)

#: ``MIGRATIONS[i]`` upgrades a value from schema_version ``i + 1`` to ``i + 2``. Append only.
MIGRATIONS: list[Callable[[dict[str, Any]], dict[str, Any]]] = []


def now_utc() -> dt.datetime:
    """The timestamp every write records."""
    return dt.datetime.now(dt.UTC)


def new_value(user_id: str, now: dt.datetime) -> dict[str, Any]:
    """The value of a profile that has never been written (version 0, provenance empty)."""
    stamp = now.isoformat()
    return {
        "kind": KIND,
        "schema_version": SCHEMA_VERSION,
        "user_id": user_id,
        "fields": {},
        "field_sources": {},
        "paragraph": "",
        "preamble": "",
        "provenance": Provenance.EMPTY.value,
        "suggestions": [],
        "version": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }


def tombstone(now: dt.datetime, version: int) -> dict[str, Any]:
    """What ``forget`` leaves at the profile key: when, and the version it replaced."""
    return {"kind": ERASED, "erased_at": now.isoformat(), "version": version}


def erased_at(value: Mapping[str, Any] | None) -> dt.datetime | None:
    """When the user was last erased, from a tombstone or a profile written since."""
    stamp = None if value is None else value.get("erased_at")
    if not isinstance(stamp, str):
        return None
    try:
        return dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None


def base_value(stored: Mapping[str, Any] | None, user_id: str, now: dt.datetime) -> dict[str, Any]:
    """The value a write starts from: the stored profile, or a new one (after a tombstone, with
    its version and erasure time, so compare-and-set and the erasure check still hold)."""
    if stored is None:
        return new_value(user_id, now)
    if stored.get("kind") == ERASED:
        out = new_value(user_id, now)
        out["version"] = _int(stored.get("version", 0), "version")
        if isinstance(stored.get("erased_at"), str):
            out["erased_at"] = stored["erased_at"]
        return out
    return upgrade(stored)


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ForeignDataError(f"stored profile has a damaged {name!r} ({type(value).__name__})")
    try:
        return int(value)
    except ValueError:
        raise ForeignDataError(f"stored profile has a damaged {name!r}") from None


_SHAPE: dict[str, type | tuple[type, ...]] = {
    "fields": dict,
    "field_sources": dict,
    "field_times": dict,
    "amendments": list,
    "paragraph": str,
    "preamble": str,
    "provenance": str,
    "suggestions": list,
    "created_at": str,
    "updated_at": str,
    "user_id": str,
}


def _check_shape(value: Mapping[str, Any]) -> None:
    """Raise ``ForeignDataError`` naming the first part of a damaged value."""
    for name, kind in _SHAPE.items():
        if name in value and not isinstance(value[name], kind):
            raise ForeignDataError(f"stored profile has a damaged {name!r}; left untouched")
    for name in ("created_at", "updated_at", "user_id"):
        if name not in value:
            raise ForeignDataError(f"stored profile has no {name!r}; left untouched")
    _int(value.get("version", 0), "version")
    try:
        Provenance(value.get("provenance", "empty"))
        for stamp in ("created_at", "updated_at"):
            dt.datetime.fromisoformat(value[stamp])
    except ValueError:
        raise ForeignDataError("stored profile has a damaged provenance or timestamp") from None
    for suggestion in value.get("suggestions", []):
        if not (
            isinstance(suggestion, Mapping)
            and suggestion.get("kind") in ("field", "paragraph")
            and isinstance(suggestion.get("id"), str)
            and suggestion.get("source") in SOURCES
            and isinstance(suggestion.get("created_at"), str)
        ):
            raise ForeignDataError("stored profile has a damaged suggestion; left untouched")


def upgrade(value: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a stored value to the current ``schema_version``; raise ``ForeignDataError`` if it
    is not a profile of ours or is damaged (it is left untouched)."""
    if value.get("kind") != KIND:
        raise ForeignDataError(
            f"the item at the profile key is not a langprofile profile (kind={value.get('kind')!r})"
        )
    out = dict(value)
    version = _int(out.get("schema_version", 1), "schema_version")
    if version > SCHEMA_VERSION:
        raise ForeignDataError(
            f"profile schema_version {version} is newer than this langprofile supports "
            f"({SCHEMA_VERSION}); upgrade langprofile"
        )
    for migrate in MIGRATIONS[version - 1 :]:
        out = migrate(out)
    out["schema_version"] = SCHEMA_VERSION
    _check_shape(out)
    return out


def decode_profile(schema: type[P], fields: Mapping[str, Any]) -> P:
    """Build a schema instance from stored fields, dropping any the schema no longer accepts.

    Stored data must never make a read fail: a field removed from the schema or whose type
    changed is skipped with a warning (the stored value stays until the next write replaces it).
    """
    try:
        return schema.model_validate(dict(fields))
    except ValidationError:
        pass
    kept: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in schema.model_fields:
            logger.warning("stored profile field %r is not in %s; ignored", name, schema.__name__)
            continue
        try:
            schema.model_validate({name: value})
        except ValidationError:
            logger.warning("stored profile field %r no longer validates; ignored", name)
            continue
        kept[name] = value
    # A rule across fields (a model validator added since) can still refuse the whole: drop
    # the latest fields one by one until what is left validates.
    while True:
        try:
            return schema.model_validate(kept)
        except ValidationError:
            if not kept:
                raise
            dropped = next(reversed(kept))
            logger.warning("stored profile field %r fails the schema's checks; ignored", dropped)
            del kept[dropped]


def _suggestion(raw: Mapping[str, Any]) -> Suggestion:
    return Suggestion(
        id=str(raw["id"]),
        kind=raw["kind"],
        field=raw.get("field"),
        value=raw.get("value"),
        source=raw["source"],
        reason=str(raw.get("reason", "")),
        created_at=dt.datetime.fromisoformat(raw["created_at"]),
    )


def _times(raw: Mapping[str, Any]) -> dict[str, dt.datetime]:
    out: dict[str, dt.datetime] = {}
    for name, stamp in raw.items():
        try:
            out[name] = dt.datetime.fromisoformat(stamp)
        except (TypeError, ValueError):
            continue  # an unreadable time is as good as none: the field is not expired by it
    return out


def to_record(value: Mapping[str, Any], schema: type[P]) -> ProfileRecord[P]:
    """Decode a stored value (any supported version) into a :class:`ProfileRecord`."""
    v = upgrade(value)
    sources: dict[str, Source] = {
        k: s for k, s in v.get("field_sources", {}).items() if s in SOURCES
    }
    return ProfileRecord(
        user_id=v["user_id"],
        profile=decode_profile(schema, v.get("fields", {})),
        paragraph=v.get("paragraph", ""),
        provenance=Provenance(v.get("provenance", "empty")),
        version=int(v.get("version", 0)),
        updated_at=dt.datetime.fromisoformat(v["updated_at"]),
        created_at=dt.datetime.fromisoformat(v["created_at"]),
        field_sources=sources,
        field_times=_times(v.get("field_times", {})),
        suggestions=tuple(_suggestion(s) for s in v.get("suggestions", [])),
        preamble=v.get("preamble", ""),
        schema_version=int(v["schema_version"]),
    )
