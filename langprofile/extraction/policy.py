"""The validation policy applied to every automated profile change before it is written.

:func:`screen` takes the fields an extractor or an agent wants to write and returns what may be
written plus, for every field held back, a short stable reason (one of :data:`REASONS`) that the
caller counts as a metric. It is pure (no I/O, no model), never raises for JSON-like input and
never mutates its input. :func:`find_sensitive` applies the same detectors to one free-form
string (a memory, a note) and returns the reason for what it found, or ``None``.

What is never stored, whatever the policy (detection is rule based, tuned to miss little):

- ``secret:card_number``: 13-19 digits, optionally grouped by spaces or dashes, passing the Luhn
  check. Digit runs that fail Luhn (order ids, timestamps) are not flagged.
- ``secret:ssn``: a US social security number ``ddd-dd-dddd`` (or spaced) with a valid area,
  group and serial; any nine digits after "SSN" / "social security".
- ``secret:national_id``: a government or bank identifier stated with its name ("passport
  number X1234567", "tax id 12-3456789", "IBAN ...", "account number ..."), and any IBAN with a
  valid checksum.
- ``secret:password``: a password, passcode, passphrase or PIN stated with its value ("my
  password is hunter2", "pwd: x", "PIN 4821"), and URLs carrying ``user:password@``.
- ``secret:api_key``: well-known key and token formats (OpenAI, Anthropic, Stripe, GitHub,
  GitLab, Slack, AWS, Google, Hugging Face, npm, PyPI, SendGrid, JWTs, ``Bearer`` tokens, PEM
  private keys), values assigned to ``api_key`` / ``token`` / ``secret`` / ``key=``, and any
  other random-looking word of 32 or more characters.

Stored only when the policy allows it: ``pii:email`` and ``pii:phone`` (international ``+``
numbers of 8-15 digits, national numbers of 9-12 digits, shorter numbers after "phone", "call
me at" ...). Years, dates, versions, IP addresses and card numbers are not phones.

Judgment calls a caller should know:

- A UUID is an identifier, not a credential: it is not flagged unless labelled ("api key: ...").
- An unlabelled hex string of 32+ characters (a hash, a hex API key) is flagged: the two cannot
  be told apart, and losing a hash from a profile costs less than storing a key.
- URLs without credentials and file paths are not tokens, but a random 32+ character path
  segment is.
- In mappings (custom schemas) the key names the value: ``{"password": "x"}``,
  ``{"ssn": "..."}``, ``{"api_key": "..."}`` are flagged even when the value alone would not be.
- Sensitive reasons take precedence over ``low_confidence``; among sensitive reasons the order
  of :data:`REASONS` decides.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, Final, Literal

from pydantic import BaseModel

from langprofile.config import MAX_LIST_ITEMS, MAX_STRING_CHARS
from langprofile.pipeline.bounds import bound_value

__all__ = [
    "REASONS",
    "Policy",
    "Reason",
    "Screened",
    "find_sensitive",
    "screen",
]

Reason = Literal[
    "secret:card_number",
    "secret:ssn",
    "secret:national_id",
    "secret:password",
    "secret:api_key",
    "pii:email",
    "pii:phone",
    "low_confidence",
]

_R_CARD: Final = "secret:card_number"
_R_SSN: Final = "secret:ssn"
_R_NATIONAL_ID: Final = "secret:national_id"
_R_PASSWORD: Final = "secret:password"  # noqa: S105 (a reason label)
_R_API_KEY: Final = "secret:api_key"
_R_EMAIL: Final = "pii:email"
_R_PHONE: Final = "pii:phone"
_R_LOW_CONFIDENCE: Final = "low_confidence"

#: Every reason :func:`screen` can report, most severe first (the precedence among them).
REASONS: Final[tuple[Reason, ...]] = (
    _R_CARD,
    _R_SSN,
    _R_NATIONAL_ID,
    _R_PASSWORD,
    _R_API_KEY,
    _R_EMAIL,
    _R_PHONE,
    _R_LOW_CONFIDENCE,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """What automated writes may store. Keyword-only construction; defaults are safe.

    Raises ``ValueError`` for a ``min_confidence`` outside 0..1 or bounds below 1.
    """

    store_emails: bool = False
    """Keep e-mail addresses found in extracted values."""
    store_phones: bool = False
    """Keep phone numbers found in extracted values."""
    min_confidence: float = 0.0
    """Fields whose extractor confidence (0..1) is below this are discarded."""
    max_list_items: int = MAX_LIST_ITEMS
    """Lists are de-duplicated case-insensitively and cut to this many items."""
    max_string_chars: int = MAX_STRING_CHARS
    """Strings are cleaned and truncated (not discarded) to this many characters."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within 0..1, got {self.min_confidence!r}")
        if self.max_list_items < 1 or self.max_string_chars < 1:
            raise ValueError("max_list_items and max_string_chars must be at least 1")


@dataclass(frozen=True, slots=True)
class Screened:
    """The outcome of :func:`screen`.

    ``changes`` is what may be written (``None`` values are clears). ``discarded`` maps a field
    to the reason something in it was held back. A list field with only some items dropped
    appears in both: its remaining items in ``changes``, the reason for the first dropped item
    in ``discarded``.
    """

    changes: dict[str, Any]
    discarded: dict[str, str]


_DEFAULT_POLICY: Final = Policy()

# A secret straddling the truncation point would be stored in part, so strings are scanned this
# far past ``max_string_chars``.
_SCAN_MARGIN: Final = 256
# Lists are scanned a few times past the cap so that dropped secrets and duplicates do not make
# a list shorter than it could be.
_LIST_SLACK: Final = 4
# Digit strings longer than this are not card numbers or SSNs; ``str(int)`` on huge ints raises.
_MAX_CHECKED_INT: Final = 10**20

# --------------------------------------------------------------------------------------------
# Text preparation
# --------------------------------------------------------------------------------------------

# Controls and invisible format characters: removing them is what joins "4111\u200b1111..." back
# into the number a reader (and ``clean_line``) would see.
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_DASHES: Final = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def _prepare(text: str) -> str:
    # NFKC folds full-width digits and letters, the usual way to slip a number past a regex.
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    if not text.isprintable():
        text = _HIDDEN.sub("", text)
    return text


# --------------------------------------------------------------------------------------------
# Card numbers, SSNs and other identifiers
# --------------------------------------------------------------------------------------------

_DIGIT = re.compile(r"[0-9]")
_NON_DIGITS = re.compile(r"[^0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# A run of digit groups; each card is checked over consecutive groups of the run so that
# "4111 1111 1111 1111 123" (number and CVV) is still found.
_DIGIT_RUN = re.compile(r"(?<!\w)[0-9]+(?:(?:[ \t]{1,2}|[ \t]?-[ \t]?)[0-9]+)*(?!\w)")
_CARD_MIN, _CARD_MAX = 13, 19


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    # A run of one repeated digit ("0000 0000 0000 0000") passes Luhn but is a placeholder.
    return digits.count(digits[0]) != len(digits) and _luhn(digits)


def _has_card(text: str) -> bool:
    for run in _DIGIT_RUN.finditer(text):
        groups = _DIGITS.findall(run.group())
        if len(groups) == 1:
            if _CARD_MIN <= len(groups[0]) <= _CARD_MAX and _is_card(groups[0]):
                return True
            continue
        # Printed cards group 3-6 digits; windows of shorter groups (dates, scores) are skipped.
        for start in range(len(groups)):
            joined = ""
            # At most six groups of three or more digits fit in 19 digits.
            for group in groups[start : start + 7]:
                if len(group) < 3:
                    break
                joined += group
                if len(joined) > _CARD_MAX:
                    break
                if len(joined) >= _CARD_MIN and _is_card(joined):
                    return True
    return False


# Area 000, 666 and 900-999, group 00 and serial 0000 are never issued.
_SSN = re.compile(
    r"(?<![\w-])(?<![0-9] )(?!000|666|9)[0-9]{3}([ -])(?!00)[0-9]{2}\1(?!0000)[0-9]{4}"
    r"(?![\w-])(?! [0-9])"
)
_SSN_CONTEXT = re.compile(
    r"\b(?:ssn|social\s+(?:security|insurance)(?:\s+(?:number|no|num|\#))?|(?-i:SIN))\b"
    r"\D{0,20}?(?<![0-9])[0-9]{3}[ -]?[0-9]{2}[ -]?[0-9]{4}(?![0-9])",
    re.IGNORECASE,
)
_ID_CONTEXT = re.compile(
    r"""
    \b(?:
        passport | national\s+(?:id|identity|insurance) | (?:personal\s+)?id(?:entity)?\s+card
      | id\s+number | tax\s+(?:id|identification|number|code|file) | iban
      | (?-i:TIN|EIN|ITIN|NINO?|PAN|BSN|DNI|NIE|NIF|CPF|NRIC)
      | driver'?s?\s+licen[cs]e | licen[cs]e\s+(?:number|no) | nhs\s+number | aadhaa?r
      | codice\s+fiscale | steuer-?id | personnummer | medicare | health\s+card
      | bank\s+account | account\s+number | routing\s+number | sort\s+code
    )\b
    (?:\s*(?:number|no\.?|num|\#|id|code))?
    \s*(?:is|was|:|=|-|\#)?\s*
    (?P<code>(?=[A-Z]{0,5}[ -]?[0-9])[A-Z0-9](?:[ -]?[A-Z0-9]){4,40})
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Cheap gate on the lower-cased text: every named identifier contains one of these.
_ID_HINT = re.compile(
    "passport|national|id|tax|iban|tin|ein|ni[nef]|pan|bsn|dni|cpf|nric|licen|nhs|aadha|fiscal"
    "|steuer|personnummer|medicare|health|account|routing|sort"
)
_IBAN = re.compile(r"\b([A-Z]{2})([0-9]{2})((?:[ ]?[A-Z0-9]){11,30})\b")
# Lengths of the countries that issue IBANs most; an exact length keeps the checksum's 1-in-97
# chance of a false positive from applying to every product code.
_IBAN_LENGTHS: Final[Mapping[str, int]] = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23,
    "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "QA": 29,
    "RO": 24, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip


def _has_iban(text: str) -> bool:
    for match in _IBAN.finditer(text):
        country, check, rest = match.groups()
        length = _IBAN_LENGTHS.get(country)
        compact = (country + check + rest.replace(" ", ""))[: length or 0]
        if length is None or len(compact) != length:
            continue
        moved = compact[4:] + compact[:4]
        if int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1:
            return True
    return False


def _identifier(text: str, digits: int) -> str | None:
    if digits >= 9 and (_SSN.search(text) or _SSN_CONTEXT.search(text)):
        return _R_SSN
    if _ID_HINT.search(text.lower()):
        for match in _ID_CONTEXT.finditer(text):
            code = match["code"]
            head = code.split(" ", 1)[0]
            # A code opens with digits or capitals ("AB 12 34 56 C"); "in 2019" is prose.
            if sum(ch.isdigit() for ch in code) >= 4 and (head.isupper() or not head.isalpha()):
                return _R_NATIONAL_ID
    if _has_iban(text):
        return _R_NATIONAL_ID
    return None


# --------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------

_PASSWORD = re.compile(
    r"""
    (?<![^\W_])(?P<kw>pass(?:word|wd|code|phrase|\ word)s?|pwd|pw|pin(?:\s+(?:code|number))?
          |passwort|kennwort|contrase[ñn]a|mot\s+de\s+passe|senha|wachtwoord|parola|пароль)\b
    (?:
        (?P<assign>\s*[:=])\s*
      | \s+(?:is|was|ist|es|est|é|è)\s+
            (?:now\s+|still\s+|just\s+|actually\s+|(?:set|changed|reset|updated)\s+to\s+)?
      | \s+(?:set|changed|reset|updated)\s+to\s+
      | \s+(?P<bare>)
    )
    (?P<q>["'`\u201c\u2018])?(?P<val>[^\s"'`\u201d\u2019]+)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Words that follow "password is" in sentences about passwords rather than in disclosures.
_COMMON_WORDS: Final = """
    a an the not no none never always often too very so also only still just now my your our
    their his her its this that it same different required mandatory optional needed incorrect
    wrong invalid correct missing expired expiring forgotten lost reset changed updated rotated
    hidden visible strong weak secure insecure safe unsafe long short hard easy simple complex
    random generated empty blank unknown set used reused shared sent stored saved encrypted
    hashed protected managed case-sensitive working broken being in on at for of to and or but
    with from by
"""
_NOT_A_SECRET: Final = frozenset(_COMMON_WORDS.split())
# Stand-ins for a value ("***", "<password>", "$DB_PASSWORD") are not the value.
_PLACEHOLDER = re.compile(
    r"[*•.…_?-]+|x{3,}|X{3,}|<[^>]*>?|\[[^\]]*\]?|\{[^}]*\}?|\$\{[^}]*\}?"
    r"|\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%|(?i:redacted|hidden|secret|none|null)"
)
# Cheap gate on the lower-cased text: every password rule needs one of these.
_PASSWORD_HINT = re.compile("pass|pw|pin|kennwort|contrase|senha|wachtwoord|parola|пароль|://")
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.\-]{1,20}://[^\s/?#@:]+:[^\s/?#@]+@", re.I)
_TRAILING = ".,;:!?)]}>\"'\u201d\u2019"


def _has_password(text: str) -> bool:
    if "://" in text and _URL_CREDENTIALS.search(text):
        return True
    for match in _PASSWORD.finditer(text):
        value = match["val"].rstrip(_TRAILING)
        if not value or _PLACEHOLDER.fullmatch(value):
            continue
        keyword = match["kw"].lower()
        if keyword.startswith("pin"):
            # "pin" is an everyday word; only a numeric value makes it a PIN.
            if value.isdigit() and 3 <= len(value) <= 12:
                return True
            continue
        if keyword == "pw" and match["assign"] is None:
            continue
        if match["bare"] is not None:
            # "password manager" names a tool; "password hunter2" discloses one.
            if len(value) >= 4 and any(ch.isdigit() for ch in value):
                return True
            continue
        # After "is" a common word usually describes the password; after ":" it is the value.
        if match["q"] or match["assign"] is not None or value.lower() not in _NOT_A_SECRET:
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


def _has_api_key(text: str, lower: str, digits: int) -> bool:
    # Known formats are long and, but for a PEM header, all but certain to contain a digit.
    if (digits or len(text) >= 32 or "-----BEGIN" in text) and _KEY_FORMATS.search(text):
        return True
    if not digits:
        return False
    if _KEY_HINT.search(lower):
        for match in _ASSIGNED.finditer(text):
            if match["bare"] is not None and match["assign"] is None:
                continue  # "the key is consistency"
            value = match["val"].rstrip(_TRAILING)
            if (
                len(value) >= 8
                and any(ch.isdigit() for ch in value)
                and "://" not in value
                and not _PLACEHOLDER.fullmatch(value)
            ):
                return True
    if digits < 2 or len(text) < 32:
        return False
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    return any(_looks_random(m.group()) for m in _LONG_WORD.finditer(text))


# --------------------------------------------------------------------------------------------
# E-mail addresses and phone numbers
# --------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[^\W\d_]{2,24}(?![\w-])"
)
_PHONE = re.compile(
    r"(?<![\w+.\-/])(?<![0-9][ .\-])(?P<plus>\+\s?)?\(?[0-9][0-9 ().\-]{5,24}[0-9]"
    r"(?![0-9]|[ .\-][0-9]|\w)"
)
_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell(?:phone)?|whatsapp|fax|sms|call\s+me\s+at"
    r"|text\s+me\s+at|reach\s+me\s+at|my\s+number\s+is)\b\D{0,15}?"
    r"(?<![0-9])(?P<number>\+?[0-9][0-9 ().\-]{5,20}[0-9])(?![0-9])",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")


def _is_phone(number: str, international: bool) -> bool:
    groups = _DIGITS.findall(number)
    digits = sum(map(len, groups))
    if international:
        return 8 <= digits <= 15
    if not 9 <= digits <= 12:
        return False
    sizes = [len(g) for g in groups]
    if len(groups) == 1:
        # Unseparated, only a trunk-prefixed number ("07700900123") reads as a phone; other
        # ten-digit runs are as often ids and timestamps.
        return groups[0].startswith("0") and digits in (10, 11)
    if "." in number and sizes not in ([3, 3, 4], [2, 2, 2, 2, 2]):
        return False  # versions, IP addresses, dotted dates
    if sizes == [3, 2, 4] or min(sizes[1:]) < 2:
        return False  # SSN-shaped, ISBNs
    return not all(_YEAR.fullmatch(g) for g in groups)


def _has_phone(text: str, digits: int) -> bool:
    if digits >= 8:
        for match in _PHONE.finditer(text):
            if _is_phone(match.group(), international=match["plus"] is not None):
                return True
    for match in _PHONE_CONTEXT.finditer(text):
        if sum(ch.isdigit() for ch in match["number"]) >= 7:
            return True
    return False


# --------------------------------------------------------------------------------------------
# Public detectors
# --------------------------------------------------------------------------------------------


def _secret(text: str, digits: int) -> str | None:
    if digits >= _CARD_MIN and _has_card(text):
        return _R_CARD
    if digits >= 4:
        reason = _identifier(text, digits)
        if reason is not None:
            return reason
    lower = text.lower()
    if _PASSWORD_HINT.search(lower) and _has_password(text):
        return _R_PASSWORD
    return _R_API_KEY if _has_api_key(text, lower, digits) else None


def find_sensitive(text: str, policy: Policy = _DEFAULT_POLICY) -> str | None:
    """Return the reason for the most severe sensitive thing in ``text``, or ``None``.

    Checks run in the order of :data:`REASONS`; of the policy only ``store_emails`` and
    ``store_phones`` matter here. Works on free text of any length (the cost is
    linear); full-width characters and invisible separators do not hide anything.
    """
    text = _prepare(text)
    # Most detectors need some digits; counting them first lets ordinary words skip them all.
    digits = len(_NON_DIGITS.sub("", text)) if _DIGIT.search(text) else 0
    reason = _secret(text, digits)
    if reason is None and not policy.store_emails and "@" in text and _EMAIL.search(text):
        reason = _R_EMAIL
    if reason is None and not policy.store_phones and digits >= 7 and _has_phone(text, digits):
        reason = _R_PHONE
    return reason


# --------------------------------------------------------------------------------------------
# Screening structured changes
# --------------------------------------------------------------------------------------------

# Keys of custom-schema mappings that say what their value is.
_KEY_KINDS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (_R_CARD, re.compile(r"\b(?:(?:credit|debit) card|card (?:number|no|num)|cvv2?|cvc2?)\b")),
    (_R_SSN, re.compile(r"\b(?:ssn|social (?:security|insurance)(?: number| no)?)$")),
    (
        _R_NATIONAL_ID,
        re.compile(
            r"\b(?:passport(?: number| no| id)?|national (?:id|identity)(?: number| card)?"
            r"|tax (?:id|number|code)|tin|ein|itin|iban|(?:drivers? )?licen[cs]e (?:number|no)"
            r"|id number|nhs number|aadhaa?r|account number|routing number)$"
        ),
    ),
    (_R_PASSWORD, re.compile(r"\b(?:pass ?words?|passwd|pwd|pass ?codes?|pass ?phrases?|pins?)$")),
    (
        _R_API_KEY,
        re.compile(
            r"\b(?:api ?keys?|access keys?(?: id)?|secret(?: access)? keys?|private keys?"
            r"|client secrets?|secrets?|token|credentials?)$"
        ),
    ),
)
_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


@lru_cache(maxsize=1024)
def _key_kind(key: str) -> str | None:
    phrase = " ".join(word.lower() for word in _KEY_WORDS.findall(key))
    for reason, pattern in _KEY_KINDS:
        if pattern.search(phrase):
            return reason
    return None


def _keyed_value_sensitive(kind: str, text: str) -> bool:
    text = text.strip()
    if not text or _PLACEHOLDER.fullmatch(text):
        return False
    if kind == _R_PASSWORD:
        return True
    if kind == _R_API_KEY:
        return len(text) >= 8 and not any(ch.isspace() for ch in text)
    return sum(ch.isdigit() for ch in text) >= (3 if kind == _R_CARD else 4)


def _check(value: Any, kind: str | None, policy: Policy) -> str | None:
    """The reason anything in an already bounded ``value`` is sensitive, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # A card number fits in an int; ints too long for a card (or for ``str``) do not.
        value = str(value) if abs(value) < _MAX_CHECKED_INT else None
    elif isinstance(value, BaseModel):
        value = bound_value(
            value.model_dump(mode="json"),
            max_chars=policy.max_string_chars + _SCAN_MARGIN,
            max_items=policy.max_list_items * _LIST_SLACK,
        )
    if isinstance(value, str):
        reason = find_sensitive(value, policy)
        if reason is None and kind is not None and _keyed_value_sensitive(kind, value):
            reason = kind
        return reason
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            reason = find_sensitive(name, policy) or _check(item, _key_kind(name), policy)
            if reason is not None:
                return reason
    elif isinstance(value, list):
        for item in value:
            reason = _check(item, kind, policy)
            if reason is not None:
                return reason
    return None


def _drop_sensitive(
    items: list[Any], kind: str | None, policy: Policy
) -> tuple[list[Any], str | None]:
    kept: list[Any] = []
    reason: str | None = None
    for item in items:
        if len(kept) >= policy.max_list_items:
            break  # what follows would be cut anyway: neither scanned nor counted
        item_reason = _check(item, kind, policy)
        if item_reason is None:
            kept.append(item)
        elif reason is None:
            reason = item_reason
    return kept, reason


def _screen_list(
    items: list[Any], kind: str | None, policy: Policy
) -> tuple[list[Any], str | None]:
    """The list without its sensitive items, bounded, and the reason for the first one dropped."""
    kept, reason = _drop_sensitive(items, kind, policy)
    if all(isinstance(item, str) and len(item) <= policy.max_string_chars for item in kept):
        return kept, reason  # cleaned and de-duplicated by the first pass already
    bounded = bound_value(kept, max_chars=policy.max_string_chars, max_items=policy.max_list_items)
    if bounded != kept:
        # Cutting can make a value newly sensitive: under an ``api_key`` key "abcdefgh ij" is
        # harmless, its first eight characters are not. Check what will be stored.
        bounded, later = _drop_sensitive(bounded, kind, policy)
        reason = reason or later
    return bounded, reason


def _screen_value(value: Any, kind: str | None, policy: Policy) -> tuple[Any, str | None, bool]:
    """``(value to write, reason, discard the field)`` for one non-``None`` field value."""
    chars = policy.max_string_chars
    wide = bound_value(
        value, max_chars=chars + _SCAN_MARGIN, max_items=policy.max_list_items * _LIST_SLACK
    )
    if isinstance(wide, list):
        kept, reason = _screen_list(wide, kind, policy)
        return kept, reason, reason is not None and not kept
    reason = _check(wide, kind, policy)
    if reason is None and not (isinstance(wide, str) and len(wide) <= chars):
        bounded = bound_value(wide, max_chars=chars, max_items=policy.max_list_items)
        if bounded != wide:
            reason = _check(bounded, kind, policy)  # cutting can create a match (see above)
        wide = bounded
    return wide, reason, reason is not None


def _low_confidence(field: str, confidence: Mapping[str, float], threshold: float) -> bool:
    score: object = confidence.get(field)
    if score is None:
        return False
    if isinstance(score, bool) or not isinstance(score, (int, float)) or math.isnan(score):
        return threshold > 0.0  # an unreadable score never clears a positive threshold
    return score < threshold


def screen(
    changes: Mapping[str, Any],
    *,
    policy: Policy = _DEFAULT_POLICY,
    confidence: Mapping[str, float] | None = None,
) -> Screened:
    """Return what of an automated ``changes`` (field -> value) may be written, and why not.

    - A string holding anything sensitive discards the field. A list loses only its sensitive
      items (the field is discarded if none is left). In a mapping, or deeper, anything
      sensitive discards the whole field.
    - A field whose ``confidence`` is below ``policy.min_confidence`` is discarded, clears
      (``None``) included; fields missing from ``confidence`` are not judged on it.
    - Kept values are bounded with :func:`~langprofile.pipeline.bounds.bound_value`: strings
      cleaned and truncated, lists de-duplicated case-insensitively and capped.

    ``changes`` that is not a mapping yields nothing to write. Never raises for JSON-like
    values and never mutates them; a top-level pydantic model value is screened as its JSON.
    """
    kept: dict[str, Any] = {}
    discarded: dict[str, str] = {}
    source: object = changes  # typed callers pass a mapping; model output may be anything
    if not isinstance(source, Mapping):
        return Screened(kept, discarded)
    for field, raw in source.items():
        value = raw.model_dump(mode="json") if isinstance(raw, BaseModel) else raw
        reason: str | None = None
        if value is not None:
            value, reason, discard = _screen_value(value, _key_kind(str(field)), policy)
            if discard and reason is not None:
                discarded[field] = reason
                continue
        if confidence is not None and _low_confidence(field, confidence, policy.min_confidence):
            discarded[field] = reason or _R_LOW_CONFIDENCE
            continue
        kept[field] = value
        if reason is not None:
            discarded[field] = reason
    return Screened(kept, discarded)
