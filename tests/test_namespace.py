"""User ids become namespace labels through one reversible, injective encoding."""

from __future__ import annotations

import random

import pytest
from langgraph.store.base import InvalidNamespaceError
from langgraph.store.memory import InMemoryStore

from langprofile._namespace import decode_label, encode_user_id, profile_namespace

TRICKY = [
    "alice@example.com",
    "a.b",
    "a%b",
    "a_b",
    "*",
    "a/b",
    "a b",
    "ünïcødé",
    "中文",
    "🙂",
    "~",
    "~2e",
    "a~2eb",
    "-",
    "A",
    "a",
]


@pytest.mark.parametrize("user_id", TRICKY)
def test_round_trip_and_safe_alphabet(user_id: str) -> None:
    label = encode_user_id(user_id)
    assert decode_label(label) == user_id
    assert set(label) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-~")
    InMemoryStore().put(profile_namespace(user_id), "k", {"v": 1})  # langgraph accepts it


def test_injective_on_random_ids() -> None:
    rng = random.Random(3)
    alphabet = "ab.%*_~-/ é中🙂2e"
    ids = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(20_000)}
    ids = {i for i in ids if not i.isspace()}  # whitespace-only ids are refused
    labels = {encode_user_id(i) for i in ids}
    assert len(labels) == len(ids)


def test_plain_ids_are_kept_readable() -> None:
    assert encode_user_id("user-123") == "user-123"
    assert encode_user_id("alice@example.com") == "alice~40example~2ecom"


def test_raw_dot_would_be_rejected_by_langgraph() -> None:
    # Why the encoding exists: langgraph refuses the raw id as a label.
    with pytest.raises(InvalidNamespaceError):
        InMemoryStore().put(("users", "alice@example.com", "profile"), "k", {"v": 1})


@pytest.mark.parametrize("label", ["a.b", "~zz", "~4", "a b", ""])
def test_decode_rejects_foreign_labels(label: str) -> None:
    with pytest.raises(ValueError, match="not a langprofile user label"):
        decode_label(label)


def test_canonical_ids_and_refused_ones() -> None:
    from langprofile import InvalidUserIdError
    from langprofile._namespace import validate_user_id

    # NFC and NFD spellings of one name are one user.
    assert encode_user_id("Zo\u00eb") == encode_user_id("Zoe\u0308")
    assert validate_user_id("Zoe\u0308") == "Zo\u00eb"
    for bad in ["   ", "\t", "a\x00b", "bob\u200b", "a\u202eb", "x\u2028y", "\ud800"]:
        with pytest.raises(InvalidUserIdError):
            encode_user_id(bad)
    # Inner spaces and any printable text are fine.
    assert decode_label(encode_user_id("Ana María López")) == "Ana María López"
