"""``ProfileStore``: the one writer and the one reader of user profiles."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from langgraph.store.base import BaseStore
from pydantic import BaseModel

from langprofile._codec import KIND, decode_profile, new_value, now_utc, to_record, upgrade
from langprofile._namespace import profile_namespace, user_namespace, validate_user_id
from langprofile.config import CAS_RETRIES, MAX_PARAGRAPH_WORDS, PROFILE_KEY
from langprofile.errors import ConcurrentUpdateError, MissingStoreError, ProfileValidationError
from langprofile.pipeline import provenance as guard
from langprofile.pipeline.validate import validate_changes
from langprofile.pipeline.verbalize import Verbalizer, bound_paragraph, ensure_verbalizer
from langprofile.schema import SOURCES, ProfileRecord, Suggestion, UserProfile
from langprofile.store._adapters import Adapter, adapter_for
from langprofile.store._ops import (
    CompareAndPut,
    Delete,
    Flow,
    Handler,
    Read,
    Sleep,
    Verbalize,
    adrive,
    drive,
    io,
    list_all,
)

__all__ = ["ProfileStore"]

P = TypeVar("P", bound=BaseModel)
T = TypeVar("T")


def _resolve_runtime_store() -> BaseStore:
    from langgraph.config import get_store

    try:
        store = get_store()
    except RuntimeError:
        store = None
    if store is None:
        raise MissingStoreError(
            "ProfileStore(None) uses the store of the running graph, but none is available here: "
            "compile the graph with `store=...` (langgraph dev provides one), or pass a store "
            "explicitly: ProfileStore(InMemoryStore())"
        )
    return store


class ProfileStore(Generic[P]):
    """The one reader and the one writer of profiles over any langgraph ``BaseStore``.

    Every write validates the change against ``schema``, merges it under the provenance guard,
    verbalizes the paragraph and renders the ``<User Profile>`` block, then stores all of it in
    one compare-and-set put (retried on conflict), so concurrent writers never lose updates and a
    user always has exactly one profile item. Each method has an async twin named with an ``a``
    prefix; both run the same flow.

    Args:
        store: any langgraph ``BaseStore``. ``None`` means the store of the running graph
            (``langgraph.config.get_store()``), as provided by ``langgraph dev``.
        schema: the profile model, ``UserProfile`` or a subclass of it (or any pydantic model
            whose fields are all optional).
        verbalizer: turns fields into the paragraph at write time; default is a deterministic
            template. An object with ``verbalize``/``averbalize`` or a plain callable.
        max_words: bound on the paragraph, applied to every verbalizer's output.
    """

    def __init__(
        self,
        store: BaseStore | None,
        *,
        schema: type[P] = UserProfile,  # type: ignore[assignment]
        verbalizer: Verbalizer | Callable[[BaseModel], str] | None = None,
        max_words: int = MAX_PARAGRAPH_WORDS,
        cas_retries: int = CAS_RETRIES,
    ) -> None:
        if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise TypeError(f"schema must be a pydantic model class, got {schema!r}")
        required = [n for n, f in schema.model_fields.items() if f.is_required()]
        if required:
            raise TypeError(
                f"every field of a profile schema must be optional; {schema.__name__} requires "
                f"{', '.join(required)} (give them a default such as None)"
            )
        if max_words < 1 or cas_retries < 1:
            raise ValueError("max_words and cas_retries must be positive")
        self._store = store
        self._adapter: Adapter | None = adapter_for(store) if store is not None else None
        self.schema: type[P] = schema
        self.verbalizer: Verbalizer = ensure_verbalizer(verbalizer, max_words=max_words)
        self.max_words = max_words
        self.cas_retries = cas_retries

    # --- plumbing -------------------------------------------------------------------------
    @property
    def store(self) -> BaseStore:
        """The backing store (resolved from the running graph when constructed with ``None``)."""
        return self._store if self._store is not None else _resolve_runtime_store()

    def _adapter_now(self) -> Adapter:
        """The adapter of the store to use for this call."""
        if self._adapter is not None:
            return self._adapter
        return adapter_for(_resolve_runtime_store())

    def handler(self, adapter: Adapter | None = None) -> Handler:
        """What executes this store's flows (extended by extraction to run LLM calls too).

        ``adapter`` pins the store: background work resolves it on the caller's thread, where
        the running graph's store (``ProfileStore(None)``) is still reachable.
        """
        return Handler(adapter or self._adapter_now(), self.verbalizer)

    def _run(self, flow: Flow[T]) -> T:
        return drive(flow, self.handler())

    async def _arun(self, flow: Flow[T]) -> T:
        return await adrive(flow, self.handler())

    def _record(self, value: Mapping[str, Any]) -> ProfileRecord[P]:
        return to_record(value, self.schema)

    def _verbalize(self, fields: Mapping[str, Any]) -> Flow[str]:
        text = yield Verbalize(decode_profile(self.schema, fields))
        return bound_paragraph(str(text), self.max_words)

    def _write(
        self,
        user_id: str,
        plan: Callable[[dict[str, Any], dt.datetime], Flow[dict[str, Any] | None]],
    ) -> Flow[ProfileRecord[P]]:
        """Read, plan, compare-and-put; retried on conflict. ``plan`` returns None for no-op."""
        namespace = profile_namespace(user_id)
        for attempt in range(self.cas_retries):
            old = yield from io(Read(namespace, PROFILE_KEY))
            now = now_utc()
            base = upgrade(old) if old is not None else new_value(user_id, now)
            new = yield from plan(base, now)
            if new is None:
                return self._record(base)
            expected = None if old is None else int(old.get("version", 0))
            if (yield from io(CompareAndPut(namespace, PROFILE_KEY, new, expected))):
                return self._record(new)
            # Lost the race: spread retries out so a crowd of writers does not collide again.
            yield Sleep(random.uniform(0, 0.001 * min(attempt + 1, 20)))  # noqa: S311
        raise ConcurrentUpdateError(
            f"profile of {user_id!r} changed under {self.cas_retries} consecutive attempts; "
            "nothing was written"
        )

    # --- flows ----------------------------------------------------------------------------
    def _get_flow(self, user_id: str) -> Flow[ProfileRecord[P] | None]:
        value = yield from io(Read(profile_namespace(user_id), PROFILE_KEY))
        return None if value is None else self._record(value)

    def _changes_flow(
        self,
        user_id: str,
        changes: Mapping[str, Any] | BaseModel,
        source: str,
        *,
        append: bool = False,
    ) -> Flow[tuple[ProfileRecord[P], guard.FieldMerge | None]]:
        """Write a change; return the record and the merge that produced it (the merge is None
        when the write needed no read, which does not happen today). ``append``: see
        :func:`~langprofile.pipeline.provenance.merge_fields`."""
        validate_user_id(user_id)
        if source not in SOURCES:
            raise ProfileValidationError(
                f"unknown source {source!r}; valid sources: {', '.join(SOURCES)}"
            )
        validated = validate_changes(self.schema, changes)
        merges: list[guard.FieldMerge] = []

        def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
            merge = guard.merge_fields(base, validated, source, now, append=append)
            merges.append(merge)
            candidate = (yield from self._verbalize(merge.fields)) if merge.fields_changed else None
            return guard.settle(base, merge, source, candidate, now)

        record = yield from self._write(user_id, plan)
        return record, (merges[-1] if merges else None)

    def _update_flow(
        self, user_id: str, changes: Mapping[str, Any] | BaseModel, source: str
    ) -> Flow[ProfileRecord[P]]:
        record, _ = yield from self._changes_flow(user_id, changes, source)
        return record

    def _paragraph_flow(self, user_id: str, text: str) -> Flow[ProfileRecord[P]]:
        validate_user_id(user_id)
        if not isinstance(text, str):
            raise ProfileValidationError(f"paragraph must be a str, got {type(text).__name__}")
        cleaned = bound_paragraph(text, self.max_words)
        if not cleaned:
            raise ProfileValidationError(
                "paragraph is empty; to let automation write it again use unpin(user_id)"
            )

        def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
            yield from ()  # no I/O needed, but every plan is a flow
            if base["paragraph"] == cleaned and base["provenance"] == "user_authored":
                return None
            return guard.pin_paragraph(base, cleaned, now)

        return (yield from self._write(user_id, plan))

    def _unpin_flow(self, user_id: str) -> Flow[ProfileRecord[P]]:
        validate_user_id(user_id)

        def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
            if base["provenance"] != "user_authored":
                return None
            candidate = yield from self._verbalize(base["fields"])
            return guard.unpin(base, candidate, now)

        return (yield from self._write(user_id, plan))

    def _suggestion_flow(
        self, user_id: str, suggestion_id: str, *, accept: bool
    ) -> Flow[ProfileRecord[P]]:
        validate_user_id(user_id)
        current = yield from io(Read(profile_namespace(user_id), PROFILE_KEY))
        found = None if current is None else guard.find_suggestion(upgrade(current), suggestion_id)
        if found is None:
            raise ProfileValidationError(
                f"no suggestion {suggestion_id!r} for user {user_id!r}; list them with "
                "suggestions(user_id)"
            )
        if accept and found["kind"] == "field":
            # Accepting is the user's decision: write it as theirs (this also drops the proposal).
            return (yield from self._update_flow(user_id, {found["field"]: found["value"]}, "user"))

        def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
            yield from ()  # no I/O needed, but every plan is a flow
            if guard.find_suggestion(base, suggestion_id) is None:
                return None
            if accept:
                return guard.accept_suggestion(base, suggestion_id, now)
            return guard.dismiss_suggestion(base, suggestion_id, now)

        return (yield from self._write(user_id, plan))

    def _forget_flow(self, user_id: str) -> Flow[int]:
        items = yield from list_all(user_namespace(user_id))
        targets = tuple((tuple(item.namespace), item.key) for item in items)
        if not targets:
            return 0
        return int((yield from io(Delete(targets))))

    def _export_flow(self, user_id: str) -> Flow[dict[str, Any]]:
        items = yield from list_all(user_namespace(user_id))
        profile_ns = profile_namespace(user_id)
        out: dict[str, Any] = {"user_id": user_id, "profile": None, "items": []}
        for item in sorted(items, key=lambda i: (tuple(i.namespace), i.key)):
            if tuple(item.namespace) == profile_ns and item.key == PROFILE_KEY:
                out["profile"] = upgrade(item.value)
                continue
            out["items"].append(
                {
                    "collection": item.namespace[2] if len(item.namespace) > 2 else "",
                    "namespace": list(item.namespace[2:]),
                    "key": item.key,
                    "value": item.value,
                    "created_at": item.created_at.isoformat(),
                    "updated_at": item.updated_at.isoformat(),
                }
            )
        return out

    # --- public API: each pair shares one flow --------------------------------------------
    def get(self, user_id: str) -> ProfileRecord[P] | None:
        """The user's record, or ``None`` if nothing was ever written for them."""
        return self._run(self._get_flow(user_id))

    async def aget(self, user_id: str) -> ProfileRecord[P] | None:
        """Async twin of :meth:`get`."""
        return await self._arun(self._get_flow(user_id))

    def update(
        self, user_id: str, changes: Mapping[str, Any] | BaseModel, *, source: str = "user"
    ) -> ProfileRecord[P]:
        """Set fields (a value of ``None`` clears one) and return the stored record.

        ``source`` is ``"user"``, ``"onboarding"``, ``"extracted"`` or ``"agent"``. Extracted and
        agent writes never overwrite a field the user set; they leave a suggestion. Raises
        :class:`~langprofile.errors.ProfileValidationError` for unknown fields or wrong types,
        before anything is read or written. A change that alters nothing is not written.
        """
        return self._run(self._update_flow(user_id, changes, source))

    async def aupdate(
        self, user_id: str, changes: Mapping[str, Any] | BaseModel, *, source: str = "user"
    ) -> ProfileRecord[P]:
        """Async twin of :meth:`update`."""
        return await self._arun(self._update_flow(user_id, changes, source))

    def write_paragraph(self, user_id: str, text: str) -> ProfileRecord[P]:
        """Store a paragraph the user wrote and pin it: automation will not rewrite it."""
        return self._run(self._paragraph_flow(user_id, text))

    async def awrite_paragraph(self, user_id: str, text: str) -> ProfileRecord[P]:
        """Async twin of :meth:`write_paragraph`."""
        return await self._arun(self._paragraph_flow(user_id, text))

    def unpin(self, user_id: str) -> ProfileRecord[P]:
        """Release the pin; the paragraph is verbalized from the fields again."""
        return self._run(self._unpin_flow(user_id))

    async def aunpin(self, user_id: str) -> ProfileRecord[P]:
        """Async twin of :meth:`unpin`."""
        return await self._arun(self._unpin_flow(user_id))

    def _suggestions_flow(self, user_id: str) -> Flow[list[Suggestion]]:
        record = yield from self._get_flow(user_id)
        return [] if record is None else list(record.suggestions)

    def suggestions(self, user_id: str) -> list[Suggestion]:
        """Pending suggestions automation left instead of overwriting the user's choices."""
        return self._run(self._suggestions_flow(user_id))

    async def asuggestions(self, user_id: str) -> list[Suggestion]:
        """Async twin of :meth:`suggestions`."""
        return await self._arun(self._suggestions_flow(user_id))

    def accept_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Apply a suggestion as the user's own decision and remove it."""
        return self._run(self._suggestion_flow(user_id, suggestion_id, accept=True))

    async def aaccept_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Async twin of :meth:`accept_suggestion`."""
        return await self._arun(self._suggestion_flow(user_id, suggestion_id, accept=True))

    def dismiss_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Remove a suggestion without applying it."""
        return self._run(self._suggestion_flow(user_id, suggestion_id, accept=False))

    async def adismiss_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Async twin of :meth:`dismiss_suggestion`."""
        return await self._arun(self._suggestion_flow(user_id, suggestion_id, accept=False))

    def forget(self, user_id: str) -> int:
        """Erase everything stored for the user; return how many items were removed."""
        return self._run(self._forget_flow(user_id))

    async def aforget(self, user_id: str) -> int:
        """Async twin of :meth:`forget`."""
        return await self._arun(self._forget_flow(user_id))

    def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored for the user as JSON-serializable data."""
        return self._run(self._export_flow(user_id))

    async def aexport(self, user_id: str) -> dict[str, Any]:
        """Async twin of :meth:`export`."""
        return await self._arun(self._export_flow(user_id))

    # --- the canonical read ---------------------------------------------------------------
    def preamble(self, user_id: str) -> str:
        """The user's ``<User Profile>`` block, or ``""``: one ``get``, nothing rendered.

        This is the only read the injector makes. The block was rendered when the profile was
        written, so this costs one store ``get`` and a key lookup.
        """
        adapter = self._adapter if self._adapter is not None else self._adapter_now()
        return _block(adapter.read(profile_namespace(user_id), PROFILE_KEY))

    async def apreamble(self, user_id: str) -> str:
        """Async twin of :meth:`preamble`."""
        adapter = self._adapter if self._adapter is not None else self._adapter_now()
        return _block(await adapter.aread(profile_namespace(user_id), PROFILE_KEY))

    @staticmethod
    def _preamble_on(adapter: Adapter, user_id: str) -> str:
        """:meth:`preamble` on a store resolved by the caller (for reads on worker threads)."""
        return _block(adapter.read(profile_namespace(user_id), PROFILE_KEY))


def _block(value: Mapping[str, Any] | None) -> str:
    """The stored block of a profile value; ``""`` for anything that is not one of ours."""
    if value is None or value.get("kind") != KIND:
        return ""
    block = value.get("preamble", "")
    return block if isinstance(block, str) else ""
