"""The few I/O requests every profile flow is written in, and the two drivers that run them.

A flow is a generator: it yields a request, receives its result, and returns a value. The same
flow runs under :func:`drive` (sync) and :func:`adrive` (async); only the drivers touch I/O, so
the sync and async APIs cannot drift apart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from pydantic import BaseModel

from langprofile.config import STORE_RETRY_BACKOFF_S, STORE_WRITE_RETRIES
from langprofile.errors import StoreWriteError

if TYPE_CHECKING:
    from langprofile.pipeline.verbalize import Verbalizer

    from ._adapters import Adapter

__all__ = [
    "CompareAndPut",
    "Delete",
    "Flow",
    "Handler",
    "ListUser",
    "Read",
    "Sleep",
    "Verbalize",
    "adrive",
    "drive",
    "io",
]

logger = logging.getLogger("langprofile")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read:
    """Get one item's value (``None`` if absent)."""

    namespace: tuple[str, ...]
    key: str


@dataclass(frozen=True, slots=True)
class CompareAndPut:
    """Put ``value`` only if the stored ``version`` is ``expected`` (``None``: only if absent).

    Result: ``True`` if written, ``False`` if another writer got there first.
    """

    namespace: tuple[str, ...]
    key: str
    value: dict[str, Any]
    expected: int | None


@dataclass(frozen=True, slots=True)
class ListUser:
    """Every item under a namespace prefix, as ``langgraph`` ``Item`` objects."""

    prefix: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete the given ``(namespace, key)`` pairs; result: how many were deleted."""

    targets: tuple[tuple[tuple[str, ...], str], ...]


@dataclass(frozen=True, slots=True)
class Verbalize:
    """Turn a profile into its paragraph with the store's verbalizer."""

    profile: BaseModel


@dataclass(frozen=True, slots=True)
class Sleep:
    """Back off before a retry."""

    seconds: float


Request: TypeAlias = Read | CompareAndPut | ListUser | Delete | Verbalize | Sleep
Flow = Generator[Any, Any, T]


def io(request: Request) -> Generator[Request, Any, Any]:
    """Issue a store request with bounded retries; use as ``result = yield from io(...)``.

    A failed write is raised as :class:`StoreWriteError` after the last attempt. Retrying a
    compare-and-put whose first attempt did land is safe: the retry sees the new version, fails
    the compare, and the flow re-reads and finds nothing left to change.
    """
    for attempt in range(STORE_WRITE_RETRIES):
        try:
            return (yield request)
        except Exception as exc:
            if attempt == STORE_WRITE_RETRIES - 1:
                if isinstance(request, (CompareAndPut, Delete)):
                    raise StoreWriteError(
                        f"the store failed to write after {STORE_WRITE_RETRIES} attempts "
                        f"({type(exc).__name__}: {exc}); nothing was written"
                    ) from exc
                raise
            logger.warning("store request failed (%s: %s); retrying", type(exc).__name__, exc)
        yield Sleep(STORE_RETRY_BACKOFF_S * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


class Handler:
    """Executes the requests of a flow: store requests, verbalization and back-off sleeps.

    Subclasses add request types (e.g. an LLM extraction) by overriding :meth:`handle` and
    :meth:`ahandle` and deferring to ``super()`` for the rest.
    """

    def __init__(self, adapter: Adapter, verbalizer: Verbalizer) -> None:
        self.adapter = adapter
        self.verbalizer = verbalizer

    def handle(self, request: Any) -> Any:
        """Execute one request with blocking I/O."""
        if isinstance(request, Verbalize):
            return self.verbalizer.verbalize(request.profile)
        if isinstance(request, Sleep):
            time.sleep(request.seconds)
            return None
        return self.adapter.run(request)

    async def ahandle(self, request: Any) -> Any:
        """Execute one request with async I/O."""
        if isinstance(request, Verbalize):
            return await self.verbalizer.averbalize(request.profile)
        if isinstance(request, Sleep):
            await asyncio.sleep(request.seconds)
            return None
        return await self.adapter.arun(request)


def drive(flow: Flow[T], handler: Handler) -> T:
    """Run ``flow`` to completion with blocking I/O; a failed request is raised inside it."""
    result: Any = None
    error: Exception | None = None
    while True:
        try:
            request = flow.send(result) if error is None else flow.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        result, error = None, None
        try:
            result = handler.handle(request)
        except Exception as exc:
            error = exc


async def adrive(flow: Flow[T], handler: Handler) -> T:
    """Run ``flow`` to completion with async I/O; a failed request is raised inside it."""
    result: Any = None
    error: Exception | None = None
    while True:
        try:
            request = flow.send(result) if error is None else flow.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        result, error = None, None
        try:
            result = await handler.ahandle(request)
        except Exception as exc:
            error = exc
