"""Bound every value at write time: strings, lists and nesting, whatever path wrote them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from langprofile.config import MAX_LIST_ITEMS, MAX_STRING_CHARS

__all__ = ["bound_value", "clean_line", "clean_text", "shown", "truncate_words"]

# C0/C1 controls, DEL, and the unicode line/paragraph separators that some tokenizers treat as
# newlines. Tabs and newlines are handled separately by the callers.
# Also every invisible format character a reader cannot see but a model reads: soft hyphen,
# zero-width and joiner characters, bidi controls and isolates, word joiner and invisible
# operators, variation selectors, the BOM, and the Unicode tag characters ("ASCII smuggling").
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_SPACE = re.compile(r"\s+")
_MAX_DEPTH = 4


def clean_line(text: str, max_chars: int = MAX_STRING_CHARS) -> str:
    """One line of text: controls dropped, whitespace collapsed, at most ``max_chars`` chars."""
    # Bound first so a megabyte string costs one slice, not a regex pass over a megabyte.
    text = text[: max_chars * 4]
    text = _SPACE.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFC", text))).strip()
    return text[:max_chars].rstrip()


def clean_text(text: str, max_chars: int) -> str:
    """Multi-line text: controls dropped, runs of blank lines folded, at most ``max_chars``."""
    text = text[: max_chars * 4]
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text)).replace("\r\n", "\n")
    text = text.replace("\r", "\n").replace("\t", " ")
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return out[:max_chars].rstrip()


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to at most ``limit`` characters (and an ellipsis): what an error
    message may quote of a value, however large or strange."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"<an integer of {value.bit_length()} bits>"
    if isinstance(value, str) and len(value) > limit:
        text = repr(value[:limit])  # escapes can make it longer than the text: cut it too
        return (text if len(text) <= limit + 2 else text[:limit]) + "\u2026"
    if isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) > limit:
        text = f"<{type(value).__name__} of {len(value)} items>"
    else:
        try:
            text = repr(value)
        except Exception:  # a repr that fails must not hide the error being reported
            text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "\u2026"


def truncate_words(text: str, max_words: int) -> str:
    """Keep the first ``max_words`` words (newlines kept), ending with an ellipsis if cut."""
    words = list(re.finditer(r"\S+", text))
    if len(words) <= max_words:
        return text
    return text[: words[max_words - 1].end()].rstrip(" ,;:") + " …"


def bound_value(
    value: Any,
    *,
    max_chars: int = MAX_STRING_CHARS,
    max_items: int = MAX_LIST_ITEMS,
    _depth: int = 0,
) -> Any:
    """Return ``value`` with strings cleaned and cut, lists de-duplicated and capped.

    Applies recursively to lists and mappings (custom schemas may nest models). List items are
    de-duplicated case-insensitively, first spelling kept. Anything nested deeper than a few
    levels is dropped to ``None``.
    """
    if isinstance(value, str):
        return clean_line(value, max_chars)
    if _depth >= _MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        items = list(value.items())[:max_items]
        return {
            clean_line(str(k), 100): bound_value(
                v, max_chars=max_chars, max_items=max_items, _depth=_depth + 1
            )
            for k, v in items
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        out: list[Any] = []
        seen: set[tuple[str, object]] = set()
        for item in value:
            bounded = bound_value(item, max_chars=max_chars, max_items=max_items, _depth=_depth + 1)
            if bounded is None or bounded == "":
                continue
            # Strings are duplicates case-insensitively; the int 1 is not the string "1".
            if isinstance(bounded, str):
                marker: tuple[str, object] = ("s", bounded.casefold())
            elif isinstance(bounded, (int, float)):
                marker = (type(bounded).__name__, bounded)  # repr() fails past 4,300 digits
            else:
                marker = ("v", repr(bounded))
            if marker in seen:
                continue
            seen.add(marker)
            out.append(bounded)
            if len(out) >= max_items:
                break
        return out
    return value
