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
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e]"
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
    """``repr(value)`` cut to about ``limit`` characters: what an error message may quote."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + "…"
    text = repr(value) if not isinstance(value, (list, dict, tuple)) else repr(value)[: limit * 2]
    return text if len(text) <= limit else text[:limit] + "…"


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
        seen: set[str] = set()
        for item in value:
            bounded = bound_value(item, max_chars=max_chars, max_items=max_items, _depth=_depth + 1)
            if bounded is None or bounded == "":
                continue
            marker = bounded.casefold() if isinstance(bounded, str) else repr(bounded)
            if marker in seen:
                continue
            seen.add(marker)
            out.append(bounded)
            if len(out) >= max_items:
                break
        return out
    return value
