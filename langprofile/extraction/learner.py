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

A run with ``incognito=True`` in its context or configurable is neither read nor learned from,
and a user is credited only with the messages that arrived in their own runs (see
``langprofile.extraction._threads``): in a shared or handed-on thread, nobody learns another's
statements.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, MessageLikeRepresentation, convert_to_messages
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool

from langprofile._codec import now_utc
from langprofile._context import run_thread, run_user
from langprofile._namespace import validate_user_id
from langprofile.errors import LangProfileError
from langprofile.extraction import _server_runs as server_runs
from langprofile.extraction._held import HeldTurns
from langprofile.extraction._scheduler import Scheduler
from langprofile.extraction._threads import ThreadCursors
from langprofile.extraction.agent_tool import create_update_tool
from langprofile.extraction.detector import SignalDetector
from langprofile.extraction.manager import (
    ExtractionResult,
    ProfileManager,
    create_profile_manager,
    extraction_flow,
)
from langprofile.extraction.memories import MemoryCollection, memory_flow
from langprofile.extraction.metrics import Metrics
from langprofile.nodes import BLOCK_MESSAGE_ID
from langprofile.pipeline.bounds import shown
from langprofile.schema import recognized_fields
from langprofile.store._adapters import Adapter
from langprofile.store._ops import Flow, adrive, drive
from langprofile.store.profiles import ProfileStore
from langprofile.store.writes import update_flow

__all__ = ["Mode", "ProfileLearner"]

logger = logging.getLogger("langprofile")

Mode = Literal["always", "agentic", "manual"]
_MODES = ("always", "agentic", "manual")


@dataclass
class _Work:
    """Messages of one user's turns that no background run has looked at yet, in order.

    ``adapter`` is the store, resolved on the reply path: a background thread cannot look up
    the running graph's store (``ProfileStore(None)``). ``net`` marks the safety net's
    follow-up: extract what is held about the user even if no new turn fires the gate.
    """

    fresh: list[BaseMessage] = field(default_factory=list)
    adapter: Adapter | None = None
    net: bool = False
    observed: dt.datetime | None = None
    """When the oldest of these turns was seen: an erasure since then wins over them."""
    counted: set[object] = field(default_factory=set)
    """Turns already counted in the metrics (a retried run does not count them again)."""


@dataclass
class _Assessed:
    """What the rules found in a batch of new user turns."""

    facts: dict[str, Any] = field(default_factory=dict)
    retracts: dict[str, Any] = field(default_factory=dict)
    fire: bool = False
    about_user: bool = False


class _ExtractionFailedError(LangProfileError, RuntimeError):
    """The LLM extraction failed; the background run is retried."""


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


def _unsay(facts: dict[str, Any], retracts: Mapping[str, Any]) -> None:
    """A later turn's retraction cancels what an earlier turn of the same batch stated."""
    for name, taken_back in retracts.items():
        current = facts.get(name)
        if isinstance(current, list) and isinstance(taken_back, list):
            gone = {str(x).casefold() for x in taken_back}
            facts[name] = [x for x in current if str(x).casefold() not in gone]
            if not facts[name]:
                del facts[name]
        elif current is not None:
            del facts[name]


class ProfileLearner(Runnable[Any, dict[str, Any]]):
    """A node (sync and async) that learns the user's profile from the conversation.

    Args:
        profiles: the :class:`~langprofile.ProfileStore` every result is written through.
        model: the chat model for LLM extraction (langmem). ``None``: rules only.
        mode: ``"always"``, ``"agentic"`` or ``"manual"`` (see the module docstring).
        detector: the rule-based detector and gate; ``None`` for the default
            :class:`SignalDetector`. Pass ``use_detector=False`` to send every turn to the LLM.
        debounce: seconds a user must be quiet before their pending work runs (default 20: a
            conversation's turns are extracted together, once, when the user pauses; the
            profile serves later threads, and this thread's model already sees the turns).
        max_wait: the longest work waits under continuous activity (default 2 minutes).
        idle: the safety net. Turns the gate skipped but that talk about the user ("my ...",
            "I ...", in any of the detector's languages) are held; if no later turn fires the
            gate, they are extracted together ``idle`` seconds after the first of them.
        retry_for: how long failed background work (a store outage) is retried, with back-off
            up to 30 s between attempts, before it is given up. Work pending meanwhile is
            merged per user and bounded to the last ``max_messages`` messages.
        max_messages: how many recent messages one extraction sees at most.
        exit_timeout: at interpreter exit, how long to wait for pending work.
        memories: a :class:`~langprofile.MemoryCollection` to also learn free-form memories
            into, in the same background run, for turns the gate lets through.
        executor: where background learning runs. ``"thread"`` (default): daemon threads of
            this process. ``"server"``: on a LangGraph server, each user's new turns become a
            run of the learner graph registered as ``learner_graph_id`` (see
            :func:`langprofile.server.learner_graph`), on a thread of the user's own, queued
            ``debounce`` seconds later and run one after another: durable, and shared by
            every worker and replica.
    """

    def __init__(
        self,
        profiles: ProfileStore[Any],
        model: BaseChatModel | None = None,
        *,
        mode: Mode = "always",
        detector: SignalDetector | None = None,
        use_detector: bool = True,
        instructions: str | None = None,
        debounce: float = 20.0,
        max_wait: float = 120.0,
        idle: float = 30.0,
        retry_for: float = 600.0,
        max_messages: int = 50,
        messages_key: str = "messages",
        exit_timeout: float = 5.0,
        memories: MemoryCollection | None = None,
        executor: Literal["thread", "server"] = "thread",
        learner_graph_id: str = "profile_learner",
    ) -> None:
        if mode not in _MODES:
            raise ValueError(
                f"unknown mode {mode!r}; use one of {', '.join(_MODES)} "
                "(incognito is a per-run flag: context={'user_id': ..., 'incognito': True})"
            )
        if not isinstance(profiles, ProfileStore):
            raise TypeError(f"ProfileLearner needs a ProfileStore, got {type(profiles).__name__}")
        if executor not in ("thread", "server"):
            raise ValueError(f"executor must be 'thread' or 'server', got {executor!r}")
        if debounce < 0 or max_wait < debounce or idle < 0:
            raise ValueError("need 0 <= debounce <= max_wait and idle >= 0")
        self.profiles = profiles
        self.mode: Mode = mode
        self.executor = executor
        self.learner_graph_id = learner_graph_id
        self.detector = (detector or SignalDetector()) if use_detector else None
        # Recognizer -> the schema field it fills: a schema without such fields gets none.
        self._direct = recognized_fields(profiles.schema)
        self._metrics = Metrics()
        self.manager: ProfileManager[Any] | None = (
            create_profile_manager(
                model, profiles, instructions=instructions, metrics=self._metrics
            )
            if model is not None
            else None
        )
        self.memories = memories
        self.max_messages = max_messages
        self.messages_key = messages_key
        self._threads = ThreadCursors()
        self.idle = idle
        self.debounce = debounce
        self._held = HeldTurns(max_messages=max_messages)
        self._scheduler: Scheduler[_Work] = Scheduler(
            run=self._run_work,
            merge=self._merge,
            on_failure=self._failed,
            debounce=debounce,
            max_wait=max_wait,
            retry_for=retry_for,
            exit_timeout=exit_timeout,
        )

    @property
    def name(self) -> str:  # type: ignore[override]
        """Node name langgraph shows in graphs and traces."""
        return "ProfileLearner"

    # --- observing a turn (on the reply path: cheap, no I/O) ---------------------------------
    def _assess(self, user_id: str, work: _Work) -> _Assessed:
        """Rules over the new user turns: facts and retractions for the schema's recognized
        fields, whether to ask the LLM now, and whether the turns talk about the user."""
        turns = [m for m in work.fresh if m.type == "human"]
        said = [_text(m) for m in turns]
        out = _Assessed()
        fired = 0
        new = 0
        for message, text in zip(turns, said, strict=True):
            key = message.id or id(message)
            counted = key in work.counted
            work.counted.add(key)
            new += not counted
            if self.detector is None:
                fired += 1
                if not counted:
                    self._metrics.add(user_id, {"turns_seen": 1})
                continue
            found = self.detector.assess(text)
            retracts = {self._direct[k]: v for k, v in found.retracts.items() if k in self._direct}
            _unsay(out.facts, retracts)
            _merge_direct(out.retracts, retracts)
            _merge_direct(
                out.facts, {self._direct[k]: v for k, v in found.facts.items() if k in self._direct}
            )
            fired += found.relevant
            out.about_user = out.about_user or found.about_user
            if not counted:
                self._metrics.add(
                    user_id, {"turns_seen": 1, "turns_skipped_by_gate": int(not found.relevant)}
                )
        out.fire = fired > 0
        return out

    def _turn(self, input: Any, config: RunnableConfig | None) -> tuple[str, _Work] | None:
        """On the reply path: only find the turn's new messages; everything else runs later."""
        if self.mode != "always":
            return None
        messages = (
            input.get(self.messages_key)
            if isinstance(input, Mapping)
            else getattr(input, self.messages_key, None)
        ) or []
        # The cursor moves on every run, incognito ones included: what an incognito run said
        # is never taken as new by the thread's next run.
        fresh = self._threads.new_messages(run_thread(config), messages)
        user_id = run_user(config)
        fresh = [m for m in fresh if m.id != BLOCK_MESSAGE_ID]  # the block is not the user's
        if user_id is None or not fresh:
            return None
        return user_id, _Work(fresh, self.profiles.adapter(), observed=now_utc())

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Run as a node: schedule learning from this turn in the background; no state update."""
        found = self._turn(input, config)
        if found is None:
            return {}
        if self.executor == "server":
            try:
                server_runs.submit(
                    self.learner_graph_id, found[0], found[1].fresh, after_seconds=self.debounce
                )
            except Exception as exc:
                server_runs.report(found[0], exc)
        else:
            self._scheduler.submit(*found)
        return {}

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Async twin of :meth:`invoke`: no I/O here; the work runs on a worker thread, or is
        handed to the server's queue."""
        if self.executor != "server":
            return self.invoke(input, config, **kwargs)
        found = self._turn(input, config)
        if found is not None:
            try:
                await server_runs.asubmit(
                    self.learner_graph_id, found[0], found[1].fresh, after_seconds=self.debounce
                )
            except Exception as exc:
                server_runs.report(found[0], exc)
        return {}

    # --- the background work ---------------------------------------------------------------
    def _merge(self, old: _Work, new: _Work) -> _Work:
        seen = {id(m) for m in old.fresh} | {m.id for m in old.fresh if m.id}
        added = [m for m in new.fresh if id(m) not in seen and (not m.id or m.id not in seen)]
        observed = [t for t in (old.observed, new.observed) if t is not None]
        return _Work(
            (old.fresh + added)[-self.max_messages :],
            new.adapter or old.adapter,
            old.net or new.net,
            min(observed) if observed else None,
            old.counted | new.counted,
        )

    def _work_flow(
        self, user_id: str, work: _Work, *, background: bool = True
    ) -> Flow[ExtractionResult | None]:
        turns = self._assess(user_id, work)
        # What the gate skipped before is context for this extraction: it sees every message
        # since the user's previous one.
        context = self._held.context(user_id, work.fresh)
        seen = [t for t in (work.observed, self._held.observed(user_id)) if t is not None]
        observed = min(seen) if seen else None
        if turns.facts or turns.retracts:
            outcome = yield from update_flow(
                self.profiles,
                user_id,
                turns.facts,
                "extracted",
                append=True,
                retracts=turns.retracts,
                strict=False,
                observed=observed,
            )
            for reason in outcome.discarded.values():
                self._metrics.discard(user_id, reason)
            self._metrics.add(
                user_id,
                {
                    "direct_fields": len(outcome.applied),
                    "updates_applied": len(outcome.applied),
                    "suggestions_created": len(outcome.suggested),
                },
            )
        net = work.net and (turns.about_user or self._held.about_user(user_id))
        extract = turns.fire or net
        result = None
        if extract and self.manager is not None:
            result = yield from extraction_flow(self.manager, user_id, context, observed)
            if result.failed is not None and background:
                # The model failed (a provider error, a timeout): nothing was learned. Keep what
                # is held and let the scheduler try again with back-off.
                self._held.hold(user_id, context, about_user=True, observed=observed)
                raise _ExtractionFailedError(result.failed)
        if extract and self.memories is not None:
            adapter = work.adapter or self.profiles.adapter()
            written = yield from memory_flow(self.memories, user_id, context, adapter, observed)
            self._metrics.add(user_id, {"memories_written": written})
        if extract:
            self._metrics.add(user_id, {"net_extractions": int(net and not turns.fire)})
            self._held.release(user_id)
        elif (
            self._held.hold(user_id, context, about_user=turns.about_user, observed=observed)
            and self._learns
        ):
            # The safety net: extract what is held about the user even if no turn fires.
            self._scheduler.submit(user_id, _Work(adapter=work.adapter, net=True), delay=self.idle)
        return result

    @property
    def _learns(self) -> bool:
        """Whether an extraction could learn anything (a model, or a memory collection)."""
        return self.manager is not None or self.memories is not None

    def _run_work(
        self, user_id: str, work: _Work, *, background: bool = True
    ) -> ExtractionResult | None:
        flow = self._work_flow(user_id, work, background=background)
        return drive(flow, self.profiles.handler(work.adapter))

    async def _arun_work(
        self, user_id: str, work: _Work, *, background: bool = True
    ) -> ExtractionResult | None:
        flow = self._work_flow(user_id, work, background=background)
        return await adrive(flow, self.profiles.handler(work.adapter))

    def _failed(self, user_id: str, exc: BaseException) -> None:
        logger.warning(
            "background profile learning for %s failed (%s); will retry",
            shown(user_id, 40),
            str(exc) if isinstance(exc, LangProfileError) else type(exc).__name__,
        )
        if not isinstance(exc, _ExtractionFailedError):  # the extraction counted its own failure
            self._metrics.fail(user_id, type(exc).__name__)

    # --- public API -------------------------------------------------------------------------
    def learn(
        self, user_id: str, messages: Sequence[MessageLikeRepresentation], *, held: bool = False
    ) -> ExtractionResult | None:
        """Learn from ``messages`` now, in the caller's thread (``manual`` mode's entry point).

        ``messages`` are messages or anything ``convert_to_messages`` accepts (tuples, dicts,
        strings); all of them are taken as ``user_id``'s conversation. With ``held``, they are
        turns the safety net is due for: extracted if the gate fires or any of them talks
        about the user (the learner graph of a server runs them so). Returns the LLM
        extraction's result, or ``None`` when the gate found nothing relevant (or there is no
        model). Raises ``InvalidUserIdError`` for a bad user id; never for bad model output.
        """
        work = self._work(messages, held)
        return self._run_work(validate_user_id(user_id), work, background=False)

    async def alearn(
        self, user_id: str, messages: Sequence[MessageLikeRepresentation], *, held: bool = False
    ) -> ExtractionResult | None:
        """Async twin of :meth:`learn`."""
        user_id = validate_user_id(user_id)
        return await self._arun_work(user_id, self._work(messages, held), background=False)

    def _work(self, messages: Sequence[MessageLikeRepresentation], held: bool) -> _Work:
        return _Work(convert_to_messages(messages), observed=now_utc(), net=held)

    def flush(self, timeout: float | None = None) -> bool:
        """Run all pending background work now and wait for it (tests, shutdown).

        Returns False if ``timeout`` passed first.
        """
        return self._scheduler.flush(timeout)

    async def aflush(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 - twin of flush
        """Async twin of :meth:`flush` (waits without blocking the event loop)."""
        return await self._scheduler.aflush(timeout)

    def _drop(self, user_id: str) -> None:
        """Forget what this learner holds about ``user_id`` and let any running work finish.

        The thread cursors stay: they mark the thread history as seen, so the user's next
        message does not teach the erased facts again from the old turns.
        """
        self._scheduler.discard(user_id)
        self._held.release(user_id)
        self._metrics.forget(user_id)

    def forget(self, user_id: str, *, checkpointer: Any = None) -> int:
        """Erase the user everywhere: pending learning, held messages, metrics, and the store.

        ``ProfileStore.forget`` alone also wins over learning in flight anywhere (the tombstone
        it leaves refuses what was seen before the erasure); this also drops what this learner
        holds in memory at once. ``checkpointer``: see :meth:`ProfileStore.forget`. Returns
        the number of stored items removed.
        """
        user_id = validate_user_id(user_id)
        self._drop(user_id)
        return self.profiles.forget(user_id, checkpointer=checkpointer)

    async def aforget(self, user_id: str, *, checkpointer: Any = None) -> int:
        """Async twin of :meth:`forget`."""
        user_id = validate_user_id(user_id)
        await asyncio.to_thread(self._drop, user_id)
        return await self.profiles.aforget(user_id, checkpointer=checkpointer)

    def metrics(self, user_id: str | None = None) -> dict[str, Any]:
        """Counters for one user or in total: turns seen and skipped by the gate, direct fields,
        extraction runs, LLM calls and tokens, updates applied/unchanged/discarded (by reason),
        suggestions created, failures (by reason)."""
        return self._metrics.snapshot(user_id)

    def tools(self) -> list[BaseTool]:
        """``update_user_profile``: lets the model save what the user says about themself.

        Writes with source ``"agent"`` through the profile store's writer: validated against
        the schema, screened by its policy, and never overwriting a field the user set (a
        suggestion is left instead).
        """
        return [create_update_tool(self.profiles, self._metrics)]
