"""Validating a change against the schema: strict raises, automated keeps the valid part."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, field_validator

from langprofile.config import MAX_LIST_ITEMS, MAX_STRING_CHARS
from langprofile.errors import ProfileValidationError
from langprofile.pipeline.validate import Validated, unstorable, validate_changes
from langprofile.schema import UserProfile

USER_FIELDS = ", ".join(sorted(UserProfile.model_fields))


class Address(BaseModel):
    city: str | None = None


class Custom(BaseModel):
    score: float | None = None
    count: int | None = None
    extra: Any = None
    when: dt.date | None = None
    address: Address | None = None
    labels: list[str] | None = None

    @field_validator("labels", mode="after")
    @classmethod
    def _expand(cls, value: list[str] | None) -> list[str] | None:
        # A validator that expands its input: the result must be bounded again.
        if value == ["many"]:
            return [f"label {i} " + "w" * 900 for i in range(100)]
        return value


# -- unstorable ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (float("nan"), "nan is not a storable number"),
        (float("inf"), "inf is not a storable number"),
        (float("-inf"), "-inf is not a storable number"),
        (2**63, "an integer beyond 64 bits"),
        (-(2**63), "an integer beyond 64 bits"),
        (10**30, "an integer beyond 64 bits"),
        ("ok\ud800", "text with an unpaired surrogate (not valid unicode)"),
        (["fine", [1, float("nan")]], "nan is not a storable number"),
        ({"k": {"deeper": 2**64}}, "an integer beyond 64 bits"),
        ({"\udc00": 1}, "text with an unpaired surrogate (not valid unicode)"),
        (("t", "\udfff"), "text with an unpaired surrogate (not valid unicode)"),
    ],
)
def test_unstorable_names_the_problem(value: Any, reason: str) -> None:
    assert unstorable(value) == reason


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, 1.5, -0.0, 2**63 - 1, -(2**63) + 1, "", "caf\u00e9 \U0001f600", [], {}],
)
def test_unstorable_accepts_storable_values(value: Any) -> None:
    assert unstorable(value) is None


# -- strict -------------------------------------------------------------------------------------


def test_strict_unknown_field_lists_the_valid_fields() -> None:
    with pytest.raises(ProfileValidationError) as info:
        validate_changes(UserProfile, {"name": "Al", "nmae": "Al"})
    assert str(info.value) == f"unknown profile field 'nmae'; valid fields: {USER_FIELDS}"
    assert isinstance(info.value, ValueError)


def test_strict_unknown_field_quotes_a_huge_name_briefly() -> None:
    with pytest.raises(ProfileValidationError) as info:
        validate_changes(UserProfile, {"q" * 1_000_000: 1})
    quoted = "'" + "q" * 80 + "'\u2026"
    assert str(info.value) == f"unknown profile field {quoted}; valid fields: {USER_FIELDS}"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": 5}, "name"),
        ({"expertise_level": "godlike"}, "expertise_level"),
        ({"tools": "python"}, "tools"),
        ({"prefers_code_examples": "sometimes"}, "prefers_code_examples"),
        ({"name": "Al", "response_length": 3}, "response_length"),
    ],
)
def test_strict_wrong_type_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ProfileValidationError, match=rf"\({field}: ") as info:
        validate_changes(UserProfile, changes)
    assert str(info.value).endswith(f"valid fields: {USER_FIELDS}")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"score": float("nan")}, "field 'score' holds nan is not a storable number"),
        ({"score": float("inf")}, "field 'score' holds inf is not a storable number"),
        ({"count": 2**63}, "field 'count' holds an integer beyond 64 bits"),
        ({"count": -(2**63)}, "field 'count' holds an integer beyond 64 bits"),
        ({"extra": ["x", "y\ud800"]}, "field 'extra' holds text with an unpaired surrogate"),
        ({"extra": {"n": 2**70}}, "field 'extra' holds an integer beyond 64 bits"),
    ],
)
def test_strict_unstorable_value_raises(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileValidationError, match="nothing was written") as info:
        validate_changes(Custom, changes)
    assert str(info.value).startswith(message)


def test_strict_lone_surrogate_in_a_string_field_names_the_field() -> None:
    with pytest.raises(ProfileValidationError, match=r"field .name. holds text with an unpaired"):
        validate_changes(UserProfile, {"name": "Al\ud800"})


def test_integers_just_inside_64_bits_are_kept() -> None:
    assert validate_changes(Custom, {"count": 2**63 - 1}).changes == {"count": 2**63 - 1}
    assert validate_changes(Custom, {"count": -(2**63) + 1}).changes == {"count": -(2**63) + 1}


def test_changes_must_be_a_mapping_or_the_schema() -> None:
    with pytest.raises(
        ProfileValidationError, match=r"mapping of field names.*UserProfile, got list"
    ):
        validate_changes(UserProfile, ["name"])  # type: ignore[arg-type]


# -- non-strict ---------------------------------------------------------------------------------


def test_non_strict_keeps_valid_fields_and_reports_the_rest() -> None:
    result = validate_changes(
        UserProfile,
        {"name": "Al", "nmae": "Al", "expertise_level": "godlike", "tools": ["Go", "go"]},
        strict=False,
    )
    assert result == Validated(
        changes={"name": "Al", "tools": ["Go"]},
        invalid={"nmae": "unknown_field", "expertise_level": "invalid_type"},
    )


def test_non_strict_reports_unstorable_values() -> None:
    result = validate_changes(
        Custom,
        {"score": float("nan"), "count": 2**64, "extra": "a\ud800", "when": None},
        strict=False,
    )
    assert result.changes == {"when": None}
    assert result.invalid == {"score": "unstorable", "count": "unstorable", "extra": "unstorable"}


def test_non_strict_with_nothing_valid_returns_empty_changes() -> None:
    result = validate_changes(UserProfile, {"name": 5, "bogus": 1}, strict=False)
    assert result == Validated({}, {"name": "invalid_type", "bogus": "unknown_field"})


def test_non_strict_unknown_keys_are_bounded_and_stringified() -> None:
    changes: dict[Any, Any] = {"k" * 500: 1, 7: 2}
    result = validate_changes(UserProfile, changes, strict=False)
    assert result.changes == {}
    assert result.invalid == {"k" * 100: "unknown_field", "7": "unknown_field"}


def test_empty_change_is_valid_and_empty() -> None:
    assert validate_changes(UserProfile, {}) == Validated({}, {})
    assert validate_changes(UserProfile, {}, strict=False).invalid == {}


# -- values -------------------------------------------------------------------------------------


def test_none_clears_a_field() -> None:
    result = validate_changes(UserProfile, {"name": None, "tools": None})
    assert result.changes == {"name": None, "tools": None}


def test_schema_instance_counts_only_the_fields_set() -> None:
    assert validate_changes(UserProfile, UserProfile(name="Al")).changes == {"name": "Al"}
    # A field explicitly set to None is set: it clears.
    explicit = UserProfile(name="Al", tools=None)
    assert validate_changes(UserProfile, explicit).changes == {"name": "Al", "tools": None}
    assert validate_changes(UserProfile, UserProfile()).changes == {}


def test_values_are_json_ready() -> None:
    result = validate_changes(
        Custom, {"when": dt.date(2026, 1, 2), "address": Address(city="  Paris\x00 ")}
    )
    assert result.changes == {"when": "2026-01-02", "address": {"city": "Paris"}}


def test_values_are_bounded() -> None:
    result = validate_changes(
        UserProfile,
        {"name": " Al\u200b  \t Chen ", "role": "r" * 2000, "tools": ["Py", "PY", "Go"]},
    )
    assert result.changes == {
        "name": "Al Chen",
        "role": "r" * MAX_STRING_CHARS,
        "tools": ["Py", "Go"],
    }


def test_values_are_bounded_again_after_validation() -> None:
    labels = validate_changes(Custom, {"labels": ["many"]}).changes["labels"]
    assert len(labels) == MAX_LIST_ITEMS
    assert labels[0] == ("label 0 " + "w" * 900)[:MAX_STRING_CHARS]
    assert all(len(label) == MAX_STRING_CHARS for label in labels)


# -- known bugs ---------------------------------------------------------------------------------


def test_strict_nan_inside_an_any_field_raises() -> None:
    with pytest.raises(ProfileValidationError, match="'extra'"):
        validate_changes(Custom, {"extra": float("nan")})


def test_non_strict_surrogate_key_inside_an_any_field_is_reported() -> None:
    result = validate_changes(Custom, {"extra": {"k\ud800": 1}, "count": 1}, strict=False)
    assert result == Validated({"count": 1}, {"extra": "unstorable"})


def test_non_strict_huge_int_key_is_reported() -> None:
    changes: dict[Any, Any] = {10**5000: 1, "name": "Al"}
    result = validate_changes(UserProfile, changes, strict=False)
    assert result.changes == {"name": "Al"}
    assert len(result.invalid) == 1
