"""The word lists and tables in ``data/``, each read once, on first use.

Plain-text lists hold one item per line; blank lines and lines starting with ``#`` are
comments. Mappings are JSON. Nothing here is read at import time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import cast

from langprofile.extraction.detector._text import fold


def _read(name: str) -> str:
    return (files("langprofile.extraction.detector") / "data" / name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    """The items of a plain-text list, in file order."""
    stripped = (line.strip() for line in _read(name).splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


def _json(name: str) -> object:
    return json.loads(_read(name))


@cache
def languages() -> Mapping[str, str]:
    """Lower-case spelling -> English name.

    Endonyms are included because people often name their own language in it.
    """
    names = {name.lower(): name for name in _lines("languages.txt")}
    return {**names, **cast("dict[str, str]", _json("language_endonyms.json"))}


@cache
def cities_by_zone() -> Mapping[str, tuple[str, ...]]:
    """IANA zone -> the cities in it, as people write them.

    Only cities that name one zone in everyday use: places such as Portland, Cambridge,
    Richmond, Victoria or San José are left out because they exist in several zones, and words
    such as Nice, Reading or Mobile because they are ordinary words too.
    """
    table = cast("dict[str, list[str]]", _json("city_zones.json"))
    return {zone: tuple(cities) for zone, cities in table.items()}


@cache
def city_spellings() -> frozenset[str]:
    """Every city as written in the table, and folded (see ``fold``)."""
    return frozenset(
        spelling
        for cities in cities_by_zone().values()
        for city in cities
        for spelling in (city, fold(city))
    )


@cache
def zone_phrases() -> Mapping[str, str]:
    """The zone a user means by "<phrase> time": phrase -> IANA zone.

    Region names shared by several countries (CET, GMT, IST, CST, AEST) are left out: they do
    not name one IANA zone.
    """
    return cast("dict[str, str]", _json("zone_phrases.json"))


@cache
def zone_abbreviations() -> Mapping[str, str]:
    """Abbreviations that name one zone -> IANA zone; they are matched case-sensitively."""
    return cast("dict[str, str]", _json("zone_abbreviations.json"))


@cache
def not_name_words() -> frozenset[str]:
    """Capitalized words that follow "I'm" or "call me" without being a name."""
    return frozenset(_lines("not_name_words.txt"))


@cache
def not_name_lower() -> frozenset[str]:
    """Lower-case words that follow "my name is" or "call me" without being a name.

    They matter in a turn typed without capitals: "my name is on the list", "call me later".
    """
    return frozenset(_lines("not_name_lower.txt"))


@cache
def name_particles() -> frozenset[str]:
    """Particles that belong to a name between its words: "van", "de", "bin"."""
    return frozenset(_lines("name_particles.txt"))


@cache
def not_a_job() -> frozenset[str]:
    """What one can have "been" for years that is no job: "a member", "a vegetarian"."""
    return frozenset(_lines("not_a_job.txt"))


def _by_language(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in _lines(name):
        _, _, listed = line.partition(":")
        words.update(word.casefold() for word in listed.split())
    return frozenset(words)


@cache
def first_person_words() -> frozenset[str]:
    """Words by which a writer talks about themself, in every listed language, case-folded."""
    return _by_language("first_person.txt")


@cache
def self_statement_words() -> frozenset[str]:
    """Non-English words that all but always mean the writer speaks of themself."""
    return _by_language("self_statement.txt")


@cache
def role_nouns() -> tuple[str, ...]:
    """Job and position nouns, lower case, singular."""
    return tuple(_lines("roles.txt"))
