"""Whether a turn talks about the person writing it: the cue of the learner's safety net.

Deliberately broad: any first-person word in the languages of ``data/first_person.txt`` counts,
and so do a few pronoun-less ways people describe themselves ("nurse here", "12 years of Java
behind me", "ugh, this again"). The gate decides what is extracted now; this only decides what
is held for the net's deferred extraction, so over-matching costs little and a miss costs a fact.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from langprofile.extraction.detector._tables import first_person_words

__all__ = ["about_user"]

_WORD: Final = re.compile(r"[^\W\d_]+")
# Scripts without spaces between words: the first-person words are found as substrings.
_CJK_SELF: Final = ("私", "僕", "俺", "わたし", "自分", "我")


@cache
def _self_described() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:years?|yrs|decades?|months)\s+(?:of|in|as|doing)\b"
        r"|\b(?:here|speaking)\s*[,.!:;\u2014-]"
        r"|\b(?:ugh+|argh+|sigh|again|every\s+(?:single\s+)?(?:time|day|week|month))\b"
        r"|\b(?:from\s+now\s+on|going\s+forward|in\s+general|as\s+a\s+rule|by\s+default)\b"
        r"|^\W{0,10}(?:ex-|former|retired|freelance|senior|junior|lead|head\s+of|staff)\b",
        re.IGNORECASE | re.MULTILINE,
    )


def about_user(text: str) -> bool:
    """Whether ``text`` (already cleaned of quotes and code) may say something about its writer."""
    words = first_person_words()
    for match in _WORD.finditer(text):
        if match.group().casefold() in words:
            return True
    if any(mark in text for mark in _CJK_SELF):
        return True
    return bool(_self_described().search(text))
