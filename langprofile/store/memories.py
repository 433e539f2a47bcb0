"""The memory collection's store side: search, the text of a memory, and the one writer.

Memories live beside the profile, many per user, under ``("users", <label>, "memories")``.
Values keep langmem's shape, ``{"kind": "Memory", "content": {"content": "..."}}``, so the next
extraction sees and updates them. Every memory write goes through :func:`write_flow`, which
applies the same policy as the profile writer: anything sensitive drops the memory, values are
bounded, and nothing lands outside the user's own collection.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from langprofile._codec import erased_at
from langprofile._namespace import memories_namespace, profile_namespace
from langprofile.config import PROFILE_KEY
from langprofile.pipeline.bounds import bound_value
from langprofile.pipeline.policy import Policy, screen
from langprofile.pipeline.validate import unstorable
from langprofile.store._adapters import Adapter
from langprofile.store._ops import Flow, On, PutMany, Read, RecentFirst, Search, io

__all__ = [
    "MEMORY_CHARS",
    "WrittenMemories",
    "memory_text",
    "search_flow",
    "write_flow",
]

logger = logging.getLogger("langprofile")

#: Longest text of one stored memory, in characters.
MEMORY_CHARS: Final = 1000

# Stores whose unranked search is not newest first are read in pages and sorted, up to this many.
_SCAN_PAGE: Final = 500
_SCAN_MAX: Final = 10_000


def memory_text(value: Mapping[str, Any]) -> str:
    """The text of one stored memory value, as shown to people and models.

    langmem's ``Memory`` schema (``{"kind": "Memory", "content": {"content": text}}``) gives its
    text; any other content (a custom schema, a plain string) is given as a string or as compact
    JSON.
    """
    content = value.get("content", value)
    if (
        isinstance(content, Mapping)
        and isinstance(content.get("content"), str)
        and (len(content) == 1 or value.get("kind") == "Memory")
    ):
        return str(content["content"])
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str)


def search_flow(namespace: tuple[str, ...], query: str | None, limit: int) -> Flow[list[str]]:
    """The texts of up to ``limit`` memories in ``namespace``, best first.

    With a ``query`` and a store that has an index, "best" is most relevant; otherwise it is
    most recently updated. Store errors are raised.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    query = query or None
    items: list[Any] = yield from io(Search(namespace, query, limit), attempts=1)
    # Scores mean the store ranked by the query; without an index it ignores the query.
    if query is not None and any(item.score is not None for item in items):
        return [memory_text(item.value) for item in items]
    if not (yield RecentFirst()):
        items = []
        while len(items) < _SCAN_MAX:
            page: list[Any] = yield from io(
                Search(namespace, None, _SCAN_PAGE, offset=len(items)), attempts=1
            )
            items.extend(page)
            if len(page) < _SCAN_PAGE:
                break
        items.sort(key=lambda item: item.updated_at, reverse=True)
    return [memory_text(item.value) for item in items[:limit]]


@dataclass(frozen=True)
class WrittenMemories:
    """What one memory write did: how many were stored, and why the others were dropped."""

    written: int
    dropped: tuple[str, ...] = ()
    """One reason per memory not stored (a policy reason, ``foreign_namespace``...)."""


def _checked(value: Any, policy: Policy) -> tuple[dict[str, Any] | None, str | None]:
    """The memory value to store, bounded, or ``None`` and why it must not be stored."""
    if not isinstance(value, dict) or not isinstance(value.get("content"), dict):
        return None, "malformed"
    content = bound_value(value["content"], max_chars=MEMORY_CHARS)
    if unstorable(content) is not None:
        return None, "unstorable"
    # Every value of the content is screened, numbers included: one field's secret drops it all.
    screened = screen(content, policy=policy)
    if screened.discarded:
        return None, next(iter(screened.discarded.values()))
    return {**value, "content": content}, None


def write_flow(
    adapter: Adapter,
    user_id: str,
    proposed: Sequence[Mapping[str, Any]],
    policy: Policy,
    *,
    observed: dt.datetime,
) -> Flow[WrittenMemories]:
    """Store in ``adapter``'s store the proposed memories (``{"namespace", "key", "value"}``)
    that the policy allows, unless the user was erased after ``observed``."""
    namespace = memories_namespace(user_id)
    items: list[tuple[tuple[str, ...], str, dict[str, Any]]] = []
    dropped: list[str] = []
    if proposed:
        stored = yield from io(On(adapter, Read(profile_namespace(user_id), PROFILE_KEY), False))
        erased = erased_at(stored)
        if erased is not None and observed <= erased:
            return WrittenMemories(0, tuple("erased" for _ in proposed))
    for put in proposed:
        if tuple(put["namespace"]) != namespace:
            # Extraction only ever sees this namespace: refuse rather than write into another
            # user's data.
            logger.warning("memory extraction proposed a write outside its namespace; dropped")
            dropped.append("foreign_namespace")
            continue
        value, reason = _checked(put["value"], policy)
        if value is None:
            logger.warning("memory dropped before storing (%s)", reason)
            dropped.append(str(reason))
            continue
        items.append((namespace, str(put["key"]), value))
    if items:
        yield from io(On(adapter, PutMany(tuple(items))))
    return WrittenMemories(len(items), tuple(dropped))
