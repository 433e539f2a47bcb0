"""The stored value shape: building, upgrading and decoding it (pure, no store)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from pydantic import BaseModel, model_validator

from langprofile._codec import decode_profile, new_value, to_record, upgrade
from langprofile.config import SCHEMA_VERSION
from langprofile.errors import ForeignDataError
from langprofile.pipeline.provenance import merge_fields, pin_paragraph, settle
from langprofile.schema import Provenance, Suggestion, UserProfile

NOW = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)


def written(
    fields: dict[str, Any], source: Any = "user", now: dt.datetime = LATER
) -> dict[str, Any]:
    value = new_value("alice@example.com", NOW)
    merge = merge_fields(value, fields, source, now)
    out = settle(value, merge, source, "Your name is Al.", now)
    assert out is not None
    return out


# -- new_value ----------------------------------------------------------------------------------


def test_new_value_is_an_empty_profile_at_version_zero() -> None:
    assert new_value("alice@example.com", NOW) == {
        "kind": "langprofile/profile",
        "schema_version": SCHEMA_VERSION,
        "user_id": "alice@example.com",
        "fields": {},
        "field_sources": {},
        "paragraph": "",
        "preamble": "",
        "provenance": "empty",
        "suggestions": [],
        "version": 0,
        "created_at": "2026-03-04T05:06:07+00:00",
        "updated_at": "2026-03-04T05:06:07+00:00",
    }


def test_new_values_do_not_share_mutable_parts() -> None:
    a, b = new_value("a", NOW), new_value("b", NOW)
    a["fields"]["name"] = "Al"
    a["suggestions"].append({})
    assert (b["fields"], b["suggestions"]) == ({}, [])


# -- upgrade ------------------------------------------------------------------------------------


def test_upgrade_of_a_current_value_is_an_equal_copy() -> None:
    value = written({"name": "Al"})
    out = upgrade(value)
    assert out == value
    assert out is not value


def test_upgrade_treats_a_missing_schema_version_as_version_one() -> None:
    value = new_value("u", NOW)
    del value["schema_version"]
    out = upgrade(value)
    assert out["schema_version"] == SCHEMA_VERSION
    assert "schema_version" not in value  # the input is not modified


@pytest.mark.parametrize(
    "item",
    [
        {"kind": "somebody/else", "fields": {}},
        {"kind": "langprofile/memory"},
        {"kind": None},
        {"name": "Al"},
        {},
    ],
)
def test_upgrade_refuses_a_foreign_kind(item: dict[str, Any]) -> None:
    with pytest.raises(ForeignDataError, match="not a langprofile profile") as info:
        upgrade(item)
    assert repr(item.get("kind")) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_upgrade_refuses_a_newer_schema_version() -> None:
    value = new_value("u", NOW) | {"schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(ForeignDataError, match="upgrade langprofile") as info:
        upgrade(value)
    assert str(info.value).startswith(f"profile schema_version {SCHEMA_VERSION + 1} is newer")


def test_to_record_refuses_foreign_data() -> None:
    for item in ({"kind": "x"}, new_value("u", NOW) | {"schema_version": SCHEMA_VERSION + 5}):
        with pytest.raises(ForeignDataError):
            to_record(item, UserProfile)


# -- decode_profile -----------------------------------------------------------------------------


def test_decode_profile_builds_the_schema() -> None:
    profile = decode_profile(UserProfile, {"name": "Al", "tools": ["Go"]})
    assert profile == UserProfile(name="Al", tools=["Go"])


def test_decode_profile_of_valid_fields_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="langprofile"):
        decode_profile(UserProfile, {"name": "Al"})
    assert caplog.records == []


def test_decode_profile_drops_fields_the_schema_no_longer_has(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="langprofile"):
        profile = decode_profile(UserProfile, {"name": "Al", "shoe_size": 44})
    assert profile == UserProfile(name="Al")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            "langprofile",
            logging.WARNING,
            "stored profile field 'shoe_size' is not in UserProfile; ignored",
        )
    ]


def test_decode_profile_drops_fields_whose_type_changed(caplog: pytest.LogCaptureFixture) -> None:
    stored = {"name": "Al", "expertise_level": "wizard", "tools": "Go", "languages": ["French"]}
    with caplog.at_level(logging.WARNING, logger="langprofile"):
        profile = decode_profile(UserProfile, stored)
    assert profile == UserProfile(name="Al", languages=["French"])
    assert sorted(r.getMessage() for r in caplog.records) == [
        "stored profile field 'expertise_level' no longer validates; ignored",
        "stored profile field 'tools' no longer validates; ignored",
    ]


class Ranged(BaseModel):
    low: int | None = None
    high: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Ranged:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


def test_decode_profile_survives_a_new_cross_field_validator() -> None:
    profile = decode_profile(Ranged, {"low": 5, "high": 1})
    assert isinstance(profile, Ranged)


# -- to_record ----------------------------------------------------------------------------------


def test_to_record_of_a_new_value() -> None:
    record = to_record(new_value("bob", NOW), UserProfile)
    assert record.user_id == "bob"
    assert record.profile == UserProfile()
    assert (record.paragraph, record.preamble, record.version) == ("", "", 0)
    assert record.provenance is Provenance.EMPTY
    assert (record.created_at, record.updated_at) == (NOW, NOW)
    assert (record.field_sources, record.suggestions) == ({}, ())
    assert record.schema_version == SCHEMA_VERSION
    assert not record.pinned


def test_round_trip_value_to_record() -> None:
    value = written({"name": "Al", "tools": ["Go", "Rust"]})
    merge = merge_fields(value, {"name": "Bob"}, "extracted", LATER)
    value = settle(value, merge, "extracted", None, LATER) or {}
    value = pin_paragraph(value, "I am Al.", LATER)
    record = to_record(value, UserProfile)
    assert record.user_id == "alice@example.com"
    assert record.profile == UserProfile(name="Al", tools=["Go", "Rust"])
    assert record.field_sources == {"name": "user", "tools": "user"}
    assert (record.paragraph, record.preamble) == (value["paragraph"], value["preamble"])
    assert record.preamble == "<User Profile>\nI am Al.\n</User Profile>"
    assert record.provenance is Provenance.USER_AUTHORED
    assert record.pinned
    assert record.version == value["version"] == 3
    assert (record.created_at, record.updated_at) == (NOW, LATER)
    [suggestion] = record.suggestions
    assert isinstance(suggestion, Suggestion)
    assert (suggestion.kind, suggestion.field, suggestion.value) == ("field", "name", "Bob")
    assert suggestion.source == "extracted"
    assert suggestion.created_at == LATER
    assert [s.to_json() for s in record.suggestions] == value["suggestions"]


def test_to_record_drops_unknown_sources() -> None:
    value = written({"name": "Al", "role": "nurse"})
    value["field_sources"] = {"name": "robot", "role": "agent"}
    assert to_record(value, UserProfile).field_sources == {"role": "agent"}


def test_to_record_reads_a_value_with_stale_fields(caplog: pytest.LogCaptureFixture) -> None:
    value = written({"name": "Al", "retired_field": "x"})
    with caplog.at_level(logging.WARNING, logger="langprofile"):
        record = to_record(value, UserProfile)
    assert record.profile == UserProfile(name="Al")
    assert record.version == 1
    assert [r.getMessage() for r in caplog.records] == [
        "stored profile field 'retired_field' is not in UserProfile; ignored"
    ]


def test_to_record_reads_an_older_value_without_schema_version() -> None:
    value = written({"name": "Al"})
    del value["schema_version"]
    record = to_record(value, UserProfile)
    assert record.schema_version == SCHEMA_VERSION
    assert record.profile == UserProfile(name="Al")


@pytest.mark.parametrize(
    "damage",
    [
        {"created_at": None},
        {"version": "seven"},
        {"fields": ["name", "Ann"]},
        {"provenance": "hijacked"},
        {"suggestions": [{"id": "x", "value": 1}]},
        {"updated_at": "yesterday"},
    ],
)
def test_a_damaged_record_is_foreign_data_never_a_raw_error(damage: dict[str, Any]) -> None:
    import datetime as dt

    from langprofile import ForeignDataError, UserProfile
    from langprofile._codec import new_value, to_record

    value = new_value("ann", dt.datetime.now(dt.UTC))
    value.update(damage)
    value = {k: v for k, v in value.items() if v is not None}
    with pytest.raises(ForeignDataError):
        to_record(value, UserProfile)
