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
    "Fault",
    "Flow",
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


@dataclass(frozen=True, slots=True)
class Fault:
    """What a driver sends back when a store request raised."""

    exc: Exception


Request: TypeAlias = Read | CompareAndPut | ListUser | Delete | Verbalize | Sleep
Flow = Generator[Request, Any, T]


def io(request: Request) -> Generator[Request, Any, Any]:
    """Issue a store request with bounded retries; use as ``result = yield from io(...)``.

    A failed write is raised as :class:`StoreWriteError` after the last attempt. Retrying a
    compare-and-put whose first attempt did land is safe: the retry sees the new version, fails
    the compare, and the flow re-reads and finds nothing left to change.
    """
    for attempt in range(STORE_WRITE_RETRIES):
        result = yield request
        if not isinstance(result, Fault):
            return result
        if attempt == STORE_WRITE_RETRIES - 1:
            if isinstance(request, (CompareAndPut, Delete)):
                raise StoreWriteError(
                    f"the store failed to write after {STORE_WRITE_RETRIES} attempts "
                    f"({type(result.exc).__name__}: {result.exc}); nothing was written"
                ) from result.exc
            raise result.exc
        logger.warning(
            "store request failed (%s: %s); retrying", type(result.exc).__name__, result.exc
        )
        yield Sleep(STORE_RETRY_BACKOFF_S * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def drive(flow: Flow[T], adapter: Adapter, verbalizer: Verbalizer) -> T:
    """Run ``flow`` to completion with blocking I/O."""
    result: Any = None
    while True:
        try:
            request = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if isinstance(request, Verbalize):
            result = verbalizer.verbalize(request.profile)
        elif isinstance(request, Sleep):
            time.sleep(request.seconds)
            result = None
        else:
            try:
                result = adapter.run(request)
            except Exception as exc:
                result = Fault(exc)


async def adrive(flow: Flow[T], adapter: Adapter, verbalizer: Verbalizer) -> T:
    """Run ``flow`` to completion with async I/O."""
    result: Any = None
    while True:
        try:
            request = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if isinstance(request, Verbalize):
            result = await verbalizer.averbalize(request.profile)
        elif isinstance(request, Sleep):
            await asyncio.sleep(request.seconds)
            result = None
        else:
            try:
                result = await adapter.arun(request)
            except Exception as exc:
                result = Fault(exc)
