"""Tests for the validation policy applied to automated profile changes before they are written."""

from __future__ import annotations

import copy
import dataclasses
import random
import string
from typing import Any

import pytest
from pydantic import BaseModel

from langprofile.pipeline.policy import REASONS, Policy, Screened, find_sensitive, screen

CARD = "secret:card_number"
SSN = "secret:ssn"
NATIONAL_ID = "secret:national_id"
PASSWORD = "secret:password"  # noqa: S105 (a reason label)
API_KEY = "secret:api_key"
EMAIL = "pii:email"
PHONE = "pii:phone"
LOW_CONFIDENCE = "low_confidence"

ALLOW_PII = Policy(store_emails=True, store_phones=True)

# A realistic 14-field change, as an extractor would propose it.
TYPICAL_CHANGE: dict[str, Any] = {
    "name": "Alice Chen",
    "preferred_name": "Ali",
    "languages": ["English", "Spanish"],
    "timezone": "America/New_York",
    "role": "icu nurse",
    "organization": "Stripe",
    "expertise_level": "advanced",
    "domains": ["chemistry", "biology"],
    "tools": ["Python", "Snowflake", "VS Code"],
    "communication_style": "casual",
    "response_length": "concise",
    "prefers_code_examples": True,
    "current_projects": ["budgeting app", "home lab with 3 raspberry pis"],
    "pain_points": ["regex", "timezones in 2024"],
}


def test_reasons_are_the_documented_stable_strings() -> None:
    assert REASONS == (
        CARD,
        SSN,
        NATIONAL_ID,
        PASSWORD,
        API_KEY,
        EMAIL,
        PHONE,
        LOW_CONFIDENCE,
    )


# --------------------------------------------------------------------------------------------
# Card numbers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",  # Visa
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500-0000-0000-0004",  # Mastercard
        "5555555555554444",
        "378282246310005",  # Amex
        "3782 822463 10005",
        "6011111111111117",  # Discover
        "3530111333300000",  # JCB
        "30569309025904",  # Diners, 14 digits
        "my card is 4111 1111 1111 1111, exp 12/25",
        "card 4111 1111 1111 1111 123",  # followed by the CVV in the same digit run
        "charge it to 5555555555554444.",
        " ".join(["\uff14\uff11\uff11\uff11"] + ["\uff11" * 4] * 3),  # full-width digits
        "4111\u200b1111\u200b1111\u200b1111",  # zero-width separators
        "4111\u20131111\u20131111\u20131111",  # en dashes
    ],
)
def test_card_numbers_are_found(text: str) -> None:
    assert find_sensitive(text) == CARD


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # fails Luhn
        "order 1234 5678 9012 3456",
        "1234567890123456",
        "tracking number 9400111899223197428490",  # longer than any card
        "4111111111111",  # 13 digits failing Luhn
        "0000 0000 0000 0000",  # Luhn-valid placeholder
        "years 1999 2004 2010 2016",
        "Python 3.12.1, Node 20.11.1",
    ],
)
def test_numbers_that_are_not_cards(text: str) -> None:
    assert find_sensitive(text) != CARD


def test_a_luhn_valid_13_digit_number_is_a_card() -> None:
    # 13-digit Visa numbers exist; the length rule is 13-19 digits.
    assert find_sensitive("4222222222222") == CARD


# --------------------------------------------------------------------------------------------
# SSNs and other identifiers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "123-45-6789",
        "my ssn is 123-45-6789",
        "123 45 6789",
        "SSN: 078-05-1120",
        "ssn 123456789",
        "my social security number is 123456789",
        "Social Security No. 078051120",
    ],
)
def test_ssns_are_found(text: str) -> None:
    assert find_sensitive(text) == SSN


@pytest.mark.parametrize(
    "text",
    [
        "000-12-3456",  # area 000 is never issued
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",  # group 00
        "123-45-0000",  # serial 0000
        "123456789",  # nine digits without context
        "123-45-6789-0",
        "12-123-45-6789",
    ],
)
def test_invalid_or_contextless_ssns_are_not_ssns(text: str) -> None:
    assert find_sensitive(text, ALLOW_PII) is None


@pytest.mark.parametrize(
    "text",
    [
        "passport number X1234567",
        "my passport no. is 123456789",
        "Passport: C01X00T47",
        "tax id 12-3456789",
        "national insurance number AB123456C",
        "national id: AB 12 34 56 C",
        "driver's license number D1234567",
        "IBAN DE89 3704 0044 0532 0130 00",
        "my iban is GB82WEST12345698765432",
        "GB82 WEST 1234 5698 7654 32",  # a valid IBAN needs no context
        "DE89370400440532013000",
        "account number: 12345678",
        "routing number 021000021",
    ],
)
def test_national_and_bank_identifiers_are_found(text: str) -> None:
    assert find_sensitive(text) == NATIONAL_ID


@pytest.mark.parametrize(
    "text",
    [
        "I renewed my passport in 2019",
        "passport number is required",
        "tax season 2024",
        "DE89370400440532013001",  # IBAN checksum fails
        "my bank account is with Chase",
        "ID card photo 2x2",
    ],
)
def test_identifier_words_without_an_identifier_are_fine(text: str) -> None:
    assert find_sensitive(text, ALLOW_PII) is None


# --------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my password is hunter2",
        "My Password Is Dragon",
        "MY PASSWORD IS HUNTER2",
        "pwd: x",
        "Password: Hunter2!",
        "PASSWORD=s3cret",
        "DB_PASSWORD=hunter2",
        "passwd: letmein",
        "the passcode is 0000",
        "passcode 4821",
        "passphrase: correct horse battery staple",
        "my passphrase is 'correct horse battery staple'",
        "my pin is 1234",
        "PIN: 4821",
        "pin code 4821",
        "my password was changed to tr0ub4dor",
        "password hunter2",
        "pw: abc",
        "Passwort: geheim",
        "contraseña: gato123",
        "password is 'password'",
        "postgresql://admin:pa55@db.example.com/app",
        "https://user:secret@example.com/private",
    ],
)
def test_passwords_are_found(text: str) -> None:
    assert find_sensitive(text) == PASSWORD


@pytest.mark.parametrize(
    "text",
    [
        "I use a password manager",
        "forgot my password again",
        "password is required",
        "password reset flows",
        "the wifi password is on the fridge",
        "pin the tab",
        "PIN: 12",
        "pw is abc",  # "pw" only counts when assigned
        "password: ***",
        "password: <redacted>",
        "password=$DB_PASSWORD",
        "passionate about passports",
        "https://example.com/login",
    ],
)
def test_talk_about_passwords_is_not_a_password(text: str) -> None:
    assert find_sensitive(text, ALLOW_PII) is None


# --------------------------------------------------------------------------------------------
# API keys and tokens
# --------------------------------------------------------------------------------------------

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1x...\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    "text",
    [
        "sk-abc123def456ghi789jkl012mno345",
        "sk-proj-Abc123Def456Ghi789Jkl012",
        "sk-ant-api03-abcDEF123456ghiJKL789mno",
        "sk_live_51H8abcdEFGHijkl",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_live_abcdefghij12",
        "rk_live_abcdefghij12",
        "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8",
        "gho_" + "Z9y8X7w6V5" * 3 + "u4T3s2",
        "github_pat_11ABCDEFG0123456789_abcdefghij",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKl",
        "xoxp-1234-5678-abcdef",
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAIOSFODNN7EXAMPLE",
        "AIzaSyA-1234567890abcdefghijklmnopqrstu",
        "glpat-abcdefghij1234567890",
        "hf_abcdefghijklmnopqrstuvwxyz123456",
        "npm_" + "a1b2c3d4e5f6" * 3,
        "SG.abcdefghij1234567890.ABCDEFGHIJ1234567890abcdef",
        JWT,
        f"my token is {JWT}",
        "Authorization: Bearer abcdef1234567890abcdef",
        "bearer 0123456789abcdefXYZ",
        PEM,
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    ],
)
def test_known_key_formats_are_found(text: str) -> None:
    assert find_sensitive(text) == API_KEY


@pytest.mark.parametrize(
    "text",
    [
        "api_key=abcd1234efgh",
        "MY_API_KEY=abcd1234efgh",
        "api key: 550e8400-e29b-41d4-a716-446655440000",  # a UUID labelled as a key
        "token: 9f8e7d6c5b4a",
        "secret: x9y8z7w6v5",
        "client_secret = 'a1b2c3d4e5f6'",
        "my access token is abc123xyz789",
        "key=abcdef123456",
        "https://api.example.com/v1?api_key=abc123def456",
    ],
)
def test_assigned_keys_are_found(text: str) -> None:
    assert find_sensitive(text) == API_KEY


@pytest.mark.parametrize(
    "token",
    [
        "aZ3kP9qL2mX7vB4nR8tY1wE6uI5oS0dF",  # base62
        "3f2a9c8b7d6e5f4a3b2c1d0e9f8a7b6c",  # unlabelled hex: indistinguishable from a hex key
        "9c1185a5c5e9fc54612808977ee8f548b2258d31",
        "Zx8/Lq2+Rt5Wn9Vb3Mk7Jh4Gf6Dd1Ss0Aa2Pp8Oo",  # base64 with / and +
    ],
)
def test_random_looking_words_are_tokens(token: str) -> None:
    assert find_sensitive(token) == API_KEY
    assert find_sensitive(f"use {token} for the staging deploy") == API_KEY


@pytest.mark.parametrize(
    "text",
    [
        "sk-learn",
        "sk-learn-contrib-imbalanced",
        "Bearer token auth",
        "key: C minor",
        "the key is consistency",
        "secret: my mom's recipe",
        "token limit is 4096",
        "max token: 4096",
        "550e8400-e29b-41d4-a716-446655440000",  # a UUID is an identifier, not a credential
        "pneumonoultramicroscopicsilicovolcanoconiosis",
        "internationalization2024localization",
        "AbstractSingletonProxyFactoryBean2Impl",
        "test_user_profile_store_round_trip_v2_backend",
        "https://github.com/org/repo/commit/3f2a9c8b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
        "https://example.com/a/very/long/path/with/segments/2024/01/report-v2.pdf",
        "/usr/local/lib/python3.11/site-packages/langprofile/extraction/policy.py",
        r"C:\Users\alice\Documents\Projects2024\thesis-draft-v3.docx",
        "#ff00aa",
        "commit 3f2a9c8",
        "OPENAI_API_KEY=sk-abc",  # a truncated placeholder, not a key
    ],
)
def test_things_that_are_not_keys(text: str) -> None:
    assert find_sensitive(text, ALLOW_PII) is None


# --------------------------------------------------------------------------------------------
# E-mail addresses and phone numbers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "alice@example.com",
        "reach me at alice.chen+work@mail.example.co.uk",
        "ALICE@EXAMPLE.ORG",
        "josé@exemplo.com.br",
    ],
)
def test_emails_follow_the_policy(text: str) -> None:
    assert find_sensitive(text) == EMAIL
    assert find_sensitive(text, Policy(store_emails=True)) is None
    assert screen({"contact": text}).discarded == {"contact": EMAIL}
    assert screen({"contact": text}, policy=Policy(store_emails=True)).changes == {"contact": text}


@pytest.mark.parametrize(
    "text", ["@alice on twitter", "user at example dot com", "foo@localhost", "a @ b"]
)
def test_not_emails(text: str) -> None:
    assert find_sensitive(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "+1 415 555 2671",
        "+1 (415) 555-2671",
        "+14155552671",
        "+44 20 7946 0958",
        "+33 6 12 34 56 78",
        "+49 30 1234567",
        "(415) 555-2671",
        "415-555-2671",
        "415.555.2671",
        "1 800 555 1234",
        "020 7946 0958",
        "06 12 34 56 78",
        "07700900123",
        "call me at 555-1234",
        "my number is 555 1234",
        "text me at +1 415 555 2671 after 6",
    ],
)
def test_phones_follow_the_policy(text: str) -> None:
    assert find_sensitive(text) == PHONE
    assert find_sensitive(text, Policy(store_phones=True)) is None
    assert screen({"contact": text}).discarded == {"contact": PHONE}
    assert screen({"contact": text}, policy=Policy(store_phones=True)).discarded == {}


@pytest.mark.parametrize(
    "text",
    [
        "born in 1990",
        "2019-2024",
        "years 1999 2004 2010",
        "2024-01-15",
        "15.01.2024",
        "ordered 12 items on 2024-03-05 at 10:30",
        "Python 3.12.1",
        "v10.15.7",
        "version 2023.10.1234",
        "Windows 10 22H2 build 19045.3570",
        "192.168.100.200",
        "1700000000",  # a timestamp
        "1234567890",
        "ISBN 978-0-306-40615-7",
        "cost $1,299.99",
        "room 1204 floor 12",
        "ext 1234",
        "555-1234",  # seven digits without context
        "order 1234 5678 9012 3456",  # long grouped numbers are not phones
    ],
)
def test_numbers_that_are_not_phones(text: str) -> None:
    assert find_sensitive(text) is None


def test_card_numbers_are_cards_not_phones() -> None:
    assert find_sensitive("4111 1111 1111 1111", Policy(store_phones=False)) == CARD
    assert find_sensitive("4111 1111 1111 1111", Policy(store_phones=True)) == CARD


# --------------------------------------------------------------------------------------------
# find_sensitive in general
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alice@example.com, card 4111 1111 1111 1111", CARD),
        ("+1 415 555 2671 and my password is hunter2", PASSWORD),
        ("ssn 123-45-6789, key sk-abc123def456ghi789jkl012mno", SSN),
        ("email alice@example.com or call +1 415 555 2671", EMAIL),
    ],
)
def test_the_most_severe_reason_wins(text: str, expected: str) -> None:
    assert find_sensitive(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "Alice Chen",
        "concise",
        "America/New_York",
        "budgeting app",
        "I work in chemistry and biology",
        "home lab with 3 raspberry pis",
        "São Paulo",
        "日本語を話します",
        "ICU nurse at St. Mary's since 2015",
    ],
)
def test_ordinary_profile_text_is_clean(text: str) -> None:
    assert find_sensitive(text) is None


def test_free_text_with_a_secret_deep_inside() -> None:
    memory = "The user likes hiking. " * 200 + "Their password is hunter2. " + "Bye. " * 200
    assert find_sensitive(memory) == PASSWORD


# --------------------------------------------------------------------------------------------
# screen: fields, lists and nesting
# --------------------------------------------------------------------------------------------


def test_typical_change_passes_unchanged() -> None:
    result = screen(TYPICAL_CHANGE)
    assert result == Screened(changes=TYPICAL_CHANGE, discarded={})


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("my card is 4111 1111 1111 1111", CARD),
        ("123-45-6789", SSN),
        ("passport number X1234567", NATIONAL_ID),
        ("my password is hunter2", PASSWORD),
        ("sk-proj-Abc123Def456Ghi789Jkl012", API_KEY),
        ("alice@example.com", EMAIL),
        ("+44 20 7946 0958", PHONE),
    ],
)
def test_a_sensitive_string_discards_the_field(value: str, reason: str) -> None:
    result = screen({"name": "Alice", "role": value})
    assert result.changes == {"name": "Alice"}
    assert result.discarded == {"role": reason}


def test_a_list_loses_only_its_sensitive_items() -> None:
    result = screen(
        {"tools": ["Python", "sk-proj-Abc123Def456Ghi789Jkl012", "Rust", "4111 1111 1111 1111"]}
    )
    assert result.changes == {"tools": ["Python", "Rust"]}
    assert result.discarded == {"tools": API_KEY}  # the first dropped item's reason


def test_a_list_with_only_sensitive_items_is_discarded() -> None:
    result = screen({"tools": ["4111 1111 1111 1111", "my pin is 1234"]})
    assert result.changes == {}
    assert result.discarded == {"tools": CARD}


def test_dropped_items_do_not_shorten_a_capped_list() -> None:
    tools = ["ghp_" + "a1B2c3D4e5" * 4, *(f"tool {i}" for i in range(30))]
    result = screen({"tools": tools}, policy=Policy(max_list_items=5))
    assert result.changes == {"tools": [f"tool {i}" for i in range(5)]}
    assert result.discarded == {"tools": API_KEY}


def test_items_past_the_cap_are_neither_scanned_nor_counted() -> None:
    tools = [f"tool {i}" for i in range(5)] + ["4111 1111 1111 1111"]
    result = screen({"tools": tools}, policy=Policy(max_list_items=5))
    assert result.changes == {"tools": tools[:5]}
    assert result.discarded == {}


@pytest.mark.parametrize(
    "value",
    [
        {"street": "1 Main St", "notes": "my pin is 1234"},
        {"street": "1 Main St", "notes": {"deeper": ["ok", "4111 1111 1111 1111"]}},
        [["fine", "sk-proj-Abc123Def456Ghi789Jkl012"]],
        {"cards": [4111111111111111]},
        {"sk-proj-Abc123Def456Ghi789Jkl012": "a key hidden in a key"},
    ],
)
def test_anything_sensitive_nested_discards_the_whole_field(value: Any) -> None:
    result = screen({"name": "Alice", "custom": value})
    assert result.changes == {"name": "Alice"}
    assert set(result.discarded) == {"custom"}


def test_a_list_of_records_loses_the_sensitive_records() -> None:
    accounts = [{"service": "netflix", "password": "hunter2"}, {"service": "hulu"}]
    result = screen({"accounts": accounts})
    assert result.changes == {"accounts": [{"service": "hulu"}]}
    assert result.discarded == {"accounts": PASSWORD}


def test_clean_nested_values_are_kept() -> None:
    value = {"street": "1 Main St", "zip": "94105", "tags": ["home", "Home", "work"]}
    result = screen({"address": value})
    assert result.changes == {
        "address": {"street": "1 Main St", "zip": "94105", "tags": ["home", "work"]}
    }
    assert result.discarded == {}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("password", "dragon", PASSWORD),
        ("wifi_password", "correcthorse", PASSWORD),
        ("pin", 1234, PASSWORD),
        ("ssn", "123456789", SSN),
        ("passportNumber", "X1234567", NATIONAL_ID),
        ("api_key", "abcdefgh", API_KEY),
        ("accessToken", "abcdefghijkl", API_KEY),
        ("credit_card_number", "4111", CARD),
        ("cvv", "123", CARD),
    ],
)
def test_a_key_naming_a_secret_flags_its_value(field: str, value: Any, reason: str) -> None:
    assert screen({field: value}).discarded == {field: reason}
    assert screen({"custom": {field: value}}).discarded == {"custom": reason}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password_hint", "my first pet"),
        ("api_key", "abc"),  # too short to be a key
        ("api_key", "<set me>"),
        ("token", "the ETH token"),
        ("key", "favorite_color"),  # key/value records are common in custom schemas
        ("pin_code", "94105"),  # a postal code in some countries
        ("password", "***"),
        ("credit_card", "Visa"),
    ],
)
def test_harmless_values_under_suggestive_keys(field: str, value: Any) -> None:
    assert screen({field: value}).discarded == {}


@pytest.mark.parametrize(
    ("value", "reason"),
    [(4111111111111111, CARD), (5555555555554444, CARD), (4111111111111112, None), (1990, None)],
)
def test_integers_are_checked_for_card_numbers(value: int, reason: str | None) -> None:
    result = screen({"custom": value})
    assert result.discarded == ({"custom": reason} if reason else {})


def test_scalars_and_clears_pass_through() -> None:
    change = {"name": None, "prefers_code_examples": False, "score": 1.5, "count": 3}
    assert screen(change) == Screened(changes=change, discarded={})


def test_a_pydantic_value_is_screened_as_its_json() -> None:
    class Card(BaseModel):
        label: str
        number: int

    result = screen(
        {"good": Card(label="x", number=1), "bad": Card(label="x", number=4111111111111111)}
    )
    assert result.changes == {"good": {"label": "x", "number": 1}}
    assert result.discarded == {"bad": CARD}


@pytest.mark.parametrize("changes", [None, [("name", "Alice")], "name=Alice", 42])
def test_a_change_that_is_not_a_mapping_writes_nothing(changes: Any) -> None:
    assert screen(changes) == Screened(changes={}, discarded={})


# --------------------------------------------------------------------------------------------
# screen: confidence
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "kept"),
    [(0.0, False), (0.49, False), (0.5, True), (0.9, True), (1.0, True)],
)
def test_confidence_threshold(score: float, kept: bool) -> None:
    result = screen(
        {"name": "Alice"}, policy=Policy(min_confidence=0.5), confidence={"name": score}
    )
    assert result.changes == ({"name": "Alice"} if kept else {})
    assert result.discarded == ({} if kept else {"name": LOW_CONFIDENCE})


def test_confidence_applies_per_field_and_only_where_given() -> None:
    result = screen(
        {"name": "Alice", "role": "nurse", "organization": "Stripe"},
        policy=Policy(min_confidence=0.7),
        confidence={"name": 0.95, "role": 0.3},
    )
    assert result.changes == {"name": "Alice", "organization": "Stripe"}
    assert result.discarded == {"role": LOW_CONFIDENCE}


def test_a_low_confidence_clear_is_not_applied() -> None:
    result = screen(
        {"name": None, "role": None},
        policy=Policy(min_confidence=0.5),
        confidence={"name": 0.1, "role": 0.8},
    )
    assert result.changes == {"role": None}
    assert result.discarded == {"name": LOW_CONFIDENCE}


def test_default_policy_keeps_every_confidence() -> None:
    assert screen({"name": "Alice"}, confidence={"name": 0.0}).changes == {"name": "Alice"}


@pytest.mark.parametrize("score", [float("nan"), "high", None, True, [0.9]])
def test_unreadable_confidence_never_clears_a_positive_threshold(score: Any) -> None:
    result = screen(
        {"name": "Alice"}, policy=Policy(min_confidence=0.1), confidence={"name": score}
    )
    if score is None:  # no score at all: not judged on confidence
        assert result.changes == {"name": "Alice"}
    else:
        assert result.discarded == {"name": LOW_CONFIDENCE}


def test_a_sensitive_reason_takes_precedence_over_low_confidence() -> None:
    result = screen(
        {"role": "my password is hunter2", "tools": ["Python", "4111 1111 1111 1111"]},
        policy=Policy(min_confidence=0.5),
        confidence={"role": 0.1, "tools": 0.1},
    )
    assert result.changes == {}
    assert result.discarded == {"role": PASSWORD, "tools": CARD}


# --------------------------------------------------------------------------------------------
# screen: bounds
# --------------------------------------------------------------------------------------------


def test_long_strings_are_truncated_not_discarded() -> None:
    result = screen({"role": "x" * 5000}, policy=Policy(max_string_chars=40))
    assert result.changes == {"role": "x" * 40}
    assert result.discarded == {}


def test_a_secret_straddling_the_truncation_point_is_still_caught() -> None:
    text = "a" * 30 + " my password is hunter2"
    assert screen({"role": text}, policy=Policy(max_string_chars=40)).discarded == {
        "role": PASSWORD
    }


def test_lists_are_deduplicated_case_insensitively_and_capped() -> None:
    result = screen(
        {"languages": ["English", "english", "ENGLISH", "Spanish", "French", "German"]},
        policy=Policy(max_list_items=3),
    )
    assert result.changes == {"languages": ["English", "Spanish", "French"]}
    assert result.discarded == {}


def test_list_items_are_truncated_and_deduplicated_after_truncation() -> None:
    result = screen({"tools": ["a" * 50 + "x", "A" * 50 + "y"]}, policy=Policy(max_string_chars=10))
    assert result.changes == {"tools": ["a" * 10]}


def test_strings_are_cleaned() -> None:
    result = screen({"name": "  Alice \x00\n Chen\u200b "})
    assert result.changes == {"name": "Alice Chen"}


def test_tuples_and_sets_become_lists() -> None:
    assert screen({"tools": ("Python", "Rust")}).changes == {"tools": ["Python", "Rust"]}
    assert screen({"tools": {"Python"}}).changes == {"tools": ["Python"]}


@pytest.mark.parametrize(
    "value",
    [
        TYPICAL_CHANGE,
        {"tools": ["Python", "4111 1111 1111 1111", "rust"], "name": "x" * 900},
        {"custom": {"a": [1, 2, {"b": "sk-proj-Abc123Def456Ghi789Jkl012"}]}, "t": ("a", "A")},
    ],
)
def test_input_is_never_mutated_and_output_is_new(value: dict[str, Any]) -> None:
    before = copy.deepcopy(value)
    result = screen(value)
    assert value == before
    assert result.changes is not value
    for key, kept in result.changes.items():
        if isinstance(kept, (list, dict)):
            assert kept is not value[key]


# --------------------------------------------------------------------------------------------
# Policy
# --------------------------------------------------------------------------------------------


def test_policy_defaults_are_safe() -> None:
    policy = Policy()
    assert policy.store_emails is False
    assert policy.store_phones is False
    assert policy.min_confidence == 0.0
    assert policy.max_list_items == 20
    assert policy.max_string_chars == 500


def test_policy_is_keyword_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        Policy(True)  # type: ignore[call-arg]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Policy().store_emails = True  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_confidence": -0.1},
        {"min_confidence": 1.5},
        {"min_confidence": float("nan")},
        {"max_list_items": 0},
        {"max_string_chars": 0},
    ],
)
def test_policy_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        Policy(**kwargs)


# --------------------------------------------------------------------------------------------
# Robustness and cost
# --------------------------------------------------------------------------------------------

_FRAGMENTS = [
    "4111 1111 1111 1111",
    "123-45-6789",
    "password is ",
    "pin ",
    "sk-",
    "ghp_",
    "eyJ",
    ".eyJ",
    "-----BEGIN ",
    "PRIVATE KEY-----",
    "Bearer ",
    "api_key=",
    "@",
    ".com",
    "+1 ",
    "(415) ",
    "://",
    "IBAN DE89 ",
    "passport no ",
    "ssn ",
    "\u200b",
    "\x00",
    "\n",
    "\ud800",  # a lone surrogate
    "\uff11",  # a full-width digit
    "é",
    "日本",
    "-",
    " ",
]
_ALPHABET = string.ascii_letters + string.digits + string.punctuation + " \t\n"


def _random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 12)):
        if rng.random() < 0.4:
            parts.append(rng.choice(_FRAGMENTS))
        else:
            parts.append("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40))))
    return "".join(parts)


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randint(0, 9 if depth < 4 else 6)
    if kind <= 3:
        return _random_text(rng)
    if kind == 4:
        return rng.choice([None, True, False, 0, -1, 4111111111111111, 10**30, 1.5, float("nan")])
    if kind == 5:
        return rng.randint(-(10**20), 10**20)
    if kind == 6:
        return float(rng.random() * 1e6)
    if kind in (7, 8):
        # Long flat lists exercise the cap; nested ones stay small.
        size = rng.randint(0, 30 if depth == 0 else 4)
        return [_random_value(rng, depth + 1) for _ in range(size)]
    return {
        rng.choice([_random_text(rng), "password", "ssn", "apiKey", "name"]): _random_value(
            rng, depth + 1
        )
        for _ in range(rng.randint(0, 5))
    }


@pytest.mark.parametrize("seed", range(50))
def test_random_input_never_raises_and_screening_is_stable(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        changes = {f"f{i}": _random_value(rng) for i in range(rng.randint(0, 14))}
        confidence = {key: rng.random() for key in changes if rng.random() < 0.5}
        policy = Policy(
            store_emails=rng.random() < 0.5,
            store_phones=rng.random() < 0.5,
            min_confidence=rng.random() * 0.5,
            max_list_items=rng.randint(1, 25),
            max_string_chars=rng.randint(1, 600),
        )
        before = copy.deepcopy(changes)
        result = screen(changes, policy=policy, confidence=confidence)
        assert repr(changes) == repr(before)  # NaN != NaN, so compare the spelling
        assert set(result.changes) | set(result.discarded) <= set(changes)
        assert set(result.discarded.values()) <= set(REASONS)
        # What was let through passes again unchanged.
        again = screen(result.changes, policy=policy)
        assert repr(again.changes) == repr(result.changes)
        assert again.discarded == {}
        for value in changes.values():
            if isinstance(value, str):
                find_sensitive(value, policy)


@pytest.mark.parametrize(
    "unit",
    ["1 ", "1-", "a@", "sk-", "4111 ", "password: ", "+1 ", "aA1/", "IBAN ", "bearer ", "ssn "],
)
@pytest.mark.timeout(30)  # a hang guard against catastrophic backtracking, not a speed test
def test_pathological_text_finishes(unit: str) -> None:
    text = unit * (100_000 // len(unit))
    find_sensitive(text)


def test_a_value_made_sensitive_by_truncation_is_caught() -> None:
    # Whole, "abcdefgh ij" is no key (it has a space); its first eight characters could be.
    policy = Policy(max_string_chars=8)
    assert screen({"api_key": "abcdefgh ij"}, policy=policy).discarded == {"api_key": API_KEY}
    result = screen({"api_keys": ["abcdefgh ij", "short"]}, policy=policy)
    assert result.changes == {"api_keys": ["short"]}
    assert result.discarded == {"api_keys": API_KEY}
    assert screen({"api_key": "abcdefgh ij"}).discarded == {}


@pytest.mark.parametrize("sep", [".", "_", "/", " / "])
def test_card_numbers_with_any_separator_are_found(sep: str) -> None:
    assert find_sensitive(sep.join(["4539", "1488", "0343", "6467"])) == "secret:card_number"


def test_a_card_split_across_list_items_drops_its_parts() -> None:
    out = screen({"tools": ["4539", "1488", "0343", "6467", "Go"]})
    assert out.changes == {"tools": ["Go"]}
    assert out.discarded == {"tools": "secret:card_number"}
    # Numbers that are not a card stay.
    assert screen({"tools": ["Python 3", "2024", "1234"]}).changes == {
        "tools": ["Python 3", "2024", "1234"]
    }


def test_numbers_of_a_custom_mapping_are_screened() -> None:
    out = screen({"notes": {"card": 4539148803436467, "topic": "tea"}})
    assert out.changes == {}
    assert out.discarded == {"notes": "secret:card_number"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("my password's hunter2", "secret:password"),
        ("my pw is hunter2", "secret:password"),
        ("the password for the wifi is tr0ub4dor", "secret:password"),
        ("my ssn is 078.05.1120", "secret:ssn"),
        ("ssn 078/05/1120", "secret:ssn"),
        ("de89370400440532013000 is my iban", "secret:national_id"),
        ("transfer to de89 3704 0044 0532 0130 00", "secret:national_id"),
        ("Card:\n4556\n7375\n8689\n9111", "secret:card_number"),
    ],
)
def test_secrets_in_other_spellings_are_found(text: str, reason: str) -> None:
    assert find_sensitive(text) == reason


@pytest.mark.parametrize(
    "text",
    ["my pw is long", "the password for my account is required", "years\n2019\n2020\n2021"],
)
def test_prose_about_secrets_is_not_a_secret(text: str) -> None:
    assert find_sensitive(text) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"score": 4556737586899111.0},
        {"meta": {"a": "45567375", "b": "86899111"}},
        {"meta": {"pw": "hunter22"}},
    ],
)
def test_secrets_in_numbers_split_values_and_keys_are_dropped(changes: dict[str, Any]) -> None:
    out = screen(changes)
    assert out.changes == {}
    assert set(out.discarded) == set(changes)
