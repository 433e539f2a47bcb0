"""The stores langmem works on: views that serve what it may see and never let it write.

langmem's managers read and write a ``BaseStore`` themselves. langprofile writes only through
its own writers, so langmem is given one of these views instead of the real store:

- :class:`ProfileView` serves the one profile document in langmem's ``{"kind", "content"}``
  shape and captures the puts langmem proposes; the profile manager diffs them and writes the
  result through ``ProfileStore``. A manager is built once with :class:`CurrentView`, which
  forwards to the view of the extraction running in this context.
- :class:`ReadOnlyView` passes reads of the memory collection through and discards puts; the
  memory writer stores what the policy allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from langprofile.config import PROFILE_KEY

__all__ = ["CurrentView", "ProfileView", "ReadOnlyView"]


class ProfileView(BaseStore):
    """One served profile document; puts are captured in :attr:`puts`, never written."""

    def __init__(self, namespace: tuple[str, ...], kind: str, served: dict[str, Any] | None):
        self.namespace = namespace
        self.kind = kind
        self.served = served
        self.puts: list[PutOp] = []

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Answer langmem's ops from the served document."""
        out: list[Result] = []
        for op in ops:
            if isinstance(op, SearchOp):
                hit = (
                    self.served is not None
                    and tuple(op.namespace_prefix) == self.namespace[: len(op.namespace_prefix)]
                )
                out.append([self._item()] if hit else [])
            elif isinstance(op, PutOp):
                self.puts.append(op)
                out.append(None)
            elif isinstance(op, GetOp):
                out.append(self._item() if op.key == PROFILE_KEY and self.served else None)
            elif isinstance(op, ListNamespacesOp):
                out.append([self.namespace] if self.served else [])
            else:  # pragma: no cover - langmem issues no other ops
                raise TypeError(f"unexpected store op {op!r}")
        return out

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Async twin of :meth:`batch` (no I/O)."""
        return self.batch(ops)

    def _item(self) -> SearchItem:
        now = dt.datetime.now(dt.UTC)
        value = {"kind": self.kind, "content": self.served}
        return SearchItem(self.namespace, PROFILE_KEY, value, now, now, score=None)

    def activate(self) -> Token[ProfileView | None]:
        """Make this the view :class:`CurrentView` forwards to in this context (and threads
        started from it); pass the token to :meth:`deactivate`."""
        return _VIEW.set(self)

    @staticmethod
    def deactivate(token: Token[ProfileView | None]) -> None:
        """Undo :meth:`activate`."""
        _VIEW.reset(token)


_VIEW: ContextVar[ProfileView | None] = ContextVar("langprofile_profile_view", default=None)


class CurrentView(BaseStore):
    """The store a langmem manager is built with once: forwards to the active view."""

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Forward to the view of the current extraction."""
        view = _VIEW.get()
        if view is None:  # pragma: no cover - only reachable by calling langmem directly
            raise RuntimeError("this langmem manager only runs inside a langprofile extraction")
        return view.batch(ops)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Async twin of :meth:`batch`."""
        return self.batch(ops)


def _is_langmem_item(item: SearchItem, namespace: tuple[str, ...]) -> bool:
    value = item.value
    return (
        item.namespace == namespace
        and isinstance(value.get("kind"), str)
        and isinstance(value.get("content"), dict)
    )


class ReadOnlyView(BaseStore):
    """``store`` as langmem sees it: reads pass through, puts are discarded.

    Search results are limited to langmem-shaped items in exactly the searched namespace: langmem
    fails with ``KeyError`` on any other value shape, and would otherwise rewrite items stored
    deeper under the prefix.
    """

    __slots__ = ("_store",)

    def __init__(self, store: BaseStore) -> None:
        self._store = store

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run the reads on the real store; discard the puts."""
        ops = list(ops)
        reads = [op for op in ops if not isinstance(op, PutOp)]
        return _merge(ops, self._store.batch(reads) if reads else [])

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Async twin of :meth:`batch`."""
        ops = list(ops)
        reads = [op for op in ops if not isinstance(op, PutOp)]
        return _merge(ops, await self._store.abatch(reads) if reads else [])


def _merge(ops: list[Op], read_results: list[Result]) -> list[Result]:
    """Results for ``ops``: ``None`` for each discarded put, the filtered read result otherwise."""
    pending = iter(read_results)
    out: list[Result] = []
    for op in ops:
        if isinstance(op, PutOp):
            out.append(None)
            continue
        result = next(pending)
        if isinstance(op, SearchOp) and isinstance(result, list):
            result = [
                item
                for item in result
                if isinstance(item, SearchItem) and _is_langmem_item(item, op.namespace_prefix)
            ]
        out.append(result)
    return out
