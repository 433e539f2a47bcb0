"""The one writer enforces every rule, for every source and every entry point, on every backend."""

from __future__ import annotations

import math
from typing import Any

import pytest
from langgraph.store.base import BaseStore

from langprofile import Policy, ProfileStore, ProfileValidationError
from langprofile.store._ops import adrive, drive
from langprofile.store.writes import update_flow

KEY = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0" * 2
CARD = "4539 1488 0343 6467"


async def _automated(
    profiles: ProfileStore[Any], mode: str, user: str, changes: dict[str, Any], source: str
) -> Any:
    flow = update_flow(profiles, user, changes, source, strict=False)
    if mode == "sync":
        return drive(flow, profiles.handler())
    return await adrive(flow, profiles.handler())


@pytest.mark.parametrize("source", ["user", "onboarding"])
async def test_explicit_writes_refuse_a_secret_naming_field_and_reason(
    any_store: BaseStore, twin: Any, source: str
) -> None:
    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "ann", {"name": "Ann"})
    with pytest.raises(ProfileValidationError, match=r"field 'role'.*API key.*nothing was written"):
        await twin(profiles, "update", "ann", {"role": f"my key is {KEY}"}, source=source)
    with pytest.raises(ProfileValidationError, match=r"'tools'.*payment card"):
        await twin(profiles, "update", "ann", {"tools": ["Go", CARD]}, source=source)
    record = await twin(profiles, "get", "ann")
    assert record.version == 1
    assert KEY not in str(await twin(profiles, "export", "ann"))


@pytest.mark.parametrize("source", ["extracted", "agent"])
async def test_automated_writes_through_the_public_update_discard_secrets(
    any_store: BaseStore, twin: Any, source: str
) -> None:
    profiles = ProfileStore(any_store)
    record = await twin(
        profiles, "update", "bea", {"role": f"key {KEY}", "name": "Bea"}, source=source
    )
    assert record.profile.name == "Bea"
    assert record.profile.role is None
    assert KEY not in str(await twin(profiles, "export", "bea"))


async def test_automated_outcome_reports_what_was_discarded(
    any_store: BaseStore, twin: Any, store_mode: str
) -> None:
    profiles = ProfileStore(any_store)
    outcome = await _automated(
        profiles,
        store_mode,
        "cy",
        {"tools": ["Go", CARD], "role": "password: hunter2", "nmae": "x", "name": 5},
        "extracted",
    )
    assert outcome.record.profile.tools == ["Go"]
    assert outcome.discarded == {
        "tools": "secret:card_number",
        "role": "secret:password",
        "nmae": "unknown_field",
        "name": "invalid_type",
    }
    assert outcome.applied == ("tools",)


async def test_pii_is_the_users_to_store_but_not_automations(
    any_store: BaseStore, twin: Any, store_mode: str
) -> None:
    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "di", {"role": "reach me at di@example.com"})
    outcome = await _automated(
        profiles, store_mode, "di", {"organization": "mail di@example.com"}, "agent"
    )
    assert outcome.discarded == {"organization": "pii:email"}
    allowing = ProfileStore(any_store, policy=Policy(store_emails=True))
    outcome = await _automated(
        allowing, store_mode, "di", {"organization": "mail di@example.com"}, "agent"
    )
    assert outcome.applied == ("organization",)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "NaN", 2**70])
async def test_non_finite_and_huge_numbers_are_refused_never_retried(
    any_store: BaseStore, twin: Any, bad: Any
) -> None:
    from pydantic import BaseModel

    class Scores(BaseModel):
        score: float | int | None = None
        history: list[float] | None = None

    profiles = ProfileStore(any_store, schema=Scores)
    with pytest.raises(ProfileValidationError, match="score"):
        await twin(profiles, "update", "ed", {"score": bad})
    if not isinstance(bad, int):  # a huge int in a list of floats is simply a float
        with pytest.raises(ProfileValidationError, match="history"):
            await twin(profiles, "update", "ed", {"history": [1.0, bad]})
    assert await twin(profiles, "get", "ed") is None


async def test_paragraph_and_accepted_suggestions_are_screened(
    any_store: BaseStore, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    with pytest.raises(ProfileValidationError, match=r"paragraph.*password"):
        await twin(profiles, "write_paragraph", "fa", "I'm Fa. My password is hunter2.")
    with pytest.raises(ProfileValidationError, match="unpaired surrogate"):
        await twin(profiles, "write_paragraph", "fa", "I'm Fa \ud800.")
    assert await twin(profiles, "get", "fa") is None
    # A user-set field keeps automation's change as a suggestion; accepting writes as the user.
    await twin(profiles, "update", "fa", {"role": "nurse"})
    await twin(profiles, "update", "fa", {"role": "icu nurse"}, source="extracted")
    (suggestion,) = await twin(profiles, "suggestions", "fa")
    record = await twin(profiles, "accept_suggestion", "fa", suggestion.id)
    assert record.profile.role == "icu nurse"
    assert record.field_sources["role"] == "user"


async def test_a_schema_sharing_no_field_with_user_profile_round_trips(
    any_store: BaseStore, twin: Any
) -> None:
    from pydantic import BaseModel, Field

    class SupportProfile(BaseModel):
        company: str | None = Field(default=None, description="Company name")
        plan: str | None = Field(default=None, description="Subscription plan")

    profiles = ProfileStore(any_store, schema=SupportProfile)
    record = await twin(profiles, "update", "gus", {"company": "TechCorp", "plan": "enterprise"})
    assert (
        record.paragraph == "Your company name is TechCorp. Your subscription plan is enterprise."
    )
    assert "Your company name is TechCorp." in await twin(profiles, "preamble", "gus")


async def test_every_backend_gets_only_what_all_store_alike(
    any_store: BaseStore, twin: Any
) -> None:
    from pydantic import BaseModel

    class Numbers(BaseModel):
        counts: list[int] | None = None
        note: str | None = None

    profiles = ProfileStore(any_store, schema=Numbers)
    with pytest.raises(ProfileValidationError, match="counts"):
        await twin(profiles, "update", "ivy", {"counts": [1, 10**5000]})
    with pytest.raises(ProfileValidationError, match="counts"):
        await twin(profiles, "update", "ivy", {"counts": [2**64]})
    with pytest.raises(ProfileValidationError, match="note"):
        await twin(profiles, "update", "ivy", {"note": "x\ud800"})
    assert await twin(profiles, "get", "ivy") is None
    record = await twin(profiles, "update", "ivy", {"counts": [2**63 - 1, 1], "note": "ok"})
    assert record.profile.counts == [2**63 - 1, 1]
    assert (await twin(profiles, "get", "ivy")).profile.counts == [2**63 - 1, 1]
