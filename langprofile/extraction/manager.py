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

import datetime as dt
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import jsonpatch
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage
from langchain_core.outputs import LLMResult
from langgraph.store.base import PutOp
from pydantic import BaseModel, ValidationError

from langprofile._codec import base_value, decode_profile, now_utc
from langprofile._context import run_user
from langprofile._namespace import encode_user_id, profile_namespace
from langprofile.config import PROFILE_KEY, USERS_ROOT
from langprofile.extraction._quiet import quiet_extraction_logs
from langprofile.extraction.metrics import Metrics
from langprofile.extraction.prompts import profile_instructions
from langprofile.pipeline.bounds import shown
from langprofile.schema import ProfileRecord
from langprofile.store._ops import Flow, Read, adrive, drive, io
from langprofile.store.profiles import ProfileStore
from langprofile.store.views import CurrentView, ProfileView
from langprofile.store.writes import update_flow

__all__ = ["ExtractionResult", "ProfileManager", "create_profile_manager", "extraction_flow"]

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


@dataclass(frozen=True)
class _Extract:
    """One langmem run over ``messages`` against ``view``; executes itself (sync or async)."""

    langmem: Any
    view: ProfileView
    messages: tuple[Any, ...]
    config: dict[str, Any]
    observer: _Observer

    def run(self) -> _Output:
        token = self.view.activate()
        try:
            self.langmem.invoke({"messages": list(self.messages)}, config=self.config)
        except _langmem_failures() as exc:
            return _Output(self.view.puts, self.observer, exc)
        finally:
            self.view.deactivate(token)
        return _Output(self.view.puts, self.observer)

    async def arun(self) -> _Output:
        token = self.view.activate()
        try:
            await self.langmem.ainvoke({"messages": list(self.messages)}, config=self.config)
        except _langmem_failures() as exc:
            return _Output(self.view.puts, self.observer, exc)
        finally:
            self.view.deactivate(token)
        return _Output(self.view.puts, self.observer)


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
        metrics: Metrics | None = None,
        max_attempts: int = 2,
        recursion_limit: int = 12,
    ) -> None:
        self.model = model
        self.profiles = profiles
        self.instructions = profile_instructions(profiles.schema, instructions)
        self.metrics = metrics or Metrics()
        self.max_attempts = max_attempts
        self.recursion_limit = recursion_limit
        self._built: Any = None
        self._build_lock = threading.Lock()

    def langmem_manager(self) -> Any:
        """langmem's store manager, built once on first use (its store forwards to the view of
        the extraction running in the caller's context)."""
        with self._build_lock:
            if self._built is None:
                from langmem import create_memory_store_manager

                quiet_extraction_logs()

                self._built = create_memory_store_manager(
                    self.model,
                    schemas=[self.profiles.schema],
                    instructions=self.instructions,
                    namespace=(USERS_ROOT, "{user_id}", "profile"),
                    enable_inserts=False,
                    enable_deletes=False,
                    store=CurrentView(),
                )
            return self._built

    # --- public API -------------------------------------------------------------------------
    def extract(self, user_id: str, messages: Sequence[AnyMessage | Any]) -> ExtractionResult:
        """Extract from ``messages`` and write what was learned. Never raises for bad output."""
        return drive(extraction_flow(self, user_id, messages), self.profiles.handler())

    async def aextract(
        self, user_id: str, messages: Sequence[AnyMessage | Any]
    ) -> ExtractionResult:
        """Async twin of :meth:`extract`."""
        return await adrive(extraction_flow(self, user_id, messages), self.profiles.handler())

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


def extraction_flow(
    manager: ProfileManager[Any],
    user_id: str,
    messages: Sequence[Any],
    observed: dt.datetime | None = None,
) -> Flow[ExtractionResult]:
    """One extraction: serve the stored document, run langmem, write what changed.

    Composable into a larger flow (the learner runs it after its direct writes). ``observed``:
    when the messages were seen (a user erased since is not written back).
    """
    profiles, metrics = manager.profiles, manager.metrics
    schema = profiles.schema
    observed = observed or now_utc()
    stored = yield from io(Read(profile_namespace(user_id), PROFILE_KEY))
    fields = base_value(stored, user_id, now_utc())["fields"]
    served = decode_profile(schema, fields).model_dump(mode="json") if fields else None
    label = encode_user_id(user_id)
    observer = _Observer()
    config = {
        "configurable": {"user_id": label, "max_attempts": manager.max_attempts},
        "recursion_limit": manager.recursion_limit,
        "callbacks": [observer],
        # Keep the extractor's model calls out of a surrounding graph's message stream.
        "tags": ["nostream", "langsmith:hidden"],
    }
    view = ProfileView((USERS_ROOT, label, "profile"), schema.__name__, served)
    output: _Output = yield _Extract(
        manager.langmem_manager(), view, tuple(messages), config, observer
    )
    calls = observer.calls
    metrics.add(user_id, {"extraction_runs": 1, "llm_calls": calls, **observer.tokens})
    if output.error is not None:
        reason = "model_error" if observer.errors else type(output.error).__name__
        logger.warning(
            "profile extraction for %s failed (%s); profile unchanged",
            shown(user_id, 40),
            type(output.error).__name__,
        )
        metrics.fail(user_id, reason)
        return ExtractionResult(user_id, failed=reason, llm_calls=calls)
    documents, discarded = _documents(schema, output, served)
    changes: dict[str, Any] = {}
    for document in documents:
        changes.update(_diff(served, document))
    if not changes:
        for reason in discarded.values():
            metrics.discard(user_id, reason)
        metrics.add(user_id, {"updates_unchanged": 1})
        return _logged(ExtractionResult(user_id, discarded=discarded, llm_calls=calls), observer)
    outcome = yield from update_flow(
        profiles, user_id, changes, "extracted", strict=False, observed=observed
    )
    discarded.update(outcome.discarded)
    for reason in discarded.values():
        metrics.discard(user_id, reason)
    metrics.add(
        user_id,
        {
            "updates_applied": len(outcome.applied),
            "updates_unchanged": 0 if outcome.applied else 1,
            "suggestions_created": len(outcome.suggested),
        },
    )
    result = ExtractionResult(
        user_id,
        applied=outcome.applied,
        suggested=outcome.suggested,
        discarded=discarded,
        llm_calls=calls,
        record=outcome.record,
    )
    return _logged(result, observer)


def _documents(
    schema: type[BaseModel], output: _Output, served: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The documents langmem produced, and why output that produced none was dropped."""
    kind = schema.__name__
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
    elif any(_rejected(schema, call, served) for call in observer.tool_calls):
        discarded["*"] = "invalid_patch"
    return documents, discarded


def _rejected(
    schema: type[BaseModel], call: Mapping[str, Any], served: dict[str, Any] | None
) -> bool:
    """Would this tool call have changed the document, had it been valid?"""
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
    metrics: Metrics | None = None,
    max_attempts: int = 2,
    recursion_limit: int = 12,
) -> ProfileManager[P]:
    """A profile extractor built on ``langmem.create_memory_store_manager``.

    The langmem manager runs with namespace ``("users", "{user_id}", "profile")``,
    ``enable_inserts=False`` and ``enable_deletes=False``; the field names, types and
    descriptions of ``profiles.schema`` are in its instructions in every mode. Results reach the
    store only through ``profiles`` with source ``"extracted"``, screened by its policy.
    ``max_attempts`` and ``recursion_limit`` bound langmem's repair calls per extraction.
    """
    return ProfileManager(
        model,
        profiles,
        instructions=instructions,
        metrics=metrics,
        max_attempts=max_attempts,
        recursion_limit=recursion_limit,
    )
