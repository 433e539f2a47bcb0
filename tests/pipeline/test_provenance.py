"""The provenance guard over stored values: the ladder, user pins and suggestions (pure)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from langprofile._codec import new_value
from langprofile.config import MAX_LIST_ITEMS, MAX_SUGGESTIONS
from langprofile.pipeline import provenance as pv
from langprofile.schema import Source

V = dict[str, Any]
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def words(fields: V) -> str:
    """A stand-in verbalizer: deterministic, and empty when there are no fields."""
    return " ".join(f"{k} is {v}." for k, v in sorted(fields.items()))


def write(value: V, changes: V, source: Source, **kw: Any) -> tuple[pv.FieldMerge, V | None]:
    now = kw.pop("now", NOW)
    merge = pv.merge_fields(value, changes, source, now, **kw)
    candidate = words(merge.fields) if merge.applied else None
    return merge, pv.settle(value, merge, source, candidate, now)


def after(value: V, changes: V, source: Source, **kw: Any) -> V:
    """The value after a write that must change something."""
    _, nxt = write(value, changes, source, **kw)
    assert nxt is not None
    return nxt


def stored(fields: V, source: Source = "extracted") -> V:
    return after(new_value("u", NOW), fields, source)


def pinned(fields: V) -> V:
    return pv.pin_paragraph(stored(fields), "I am Al.", NOW)


# -- the ladder and settle ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (["onboarding"], "onboarding"),
        (["onboarding", "onboarding"], "onboarding"),
        (["extracted"], "evolved"),
        (["agent"], "evolved"),
        (["user"], "evolved"),
        (["onboarding", "extracted"], "evolved"),
        (["extracted", "onboarding"], "evolved"),  # never back down the ladder
    ],
)
def test_provenance_ladder(sources: list[Source], expected: str) -> None:
    value = new_value("u", NOW)
    assert value["provenance"] == "empty"
    for i, source in enumerate(sources):
        value = after(value, {f"step{i}": "x"}, source)
    assert (value["provenance"], value["paragraph"]) == (expected, words(value["fields"]))


def test_none_clears_the_field_and_clearing_every_field_returns_to_empty() -> None:
    merge, value = write(stored({"name": "Al", "role": "nurse"}, "user"), {"name": None}, "user")
    assert merge.applied == ("name",)
    assert value is not None
    assert (value["fields"], value["field_sources"]) == ({"role": "nurse"}, {"role": "user"})
    value = after(value, {"role": None}, "user")
    assert (value["fields"], value["paragraph"], value["preamble"]) == ({}, "", "")
    assert (value["field_sources"], value["provenance"]) == ({}, "empty")


def test_each_write_adds_one_to_the_version_and_leaves_its_input_alone() -> None:
    value = new_value("u", NOW)
    for i in range(1, 4):
        when = NOW + dt.timedelta(minutes=i)
        prev, before = value, copy.deepcopy(value)
        value = after(prev, {"n": i}, "extracted", now=when)
        assert (value["version"], value["updated_at"]) == (i, when.isoformat())
        assert prev == before
    assert value["preamble"] == "<User Profile>\nn is 3.\n</User Profile>"
    assert pv.dismiss_suggestion(value, "none", NOW)["version"] == 4
    assert pv.pin_paragraph(value, "Mine.", NOW)["version"] == 4


def test_settle_returns_none_when_nothing_changed() -> None:
    value = stored({"name": "Al", "tools": ["Go"]})
    for changes in ({"name": "Al"}, {"tools": ["Go"]}, {}, {"absent": None}):
        merge, nxt = write(value, changes, "extracted")
        assert (merge.applied, merge.sources_changed, nxt) == ((), False, None)


# -- the field guard ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["extracted", "agent"])
def test_automation_never_overwrites_a_user_field(source: Source) -> None:
    value = after(stored({"role": "nurse"}, "onboarding"), {"name": "Al"}, "user")
    merge, nxt = write(value, {"name": "Bob", "role": "doctor"}, source)
    assert (merge.applied, merge.suggested) == (("role",), ("name",))
    assert nxt is not None
    assert nxt["fields"] == {"name": "Al", "role": "doctor"}  # a learned field is overwritten
    assert nxt["field_sources"] == {"name": "user", "role": source}
    [suggestion] = nxt["suggestions"]
    assert (suggestion["kind"], suggestion["field"], suggestion["value"]) == (
        "field",
        "name",
        "Bob",
    )
    assert (suggestion["source"], suggestion["reason"]) == (source, "field set by the user")
    assert (len(suggestion["id"]), suggestion["created_at"]) == (16, NOW.isoformat())
    found = pv.find_suggestion(nxt, suggestion["id"])
    assert found is not None
    assert found == suggestion
    found["value"] = "changed"  # a copy: the stored suggestion is untouched
    assert nxt["suggestions"][0]["value"] == "Bob"
    assert pv.find_suggestion(nxt, "missing") is None


def test_a_suggestion_is_not_duplicated_nor_proposed_again_once_dismissed() -> None:
    value = after(stored({"name": "Al"}, "user"), {"name": "Bob"}, "extracted")
    for proposal in ("Bob", "Al"):  # already pending / what the user has
        merge, again = write(value, {"name": proposal}, "agent")
        assert (merge.suggested, again) == ((), None)
    [sid] = [s["id"] for s in value["suggestions"]]
    value = pv.dismiss_suggestion(value, sid, NOW)
    assert (value["suggestions"], value["dismissed"]) == ([], [sid])
    merge, nxt = write(value, {"name": "Bob"}, "extracted")
    assert (merge.suggested, nxt) == ((), None)
    proposals = after(value, {"name": "Carl"}, "extracted")["suggestions"]
    assert [s["value"] for s in proposals] == ["Carl"]


def test_suggestions_and_dismissals_are_capped_keeping_the_newest() -> None:
    value = stored({"name": "Al"}, "user")
    for i in range(MAX_SUGGESTIONS + 10):
        value = after(value, {"name": f"N{i}"}, "extracted")
    assert [s["value"] for s in value["suggestions"]] == [
        f"N{i}" for i in range(10, MAX_SUGGESTIONS + 10)
    ]
    for i in range(MAX_SUGGESTIONS + 5):
        value = pv.dismiss_suggestion(value, f"id{i}", NOW)
    assert value["dismissed"] == [f"id{i}" for i in range(5, MAX_SUGGESTIONS + 5)]


def test_a_user_write_drops_pending_suggestions_for_that_field() -> None:
    value = after(
        stored({"name": "Al", "role": "nurse"}, "user"), {"name": "B", "role": "D"}, "agent"
    )
    merge, nxt = write(value, {"name": "Al"}, "user")
    assert (merge.applied, merge.sources_changed) == ((), True)
    assert nxt is not None
    assert [s["field"] for s in nxt["suggestions"]] == ["role"]


def test_the_user_confirming_a_learned_value_pins_it() -> None:
    value = stored({"name": "Al"}, "extracted")
    merge, nxt = write(value, {"name": "Al"}, "user")
    assert (merge.applied, merge.sources_changed) == ((), True)
    assert nxt is not None
    assert nxt["field_sources"] == {"name": "user"}
    assert (nxt["paragraph"], nxt["version"]) == (value["paragraph"], value["version"] + 1)


# -- append and retracts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "append", "expected"),
    [
        ({"tools": ["python", "Rust", "GO"]}, True, ["Python", "Go", "Rust"]),
        ({"tools": ["python", "Rust"]}, False, ["python", "Rust"]),  # no append: replaced
        ({"langs": ["Spanish"]}, True, ["Spanish"]),  # nothing stored yet
    ],
)
def test_append_unions_lists_case_insensitively(changes: V, append: bool, expected: Any) -> None:
    merge = pv.merge_fields(
        stored({"tools": ["Python", "Go"]}), changes, "agent", NOW, append=append
    )
    assert merge.fields[next(iter(changes))] == expected


def test_append_stays_within_the_list_cap() -> None:
    full = [f"t{i}" for i in range(MAX_LIST_ITEMS)]
    merge = pv.merge_fields(stored({"tools": full}), {"tools": ["x"]}, "agent", NOW, append=True)
    assert (merge.fields["tools"], merge.applied) == (full, ())


@pytest.mark.parametrize(
    ("field", "taken_back", "expected"),
    [
        ("tools", ["go", "RUST"], ["Python"]),
        ("tools", ["python", "go", "rust"], None),  # nothing left: the field is cleared
        ("tools", ["cobol"], ["Python", "Go", "Rust"]),
        ("name", "al", None),  # a scalar matching case-insensitively is cleared
        ("name", None, None),  # None clears whatever is there
        ("name", "Bob", "Al"),  # a different value is not taken back
    ],
)
def test_retracts(field: str, taken_back: Any, expected: Any) -> None:
    value = stored({"name": "Al", "tools": ["Python", "Go", "Rust"]})
    merge = pv.merge_fields(value, {}, "extracted", NOW, retracts={field: taken_back})
    assert merge.fields.get(field) == expected
    assert (field in merge.field_sources) == (expected is not None)
    assert merge.applied == (() if expected == value["fields"][field] else (field,))


def test_retracts_apply_before_changes() -> None:
    value = stored({"name": "Al", "tools": ["Python", "Go"]})
    changes = {"name": "Bob", "tools": ["Rust", "python"]}
    retracts = {"name": None, "tools": ["PYTHON"]}
    merge = pv.merge_fields(value, changes, "user", NOW, append=True, retracts=retracts)
    assert merge.fields == {"name": "Bob", "tools": ["Go", "Rust", "python"]}


def test_automated_retract_of_a_user_field_is_a_suggestion() -> None:
    value = stored({"tools": ["Go", "Rust"]}, "user")
    merge = pv.merge_fields(value, {}, "agent", NOW, retracts={"tools": ["rust"]})
    assert merge.fields == {"tools": ["Go", "Rust"]}
    assert [(s["field"], s["value"]) for s in merge.suggestions] == [("tools", ["Go"])]


# -- the pinned paragraph -----------------------------------------------------------------------


def test_pin_and_unpin() -> None:
    value = pinned({"name": "Al"})
    assert (value["paragraph"], value["provenance"]) == ("I am Al.", "user_authored")
    assert value["preamble"] == "<User Profile>\nI am Al.\n</User Profile>"
    released = pv.unpin(value, "name is Al.", NOW)
    assert (released["paragraph"], released["provenance"]) == ("name is Al.", "evolved")
    assert pv.pin_paragraph(value, "", NOW)["provenance"] == "empty"
    assert pv.unpin(value, "", NOW)["provenance"] == "empty"


@pytest.mark.parametrize("source", ["extracted", "agent", "onboarding", "user"])
def test_a_pinned_paragraph_gets_a_suggestion_instead(source: Source) -> None:
    value = pinned({"name": "Al"})
    nxt = after(value, {"role": "nurse"}, source)
    assert nxt["fields"]["role"] == "nurse"
    assert (nxt["paragraph"], nxt["provenance"]) == ("I am Al.", "user_authored")
    assert nxt["preamble"] == value["preamble"]
    [s] = nxt["suggestions"]
    assert (s["kind"], s["field"], s["source"]) == ("paragraph", None, source)
    assert (s["value"], s["reason"]) == (
        "name is Al. role is nurse.",
        "paragraph is pinned by the user",
    )


def test_one_paragraph_suggestion_at_a_time_and_none_once_dismissed() -> None:
    value = pinned({"name": "Al"})
    for role in ("nurse", "doctor"):
        value = after(value, {"role": role}, "extracted")
    assert [s["value"] for s in value["suggestions"]] == ["name is Al. role is doctor."]
    value = pv.dismiss_suggestion(value, value["suggestions"][0]["id"], NOW)
    merge = pv.merge_fields(value, {"tools": ["Go"]}, "extracted", NOW)
    nxt = pv.settle(value, merge, "extracted", "name is Al. role is doctor.", NOW)
    assert nxt is not None
    assert nxt["suggestions"] == []


@pytest.mark.parametrize("candidate", ["I am Al.", ""])
def test_no_paragraph_suggestion_when_the_candidate_adds_nothing(candidate: str) -> None:
    value = pinned({"name": "Al"})
    merge = pv.merge_fields(value, {"role": "nurse"}, "extracted", NOW)
    nxt = pv.settle(value, merge, "extracted", candidate, NOW)
    assert nxt is not None
    assert (nxt["suggestions"], nxt["paragraph"]) == ([], "I am Al.")


def test_accept_a_paragraph_suggestion() -> None:
    value = after(stored({"name": "Al"}, "user"), {"name": "Bob"}, "agent")
    value = after(pv.pin_paragraph(value, "I am Al.", NOW), {"role": "nurse"}, "agent")
    field_sid, para_sid = (s["id"] for s in value["suggestions"])
    accepted = pv.accept_suggestion(value, para_sid, NOW)
    assert accepted["paragraph"] == "name is Al. role is nurse."
    assert accepted["provenance"] == "user_authored"
    assert [s["id"] for s in accepted["suggestions"]] == [field_sid]
    assert accepted["version"] == value["version"] + 1
    for bad in (field_sid, "missing"):
        with pytest.raises(ValueError, match="no paragraph suggestion"):
            pv.accept_suggestion(value, bad, NOW)
