"""Passwords, PINs, API keys and tokens in free text."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache
from importlib.resources import files
from itertools import pairwise
from typing import Final

__all__ = ["PASSWORD_HINT", "PLACEHOLDER", "TRAILING", "has_api_key", "has_password"]

_PASSWORD = re.compile(
    r"""
    (?<![^\W_])(?P<kw>pass(?:word|wd|code|phrase|\ word)s?|pwd|pw|pin(?:\s+(?:code|number))?
          |passwort|kennwort|contrase[ñn]a|mot\s+de\s+passe|senha|wachtwoord|parola|пароль)\b
    # "the password for the wifi is ...": what it is for, before the value
    (?P<for>\s+(?:for|to|of|on)\s+(?:(?:my|the|our|your|this)\s+)?[\w.@-]+(?:\s+[\w.@-]+)?)?
    (?:
        (?P<assign>\s*[:=]|'s)\s*
      | \s+(?:is|was|ist|es|est|é|è)\s+
            (?:now\s+|still\s+|just\s+|actually\s+|(?:set|changed|reset|updated)\s+to\s+)?
      | \s+(?:set|changed|reset|updated)\s+to\s+
      | \s+(?P<bare>)
    )
    (?P<q>["'`\u201c\u2018])?(?P<val>[^\s"'`\u201d\u2019]+)
    """,
    re.IGNORECASE | re.VERBOSE,
)


@cache
def _not_a_secret() -> frozenset[str]:
    """Words that follow "password is" in sentences about passwords, not in disclosures."""
    text = (files("langprofile.pipeline.policy") / "data" / "not_a_secret.txt").read_text("utf-8")
    return frozenset(
        word for line in text.splitlines() if not line.startswith("#") for word in line.split()
    )


# Stand-ins for a value ("***", "<password>", "$DB_PASSWORD") are not the value.
PLACEHOLDER = re.compile(
    r"[*•.…_?-]+|x{3,}|X{3,}|<[^>]*>?|\[[^\]]*\]?|\{[^}]*\}?|\$\{[^}]*\}?"
    r"|\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%|(?i:redacted|hidden|secret|none|null)"
)
# Cheap gate on the lower-cased text: every password rule needs one of these.
PASSWORD_HINT = re.compile("pass|pw|pin|kennwort|contrase|senha|wachtwoord|parola|пароль|://")
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.\-]{1,20}://[^\s/?#@:]+:[^\s/?#@]+@", re.I)
TRAILING = ".,;:!?)]}>\"'\u201d\u2019"


def has_password(text: str) -> bool:
    if "://" in text and _URL_CREDENTIALS.search(text):
        return True
    for match in _PASSWORD.finditer(text):
        value = match["val"].rstrip(TRAILING)
        if not value or PLACEHOLDER.fullmatch(value):
            continue
        keyword = match["kw"].lower()
        if keyword.startswith("pin"):
            # "pin" is an everyday word; only a numeric value makes it a PIN.
            if value.isdigit() and 3 <= len(value) <= 12:
                return True
            continue
        if keyword == "pw" and match["assign"] is None and not any(ch.isdigit() for ch in value):
            continue  # "pw is" with a word after it is prose; with digits it is a disclosure
        if match["bare"] is not None:
            # "password manager" names a tool; "password hunter2" discloses one.
            if len(value) >= 4 and any(ch.isdigit() for ch in value):
                return True
            continue
        # After "is" a common word usually describes the password; after ":" it is the value.
        if match["q"] or match["assign"] is not None or value.lower() not in _not_a_secret():
            return True
    return False


# --------------------------------------------------------------------------------------------
# API keys and tokens
# --------------------------------------------------------------------------------------------

_KEY_FORMATS = re.compile(
    r"""
    (?<![A-Za-z0-9])(?:
        sk-(?=[A-Za-z0-9_\-]{0,200}[0-9])(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}
      | (?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}
      | gh[pousr]_[A-Za-z0-9]{20,}
      | github_pat_[A-Za-z0-9_]{20,}
      | xox[abposr]-[A-Za-z0-9\-]{10,}
      | (?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])
      | AIza[A-Za-z0-9_\-]{35}
      | glpat-[A-Za-z0-9_\-]{20,}
      | hf_[A-Za-z0-9]{30,}
      | npm_[A-Za-z0-9]{36}
      | pypi-[A-Za-z0-9_\-]{50,}
      | whsec_[A-Za-z0-9+/=]{24,}
      | SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}
      | eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*
      | -----BEGIN[A-Z ]{0,40}PRIVATE\ KEY(?:\ BLOCK)?-----
      | (?i:bearer)\s+(?=[A-Za-z0-9._~+/\-]{0,200}[0-9])[A-Za-z0-9._~+/\-]{16,}
    )
    """,
    re.VERBOSE,
)
_ASSIGNED = re.compile(
    r"""
    (?<![^\W_])(?:
        (?:api|access|secret|private|client|app|auth|consumer|signing|encryption|master)
            [\ _\-]?keys?(?:[\ _\-]?id)?
      | apikey
      | (?:client|app|consumer|webhook|jwt|shared|signing)[\ _\-]?secret
      | (?:auth|access|refresh|session|bearer|api|bot|personal[\ _\-]access|id|oauth|csrf)
            [\ _\-]?token
      | tokens? | secrets? | credentials?
      | (?P<bare>key)
    )
    (?: (?P<assign>\s*[:=])\s* | \s+(?:is|was)\s+ )
    ["'`]?(?P<val>[^\s"'`,;]+)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Cheap gate on the lower-cased text: an assigned secret is named by one of these.
_KEY_HINT = re.compile("key|token|secret|credential")
_URL = re.compile(r"\b(?:[a-z][a-z0-9+.\-]{1,20}://|www\.)\S+", re.I)
_LONG_WORD = re.compile(r"[A-Za-z0-9+/=_\-]{32,}")
_WORD_SEPARATORS = re.compile(r"[+/=_\-]")
_HEX = re.compile(r"[0-9a-fA-F]+")
# Bits per character. Hex has only 16 symbols, so a random hex string scores lower than a random
# base64 one of the same length.
_ENTROPY_BITS: Final = 3.5
_HEX_ENTROPY_BITS: Final = 3.0


def _entropy(word: str) -> float:
    n = len(word)
    return -sum(c / n * math.log2(c / n) for c in Counter(word).values())


def _looks_random(word: str) -> bool:
    # Identifiers (snake/kebab case, paths, UUIDs) split into short pieces; random keys rarely
    # do.
    if max(map(len, _WORD_SEPARATORS.split(word))) < 16:
        return False
    digits = sum(ch.isdigit() for ch in word)
    if digits < 2 or sum(ch.isalpha() for ch in word) < 2:
        return False
    # Letter/digit alternation separates "internationalization2024" from random text.
    switches = sum(
        a.isdigit() != b.isdigit() for a, b in pairwise(word) if a.isalnum() and b.isalnum()
    )
    threshold = _HEX_ENTROPY_BITS if _HEX.fullmatch(word) else _ENTROPY_BITS
    return switches >= 4 and _entropy(word) >= threshold


def has_api_key(text: str, lower: str, digits: int) -> bool:
    # Known formats are long and, but for a PEM header, all but certain to contain a digit.
    if (digits or len(text) >= 32 or "-----BEGIN" in text) and _KEY_FORMATS.search(text):
        return True
    if not digits:
        return False
    if _KEY_HINT.search(lower):
        for match in _ASSIGNED.finditer(text):
            if match["bare"] is not None and match["assign"] is None:
                continue  # "the key is consistency"
            value = match["val"].rstrip(TRAILING)
            if (
                len(value) >= 8
                and any(ch.isdigit() for ch in value)
                and "://" not in value
                and not PLACEHOLDER.fullmatch(value)
            ):
                return True
    if digits < 2 or len(text) < 32:
        return False
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    return any(_looks_random(m.group()) for m in _LONG_WORD.finditer(text))
