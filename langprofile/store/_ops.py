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
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, runtime_checkable

from pydantic import BaseModel

from langprofile.config import STORE_RETRY_BACKOFF_S, STORE_RETRY_WINDOW_S, STORE_WRITE_RETRIES
from langprofile.errors import StoreReadError, StoreWriteError

if TYPE_CHECKING:
    from langprofile.pipeline.verbalize import Verbalizer
    from langprofile.store._adapters import Adapter

__all__ = [
    "CompareAndPut",
    "Delete",
    "Executable",
    "Flow",
    "Handler",
    "ListUser",
    "On",
    "PutMany",
    "Read",
    "RecentFirst",
    "Search",
    "Sleep",
    "StoreRequestError",
    "Verbalize",
    "adrive",
    "drive",
    "io",
    "list_all",
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
    """One page of the items under a namespace prefix, as ``langgraph`` ``Item`` objects."""

    prefix: tuple[str, ...]
    offset: int = 0
    limit: int = 500


@dataclass(frozen=True, slots=True)
class Search:
    """Search one namespace (semantically when ``query`` is given and the store has an index)."""

    namespace: tuple[str, ...]
    query: str | None
    limit: int
    offset: int = 0


@dataclass(frozen=True, slots=True)
class RecentFirst:
    """Whether the store's unranked search returns the most recently updated items first."""


@dataclass(frozen=True, slots=True)
class PutMany:
    """Put several items (``(namespace, key, value)``) in one batch; result: how many."""

    items: tuple[tuple[tuple[str, ...], str, dict[str, Any]], ...]


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete the given ``(namespace, key)`` pairs; result: how many were deleted."""

    targets: tuple[tuple[tuple[str, ...], str], ...]


@dataclass(frozen=True, slots=True)
class On:
    """Run ``request`` on another store (a collection kept in a store of its own)."""

    adapter: Adapter
    request: Any
    writes: bool = True  # io() reports a final failure as StoreWriteError


@dataclass(frozen=True, slots=True)
class Verbalize:
    """Turn a profile into its paragraph with the store's verbalizer."""

    profile: BaseModel


@dataclass(frozen=True, slots=True)
class Sleep:
    """Back off before a retry."""

    seconds: float


Request: TypeAlias = (
    Read | CompareAndPut | ListUser | Search | RecentFirst | PutMany | Delete | Verbalize | Sleep
)
Flow = Generator[Any, Any, T]


@runtime_checkable
class Executable(Protocol):
    """A request that knows how to execute itself (for I/O beyond the store adapters)."""

    def run(self) -> Any:
        """Execute with blocking I/O."""
        ...

    async def arun(self) -> Any:
        """Execute with async I/O."""
        ...


PAGE_SIZE = 500


def list_all(prefix: tuple[str, ...]) -> Generator[Any, Any, list[Any]]:
    """Every item under ``prefix``, page by page; use as ``items = yield from list_all(...)``."""
    items: list[Any] = []
    while True:
        page = yield from io(ListUser(prefix, offset=len(items), limit=PAGE_SIZE))
        items.extend(page)
        if len(page) < PAGE_SIZE:
            return items


class StoreRequestError(Exception):
    """A store request failed: which store, and the driver's error (``__cause__``)."""

    def __init__(self, store: str, cause: BaseException) -> None:
        super().__init__(f"{store}: {type(cause).__name__}")
        self.store = store
        self.cause = cause


_WRITES = (CompareAndPut, PutMany, Delete)


def io(
    request: Any,
    *,
    attempts: int = STORE_WRITE_RETRIES,
    failure: type[StoreReadError] | type[StoreWriteError] | None = None,
) -> Generator[Any, Any, Any]:
    """Issue a request with bounded retries; use as ``result = yield from io(...)``.

    A request that failed fast (a dropped connection) is retried up to ``attempts`` times in
    all; one that failed slowly (a timeout: the store's own bound already passed) is not. The
    last failure is raised as ``failure``: by default :class:`StoreWriteError` for writes (a
    compare-and-put, a put, a delete, an executable request with ``writes=True``) and
    :class:`StoreReadError` otherwise, naming the store and the driver's error type, never what
    was being read or written. Retrying a compare-and-put whose first attempt did land is safe:
    the retry sees the new version, fails the compare, and the flow re-reads.
    """
    started = time.monotonic()
    for attempt in range(attempts):
        try:
            return (yield request)
        except StoreRequestError as fault:
            slow = time.monotonic() - started > STORE_RETRY_WINDOW_S
            if attempt == attempts - 1 or slow:
                raise _failure(request, failure, fault, attempt + 1) from fault.cause
            logger.warning("%s failed (%s); retrying", fault.store, type(fault.cause).__name__)
        yield Sleep(STORE_RETRY_BACKOFF_S * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _failure(
    request: Any,
    failure: type[StoreReadError] | type[StoreWriteError] | None,
    fault: StoreRequestError,
    tries: int,
) -> StoreReadError | StoreWriteError:
    writes = isinstance(request, _WRITES) or getattr(request, "writes", False)
    kind = failure or (StoreWriteError if writes else StoreReadError)
    what = "write" if kind is StoreWriteError else "read"
    tail = "; nothing was written" if kind is StoreWriteError else ""
    return kind(
        f"the {fault.store} failed to {what} ({type(fault.cause).__name__}, "
        f"{tries} attempt{'s' if tries > 1 else ''}){tail}"
    )


_STORE_REQUESTS = (Read, CompareAndPut, ListUser, Search, RecentFirst, PutMany, Delete)


class Handler:
    """Executes the requests of a flow: store requests, verbalization and back-off sleeps.

    Subclasses add request types (e.g. an LLM extraction) by overriding :meth:`handle` and
    :meth:`ahandle` and deferring to ``super()`` for the rest.
    """

    def __init__(self, adapter: Adapter | None = None, verbalizer: Verbalizer | None = None):
        self._adapter = adapter
        self._verbalizer = verbalizer

    @property
    def adapter(self) -> Adapter:
        """The store adapter (a handler built without one cannot run store requests)."""
        if self._adapter is None:
            raise TypeError("this handler has no store adapter")
        return self._adapter

    @property
    def verbalizer(self) -> Verbalizer:
        """The verbalizer (a handler built without one cannot verbalize)."""
        if self._verbalizer is None:
            raise TypeError("this handler has no verbalizer")
        return self._verbalizer

    def handle(self, request: Any) -> Any:
        """Execute one request with blocking I/O."""
        if isinstance(request, Verbalize):
            return self.verbalizer.verbalize(request.profile)
        if isinstance(request, Sleep):
            time.sleep(request.seconds)
            return None
        if isinstance(request, (*_STORE_REQUESTS, On)):
            adapter = request.adapter if isinstance(request, On) else self.adapter
            try:
                return adapter.run(request.request if isinstance(request, On) else request)
            except Exception as exc:
                raise StoreRequestError(adapter.describe(), exc) from exc
        if isinstance(request, Executable):
            return request.run()
        raise TypeError(f"no handler for request {request!r}")

    async def ahandle(self, request: Any) -> Any:
        """Execute one request with async I/O."""
        if isinstance(request, Verbalize):
            return await self.verbalizer.averbalize(request.profile)
        if isinstance(request, Sleep):
            await asyncio.sleep(request.seconds)
            return None
        if isinstance(request, (*_STORE_REQUESTS, On)):
            adapter = request.adapter if isinstance(request, On) else self.adapter
            try:
                return await adapter.arun(request.request if isinstance(request, On) else request)
            except Exception as exc:
                raise StoreRequestError(adapter.describe(), exc) from exc
        if isinstance(request, Executable):
            return await request.arun()
        raise TypeError(f"no handler for request {request!r}")


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
