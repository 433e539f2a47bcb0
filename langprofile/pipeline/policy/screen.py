"""Screen a structured change (field -> value): what may be written, and why the rest may not."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from pydantic import BaseModel

from langprofile.pipeline.bounds import bound_value
from langprofile.pipeline.policy.credentials import PLACEHOLDER
from langprofile.pipeline.policy.identifiers import DIGIT, has_card
from langprofile.pipeline.policy.rules import (
    DEFAULT_POLICY,
    LIST_SLACK,
    MAX_CHECKED_INT,
    R_API_KEY,
    R_CARD,
    R_LOW_CONFIDENCE,
    R_NATIONAL_ID,
    R_PASSWORD,
    R_SSN,
    SCAN_MARGIN,
    Policy,
    Screened,
)
from langprofile.pipeline.policy.sensitive import find_sensitive

__all__ = ["screen"]

# Keys of custom-schema mappings that say what their value is.
_KEY_KINDS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (R_CARD, re.compile(r"\b(?:(?:credit|debit) card|card (?:number|no|num)|cvv2?|cvc2?)\b")),
    (R_SSN, re.compile(r"\b(?:ssn|social (?:security|insurance)(?: number| no)?)$")),
    (
        R_NATIONAL_ID,
        re.compile(
            r"\b(?:passport(?: number| no| id)?|national (?:id|identity)(?: number| card)?"
            r"|tax (?:id|number|code)|tin|ein|itin|iban|(?:drivers? )?licen[cs]e (?:number|no)"
            r"|id number|nhs number|aadhaa?r|account number|routing number)$"
        ),
    ),
    (
        R_PASSWORD,
        re.compile(r"\b(?:pass ?words?|passwd|pwd|pw|pass ?codes?|pass ?phrases?|pins?)$"),
    ),
    (
        R_API_KEY,
        re.compile(
            r"\b(?:api ?keys?|access keys?(?: id)?|secret(?: access)? keys?|private keys?"
            r"|client secrets?|secrets?|token|credentials?)$"
        ),
    ),
)
_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


@lru_cache(maxsize=1024)
def _key_kind(key: str) -> str | None:
    phrase = " ".join(word.lower() for word in _KEY_WORDS.findall(key))
    for reason, pattern in _KEY_KINDS:
        if pattern.search(phrase):
            return reason
    return None


def _keyed_value_sensitive(kind: str, text: str) -> bool:
    text = text.strip()
    if not text or PLACEHOLDER.fullmatch(text):
        return False
    if kind == R_PASSWORD:
        return True
    if kind == R_API_KEY:
        return len(text) >= 8 and not any(ch.isspace() for ch in text)
    return sum(ch.isdigit() for ch in text) >= (3 if kind == R_CARD else 4)


def _check(value: Any, kind: str | None, policy: Policy) -> str | None:
    """The reason anything in an already bounded ``value`` is sensitive, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < MAX_CHECKED_INT:
        value = int(value)  # 4556737586899111.0 is the card number it spells
    if isinstance(value, int):
        # A card number fits in an int; ints too long for a card (or for ``str``) do not.
        value = str(value) if abs(value) < MAX_CHECKED_INT else None
    elif isinstance(value, BaseModel):
        value = bound_value(
            value.model_dump(mode="json"),
            max_chars=policy.max_string_chars + SCAN_MARGIN,
            max_items=policy.max_list_items * LIST_SLACK,
        )
    if isinstance(value, str):
        reason = find_sensitive(value, policy)
        if reason is None and kind is not None and _keyed_value_sensitive(kind, value):
            reason = kind
        return reason
    if isinstance(value, Mapping):
        return _check_mapping(value, policy)
    if isinstance(value, list):
        for item in value:
            reason = _check(item, kind, policy)
            if reason is not None:
                return reason
    return None


def _check_mapping(value: Mapping[Any, Any], policy: Policy) -> str | None:
    for key, item in value.items():
        name = str(key)
        reason = find_sensitive(name, policy) or _check(item, _key_kind(name), policy)
        if reason is not None:
            return reason
    # Read together, as they would be said: a card number split across values.
    parts = [str(v) for v in value.values() if isinstance(v, (str, int, float))]
    if len(parts) > 1 and has_card(" ".join(parts)):
        return R_CARD
    return None


def _drop_sensitive(
    items: list[Any], kind: str | None, policy: Policy
) -> tuple[list[Any], str | None]:
    kept: list[Any] = []
    reason: str | None = None
    for item in items:
        if len(kept) >= policy.max_list_items:
            break  # what follows would be cut anyway: neither scanned nor counted
        item_reason = _check(item, kind, policy)
        if item_reason is None:
            kept.append(item)
        elif reason is None:
            reason = item_reason
    return kept, reason


def _screen_list(
    items: list[Any], kind: str | None, policy: Policy
) -> tuple[list[Any], str | None]:
    """The list without its sensitive items, bounded, and the reason for the first one dropped.

    The items are also read together, as the paragraph will say them: a card number split
    across items ("4539", "1488", "0343", "6467") drops every item that holds a part of it.
    """
    kept, reason = _drop_sensitive(items, kind, policy)
    digits = [item for item in kept if isinstance(item, (str, int)) and not isinstance(item, bool)]
    if len(digits) > 1 and has_card(" ".join(str(item) for item in digits)):
        kept = [item for item in kept if item not in digits or not DIGIT.search(str(item))]
        reason = reason or R_CARD
    if all(isinstance(item, str) and len(item) <= policy.max_string_chars for item in kept):
        return kept, reason  # cleaned and de-duplicated by the first pass already
    bounded = bound_value(kept, max_chars=policy.max_string_chars, max_items=policy.max_list_items)
    if bounded != kept:
        # Cutting can make a value newly sensitive: under an ``api_key`` key "abcdefgh ij" is
        # harmless, its first eight characters are not. Check what will be stored.
        bounded, later = _drop_sensitive(bounded, kind, policy)
        reason = reason or later
    return bounded, reason


def _screen_value(value: Any, kind: str | None, policy: Policy) -> tuple[Any, str | None, bool]:
    """``(value to write, reason, discard the field)`` for one non-``None`` field value."""
    chars = policy.max_string_chars
    wide = bound_value(
        value, max_chars=chars + SCAN_MARGIN, max_items=policy.max_list_items * LIST_SLACK
    )
    if isinstance(wide, list):
        kept, reason = _screen_list(wide, kind, policy)
        return kept, reason, reason is not None and not kept
    reason = _check(wide, kind, policy)
    if reason is None and not (isinstance(wide, str) and len(wide) <= chars):
        bounded = bound_value(wide, max_chars=chars, max_items=policy.max_list_items)
        if bounded != wide:
            reason = _check(bounded, kind, policy)  # cutting can create a match (see above)
        wide = bounded
    return wide, reason, reason is not None


def _low_confidence(field: str, confidence: Mapping[str, float], threshold: float) -> bool:
    score: object = confidence.get(field)
    if score is None:
        return False
    if isinstance(score, bool) or not isinstance(score, (int, float)) or math.isnan(score):
        return threshold > 0.0  # an unreadable score never clears a positive threshold
    return score < threshold


def screen(
    changes: Mapping[str, Any],
    *,
    policy: Policy = DEFAULT_POLICY,
    confidence: Mapping[str, float] | None = None,
) -> Screened:
    """Return what of an automated ``changes`` (field -> value) may be written, and why not.

    - A string holding anything sensitive discards the field. A list loses only its sensitive
      items (the field is discarded if none is left). In a mapping, or deeper, anything
      sensitive discards the whole field.
    - A field whose ``confidence`` is below ``policy.min_confidence`` is discarded, clears
      (``None``) included; fields missing from ``confidence`` are not judged on it.
    - Kept values are bounded with :func:`~langprofile.pipeline.bounds.bound_value`: strings
      cleaned and truncated, lists de-duplicated case-insensitively and capped.

    ``changes`` that is not a mapping yields nothing to write. Never raises for JSON-like
    values and never mutates them; a top-level pydantic model value is screened as its JSON.
    """
    kept: dict[str, Any] = {}
    discarded: dict[str, str] = {}
    source: object = changes  # typed callers pass a mapping; model output may be anything
    if not isinstance(source, Mapping):
        return Screened(kept, discarded)
    for field, raw in source.items():
        value = raw.model_dump(mode="json") if isinstance(raw, BaseModel) else raw
        reason: str | None = None
        if value is not None:
            value, reason, discard = _screen_value(value, _key_kind(str(field)), policy)
            if discard and reason is not None:
                discarded[field] = reason
                continue
        if confidence is not None and _low_confidence(field, confidence, policy.min_confidence):
            discarded[field] = reason or R_LOW_CONFIDENCE
            continue
        kept[field] = value
        if reason is not None:
            discarded[field] = reason
    return Screened(kept, discarded)
