"""``ProfileStore``: the one writer and the one reader of user profiles."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from langgraph.store.base import BaseStore
from pydantic import BaseModel

from langprofile.config import CAS_RETRIES, MAX_PARAGRAPH_WORDS
from langprofile.errors import MissingStoreError
from langprofile.pipeline.policy import Policy
from langprofile.pipeline.verbalize import Verbalizer, check_phrases, ensure_verbalizer
from langprofile.schema import ProfileRecord, Suggestion, UserProfile
from langprofile.store import reads, writes
from langprofile.store._adapters import Adapter, adapter_for
from langprofile.store._ops import Flow, Handler, adrive, drive

__all__ = ["ProfileStore", "runtime_store"]

P = TypeVar("P", bound=BaseModel)
T = TypeVar("T")


def runtime_store(owner: str = "ProfileStore(None)") -> BaseStore:
    """The running graph's store; ``MissingStoreError`` naming ``owner`` when there is none."""
    from langgraph.config import get_store

    try:
        store = get_store()
    except RuntimeError:
        store = None
    if store is None:
        raise MissingStoreError(
            f"{owner} uses the store of the running graph, but none is available here: "
            "compile the graph with `store=...` (langgraph dev provides one), or pass a store "
            "explicitly, e.g. InMemoryStore()"
        )
    return store


class ProfileStore(Generic[P]):
    """The one reader and the one writer of profiles over any langgraph ``BaseStore``.

    Every write, whatever its source (the user, onboarding, extraction, an agent tool),
    validates the change against ``schema``, screens it with ``policy`` (a secret is refused for
    explicit writes and discarded for automated ones), merges it under the provenance guard,
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
        policy: what automated writes may store (see :class:`~langprofile.Policy`); secrets
            are never stored, whatever the policy or the source.
        cas_retries: compare-and-set attempts per write before ``ConcurrentUpdateError``.
    """

    def __init__(
        self,
        store: BaseStore | None,
        *,
        schema: type[P] = UserProfile,  # type: ignore[assignment]
        verbalizer: Verbalizer | Callable[[BaseModel], str] | None = None,
        max_words: int = MAX_PARAGRAPH_WORDS,
        policy: Policy | None = None,
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
        check_phrases(schema)
        if max_words < 1 or cas_retries < 1:
            raise ValueError("max_words and cas_retries must be positive")
        self._store = store
        self._adapter: Adapter | None = adapter_for(store) if store is not None else None
        self.schema: type[P] = schema
        self.verbalizer: Verbalizer = ensure_verbalizer(verbalizer, max_words=max_words)
        self.max_words = max_words
        self.policy: Policy = policy if policy is not None else Policy()
        self.cas_retries = cas_retries

    # --- plumbing -------------------------------------------------------------------------
    @property
    def store(self) -> BaseStore:
        """The backing store (resolved from the running graph when constructed with ``None``)."""
        return self._store if self._store is not None else runtime_store()

    def adapter(self) -> Adapter:
        """The adapter of the store to use for this call (resolved now, on this thread)."""
        return self._adapter if self._adapter is not None else adapter_for(self.store)

    def handler(self, adapter: Adapter | None = None) -> Handler:
        """What executes this store's flows (extended by extraction to run LLM calls too).

        ``adapter`` pins the store: background work resolves it on the caller's thread, where
        the running graph's store (``ProfileStore(None)``) is still reachable.
        """
        return Handler(adapter or self.adapter(), self.verbalizer)

    def _run(self, flow: Flow[T]) -> T:
        return drive(flow, self.handler())

    async def _arun(self, flow: Flow[T]) -> T:
        return await adrive(flow, self.handler())

    # --- public API: each pair shares one flow --------------------------------------------
    def get(self, user_id: str) -> ProfileRecord[P] | None:
        """The user's record, or ``None`` if nothing was ever written for them."""
        return self._run(writes.get_flow(self, user_id))

    async def aget(self, user_id: str) -> ProfileRecord[P] | None:
        """Async twin of :meth:`get`."""
        return await self._arun(writes.get_flow(self, user_id))

    def update(
        self, user_id: str, changes: Mapping[str, Any] | BaseModel, *, source: str = "user"
    ) -> ProfileRecord[P]:
        """Set fields (a value of ``None`` clears one) and return the stored record.

        ``source`` is ``"user"``, ``"onboarding"``, ``"extracted"`` or ``"agent"``. Extracted and
        agent writes never overwrite a field the user set; they leave a suggestion. Raises
        :class:`~langprofile.errors.ProfileValidationError` for unknown fields or wrong types,
        before anything is read or written. A change that alters nothing is not written.
        """
        return self._run(writes.update_flow(self, user_id, changes, source)).record

    async def aupdate(
        self, user_id: str, changes: Mapping[str, Any] | BaseModel, *, source: str = "user"
    ) -> ProfileRecord[P]:
        """Async twin of :meth:`update`."""
        return (await self._arun(writes.update_flow(self, user_id, changes, source))).record

    def write_paragraph(self, user_id: str, text: str) -> ProfileRecord[P]:
        """Store a paragraph the user wrote and pin it: automation will not rewrite it."""
        return self._run(writes.paragraph_flow(self, user_id, text))

    async def awrite_paragraph(self, user_id: str, text: str) -> ProfileRecord[P]:
        """Async twin of :meth:`write_paragraph`."""
        return await self._arun(writes.paragraph_flow(self, user_id, text))

    def unpin(self, user_id: str) -> ProfileRecord[P]:
        """Release the pin; the paragraph is verbalized from the fields again."""
        return self._run(writes.unpin_flow(self, user_id))

    async def aunpin(self, user_id: str) -> ProfileRecord[P]:
        """Async twin of :meth:`unpin`."""
        return await self._arun(writes.unpin_flow(self, user_id))

    def suggestions(self, user_id: str) -> list[Suggestion]:
        """Pending suggestions automation left instead of overwriting the user's choices."""
        return self._run(writes.suggestions_flow(self, user_id))

    async def asuggestions(self, user_id: str) -> list[Suggestion]:
        """Async twin of :meth:`suggestions`."""
        return await self._arun(writes.suggestions_flow(self, user_id))

    def accept_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Apply a suggestion as the user's own decision and remove it."""
        return self._run(writes.suggestion_flow(self, user_id, suggestion_id, accept=True))

    async def aaccept_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Async twin of :meth:`accept_suggestion`."""
        return await self._arun(writes.suggestion_flow(self, user_id, suggestion_id, accept=True))

    def dismiss_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Remove a suggestion without applying it."""
        return self._run(writes.suggestion_flow(self, user_id, suggestion_id, accept=False))

    async def adismiss_suggestion(self, user_id: str, suggestion_id: str) -> ProfileRecord[P]:
        """Async twin of :meth:`dismiss_suggestion`."""
        return await self._arun(writes.suggestion_flow(self, user_id, suggestion_id, accept=False))

    def forget(self, user_id: str, *, checkpointer: Any = None) -> int:
        """Erase everything stored for the user; return how many items were removed.

        Pass the graph's ``checkpointer`` when the graph injects with the ``ProfileInjector``
        node: the node writes the block into the thread's state, so every checkpoint of those
        threads holds it. They are then deleted, conversation included (it is the user's too),
        and so is the user's learner thread of ``executor="server"``; without a checkpointer
        they are kept, and so is the block in them. On a LangGraph server, pass a
        ``langgraph_sdk`` client (``get_client()`` in the server) instead: the server deletes
        the threads and their checkpoints. The middleware and
        ``pre_model_hook`` forms write nothing to state and need no checkpointer here. A
        tombstone stays so that learning in flight anywhere cannot write the profile back.
        """
        return self._run(writes.forget_flow(user_id, checkpointer))

    async def aforget(self, user_id: str, *, checkpointer: Any = None) -> int:
        """Async twin of :meth:`forget`."""
        return await self._arun(writes.forget_flow(user_id, checkpointer))

    def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored for the user as JSON-serializable data."""
        return self._run(writes.export_flow(user_id))

    async def aexport(self, user_id: str) -> dict[str, Any]:
        """Async twin of :meth:`export`."""
        return await self._arun(writes.export_flow(user_id))

    # --- the canonical read ---------------------------------------------------------------
    def preamble(self, user_id: str) -> str:
        """The user's ``<User Profile>`` block, or ``""``: one ``get``, nothing rendered.

        The same read the injector makes (without its timeout). The block was rendered when the
        profile was written, so this costs one store ``get`` and a key lookup.
        """
        return drive(reads.block_flow(user_id), Handler(self.adapter()))

    async def apreamble(self, user_id: str) -> str:
        """Async twin of :meth:`preamble`."""
        return await adrive(reads.block_flow(user_id), Handler(self.adapter()))
