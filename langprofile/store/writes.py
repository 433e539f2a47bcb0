"""The writer's flows: every change to a profile, whoever makes it, runs through these.

Each flow is a generator of store requests (see ``langprofile.store._ops``) over a
:class:`~langprofile.ProfileStore`'s public settings, so the sync and async API, extraction,
the agent tool and the CLI share one implementation. The rules live here once, in order:
validate against the schema, screen with the policy (secrets refused for explicit sources,
discarded for automated ones), merge under the provenance guard, verbalize, render, and
compare-and-set. Nothing reaches the store any other way.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from langprofile._codec import (
    ERASED,
    base_value,
    decode_profile,
    erased_at,
    now_utc,
    to_record,
    tombstone,
    upgrade,
)
from langprofile._namespace import (
    learner_thread_id,
    profile_namespace,
    threads_namespace,
    user_namespace,
    validate_user_id,
)
from langprofile.config import CAS_RETRIES, MAX_AMENDMENTS, PROFILE_KEY
from langprofile.errors import ConcurrentUpdateError, ProfileValidationError, StoreWriteError
from langprofile.pipeline import provenance as guard
from langprofile.pipeline.bounds import shown
from langprofile.pipeline.policy import Policy, find_sensitive, screen
from langprofile.pipeline.validate import unstorable, validate_changes
from langprofile.pipeline.verbalize import bound_paragraph
from langprofile.schema import (
    AUTOMATED_SOURCES,
    SOURCES,
    ProfileRecord,
    Provenance,
    Source,
    Suggestion,
)
from langprofile.store._ops import (
    CompareAndPut,
    Delete,
    Flow,
    PutMany,
    Read,
    Sleep,
    Verbalize,
    io,
    list_all,
)
from langprofile.store._thread_deletion import adelete_thread, check_deleter, delete_thread

if TYPE_CHECKING:
    from langprofile.store.profiles import ProfileStore

__all__ = [
    "WriteOutcome",
    "export_flow",
    "forget_flow",
    "get_flow",
    "paragraph_flow",
    "record_thread_flow",
    "suggestion_flow",
    "suggestions_flow",
    "unpin_flow",
    "update_flow",
]

logger = logging.getLogger("langprofile")

_SECRET_NAMES = {
    "secret:card_number": "a payment card number",
    "secret:ssn": "a social security number",
    "secret:national_id": "a government or bank identifier",
    "secret:password": "a password",
    "secret:api_key": "an API key or token",
}


@dataclass(frozen=True)
class WriteOutcome:
    """What one change did: the record after it, and what was applied, proposed or refused."""

    record: ProfileRecord[Any]
    applied: tuple[str, ...] = ()
    """Fields whose stored value changed."""
    suggested: tuple[str, ...] = ()
    """Fields left as suggestions because the user set them."""
    discarded: dict[str, str] = field(default_factory=dict)
    """Field -> why an automated value was not written (policy reason, ``invalid_type``...)."""


def _explicit(policy: Policy) -> Policy:
    """What the user may store about themself: their own e-mail or phone, never a secret."""
    return replace(policy, store_emails=True, store_phones=True, min_confidence=0.0)


def _refuse_secret(what: str, reason: str) -> ProfileValidationError:
    thing = _SECRET_NAMES.get(reason, reason)
    return ProfileValidationError(
        f"{what} looks like it holds {thing} ({reason}); secrets are never stored, so nothing "
        "was written"
    )


def _check_source(source: str) -> Source:
    if source not in SOURCES:
        raise ProfileValidationError(
            f"unknown source {shown(source)}; valid sources: {', '.join(SOURCES)}"
        )
    return source


def _verbalize(
    profiles: ProfileStore[Any], fields: Mapping[str, Any], amendments: Sequence[str] = ()
) -> Flow[str]:
    """The paragraph ``fields`` verbalize to, with the refinement loop's amendments after it."""
    text = yield Verbalize(decode_profile(profiles.schema, fields))
    text = " ".join(part for part in (str(text).strip(), *amendments) if part)
    return bound_paragraph(text, profiles.max_words)


def _amended(paragraph: str, sentence: str, max_words: int) -> str:
    """A pinned paragraph with one sentence added: what a suggestion for it proposes."""
    return bound_paragraph(f"{paragraph.rstrip()} {sentence.strip()}", max_words)


Plan = Callable[[dict[str, Any], dt.datetime], Flow[dict[str, Any] | None]]


def _write(profiles: ProfileStore[Any], user_id: str, plan: Plan) -> Flow[ProfileRecord[Any]]:
    """Read, plan, compare-and-put; retried on conflict. ``plan`` returns None for no-op."""
    namespace = profile_namespace(user_id)
    for attempt in range(profiles.cas_retries):
        old = yield from io(Read(namespace, PROFILE_KEY), failure=StoreWriteError)
        now = now_utc()
        base = base_value(old, user_id, now)
        new = yield from plan(base, now)
        if new is None:
            return to_record(base, profiles.schema)
        expected = None if old is None else int(old.get("version", 0))
        if (yield from io(CompareAndPut(namespace, PROFILE_KEY, new, expected))):
            return to_record(new, profiles.schema)
        # Lost the race: spread retries out so a crowd of writers does not collide again.
        yield Sleep(random.uniform(0, 0.001 * min(attempt + 1, 20)))  # noqa: S311
    raise ConcurrentUpdateError(
        f"profile of {shown(user_id)} changed under {profiles.cas_retries} consecutive attempts; "
        "nothing was written"
    )


def _checked_retracts(profiles: ProfileStore[Any], retracts: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in retracts.items()
        if name in profiles.schema.model_fields
        and (value is None or isinstance(value, (str, list)))
    }


def update_flow(
    profiles: ProfileStore[Any],
    user_id: str,
    changes: Mapping[str, Any] | BaseModel,
    source: str,
    *,
    append: bool = False,
    retracts: Mapping[str, Any] | None = None,
    strict: bool = True,
    confidence: Mapping[str, float] | None = None,
    observed: dt.datetime | None = None,
    amendment: str | None = None,
    promote: bool = False,
) -> Flow[WriteOutcome]:
    """Write a change through every rule; see :meth:`ProfileStore.update`.

    ``strict`` (explicit API calls) raises for an unknown field or a wrong type; automation
    passes ``strict=False`` and gets those fields back in ``discarded``. A secret raises for the
    explicit sources (``user``, ``onboarding``) and is discarded for automated ones. ``append``
    and ``retracts``: see :func:`~langprofile.pipeline.provenance.merge_fields`. ``observed``
    is when automation saw what it writes: if the user was erased since, nothing is written
    (``discarded == {"*": "erased"}``), whichever process erased them.

    The preference loop (``source="signals"``) also passes ``amendment``, a sentence about the
    user: a live paragraph keeps it after the verbalized fields from now on, a pinned one gets a
    suggestion of itself plus the sentence. Its field changes on a pinned paragraph propose the
    paragraph plus the sentences of just the changed fields. ``promote`` moves an onboarding
    profile to evolved; otherwise the loop's writes leave an onboarding profile onboarding.
    """
    user_id = validate_user_id(user_id)
    source = _check_source(source)
    automated = source in AUTOMATED_SOURCES
    validated = validate_changes(profiles.schema, changes, strict=strict)
    policy = profiles.policy if automated else _explicit(profiles.policy)
    screened = screen(validated.changes, policy=policy, confidence=confidence)
    if not automated and screened.discarded:
        name, reason = next(iter(screened.discarded.items()))
        raise _refuse_secret(f"field {name!r}", reason)
    discarded = {**validated.invalid, **screened.discarded}
    if discarded:
        logger.info("profile change for %s: not written %s", shown(user_id), discarded)
    taken_back = _checked_retracts(profiles, retracts or {})
    merges: list[guard.FieldMerge] = []

    refused: list[str] = []

    def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
        erased = erased_at(base)
        if automated and observed is not None and erased is not None and observed <= erased:
            refused.append("erased")  # learned before the erasure: erasure wins
            return None
        merge = guard.merge_fields(
            base, screened.changes, source, now, append=append, retracts=taken_back
        )
        merges.append(merge)
        pinned = base.get("provenance") == Provenance.USER_AUTHORED.value
        amendments = list(base.get("amendments", []))
        if amendment and not pinned:
            amendments = [*amendments, amendment][-MAX_AMENDMENTS:]
            base = {**base, "amendments": amendments}
        candidate: str | None = None
        if pinned and source == "signals":
            sentence = amendment or ""
            if merge.fields_changed and not sentence:
                changed = {n: merge.fields[n] for n in merge.applied if n in merge.fields}
                sentence = yield from _verbalize(profiles, changed)
            if sentence:
                candidate = _amended(str(base.get("paragraph", "")), sentence, profiles.max_words)
        elif merge.fields_changed or amendment or promote:
            candidate = yield from _verbalize(profiles, merge.fields, amendments)
        return guard.settle(base, merge, source, candidate, now, promote=promote)

    if screened.changes or taken_back or amendment or promote:
        record = yield from _write(profiles, user_id, plan)
    else:
        record = yield from _current(profiles, user_id)
    if refused:
        return WriteOutcome(record, discarded={"*": "erased"})
    merge = merges[-1] if merges else None
    return WriteOutcome(
        record,
        applied=tuple(sorted(merge.applied)) if merge else (),
        suggested=tuple(sorted(merge.suggested)) if merge else (),
        discarded=discarded,
    )


def _current(profiles: ProfileStore[Any], user_id: str) -> Flow[ProfileRecord[Any]]:
    value = yield from io(Read(profile_namespace(user_id), PROFILE_KEY))
    return to_record(base_value(value, user_id, now_utc()), profiles.schema)


def checked_paragraph(profiles: ProfileStore[Any], text: object) -> str:
    """A paragraph the user wrote, cleaned and bounded; refused if it cannot or must not be kept."""
    if not isinstance(text, str):
        raise ProfileValidationError(f"paragraph must be a str, got {type(text).__name__}")
    problem = unstorable(text)
    if problem is not None:
        raise ProfileValidationError(f"paragraph holds {problem}; nothing was written")
    cleaned = bound_paragraph(text, profiles.max_words)
    if not cleaned:
        raise ProfileValidationError(
            "paragraph is empty; to let automation write it again use unpin(user_id)"
        )
    reason = find_sensitive(cleaned, _explicit(profiles.policy))
    if reason is not None:
        raise _refuse_secret("the paragraph", reason)
    return cleaned


def paragraph_flow(
    profiles: ProfileStore[Any], user_id: str, text: str
) -> Flow[ProfileRecord[Any]]:
    """Store a user-authored paragraph and pin it."""
    user_id = validate_user_id(user_id)
    cleaned = checked_paragraph(profiles, text)

    def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
        yield from ()  # no I/O needed, but every plan is a flow
        if base["paragraph"] == cleaned and base["provenance"] == "user_authored":
            return None
        return guard.pin_paragraph(base, cleaned, now)

    return (yield from _write(profiles, user_id, plan))


def unpin_flow(profiles: ProfileStore[Any], user_id: str) -> Flow[ProfileRecord[Any]]:
    """Release the pin: the paragraph is verbalized from the fields again."""
    user_id = validate_user_id(user_id)

    def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
        if base["provenance"] != "user_authored":
            return None
        candidate = yield from _verbalize(profiles, base["fields"], base.get("amendments", []))
        return guard.unpin(base, candidate, now)

    return (yield from _write(profiles, user_id, plan))


def suggestion_flow(
    profiles: ProfileStore[Any], user_id: str, suggestion_id: str, *, accept: bool
) -> Flow[ProfileRecord[Any]]:
    """Accept (as the user's own decision) or dismiss one pending suggestion."""
    user_id = validate_user_id(user_id)
    current = yield from io(Read(profile_namespace(user_id), PROFILE_KEY))
    found = guard.find_suggestion(base_value(current, user_id, now_utc()), suggestion_id)
    if found is None:
        raise ProfileValidationError(
            f"no suggestion {shown(suggestion_id)} for user {shown(user_id)}; list them with "
            "suggestions(user_id)"
        )
    if accept and found["kind"] == "field":
        # Accepting is the user's decision: write it as theirs (this also drops the proposal).
        outcome = yield from update_flow(
            profiles, user_id, {found["field"]: found["value"]}, "user"
        )
        return outcome.record
    if accept:
        checked_paragraph(profiles, found["value"])

    def plan(base: dict[str, Any], now: dt.datetime) -> Flow[dict[str, Any] | None]:
        yield from ()  # no I/O needed, but every plan is a flow
        if guard.find_suggestion(base, suggestion_id) is None:
            return None
        if accept:
            return guard.accept_suggestion(base, suggestion_id, now)
        return guard.dismiss_suggestion(base, suggestion_id, now)

    return (yield from _write(profiles, user_id, plan))


def get_flow(profiles: ProfileStore[Any], user_id: str) -> Flow[ProfileRecord[Any] | None]:
    """The user's record, or ``None`` (never written, or erased)."""
    value = yield from io(Read(profile_namespace(user_id), PROFILE_KEY))
    if value is None or value.get("kind") == ERASED:
        return None
    return to_record(value, profiles.schema)


def suggestions_flow(profiles: ProfileStore[Any], user_id: str) -> Flow[list[Suggestion]]:
    """The user's pending suggestions."""
    record = yield from get_flow(profiles, user_id)
    return [] if record is None else list(record.suggestions)


@dataclass(frozen=True)
class _DeleteThread:
    """Delete every checkpoint of one thread (a checkpointer, or a LangGraph server's API)."""

    checkpointer: Any
    thread_id: str
    writes = True

    def run(self) -> None:
        delete_thread(self.checkpointer, self.thread_id)

    async def arun(self) -> None:
        await adelete_thread(self.checkpointer, self.thread_id)


def record_thread_flow(user_id: str, thread_id: str) -> Flow[None]:
    """Remember that ``thread_id``'s state holds the user's block (for ``forget``)."""
    item = (threads_namespace(user_id), thread_id, {"thread_id": thread_id})
    yield from io(PutMany((item,)))


def forget_flow(user_id: str, checkpointer: Any = None) -> Flow[int]:
    """Erase everything under the user's namespace prefix; return how many items held data.

    With a ``checkpointer`` (or a ``langgraph_sdk`` client), the threads whose state held the
    user's block (as the injector node recorded them) are deleted from it first, and so is the
    user's learner thread of ``executor="server"``, whose checkpoints hold the turns it learned
    from. The profile key keeps a tombstone (no data:
    when, and a version) so that learning still in flight anywhere, in this process or another,
    cannot write back what it saw before.
    """
    user_id = validate_user_id(user_id)
    if checkpointer is not None:
        check_deleter(checkpointer)
    namespace = profile_namespace(user_id)
    items = yield from list_all(user_namespace(user_id))
    if checkpointer is not None:
        threads = threads_namespace(user_id)
        for item in items:
            if tuple(item.namespace) == threads:
                yield from io(_DeleteThread(checkpointer, item.key))
        yield from io(_DeleteThread(checkpointer, learner_thread_id(user_id)))
    targets = tuple(
        (tuple(item.namespace), item.key)
        for item in items
        if not (tuple(item.namespace) == namespace and item.key == PROFILE_KEY)
    )
    if targets:
        yield from io(Delete(targets))
    erased = sum(1 for item in items if item.value.get("kind") != ERASED)
    for _ in range(CAS_RETRIES):
        old = yield from io(Read(namespace, PROFILE_KEY))
        version = 0 if old is None else _version(old)
        marker = tombstone(now_utc(), version + 1)
        expected = None if old is None else version
        if (yield from io(CompareAndPut(namespace, PROFILE_KEY, marker, expected))):
            return erased
        yield Sleep(random.uniform(0, 0.002))  # noqa: S311
    raise ConcurrentUpdateError(
        f"profile of {shown(user_id)} kept changing while it was erased; the other items are "
        "gone, call forget again to finish"
    )


def _version(value: Mapping[str, Any]) -> int:
    stored = value.get("version", 0)
    return stored if isinstance(stored, int) and not isinstance(stored, bool) else 0


def export_flow(user_id: str) -> Flow[dict[str, Any]]:
    """Everything stored under the user's namespace prefix, JSON-serializable."""
    items = yield from list_all(user_namespace(user_id))
    profile_ns = profile_namespace(user_id)
    out: dict[str, Any] = {"user_id": user_id, "profile": None, "items": []}
    for item in sorted(items, key=lambda i: (tuple(i.namespace), i.key)):
        if tuple(item.namespace) == profile_ns and item.key == PROFILE_KEY:
            if item.value.get("kind") == ERASED:
                out["erased_at"] = item.value.get("erased_at")
            else:
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
