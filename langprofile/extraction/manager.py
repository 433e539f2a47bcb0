"""The profile manager: langmem's store manager, with every result written through ProfileStore.

langmem's ``create_memory_store_manager`` runs the extraction (search the profile namespace, ask
the model to create or patch the one document, emit puts). It is pointed at a *view* of the
profile, not at the real store: the view serves the current record in langmem's
``{"kind", "content"}`` shape and captures the puts instead of writing them. The captured
document is then diffed against what was served, screened by the validation policy, and written
with ``ProfileStore.update(..., source="extracted")``: compare-and-set, pins, suggestions and
exactly one item, like every other writer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import jsonpatch
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage
from langchain_core.outputs import LLMResult
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
from pydantic import BaseModel, ValidationError

from langprofile._codec import decode_profile, upgrade
from langprofile._context import run_user
from langprofile._namespace import encode_user_id, profile_namespace
from langprofile.config import PROFILE_KEY, USERS_ROOT
from langprofile.extraction.metrics import Metrics
from langprofile.extraction.policy import Policy, screen
from langprofile.extraction.prompts import profile_instructions
from langprofile.schema import ProfileRecord
from langprofile.store._adapters import Adapter
from langprofile.store._ops import Flow, Handler, Read, adrive, drive, io
from langprofile.store.profiles import ProfileStore

__all__ = ["ExtractionResult", "ProfileManager", "create_profile_manager"]

logger = logging.getLogger("langprofile")
P = TypeVar("P", bound=BaseModel)

_PATCH_TOOLS = frozenset({"PatchDoc", "PatchFunctionErrors", "PatchFunctionName", "Done"})


@dataclass(frozen=True)
class ExtractionResult:
    """What one extraction did. ``failed`` names the failure; the record is then unchanged."""

    user_id: str
    applied: tuple[str, ...] = ()
    suggested: tuple[str, ...] = ()
    discarded: dict[str, str] = field(default_factory=dict)
    """Field (or ``"*"`` for the whole output) -> reason it was not written."""
    failed: str | None = None
    llm_calls: int = 0
    record: ProfileRecord[Any] | None = None

    @property
    def changed(self) -> bool:
        """True when the stored profile changed."""
        return bool(self.applied)


class _Observer(BaseCallbackHandler):
    """Watches the extractor's model calls: count, tokens, and output langmem drops silently."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.errors = 0
        self.tokens = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        self.malformed = 0
        self.unknown_tools: list[str] = []
        self.tool_calls: list[dict[str, Any]] = []

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        with self._lock:
            for generations in response.generations:
                for generation in generations:
                    message = getattr(generation, "message", None)
                    if not isinstance(message, AIMessage):
                        continue
                    self.calls += 1
                    usage: dict[str, Any] = dict(message.usage_metadata or {})
                    for key in self.tokens:
                        self.tokens[key] += int(usage.get(key) or 0)
                    self.malformed += len(message.invalid_tool_calls)
                    self.tool_calls.extend(dict(call) for call in message.tool_calls)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        with self._lock:
            self.calls += 1
            self.errors += 1


class _ProfileView(BaseStore):
    """What langmem sees: the served profile document; its puts are captured, never written."""

    def __init__(self, namespace: tuple[str, ...], kind: str, served: dict[str, Any] | None):
        self.namespace = namespace
        self.kind = kind
        self.served = served
        self.puts: list[PutOp] = []

    def batch(self, ops: Iterable[Op]) -> list[Result]:
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
        return self.batch(ops)

    def _item(self) -> SearchItem:
        import datetime as dt

        now = dt.datetime.now(dt.timezone.utc)
        value = {"kind": self.kind, "content": self.served}
        return SearchItem(self.namespace, PROFILE_KEY, value, now, now, score=None)


# The view of the extraction running in this context. langmem's manager is built once per
# ProfileManager with a proxy store that forwards to this; langmem's worker threads inherit it.
_VIEW: ContextVar[_ProfileView | None] = ContextVar("langprofile_profile_view", default=None)


class _ViewProxy(BaseStore):
    """The store langmem is built with: forwards to the view of the current extraction."""

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        view = _VIEW.get()
        if view is None:  # pragma: no cover - only reachable by calling langmem directly
            raise RuntimeError("this langmem manager only runs inside ProfileManager.extract")
        return view.batch(ops)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return self.batch(ops)


@dataclass(frozen=True)
class _Extract:
    """Run the langmem manager over ``messages`` against the served document."""

    label: str
    messages: tuple[Any, ...]
    served: dict[str, Any] | None


@dataclass
class _Output:
    puts: list[PutOp]
    observer: _Observer
    error: BaseException | None = None


def _langmem_failures() -> tuple[type[BaseException], ...]:
    # langmem's ConfigurationError subclasses BaseException; name it so it is caught without
    # catching KeyboardInterrupt, SystemExit or cancellation.
    from langmem.errors import ConfigurationError

    return (Exception, ConfigurationError)


class _ExtractHandler(Handler):
    """Executes :class:`_Extract` requests with langmem; everything else as the store does."""

    def __init__(self, base: Handler, manager: ProfileManager[Any]) -> None:
        super().__init__(base.adapter, base.verbalizer)
        self.manager = manager

    def _prepare(self, request: _Extract) -> tuple[Any, _ProfileView, dict[str, Any], _Observer]:
        mgr = self.manager
        namespace = (USERS_ROOT, request.label, "profile")
        view = _ProfileView(namespace, mgr.profiles.schema.__name__, request.served)
        observer = _Observer()
        config = {
            "configurable": {"user_id": request.label, "max_attempts": mgr.max_attempts},
            "recursion_limit": mgr.recursion_limit,
            "callbacks": [observer],
            # Keep the extractor's model calls out of a surrounding graph's message stream.
            "tags": ["nostream", "langsmith:hidden"],
        }
        return mgr._langmem(), view, config, observer

    def handle(self, request: Any) -> Any:
        if not isinstance(request, _Extract):
            return super().handle(request)
        langmem_manager, view, config, observer = self._prepare(request)
        token = _VIEW.set(view)
        try:
            langmem_manager.invoke({"messages": list(request.messages)}, config=config)
        except _langmem_failures() as exc:
            return _Output(view.puts, observer, exc)
        finally:
            _VIEW.reset(token)
        return _Output(view.puts, observer)

    async def ahandle(self, request: Any) -> Any:
        if not isinstance(request, _Extract):
            return await super().ahandle(request)
        langmem_manager, view, config, observer = self._prepare(request)
        token = _VIEW.set(view)
        try:
            await langmem_manager.ainvoke({"messages": list(request.messages)}, config=config)
        except _langmem_failures() as exc:
            return _Output(view.puts, observer, exc)
        finally:
            _VIEW.reset(token)
        return _Output(view.puts, observer)


class ProfileManager(Generic[P]):
    """Extracts profile facts from messages with langmem and writes them through ``profiles``.

    Built by :func:`create_profile_manager`. Whatever the model does (malformed output, bad
    patches, wrong types, unknown tools, exceptions) is logged, counted in :attr:`metrics` and
    reported in the :class:`ExtractionResult`, with the stored record unchanged; only a store
    that keeps failing raises (``StoreWriteError`` after bounded retries).
    """

    def __init__(
        self,
        model: BaseChatModel,
        profiles: ProfileStore[P],
        *,
        instructions: str | None = None,
        policy: Policy | None = None,
        metrics: Metrics | None = None,
        max_attempts: int = 2,
        recursion_limit: int = 12,
    ) -> None:
        self.model = model
        self.profiles = profiles
        self.instructions = profile_instructions(profiles.schema, instructions)
        self.policy = policy or Policy()
        self.metrics = metrics or Metrics()
        self.max_attempts = max_attempts
        self.recursion_limit = recursion_limit
        self._built: Any = None
        self._build_lock = threading.Lock()

    def _langmem(self) -> Any:
        """langmem's store manager, built once (its store is the per-extraction view proxy)."""
        with self._build_lock:
            if self._built is None:
                from langmem import create_memory_store_manager

                self._built = create_memory_store_manager(
                    self.model,
                    schemas=[self.profiles.schema],
                    instructions=self.instructions,
                    namespace=(USERS_ROOT, "{user_id}", "profile"),
                    enable_inserts=False,
                    enable_deletes=False,
                    store=_ViewProxy(),
                )
            return self._built

    # --- the flow ---------------------------------------------------------------------------
    def _flow(self, user_id: str, messages: Sequence[Any]) -> Flow[ExtractionResult]:
        schema = self.profiles.schema
        stored = yield from io(Read(profile_namespace(user_id), PROFILE_KEY))
        fields = upgrade(stored)["fields"] if stored is not None else {}
        served = decode_profile(schema, fields).model_dump(mode="json") if fields else None
        output: _Output = yield _Extract(encode_user_id(user_id), tuple(messages), served)
        counts = {
            "extraction_runs": 1,
            "llm_calls": output.observer.calls,
            **output.observer.tokens,
        }
        self.metrics.add(user_id, counts)
        calls = output.observer.calls
        if output.error is not None:
            reason = "model_error" if output.observer.errors else type(output.error).__name__
            logger.warning(
                "profile extraction for %r failed (%s: %s); profile unchanged",
                user_id,
                type(output.error).__name__,
                output.error,
            )
            self.metrics.fail(user_id, reason)
            return ExtractionResult(user_id, failed=reason, llm_calls=calls)

        documents, discarded = self._documents(output, served)
        changes: dict[str, Any] = {}
        for document in documents:
            changes.update(_diff(served, document))
        screened = screen(changes, policy=self.policy)
        discarded.update(screened.discarded)
        for reason in discarded.values():
            self.metrics.discard(user_id, reason)
        if not screened.changes:
            self.metrics.add(user_id, {"updates_unchanged": 1})
            return _logged(
                ExtractionResult(user_id, discarded=discarded, llm_calls=calls), output.observer
            )
        record, merge = yield from self.profiles._changes_flow(
            user_id, screened.changes, "extracted"
        )
        applied = tuple(sorted(merge.applied)) if merge else ()
        suggested = tuple(sorted(merge.suggested)) if merge else ()
        self.metrics.add(
            user_id,
            {
                "updates_applied": len(applied),
                "updates_unchanged": 0 if applied else 1,
                "suggestions_created": len(suggested),
            },
        )
        return _logged(
            ExtractionResult(
                user_id,
                applied=applied,
                suggested=suggested,
                discarded=discarded,
                llm_calls=calls,
                record=record,
            ),
            output.observer,
        )

    def _documents(
        self, output: _Output, served: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The documents langmem produced, and why output that produced none was dropped."""
        kind = self.profiles.schema.__name__
        documents: list[dict[str, Any]] = []
        discarded: dict[str, str] = {}
        for put in output.puts:
            value = put.value or {}
            if value.get("kind") == kind and isinstance(value.get("content"), dict):
                documents.append(value["content"])
            else:
                discarded["*"] = "unknown_kind"
        if documents:
            return documents, discarded
        observer = output.observer
        known = {kind} | _PATCH_TOOLS
        if observer.malformed:
            discarded["*"] = "malformed_output"
        elif any(call["name"] not in known for call in observer.tool_calls):
            discarded["*"] = "unknown_tool"
        elif any(self._rejected(call, served) for call in observer.tool_calls):
            discarded["*"] = "invalid_patch"
        return documents, discarded

    def _rejected(self, call: Mapping[str, Any], served: dict[str, Any] | None) -> bool:
        """Would this tool call have changed the document, had it been valid?"""
        schema = self.profiles.schema
        args = call.get("args") or {}
        if call["name"] == schema.__name__:
            try:
                schema.model_validate(args)
            except ValidationError:
                return True
            return False
        if call["name"] != "PatchDoc" or not args.get("patches"):
            return False
        try:
            patched = jsonpatch.apply_patch(served or {}, args["patches"])
            schema.model_validate(patched)
        except Exception:
            return True
        return False

    # --- public API -------------------------------------------------------------------------
    def _handler(self, adapter: Adapter | None = None) -> _ExtractHandler:
        return _ExtractHandler(self.profiles.handler(adapter), self)

    def extract(self, user_id: str, messages: Sequence[AnyMessage | Any]) -> ExtractionResult:
        """Extract from ``messages`` and write what was learned. Never raises for bad output."""
        return drive(self._flow(user_id, messages), self._handler())

    async def aextract(
        self, user_id: str, messages: Sequence[AnyMessage | Any]
    ) -> ExtractionResult:
        """Async twin of :meth:`extract`."""
        return await adrive(self._flow(user_id, messages), self._handler())

    def invoke(
        self, input: Mapping[str, Any], config: Mapping[str, Any] | None = None
    ) -> ExtractionResult:
        """langmem-style call: ``{"messages": [...]}``, user id from context or configurable."""
        return self.extract(_run_user(config), input["messages"])

    async def ainvoke(
        self, input: Mapping[str, Any], config: Mapping[str, Any] | None = None
    ) -> ExtractionResult:
        """Async twin of :meth:`invoke`."""
        return await self.aextract(_run_user(config), input["messages"])


def _run_user(config: Mapping[str, Any] | None) -> str:
    user_id = run_user(config)
    if user_id is None:
        raise ValueError("this run is incognito: nothing may be learned from it")
    return user_id


def _logged(result: ExtractionResult, observer: _Observer) -> ExtractionResult:
    """Log one line per extraction run: what it did and what it cost."""
    logger.info(
        "profile extraction for %r: applied=%s suggested=%s discarded=%s llm_calls=%d tokens=%d",
        result.user_id,
        list(result.applied),
        list(result.suggested),
        result.discarded,
        result.llm_calls,
        observer.tokens["total_tokens"],
    )
    return result


def _diff(served: Mapping[str, Any] | None, document: Mapping[str, Any]) -> dict[str, Any]:
    """Fields whose value in ``document`` differs from what was served (``None`` clears)."""
    served = served or {}
    out = {}
    for name in set(served) | set(document):
        new, old = document.get(name), served.get(name)
        if new in ([], "") and old is None:
            continue
        if new != old:
            out[name] = new
    return out


def create_profile_manager(
    model: BaseChatModel,
    profiles: ProfileStore[P],
    *,
    instructions: str | None = None,
    policy: Policy | None = None,
    metrics: Metrics | None = None,
    max_attempts: int = 2,
    recursion_limit: int = 12,
) -> ProfileManager[P]:
    """A profile extractor built on ``langmem.create_memory_store_manager``.

    The langmem manager runs with namespace ``("users", "{user_id}", "profile")``,
    ``enable_inserts=False`` and ``enable_deletes=False``; the field names, types and
    descriptions of ``profiles.schema`` are in its instructions in every mode. Results reach the
    store only through ``profiles`` with source ``"extracted"``, after ``policy`` screening.
    ``max_attempts`` and ``recursion_limit`` bound langmem's repair calls per extraction.
    """
    return ProfileManager(
        model,
        profiles,
        instructions=instructions,
        policy=policy,
        metrics=metrics,
        max_attempts=max_attempts,
        recursion_limit=recursion_limit,
    )
