"""Card numbers, social security numbers, and government or bank identifiers in free text.

Also the text preparation every detector shares: full-width forms folded, invisible characters
dropped, so nothing hides a number from the patterns.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Final, cast

from langprofile.pipeline.policy.rules import R_NATIONAL_ID, R_SSN

__all__ = [
    "CARD_MIN",
    "DIGIT",
    "DIGIT_GROUPS",
    "NON_DIGITS",
    "has_card",
    "identifier_reason",
    "prepare",
]

# Controls and invisible format characters: removing them is what joins "4111\u200b1111..." back
# into the number a reader (and ``clean_line``) would see.
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_DASHES: Final = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def prepare(text: str) -> str:
    # NFKC folds full-width digits and letters, the usual way to slip a number past a regex.
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    if not text.isprintable():
        text = _HIDDEN.sub("", text)
    return text


# --------------------------------------------------------------------------------------------
# Card numbers, SSNs and other identifiers
# --------------------------------------------------------------------------------------------

DIGIT = re.compile(r"[0-9]")
NON_DIGITS = re.compile(r"[^0-9]+")
DIGIT_GROUPS = re.compile(r"[0-9]+")
# A run of digit groups; each card is checked over consecutive groups of the run so that
# "4111 1111 1111 1111 123" (number and CVV) is still found.
# Groups may be separated by spaces, dashes, dots, underscores or slashes ("4539.1488.0343.6467"),
# and, when list items are screened together, by the ", " a list is verbalized with.
_DIGIT_RUN = re.compile(
    r"(?<![^\W_])[0-9]+(?:(?:[ \t\r\n]{1,2}|[ \t]?[-._/,][ \t]?)[0-9]+)*(?![^\W_])"
)
CARD_MIN, _CARD_MAX = 13, 19


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


def has_card(text: str) -> bool:
    for run in _DIGIT_RUN.finditer(text):
        groups = DIGIT_GROUPS.findall(run.group())
        if len(groups) == 1:
            if CARD_MIN <= len(groups[0]) <= _CARD_MAX and _is_card(groups[0]):
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
                if len(joined) >= CARD_MIN and _is_card(joined):
                    return True
    return False


# Area 000, 666 and 900-999, group 00 and serial 0000 are never issued.
_SSN = re.compile(
    r"(?<![\w-])(?<![0-9] )(?!000|666|9)[0-9]{3}([ -])(?!00)[0-9]{2}\1(?!0000)[0-9]{4}"
    r"(?![\w-])(?! [0-9])"
)
_SSN_CONTEXT = re.compile(
    r"\b(?:ssn|social\s+(?:security|insurance)(?:\s+(?:number|no|num|\#))?|(?-i:SIN))\b"
    r"\D{0,20}?(?<![0-9])[0-9]{3}[ ./_-]?[0-9]{2}[ ./_-]?[0-9]{4}(?![0-9])",
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


# Lengths of the countries that issue IBANs most (``data/iban_lengths.json``); an exact length
# keeps the checksum's 1-in-97 chance of a false positive from applying to every product code.
@cache
def _iban_lengths() -> Mapping[str, int]:
    raw = (files("langprofile.pipeline.policy") / "data" / "iban_lengths.json").read_text("utf-8")
    return cast("dict[str, int]", json.loads(raw))


def _has_iban(text: str) -> bool:
    # Upper-cased first: an IBAN typed in lower case is the same number.
    for match in _IBAN.finditer(text.upper()):
        country, check, rest = match.groups()
        length = _iban_lengths().get(country)
        compact = (country + check + rest.replace(" ", ""))[: length or 0]
        if length is None or len(compact) != length:
            continue
        moved = compact[4:] + compact[:4]
        if int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1:
            return True
    return False


def identifier_reason(text: str, digits: int) -> str | None:
    if digits >= 9 and (_SSN.search(text) or _SSN_CONTEXT.search(text)):
        return R_SSN
    if _ID_HINT.search(text.lower()):
        for match in _ID_CONTEXT.finditer(text):
            code = match["code"]
            head = code.split(" ", 1)[0]
            # A code opens with digits or capitals ("AB 12 34 56 C"); "in 2019" is prose.
            if sum(ch.isdigit() for ch in code) >= 4 and (head.isupper() or not head.isalpha()):
                return R_NATIONAL_ID
    if _has_iban(text):
        return R_NATIONAL_ID
    return None
