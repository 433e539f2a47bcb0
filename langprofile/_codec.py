"""The one value shape of a stored profile, and the only code that reads or builds it.

A stored profile value is a JSON object::

    {"kind": "langprofile/profile", "schema_version": 1, "user_id": "alice@example.com",
     "fields": {...}, "field_sources": {"name": "user"}, "paragraph": "...", "preamble": "...",
     "provenance": "evolved", "suggestions": [...], "version": 3,
     "created_at": "2026-...", "updated_at": "2026-..."}

``preamble`` is the rendered block, so the injector's read is one ``get`` and one key lookup.
Older shapes are upgraded on read by ``MIGRATIONS`` (append-only; position = version).
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

__all__ = ["KIND", "MIGRATIONS", "decode_profile", "new_value", "to_record", "upgrade"]

logger = logging.getLogger("langprofile")

KIND = "langprofile/profile"
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


def upgrade(value: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a stored value to the current ``schema_version``; raise ``ValueError`` if foreign."""
    if value.get("kind") != KIND:
        raise ForeignDataError(
            f"the item at the profile key is not a langprofile profile (kind={value.get('kind')!r})"
        )
    out = dict(value)
    version = int(out.get("schema_version", 1))
    if version > SCHEMA_VERSION:
        raise ForeignDataError(
            f"profile schema_version {version} is newer than this langprofile supports "
            f"({SCHEMA_VERSION}); upgrade langprofile"
        )
    for migrate in MIGRATIONS[version - 1 :]:
        out = migrate(out)
    out["schema_version"] = SCHEMA_VERSION
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
        suggestions=tuple(_suggestion(s) for s in v.get("suggestions", [])),
        preamble=v.get("preamble", ""),
        schema_version=int(v["schema_version"]),
    )
