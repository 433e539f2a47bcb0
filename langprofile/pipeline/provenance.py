"""The provenance guard: merge a change into a stored value without breaking a user's pins.

Pure functions over the stored value shape (see ``langprofile._codec``). A field the user set is
never overwritten by ``extracted``/``agent`` writes, and a user-authored paragraph is never
rewritten by anything but the user; both become suggestions instead. Writers call
:func:`merge_fields`, verbalize the merged fields if they changed, then :func:`settle`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langprofile.config import CONFIRM_REFRESH, MAX_LIST_ITEMS, MAX_SUGGESTIONS
from langprofile.preamble import render_preamble
from langprofile.schema import AUTOMATED_SOURCES, Provenance, Source

__all__ = [
    "FieldMerge",
    "accept_suggestion",
    "dismiss_suggestion",
    "find_suggestion",
    "merge_fields",
    "pin_paragraph",
    "settle",
    "unpin",
]


@dataclass(frozen=True)
class FieldMerge:
    """The outcome of merging one change: new fields, sources and suggestions."""

    fields: dict[str, Any]
    field_sources: dict[str, str]
    suggestions: list[dict[str, Any]]
    applied: tuple[str, ...]
    """Fields whose stored value changed."""
    suggested: tuple[str, ...]
    """Fields the guard turned into suggestions."""
    sources_changed: bool
    confirmed: tuple[str, ...] = ()
    """Fields re-stated with the value they hold, last confirmed long enough ago that their
    time is refreshed (what keeps an expiring value alive while it is still said)."""

    @property
    def fields_changed(self) -> bool:
        """True when the paragraph must be verbalized again."""
        return bool(self.applied)


def _suggestion_id(kind: str, field: str | None, value: Any) -> str:
    blob = json.dumps([kind, field, value], sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _add_suggestion(
    suggestions: list[dict[str, Any]],
    *,
    kind: str,
    field: str | None,
    value: Any,
    source: Source,
    reason: str,
    now: dt.datetime,
    dismissed: Sequence[str] = (),
) -> bool:
    sid = _suggestion_id(kind, field, value)
    if sid in dismissed or any(s["id"] == sid for s in suggestions):
        return False  # the user already said no to exactly this, or it is pending
    if kind == "paragraph":
        # One proposed paragraph at a time: the newest verbalization supersedes older ones.
        suggestions[:] = [s for s in suggestions if s["kind"] != "paragraph"]
    suggestions.append(
        {
            "id": sid,
            "kind": kind,
            "field": field,
            "value": value,
            "source": source,
            "reason": reason,
            "created_at": now.isoformat(),
        }
    )
    del suggestions[:-MAX_SUGGESTIONS]
    return True


def _union(old: list[Any], new: list[Any]) -> list[Any]:
    seen = {str(x).casefold() for x in old}
    added = [x for x in new if str(x).casefold() not in seen]
    return (old + added)[:MAX_LIST_ITEMS]


def _retracted(current: Any, taken_back: Any) -> Any:
    """``current`` without what the user took back: list items, or the value (``None``: any)."""
    if isinstance(current, list) and isinstance(taken_back, list):
        gone = {str(x).casefold() for x in taken_back}
        kept = [x for x in current if str(x).casefold() not in gone]
        return kept or None
    if taken_back is None or str(current).casefold() == str(taken_back).casefold():
        return None
    return current


def merge_fields(
    value: Mapping[str, Any],
    changes: Mapping[str, Any],
    source: Source,
    now: dt.datetime,
    *,
    append: bool = False,
    retracts: Mapping[str, Any] | None = None,
) -> FieldMerge:
    """Apply validated ``changes`` (``None`` clears a field) under the field-level guard.

    ``retracts`` are taken back first: for a list field the items to remove, for a scalar the
    value to clear (``None`` clears whatever is there). With ``append``, a list value adds its
    new items to the stored list instead of replacing it (how single observations such as "I
    also speak Spanish" accumulate).
    """
    fields = dict(value.get("fields", {}))
    sources = dict(value.get("field_sources", {}))
    suggestions = [dict(s) for s in value.get("suggestions", [])]
    applied: list[str] = []
    suggested: list[str] = []
    confirmed: list[str] = []
    times = value.get("field_times", {})
    sources_changed = False
    retracts = retracts or {}
    for name in dict.fromkeys([*retracts, *changes]):
        old = fields.get(name)
        new = _retracted(old, retracts[name]) if name in retracts and old is not None else old
        if name in changes:
            requested = changes[name]
            new = (
                _union(new, requested)
                if append and isinstance(requested, list) and isinstance(new, list)
                else requested
            )
        if source in AUTOMATED_SOURCES and sources.get(name) == "user":
            if new != old and _add_suggestion(
                suggestions,
                kind="field",
                field=name,
                value=new,
                source=source,
                reason="field set by the user",
                now=now,
                dismissed=value.get("dismissed", ()),
            ):
                suggested.append(name)
            continue
        if source == "user":
            # The user decided this field; pending proposals for it are moot.
            suggestions = [s for s in suggestions if s.get("field") != name]
        if new == old:
            if new is not None and sources.get(name) != source and source == "user":
                sources[name] = source  # the user confirming a learned value pins it
                sources_changed = True
            elif new is not None and name in changes and _stale(times.get(name), now):
                confirmed.append(name)
            continue
        if new is None:
            fields.pop(name, None)
            sources.pop(name, None)
        else:
            fields[name] = new
            sources[name] = source
        applied.append(name)
    changed_suggestions = suggestions != list(value.get("suggestions", []))
    return FieldMerge(
        fields=fields,
        field_sources=sources,
        suggestions=suggestions,
        applied=tuple(applied),
        suggested=tuple(suggested),
        sources_changed=sources_changed or changed_suggestions or bool(confirmed),
        confirmed=tuple(confirmed),
    )


def _stale(stamp: object, now: dt.datetime) -> bool:
    """True if a field's time is missing, unreadable, or older than ``CONFIRM_REFRESH``."""
    if not isinstance(stamp, str):
        return True
    try:
        return now - dt.datetime.fromisoformat(stamp) > CONFIRM_REFRESH
    except (TypeError, ValueError):
        return True


def _stamp_fields(out: dict[str, Any], merge: FieldMerge, now: dt.datetime) -> None:
    """Record when each field was last set or confirmed (what expiry measures from)."""
    times = {k: v for k, v in out.get("field_times", {}).items() if k in merge.fields}
    for name in (*merge.applied, *merge.confirmed):
        if name in merge.fields:
            times[name] = now.isoformat()
    out["field_times"] = times


def _finish(out: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    out["preamble"] = render_preamble(out["paragraph"])
    out["version"] = int(out.get("version", 0)) + 1
    out["updated_at"] = now.isoformat()
    return out


def settle(
    value: Mapping[str, Any],
    merge: FieldMerge,
    source: Source,
    candidate: str | None,
    now: dt.datetime,
    *,
    promote: bool = False,
) -> dict[str, Any] | None:
    """Build the next stored value from a merge and its verbalization, or ``None`` if unchanged.

    ``candidate`` is the paragraph the merged fields verbalize to (``None`` when the fields did not
    change). A pinned paragraph stays; the candidate is recorded as a suggestion instead. The
    signal loop's writes keep an onboarding profile onboarding unless ``promote``.
    """
    if not merge.fields_changed and not merge.sources_changed and candidate is None:
        return None
    if (
        not merge.fields_changed
        and not merge.sources_changed
        and candidate == value.get("paragraph")
        and not promote
    ):
        return None
    out = dict(value)
    out["fields"] = merge.fields
    out["field_sources"] = merge.field_sources
    out["suggestions"] = list(merge.suggestions)
    _stamp_fields(out, merge, now)
    provenance = Provenance(out.get("provenance", Provenance.EMPTY.value))
    if candidate is not None:
        if provenance is Provenance.USER_AUTHORED:
            if candidate and candidate != out.get("paragraph"):
                _add_suggestion(
                    out["suggestions"],
                    kind="paragraph",
                    field=None,
                    value=candidate,
                    source=source,
                    reason="paragraph is pinned by the user",
                    now=now,
                    dismissed=value.get("dismissed", ()),
                )
        else:
            out["paragraph"] = candidate
            if not candidate:
                provenance = Provenance.EMPTY
            elif _stays_onboarding(source, provenance, promote):
                provenance = Provenance.ONBOARDING
            else:
                provenance = Provenance.EVOLVED
    out["provenance"] = provenance.value
    return _finish(out, now)


def _stays_onboarding(source: Source, provenance: Provenance, promote: bool) -> bool:
    if source == "onboarding":
        return provenance in (Provenance.EMPTY, Provenance.ONBOARDING)
    return source == "signals" and provenance is Provenance.ONBOARDING and not promote


def _set_paragraph(
    value: Mapping[str, Any], text: str, provenance: Provenance, now: dt.datetime
) -> dict[str, Any]:
    out = dict(value)
    out["paragraph"] = text
    out["provenance"] = (provenance if text else Provenance.EMPTY).value
    # Whoever sets the paragraph now has decided; a pending proposal for it is moot.
    out["suggestions"] = [s for s in value.get("suggestions", []) if s["kind"] != "paragraph"]
    return _finish(out, now)


def pin_paragraph(value: Mapping[str, Any], text: str, now: dt.datetime) -> dict[str, Any]:
    """Store a user-authored paragraph and pin it (``text`` is already cleaned and bounded)."""
    return _set_paragraph(value, text, Provenance.USER_AUTHORED, now)


def unpin(value: Mapping[str, Any], candidate: str, now: dt.datetime) -> dict[str, Any]:
    """Release the pin: the paragraph becomes the verbalization of the fields again."""
    return _set_paragraph(value, candidate, Provenance.EVOLVED, now)


def find_suggestion(value: Mapping[str, Any], suggestion_id: str) -> dict[str, Any] | None:
    """The stored suggestion with this id, if any."""
    for s in value.get("suggestions", []):
        if s["id"] == suggestion_id:
            return dict(s)
    return None


def dismiss_suggestion(
    value: Mapping[str, Any], suggestion_id: str, now: dt.datetime
) -> dict[str, Any]:
    """Drop one suggestion and remember it was refused, so it is not proposed again."""
    out = dict(value)
    out["suggestions"] = [s for s in value.get("suggestions", []) if s["id"] != suggestion_id]
    out["dismissed"] = [*value.get("dismissed", []), suggestion_id][-MAX_SUGGESTIONS:]
    return _finish(out, now)


def accept_suggestion(
    value: Mapping[str, Any], suggestion_id: str, now: dt.datetime
) -> dict[str, Any]:
    """Adopt a proposed paragraph as the user's own (it stays pinned) and drop the proposal.

    Field suggestions are accepted by writing the field with source ``user``; see
    ``ProfileStore.accept_suggestion``.
    """
    found = find_suggestion(value, suggestion_id)
    if found is None or found["kind"] != "paragraph":
        raise ValueError(f"no paragraph suggestion with id {suggestion_id!r}")
    return pin_paragraph(value, str(found["value"]), now)
