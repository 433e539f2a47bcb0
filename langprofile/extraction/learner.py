"""``ProfileLearner``: the graph node that makes profiles learn from conversations.

Modes:

* ``"always"`` — after each turn the node hands the turn to a background worker and returns at
  once: the reply is never delayed. Rules (:class:`SignalDetector`) fill high-precision fields
  directly, with no LLM, and gate the LLM: a turn with nothing profile-relevant does not cause
  an extraction. Work is debounced per user (not per thread): all messages since the user's last
  extraction go into the next one, so merging never loses a fact.
* ``"agentic"`` — the node does nothing; give the model :meth:`ProfileLearner.tools`
  (``update_user_profile``), which writes with source ``"agent"`` and the same validation.
* ``"manual"`` — the node does nothing; call :meth:`ProfileLearner.learn` yourself.

A run with ``incognito=True`` in its context or configurable is neither read nor learned from.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, create_model

from langprofile._context import context_value, run_user
from langprofile.errors import ConcurrentUpdateError, StoreWriteError
from langprofile.extraction._scheduler import Scheduler
from langprofile.extraction.detector import SignalDetector
from langprofile.extraction.manager import ExtractionResult, ProfileManager, create_profile_manager
from langprofile.extraction.memories import MemoryCollection
from langprofile.extraction.metrics import Metrics
from langprofile.extraction.policy import Policy, screen
from langprofile.extraction.prompts import UPDATE_TOOL_DESCRIPTION
from langprofile.nodes import BLOCK_MESSAGE_ID
from langprofile.store._adapters import Adapter
from langprofile.store._ops import Flow, adrive, drive
from langprofile.store.profiles import ProfileStore

__all__ = ["Mode", "ProfileLearner"]

logger = logging.getLogger("langprofile")

Mode = Literal["always", "agentic", "manual"]
_MODES = ("always", "agentic", "manual")


@dataclass
class _Work:
    """Messages of one user's turns that no background run has looked at yet, in order.

    ``adapter`` is the store, resolved on the reply path: a background thread cannot look up
    the running graph's store (``ProfileStore(None)``).
    """

    fresh: list[BaseMessage] = field(default_factory=list)
    adapter: Adapter | None = None


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return " ".join(
        str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
    )


def _merge_direct(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for name, value in new.items():
        old = into.get(name)
        if isinstance(old, list) and isinstance(value, list):
            into[name] = old + [v for v in value if v not in old]
        else:
            into[name] = value


class ProfileLearner(Runnable[Any, dict[str, Any]]):
    """A node (sync and async) that learns the user's profile from the conversation.

    Args:
        profiles: the :class:`~langprofile.ProfileStore` every result is written through.
        model: the chat model for LLM extraction (langmem). ``None``: rules only.
        mode: ``"always"``, ``"agentic"`` or ``"manual"`` (see the module docstring).
        detector: the rule-based detector and gate; ``None`` for the default
            :class:`SignalDetector`. Pass ``use_detector=False`` to send every turn to the LLM.
        policy: what automated writes may store (secrets are never stored).
        debounce: seconds a user must be quiet before their pending work runs.
        max_wait: the longest work waits under continuous activity.
        max_messages: how many recent messages one extraction sees at most.
        exit_timeout: at interpreter exit, how long to wait for pending work.
        memories: a :class:`~langprofile.MemoryCollection` to also learn free-form memories
            into, in the same background run, for turns the gate lets through.
    """

    def __init__(
        self,
        profiles: ProfileStore[Any],
        model: BaseChatModel | None = None,
        *,
        mode: Mode = "always",
        detector: SignalDetector | None = None,
        use_detector: bool = True,
        policy: Policy | None = None,
        instructions: str | None = None,
        debounce: float = 1.0,
        max_wait: float = 10.0,
        max_messages: int = 50,
        messages_key: str = "messages",
        exit_timeout: float = 5.0,
        memories: MemoryCollection | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(
                f"unknown mode {mode!r}; use one of {', '.join(_MODES)} "
                "(incognito is a per-run flag: context={'user_id': ..., 'incognito': True})"
            )
        if not isinstance(profiles, ProfileStore):
            raise TypeError(f"ProfileLearner needs a ProfileStore, got {type(profiles).__name__}")
        if debounce < 0 or max_wait < debounce:
            raise ValueError("need 0 <= debounce <= max_wait")
        self.profiles = profiles
        self.mode: Mode = mode
        self.policy = policy or Policy()
        self.detector = (detector or SignalDetector()) if use_detector else None
        self._metrics = Metrics()
        self.manager: ProfileManager[Any] | None = (
            create_profile_manager(
                model,
                profiles,
                instructions=instructions,
                policy=self.policy,
                metrics=self._metrics,
            )
            if model is not None
            else None
        )
        self.memories = memories
        self.max_messages = max_messages
        self.messages_key = messages_key
        self._cursors: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._cursor_lock = threading.Lock()
        self._carry: OrderedDict[str, list[BaseMessage]] = OrderedDict()
        self._carry_lock = threading.Lock()
        self._scheduler: Scheduler[_Work] = Scheduler(
            run=self._run_work,
            merge=self._merge,
            on_failure=self._failed,
            debounce=debounce,
            max_wait=max_wait,
            exit_timeout=exit_timeout,
        )

    @property
    def name(self) -> str:  # type: ignore[override]
        """Node name langgraph shows in graphs and traces."""
        return "ProfileLearner"

    # --- observing a turn (on the reply path: cheap, no I/O) ---------------------------------
    def _run_user(self, config: RunnableConfig | None) -> tuple[str, str] | None:
        """(user id, thread id) of this run, or None when it is incognito."""
        user_id = run_user(config)
        if user_id is None:
            return None
        return user_id, str(context_value(None, config, "thread_id") or "")

    def _since(
        self, key: tuple[str, str, str], messages: Sequence[BaseMessage], *, advance: bool
    ) -> list[BaseMessage]:
        """Messages after the cursor ``key``; move the cursor to the end.

        When the cursor's message is not in the list (a new thread, a graph without a
        checkpointer, a trimmed or summarized history) every message counts as new: seeing a
        message twice costs an idempotent extraction, missing one would lose a fact.
        """
        with self._cursor_lock:
            last_id = self._cursors.get(key)
            start = 0
            if last_id is not None:
                for i in range(len(messages) - 1, -1, -1):
                    if messages[i].id == last_id:
                        start = i + 1
                        break
            if advance and messages and messages[-1].id is not None:
                self._cursors[key] = messages[-1].id
                self._cursors.move_to_end(key)
                while len(self._cursors) > 200_000:
                    self._cursors.popitem(last=False)
        return list(messages[start:])

    def _gate(self, user_id: str, fresh: Sequence[BaseMessage]) -> tuple[dict[str, Any], bool]:
        """Rules over the new user turns: fields found directly, and whether to ask the LLM."""
        said = [_text(m) for m in fresh if m.type == "human"]
        direct: dict[str, Any] = {}
        hits = 0
        for text in said:
            if self.detector is None:
                hits += 1
                continue
            fields, hit = self.detector.analyze(text)
            _merge_direct(direct, fields)
            hits += hit
        self._metrics.add(
            user_id, {"turns_seen": len(said), "turns_skipped_by_gate": len(said) - hits}
        )
        return direct, hits > 0

    def _turn(self, input: Any, config: RunnableConfig | None) -> tuple[str, _Work] | None:
        """On the reply path: only find the turn's new messages; everything else runs later."""
        if self.mode != "always":
            return None
        who = self._run_user(config)
        if who is None:
            return None
        messages = (
            input.get(self.messages_key)
            if isinstance(input, Mapping)
            else getattr(input, self.messages_key, None)
        ) or []
        fresh = [
            m
            for m in self._since((*who, "seen"), messages, advance=True)
            if m.id != BLOCK_MESSAGE_ID  # the injected profile is not something the user said
        ]
        return (who[0], _Work(fresh, self.profiles._adapter_now())) if fresh else None

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Run as a node: schedule learning from this turn in the background; no state update."""
        found = self._turn(input, config)
        if found is not None:
            self._scheduler.submit(*found)
        return {}

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Async twin of :meth:`invoke`: the node does no I/O, the work runs on a worker thread."""
        return self.invoke(input, config, **kwargs)

    # --- the background work ---------------------------------------------------------------
    def _merge(self, old: _Work, new: _Work) -> _Work:
        seen = {id(m) for m in old.fresh} | {m.id for m in old.fresh if m.id}
        added = [m for m in new.fresh if id(m) not in seen and (not m.id or m.id not in seen)]
        return _Work(old.fresh + added, new.adapter or old.adapter)

    def _work_flow(self, user_id: str, work: _Work) -> Flow[ExtractionResult | None]:
        direct, relevant = self._gate(user_id, work.fresh)
        # Turns the gate skipped are kept as context for the user's next extraction, so an
        # extraction always sees every message since the previous one.
        with self._carry_lock:
            carried = self._carry.get(user_id, [])
        held = {m.id for m in carried if m.id} | {id(m) for m in carried}
        context = [*carried, *(m for m in work.fresh if m.id not in held and id(m) not in held)]
        context = context[-self.max_messages :]
        if direct:
            screened = screen(direct, policy=self.policy)
            for reason in screened.discarded.values():
                self._metrics.discard(user_id, reason)
            if screened.changes:
                _, merge = yield from self.profiles._changes_flow(
                    user_id, screened.changes, "extracted", append=True
                )
                applied = len(merge.applied) if merge else 0
                self._metrics.add(
                    user_id,
                    {
                        "direct_fields": applied,
                        "updates_applied": applied,
                        "suggestions_created": len(merge.suggested) if merge else 0,
                    },
                )
        result = None
        if relevant and self.manager is not None:
            result = yield from self.manager._flow(user_id, context)
        if relevant and self.memories is not None:
            written = yield from self.memories._extract_flow(
                user_id, context, work.adapter.store if work.adapter else None
            )
            self._metrics.add(user_id, {"memories_written": written})
        with self._carry_lock:
            if relevant:
                self._carry.pop(user_id, None)
            else:
                self._carry[user_id] = context
                self._carry.move_to_end(user_id)
                while len(self._carry) > 100_000:
                    self._carry.popitem(last=False)
        return result

    def _handler(self, adapter: Adapter | None) -> Any:
        if self.manager is not None:
            return self.manager._handler(adapter)
        return self.profiles.handler(adapter)

    def _run_work(self, user_id: str, work: _Work) -> ExtractionResult | None:
        return drive(self._work_flow(user_id, work), self._handler(work.adapter))

    async def _arun_work(self, user_id: str, work: _Work) -> ExtractionResult | None:
        return await adrive(self._work_flow(user_id, work), self._handler(work.adapter))

    def _failed(self, user_id: str, exc: BaseException) -> None:
        logger.warning(
            "background profile learning for %r failed (%s: %s); will retry",
            user_id,
            type(exc).__name__,
            exc,
        )
        self._metrics.fail(user_id, type(exc).__name__)

    # --- public API -------------------------------------------------------------------------
    def learn(self, user_id: str, messages: Sequence[AnyMessage]) -> ExtractionResult | None:
        """Learn from ``messages`` now, in the caller's thread (``manual`` mode's entry point).

        Returns the LLM extraction's result, or ``None`` when the gate found nothing relevant
        (or there is no model). Never raises for bad model output.
        """
        return self._run_work(user_id, _Work(list(messages)))

    async def alearn(self, user_id: str, messages: Sequence[AnyMessage]) -> ExtractionResult | None:
        """Async twin of :meth:`learn`."""
        return await self._arun_work(user_id, _Work(list(messages)))

    def flush(self, timeout: float | None = None) -> bool:
        """Run all pending background work now and wait for it (tests, shutdown).

        Returns False if ``timeout`` passed first.
        """
        return self._scheduler.flush(timeout)

    async def aflush(self, timeout: float | None = None) -> bool:
        """Async twin of :meth:`flush` (waits without blocking the event loop)."""
        return await self._scheduler.aflush(timeout)

    def _drop(self, user_id: str) -> None:
        """Forget what this learner holds about ``user_id`` and let any running work finish.

        The cursors stay: they mark the thread history as seen, so the user's next message
        does not teach the erased facts again from the old turns.
        """
        self._scheduler.discard(user_id)
        with self._carry_lock:
            self._carry.pop(user_id, None)

    def forget(self, user_id: str) -> int:
        """Erase the user everywhere: pending learning, held messages, and the store.

        Use this rather than ``ProfileStore.forget`` while a learner is running, so learning
        already queued for the user cannot write their profile back. Returns the number of
        stored items removed.
        """
        self._drop(user_id)
        return self.profiles.forget(user_id)

    async def aforget(self, user_id: str) -> int:
        """Async twin of :meth:`forget`."""
        await asyncio.to_thread(self._drop, user_id)
        return await self.profiles.aforget(user_id)

    def metrics(self, user_id: str | None = None) -> dict[str, Any]:
        """Counters for one user or in total: turns seen and skipped by the gate, direct fields,
        extraction runs, LLM calls and tokens, updates applied/unchanged/discarded (by reason),
        suggestions created, failures (by reason)."""
        return self._metrics.snapshot(user_id)

    def tools(self) -> list[BaseTool]:
        """``update_user_profile``: lets the model save what the user says about themself.

        Writes with source ``"agent"``: validated against the schema, screened by the policy,
        and never overwriting a field the user set (a suggestion is left instead).
        """
        return [_update_tool(self)]


def _update_tool(learner: ProfileLearner) -> BaseTool:
    profiles = learner.profiles

    def _prepare(changes: dict[str, Any]) -> tuple[str | None, dict[str, Any], str]:
        from langgraph.config import get_config

        try:
            config: Any = get_config()
        except RuntimeError:
            config = None
        who = learner._run_user(config)
        if who is None:
            return None, {}, "Incognito conversation: nothing was saved."
        screened = screen(changes, policy=learner.policy)
        for reason in screened.discarded.values():
            learner._metrics.discard(who[0], reason)
        note = (
            f" Not saved (sensitive): {', '.join(sorted(screened.discarded))}."
            if screened.discarded
            else ""
        )
        return who[0], screened.changes, note

    def _report(user_id: str, outcome: tuple[Any, Any], note: str) -> str:
        _, merge = outcome
        applied, suggested = (merge.applied, merge.suggested) if merge else ((), ())
        learner._metrics.add(
            user_id,
            {
                "updates_applied": len(applied),
                "updates_unchanged": 0 if applied or suggested else 1,
                "suggestions_created": len(suggested),
            },
        )
        out = f"Saved: {', '.join(sorted(applied)) or 'nothing new'}."
        if suggested:
            out += f" The user set {', '.join(sorted(suggested))} themself; left as a suggestion."
        return out + note

    def _unsaved(user_id: str, exc: Exception) -> str:
        # The agent's turn goes on: a store outage is reported to the model, not raised.
        logger.warning(
            "update_user_profile for %r failed (%s: %s)", user_id, type(exc).__name__, exc
        )
        learner._metrics.fail(user_id, type(exc).__name__)
        return "The profile could not be saved right now; nothing was written."

    def update_user_profile(changes: BaseModel) -> str:
        user_id, clean, note = _prepare(_given(changes))
        if user_id is None or not clean:
            return note or "Nothing to save."
        try:
            outcome = drive(profiles._changes_flow(user_id, clean, "agent"), profiles.handler())
        except (StoreWriteError, ConcurrentUpdateError) as exc:
            return _unsaved(user_id, exc)
        return _report(user_id, outcome, note)

    async def aupdate_user_profile(changes: BaseModel) -> str:
        user_id, clean, note = _prepare(_given(changes))
        if user_id is None or not clean:
            return note or "Nothing to save."
        try:
            flow = profiles._changes_flow(user_id, clean, "agent")
            outcome = await adrive(flow, profiles.handler())
        except (StoreWriteError, ConcurrentUpdateError) as exc:
            return _unsaved(user_id, exc)
        return _report(user_id, outcome, note)

    # The fields sit under one `changes` argument so that a field the model left out (keep it)
    # stays distinguishable from one it set to null (clear it).
    args = create_model(
        "UpdateUserProfile",
        changes=(profiles.schema, Field(description="Only the fields to change.")),
    )
    return StructuredTool.from_function(
        func=update_user_profile,
        coroutine=aupdate_user_profile,
        name="update_user_profile",
        description=UPDATE_TOOL_DESCRIPTION,
        args_schema=args,
        handle_validation_error=_validation_message,
    )


def _validation_message(exc: Any) -> str:
    """Tell the model exactly what was wrong, so it can correct the call."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p != 'changes') or 'changes'}: {e['msg']}"
        for e in errors
    )
    return f"Not saved, invalid profile change: {problems or exc}. Nothing was written."


def _given(changes: BaseModel) -> dict[str, Any]:
    return {name: getattr(changes, name) for name in changes.model_fields_set}
