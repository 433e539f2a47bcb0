"""The write-time bounds: cleaning, cutting, de-duplication and depth caps (pure, no store)."""

from __future__ import annotations

import pytest

from langprofile.config import MAX_LIST_ITEMS, MAX_STRING_CHARS
from langprofile.pipeline.bounds import bound_value, clean_line, clean_text, shown, truncate_words

ELLIPSIS = "\u2026"
FIVE_MB = 5_000_000


# -- clean_line ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x00b\x07c\x1fd\x7fe\x9ff", "abcdef"),  # C0, DEL and C1 controls
        ("zero\u200bwidth\u200c\u200d\u200e\u200fgone", "zerowidthgone"),  # invisible formatting
        ("left\u202aembed\u202eoverride", "leftembedoverride"),  # bidi embeddings/overrides
        ("line\u2028sep\u2029para", "lineseppara"),  # unicode line/paragraph separators
        ("  many \t\t spaces\n\nand\r\nlines  ", "many spaces and lines"),
        ("non\u00a0breaking", "non breaking"),
        ("", ""),
        (" \t\n ", ""),
    ],
)
def test_clean_line_drops_controls_and_folds_whitespace(raw: str, expected: str) -> None:
    assert clean_line(raw) == expected


def test_clean_line_normalizes_to_nfc() -> None:
    decomposed = "Jose\u0301 Ame\u0301lie"
    assert clean_line(decomposed) == "Jos\u00e9 Am\u00e9lie"
    assert len(clean_line("e\u0301")) == 1


@pytest.mark.parametrize(
    ("raw", "max_chars", "expected"),
    [
        ("abcdef", 3, "abc"),
        ("abc", 3, "abc"),
        ("ab  cd", 3, "ab"),  # the cut never leaves a trailing space
        ("a" * 1000, MAX_STRING_CHARS, "a" * MAX_STRING_CHARS),
    ],
)
def test_clean_line_cuts_to_max_chars(raw: str, max_chars: int, expected: str) -> None:
    assert clean_line(raw, max_chars) == expected


def test_clean_line_on_megabytes_returns_the_bounded_prefix() -> None:
    assert clean_line("x" * FIVE_MB, 10) == "x" * 10
    assert clean_line("x" * FIVE_MB) == "x" * MAX_STRING_CHARS


def test_clean_line_reads_only_a_bounded_prefix_of_a_huge_string() -> None:
    # The string is sliced before any regex runs, so text far beyond the bound is never seen.
    assert clean_line(" " * FIVE_MB + "tail", 10) == ""


def test_clean_line_drops_bidi_isolates_and_other_invisible_format_chars() -> None:
    assert clean_line("a\u2066b\u2067c\u2068d\u2069e\u2060f\ufeffg") == "abcdefg"


# -- clean_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("one\ntwo", "one\ntwo"),  # newlines kept
        ("a\r\nb\rc", "a\nb\nc"),  # CRLF and CR become LF
        ("a\n\n\n\n\nb", "a\n\nb"),  # runs of blank lines fold to one blank line
        ("a\n  \n\t\n \nb", "a\n\nb"),  # whitespace-only lines count as blank
        ("  x \t y  \n   z  ", "x y\nz"),  # each line folded and stripped
        ("\n\n\nbody\n\n\n", "body"),
        ("bell\x07 and\u200b zero", "bell and zero"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw, 100) == expected


def test_clean_text_cuts_to_max_chars() -> None:
    assert clean_text("abc\ndef", 5) == "abc\nd"
    assert clean_text("abc\n\ndef", 4) == "abc"
    assert clean_text("y" * FIVE_MB, 7) == "y" * 7


def test_clean_text_normalizes_to_nfc() -> None:
    assert clean_text("cafe\u0301\nna\u0308ive", 50) == "caf\u00e9\nn\u00e4ive"


# -- truncate_words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "max_words", "expected"),
    [
        ("one two three", 3, "one two three"),
        ("one two three", 5, "one two three"),
        ("one two three", 2, "one two " + ELLIPSIS),
        ("one, two, three", 2, "one, two " + ELLIPSIS),  # trailing punctuation of the cut dropped
        ("one\ntwo three", 2, "one\ntwo " + ELLIPSIS),  # newlines kept
        ("alpha; beta: gamma", 1, "alpha " + ELLIPSIS),
    ],
)
def test_truncate_words(text: str, max_words: int, expected: str) -> None:
    assert truncate_words(text, max_words) == expected


def test_truncate_words_returns_uncut_text_unchanged() -> None:
    text = "  spaced   out\n\ntext  "
    assert truncate_words(text, 3) is text


# -- bound_value --------------------------------------------------------------------------------


def test_bound_value_cleans_strings() -> None:
    assert bound_value("  Ali\x00ce \t Chen ") == "Alice Chen"
    assert bound_value("z" * 2000) == "z" * MAX_STRING_CHARS
    assert bound_value("abcdef", max_chars=2) == "ab"


@pytest.mark.parametrize("scalar", [None, 0, 42, -1.5, True, False])
def test_bound_value_leaves_non_string_scalars(scalar: object) -> None:
    assert bound_value(scalar) is scalar


def test_bound_value_dedupes_lists_case_insensitively_keeping_first_spelling() -> None:
    assert bound_value(["Python", "python", " PYTHON ", "Go", "go"]) == ["Python", "Go"]
    assert bound_value(("Stra\u00dfe", "STRASSE")) == ["Stra\u00dfe"]  # casefold, not lower


def test_bound_value_drops_empty_items() -> None:
    assert bound_value(["a", "", "   ", None, "\x00", "b"]) == ["a", "b"]


def test_bound_value_caps_lists_after_dedup() -> None:
    raw = [f"item{i}" for i in range(100)]
    assert bound_value(raw) == raw[:MAX_LIST_ITEMS]
    assert bound_value(["a", "A", "b", "c", "d"], max_items=3) == ["a", "b", "c"]


def test_bound_value_turns_tuples_and_sets_into_lists() -> None:
    assert bound_value(("x", "y")) == ["x", "y"]
    assert sorted(bound_value({"b", "a"})) == ["a", "b"]
    assert bound_value(frozenset({"only"})) == ["only"]


def test_bound_value_bounds_mappings() -> None:
    raw = {" key\x00 ": "  v  ", "k" * 300: ["A", "a"], "n": 3}
    out = bound_value(raw, max_chars=10)
    assert out == {"key": "v", "k" * 100: ["A"], "n": 3}


def test_bound_value_caps_mapping_items() -> None:
    raw = {f"k{i}": i for i in range(30)}
    assert bound_value(raw) == {f"k{i}": i for i in range(MAX_LIST_ITEMS)}
    assert bound_value(raw, max_items=2) == {"k0": 0, "k1": 1}


def test_bound_value_dedupes_non_string_items_by_value() -> None:
    assert bound_value([{"a": 1}, {"a": 1}, {"a": 2}, 3, 3]) == [{"a": 1}, {"a": 2}, 3]


def test_bound_value_drops_nesting_beyond_the_depth_cap() -> None:
    assert bound_value({"a": {"b": {"c": {"d": 1}}}}) == {"a": {"b": {"c": {"d": None}}}}
    assert bound_value({"a": {"b": {"c": 1}}}) == {"a": {"b": {"c": 1}}}
    # A list nested five deep loses its innermost level (dropped, as a list item that is None).
    assert bound_value([[[[["deep"]]]]]) == [[[[]]]]
    assert bound_value([[[[1]]]]) == [[[[]]]]


def test_bound_value_bounds_strings_inside_nested_structures() -> None:
    out = bound_value({"notes": [{"text": "q" * 900}]})
    assert out == {"notes": [{"text": "q" * MAX_STRING_CHARS}]}


def test_bound_value_keeps_an_int_and_its_string_spelling() -> None:
    assert bound_value([1, "1"]) == [1, "1"]


# -- shown --------------------------------------------------------------------------------------


def test_shown_is_repr_when_short() -> None:
    assert shown("abc") == "'abc'"
    assert shown(None) == "None"
    assert shown(42) == "42"
    assert shown({"a": 1}) == "{'a': 1}"


def test_shown_cuts_long_strings_with_an_ellipsis() -> None:
    assert shown("x" * 100, limit=10) == "'" + "x" * 10 + "'" + ELLIPSIS


@pytest.mark.parametrize(
    "value",
    [
        "x" * FIVE_MB,
        "x" * 81,
        b"x" * FIVE_MB,
        ["x" * FIVE_MB],
        {"k": "v" * FIVE_MB},
        ("t" * FIVE_MB,),
        list(range(100_000)),
    ],
    ids=["str-5MB", "str-81", "bytes-5MB", "list", "dict", "tuple", "long-list"],
)
def test_shown_never_quotes_much_more_than_its_limit(value: object) -> None:
    # At most the limit, two quotes and the ellipsis.
    assert len(shown(value)) <= 80 + 3
    assert len(shown(value, limit=20)) <= 20 + 3


def test_shown_bounds_strings_whose_repr_escapes_characters() -> None:
    assert len(shown("\x00" * FIVE_MB)) <= 80 + 3


def test_shown_quotes_a_huge_int() -> None:
    assert len(shown(10**5000)) <= 80 + 3
