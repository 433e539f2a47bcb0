"""E-mail addresses and phone numbers in free text (stored only when the policy allows)."""

from __future__ import annotations

import re

from langprofile.pipeline.policy.identifiers import DIGIT_GROUPS

__all__ = ["EMAIL", "has_phone"]

EMAIL = re.compile(
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
    groups = DIGIT_GROUPS.findall(number)
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


def has_phone(text: str, digits: int) -> bool:
    if digits >= 8:
        for match in _PHONE.finditer(text):
            if _is_phone(match.group(), international=match["plus"] is not None):
                return True
    for match in _PHONE_CONTEXT.finditer(text):
        if sum(ch.isdigit() for ch in match["number"]) >= 7:
            return True
    return False
