"""The user's own name, and what they ask to be called.

A name is read after a cue ("my name is", "I'm", "call me", "I go by", "<Name> here") and
must look like one: capitalized words, or lower-case ones in a turn typed without capitals,
that are not ordinary words, languages or cities (see the word lists in ``data/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Final, Literal

from langprofile.extraction.detector._tables import (
    city_spellings,
    languages,
    name_particles,
    not_name_lower,
    not_name_words,
)
from langprofile.extraction.detector._text import GREETING, I_AM, fold

_I = re.IGNORECASE

# A run of up to five words; the name itself is picked from it by ``_name_in``.
_NAME_RUN: Final = r"(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){0,4})"


@cache
def _particle_prefix() -> re.Pattern[str]:
    return re.compile(r"^(?:al|el|ul|ad|ibn|bin|d|de|di|da|van|von)['-](?=[^\W\d_])")


# Longer lower-case words that read as adjectives or verbs rather than names: "im nervous",
# "starving". Short ones ("emily", "ahmed") may be names.
@cache
def _not_name_suffix() -> re.Pattern[str]:
    return re.compile(r"^\w{3,}(?:ing|ed|ous|ful|less|ive|able|ible|ly|ish)$")


def _typed_in_lower_case(text: str) -> bool:
    """Whether the turn starts in lower case, as in "hi im jean-luc": then names may be too."""
    first = next((c for c in text if c.isalpha()), "")
    return first.islower()


def _has_non_name_part(folded: str) -> bool:
    """Whether any part of a hyphenated, folded word is an ordinary word or a language."""
    words, names_of_languages = not_name_words(), languages()
    return any(part in words or part in names_of_languages for part in folded.split("-"))


def _is_lower_name_token(token: str) -> bool:
    """Whether a lower-case ``token`` may be part of a name typed without capitals."""
    if (
        len(token) < 2
        or token != token.lower()
        or not token.replace("-", "").replace("'", "").isalpha()
    ):
        return False
    folded = fold(token)
    if folded in not_name_lower() or _not_name_suffix().search(folded) or token in city_spellings():
        return False
    return not _has_non_name_part(folded)


@cache
def _name_part() -> re.Pattern[str]:
    return re.compile(r"[^-']+")


def _capitalized(token: str) -> str:
    """A name typed in lower case, with standard capitals: "jean-luc" -> "Jean-Luc"."""
    return _name_part().sub(lambda part: part[0][:1].upper() + part[0][1:], token)


def is_name_token(token: str) -> bool:
    """Whether ``token`` looks like part of a personal name: "Siobhán", "O'Neil", "Jean-Luc"."""
    core = _particle_prefix().sub("", token)
    if len(core) < 2 or not core[0].isupper() or core.endswith("'s"):
        return False
    if not any(c.islower() for c in core[1:]):  # "OK", "SRE", "NYC"
        return False
    if core != token:  # "al-Farsi", "d'Souza": a surname whatever the rest looks like
        return True
    if token in city_spellings():
        return False
    # "Irish-Canadian" is no name even though "Jean-Luc" is.
    return not _has_non_name_part(fold(token))


@cache
def _word() -> re.Pattern[str]:
    return re.compile(r"\S+")


# What may follow a name: "I'm Sam, ...", "I'm Sam and ...", "I'm Sam." but not "I'm Building a
# house" or "I'm Feeling sick", where a capitalized word is not a name.
@cache
def _after_name() -> re.Pattern[str]:
    return re.compile(
        r"\s*(?:$|[.,!?;:)\]\u2014\u2013(]|-\s|(?:and|from|here|btw|but|by\s+the\s+way|again|too"
        r"|though|originally|nice|pleased|these\s+days|nowadays|now|instead|please|pls|since"
        r"|because)\b)",
        _I,
    )


# How much of a match must be name: its whole ``name`` group; its first words, followed by
# punctuation or a word such as "and" (after a weak cue like "I'm"); or its first words,
# whatever follows (after a strong cue like "my name is").
_Fit = Literal["whole", "then_break", "prefix"]


def _name_in(match: re.Match[str], fit: _Fit, lower_ok: bool = False) -> str | None:
    """The name at the start of ``match``'s ``name`` group: "Alice Chen" from "Alice Chen and I".

    Particles ("van", "de") count only between name words. ``fit`` says what may follow. With
    ``lower_ok``, in a turn typed in lower case, lower-case words may be the name ("my name is
    ana gómez"); they come back capitalized and must be followed by a break, as after "I'm".
    """
    start = match.start("name")
    words = list(_word().finditer(match["name"]))
    lower = lower_ok and _typed_in_lower_case(match.string)
    taken: list[str] = []
    pending: list[str] = []
    end = start
    typed_lower = False
    for word in words[:5]:
        token = word[0]
        if is_name_token(token) or (lower and _is_lower_name_token(token)):
            typed_lower = typed_lower or token.islower()
            taken.extend(pending)
            taken.append(_capitalized(token) if token.islower() else token)
            pending = []
            end = start + word.end()
        elif taken and token.casefold() in name_particles():
            pending.append(token)
        else:
            break
    if not taken:
        return None
    if fit == "whole" and len(taken) != len(words):
        return None
    if (fit == "then_break" or typed_lower) and not _after_name().match(match.string, end):
        return None
    return " ".join(taken)


# A cue, how much of what follows must be name (see ``_name_in``), and whether a turn typed in
# lower case may give the name in lower case after it.
_NamePattern = tuple[re.Pattern[str], _Fit, bool]
# One to three words, for cues whose end is fixed by a lookahead.
_SHORT_NAME_RUN: Final = r"(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){0,2})"


@cache
def _name_patterns() -> tuple[_NamePattern, ...]:
    return (
        # "my name is Alice Chen", "sign it with my name: Lucía Fernández"
        (
            re.compile(
                r"(?i:\bmy\s+(?:full\s+|real\s+|actual\s+)?name(?:'s|\s+is|\s*:|\s*,|\s+-)\s*)"
                + _NAME_RUN
            ),
            "prefix",
            True,
        ),
        # "name's Dmitri Volkov, ..." at the start of the turn
        (
            re.compile(rf"(?i:^\s*{GREETING}?(?:the\s+)?name(?:'s|\s+is)\s+)" + _NAME_RUN),
            "prefix",
            True,
        ),
        # "hi im jean-luc moreau, ..." in a turn typed in lower case
        (re.compile(rf"(?i:^\s*{GREETING}{I_AM}\s+){_NAME_RUN}"), "then_break", True),
        # "I'm Alice Chen, ...", "hey, im Samantha"
        (re.compile(rf"(?i:{I_AM}\s+){_NAME_RUN}"), "then_break", False),
        # "Hi, it's Siobhan Kelly", "Hello, this is Marco"
        (
            re.compile(rf"(?i:^\s*{GREETING}(?:it's|it\s+is|this\s+is)\s+){_NAME_RUN}"),
            "then_break",
            False,
        ),
        # "This is Priyanka Rao from Infosys", "It's Dan, the new intern": without a greeting,
        # only where an introduction goes on
        (
            re.compile(
                r"(?i:^\s*(?:it's|it\s+is|this\s+is)\s+)"
                + _SHORT_NAME_RUN
                + r"(?=\s+(?i:from|here)\b|\s*,\s*(?i:an?|the|your)\s)"
            ),
            "whole",
            False,
        ),
        # "Sorry, autocorrect: it's Siobhán Kelly"
        (
            re.compile(
                r"(?i:\b(?:autocorrect\w*|typo|misspel\w*|spell\w*)\b[^.!?\n]{0,30}?"
                r"(?:it's|it\s+is|that's|should\s+be|is)\s+)" + _NAME_RUN
            ),
            "then_break",
            False,
        ),
        # "Oops, it's Zoë, with the dots", "it's Jon, spelled without an h"
        (
            re.compile(
                r"(?i:\bit's\s+)"
                + _SHORT_NAME_RUN
                + r"(?=\s*,?\s+(?i:with\s+(?:the|an?|two|one|double|no)\s+(?:[\w-]+\s+)?(?:dots?"
                r"|accents?|umlauts?|tildes?|cedillas?|hyphens?|apostrophes?|capitals?|letters?"
                r"|[a-z])\b|spelled\b|spelt\b))"
            ),
            "whole",
            False,
        ),
        # "It's Tomás. Tomás Herrera." as the whole turn: the name, then the full name
        (
            re.compile(
                r"(?i:^\W{0,10}(?:(?:oh|oops|sorry|yes|yeah|ok|okay|well)\W+)?(?:it's|it\s+is|I'm"
                r"|I\s+am)\s+)"
                r"(?P<first>[^\W\d_][\w'-]*)\s*[.,!]\s*"
                r"(?P<name>(?P=first)(?:[ \t]+[^\W\d_][\w'-]*){1,3})\s*[.!]?\s*$"
            ),
            "whole",
            False,
        ),
        # "Morning! Lars Eriksen, data analyst at Equinor": a full name, then who they are
        (
            re.compile(
                rf"(?i:^\s*{GREETING}?)(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){{1,2}})"
                r"\s*,\s+(?i:(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:at|from|in|here)\b)"
            ),
            "whole",
            False,
        ),
        # "me llamo Lucía", "mi chiamo Giulia Rinaldi", "je m'appelle Chloé Bernard"
        (
            re.compile(
                r"(?i:\b(?:me\s+llamo|mi\s+nombre\s+es|mi\s+chiamo|je\s+m'appelle|ich\s+hei(?:ß|ss)e"
                r"|mein\s+name\s+ist|meu\s+nome\s+é|eu\s+me\s+chamo|mijn\s+naam\s+is|nazywam\s+się"
                r"|jina\s+langu\s+ni|ang\s+pangalan\s+ko\s+ay|mera\s+naam)\s+)" + _NAME_RUN
            ),
            "prefix",
            True,
        ),
        # "Katarzyna Nowak here, but ..." at the very start of the turn
        (
            re.compile(
                rf"(?i:^\s*{GREETING}?)(?P<name>[^\W\d_][\w'-]*(?:[ \t]+[^\W\d_][\w'-]*){{0,3}})"
                r"(?i:\s+here)\b(?!\s+(?:is|are|was|in|at|for|to))"
            ),
            "whole",
            False,
        ),
    )


@cache
def _preferred_patterns() -> tuple[_NamePattern, ...]:
    return (
        # "call me Sam", "please address me as Dr. Ruiz"; not "don't call me ..."
        (
            re.compile(
                r"(?i:(?<!don't\s)(?<!not\s)(?<!never\s)(?<!stop\s)\b(?:calls?\s+me"
                r"|address\s+me\s+as|refer\s+to\s+me\s+as)\s+(?:just\s+)?)" + _NAME_RUN
            ),
            "then_break",
            True,
        ),
        # "I go by Kat"
        (
            re.compile(
                r"(?i:\bI\s+(?:usually\s+|mostly\s+|just\s+|normally\s+|also\s+|prefer\s+to\s+)?"
                r"go\s+by\s+)" + _NAME_RUN
            ),
            "then_break",
            True,
        ),
    )


# Only trusted when the same turn also gives a name: "Katarzyna here, but Kasia is fine".
@cache
def _preferred_after_name() -> tuple[_NamePattern, ...]:
    return (
        (
            re.compile(
                r"(?i:\bbut\s+(?:just\s+)?)(?P<name>[^\W\d_][\w'-]*)"
                r"(?i:\s+(?:is\s+fine|is\s+ok|is\s+okay|works|is\s+good|will\s+do))\b"
            ),
            "whole",
            False,
        ),
        (re.compile(r"(?<![\w'-])(?P<name>[^\W\d_][\w'-]*)(?i:\s+for\s+short)\b"), "whole", False),
    )


def _first_name(text: str, patterns: Iterable[_NamePattern]) -> str | None:
    """The first name that one of ``patterns`` finds in ``text`` (see ``_name_in``)."""
    for pattern, fit, lower_ok in patterns:
        for match in pattern.finditer(text):
            name = _name_in(match, fit, lower_ok)
            if name:
                return name
    return None


# A word, and the up to three words after it (in a lookahead, so every word is tried).
@cache
def _word_and_next() -> re.Pattern[str]:
    return re.compile(
        r"(?<![\w'-])(?P<first>[^\W\d_][\w'-]*)(?=(?P<name>(?:[ \t]+[^\W\d_][\w'-]*){1,3}))"
    )


def detect_name(text: str) -> str | None:
    """The user's own name as stated, or None.

    A first name the turn goes on to give in full is returned in full: "it's Zoë, with the
    dots. Zoë Papadopoulos."
    """
    name = _first_name(text, _name_patterns())
    if name is None or " " in name:
        return name
    for match in _word_and_next().finditer(text):
        if match["first"] != name:
            continue
        surname: list[str] = []
        end = match.start("name")
        for word in _word().finditer(match["name"]):
            if not is_name_token(word[0]):
                break
            surname.append(word[0])
            end = match.start("name") + word.end()
        if surname and _after_name().match(text, end):
            return " ".join([name, *surname])
    return name


def detect_preferred_name(text: str, *, has_name: bool) -> str | None:
    """What the user asks to be called, or None."""
    preferred = _first_name(text, _preferred_patterns())
    if preferred is None and has_name:
        preferred = _first_name(text, _preferred_after_name())
    return preferred
