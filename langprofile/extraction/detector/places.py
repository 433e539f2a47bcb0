"""The user's timezone: from the city they live or work in, or the zone they say they are on.

Cities map to IANA zones through ``data/city_zones.json``; "<phrase> time" ("US Eastern
time") and abbreviations ("PST") through ``data/zone_phrases.json`` and
``data/zone_abbreviations.json``; IANA names ("Europe/Berlin") are taken as written. A city
counts only where the turn says the user lives or works there, not where they travel.
Zones this interpreter cannot load are never returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Final
from zoneinfo import available_timezones

from langprofile.extraction.detector._tables import (
    cities_by_zone,
    city_spellings,
    zone_abbreviations,
    zone_phrases,
)
from langprofile.extraction.detector._text import GREETING, I_AM, alternation, fold
from langprofile.extraction.detector.names import is_name_token

_I = re.IGNORECASE


@cache
def known_zones() -> frozenset[str]:
    """The zones this interpreter can load.

    Scanning the zone database takes tens of milliseconds: do it once, when first needed.
    """
    return frozenset(available_timezones())


# People type "europe/berlin" too.
@cache
def _zones_by_folded() -> Mapping[str, str]:
    return {zone.casefold(): zone for zone in known_zones()}


def _valid_zones(table: Mapping[str, str]) -> dict[str, str]:
    """Keep the entries whose zone this interpreter knows.

    Without zone data (no system tzdata and no ``tzdata`` package) timezone detection is off
    rather than returning names that ``zoneinfo`` cannot load.
    """
    known = known_zones()
    return {key: zone for key, zone in table.items() if zone in known}


@cache
def city_zones() -> Mapping[str, str]:
    """Folded city spelling -> zone, with accent-free and punctuation-free variants."""
    table: dict[str, str] = {}
    for zone, cities in cities_by_zone().items():
        for city in cities:
            table[fold(city)] = zone
    return _valid_zones(table)


@cache
def zone_phrase_zones() -> Mapping[str, str]:
    """The phrases of "<phrase> time" -> zone, for the zones this interpreter knows."""
    return _valid_zones(zone_phrases())


@cache
def zone_abbreviation_zones() -> Mapping[str, str]:
    """Zone abbreviations -> zone, for the zones this interpreter knows."""
    return _valid_zones(zone_abbreviations())


@cache
def city_alternation() -> str:
    """Every city of the table (no group), for patterns that name their own groups."""
    return alternation(city_spellings())


@cache
def city_fragment() -> str:
    """A regex matching any one city of the table as a whole word, in the group ``city``."""
    return rf"\b(?P<city>{city_alternation()})(?![\w-])"


# A word between "I'm a nurse" and "in Paris". Some words make the city something other than
# where the user lives or works: a trip, someone else's place, a birthplace.
_HOME_WORD: Final = (
    r"\s+(?!(?:visit\w*|trip|tour\w*|travel\w*|vacation|holiday|conference|week|weekend"
    r"|month|stay\w*|exchange|born|raised|grew|originally|from|with|my|his|her|their|team"
    r"|client\w*|customer\w*|colleague\w*|friend\w*|family|partner\w*|boss|and|but|(?-i:who)"
    r"|lives|fan|going|moving|flying|heading|next|soon|remote\w*|interested|hotel|hostel"
    r"|airbnb|airport|layover|stopover|guest|honeymoon|wedding|festival)\b)[^\s.;!?]+"
)
# What comes right before a city the user lives or works in.
_HOME_TRIGGERS: Final[tuple[str, ...]] = (
    # "I live in Toronto", "I'm based in Bangalore"
    r"\bI\s+(?:(?:currently|still|now|actually|also)\s+)?(?:live|reside)(?:\s+and\s+work)?"
    r"\s+(?:in|near)\s+"
    r"(?:the\s+city\s+of\s+)?",
    rf"{I_AM}\s+(?:(?:currently|now|still|actually|also)\s+)?"
    r"(?:living|residing|based|located|stationed)\s+(?:in|out\s+of|near)\s+",
    # "I'm a data engineer based in Berlin"
    rf"{I_AM}(?:{_HOME_WORD}){{0,8}}?\s+based\s+(?:in|out\s+of)\s+",
    # "I moved to Denver last month"
    r"\bI(?:'ve|\s+have)?\s+(?:(?:just|recently|finally|since|actually)\s+)?"
    r"(?:moved|relocated)(?:\s+back)?\s+(?:here\s+)?to\s+",
    # "I work night shifts in Dublin"
    rf"\bI\s+(?:work|teach|study|manage|run|practi[cs]e)(?:{_HOME_WORD}){{0,6}}?\s+in\s+",
    # "I'm a solicitor at a small firm in Edinburgh", "I'm Chinedu, a DevOps engineer in Lagos"
    rf"{I_AM}(?:{_HOME_WORD}){{0,5}}?\s+(?:an?|the)(?:{_HOME_WORD}){{1,8}}?\s+in\s+",
    # "I work remotely from Tallinn", "I'm working out of Lisbon"
    rf"(?:\bI|{I_AM})\s+(?:(?:currently|now|mostly|mainly|usually|also)\s+)?work(?:ing)?\s+"
    r"(?:remotely\s+|from\s+home\s+in\s+)?(?:from|out\s+of)\s+",
    # "I've lived in Oslo for ten years", "I've been living in Lima since 2019"
    r"\bI(?:'ve|\s+have)\s+(?:(?:now|actually)\s+)?(?:lived|been\s+living)\s+in\s+"
    r"(?=[^.!?\n]{2,40}?\b(?:for|since)\b)",
    # "flying back home to Atlanta", "heading home to Leeds tomorrow"
    r"\b(?:fly|flying|flew|going|go|head|heading|drive|driving|get|getting|travel|travell?ing"
    r"|come|coming|back)\s+(?:back\s+)?home\s+to\s+",
)
# "I live in" in the languages of ``data/self_statement.txt``.
_HOME_ELSEWHERE: Final[tuple[str, ...]] = (
    r"\b(?:vivo|resido|trabajo)\s+en",
    r"\b(?:moro|vivo|resido|trabalho)\s+(?:em|no|na)",
    r"\bj'habite\s+(?:à|a|au)|\bje\s+(?:vis|travaille)\s+(?:à|a|au)",
    r"\bich\s+(?:wohne|lebe|arbeite)\s+in",
    r"\b(?:abito|vivo|lavoro)\s+a",
    r"\b(?:mieszkam|pracuję)\s+w",
    r"\bik\s+(?:woon|werk)\s+in",
)
# "... in Zurich, flying there weekly": the rest of the clause makes it a trip.
_NOT_A_TRIP: Final = (
    r"(?![^.!?\n]{0,40}?\b(?:(?:this|next|for\s+the)\s+(?:week|weekend|month|summer|trip)"
    r"|flying|visiting|trip|vacation|holiday|conference)\b)"
)


# "... but I'm in Toronto, what's the time difference?": where the user is. Trusted only in a
# turn that says nothing of a trip, of time spent there or of sights ("I'm in Rome! Must-sees?").
@cache
def _bare_in_city() -> re.Pattern[str]:
    city = city_fragment()
    return re.compile(rf"{I_AM}\s+(?:also\s+)?in\s+{city}", _I)


@cache
def _passing_stay() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:for|until|till|this|next|today|tonight|tomorrow|now|moment|visiting|visit|trip"
        r"|vacation|holiday|holidays|conference|business|layover|stopover|hotel|hostel|airbnb"
        r"|airport|staying|stuck|jet\s*lag\w*|landed|arrived|flew|flying|currently|temporarily"
        r"|tour\w*|honeymoon|wedding|festival|week|weekend|month|days|eat|see|explore|sights?"
        r"|sightseeing|museums?|restaurants?|bars?|nightlife|things\s+to\s+do|tips|must-sees?"
        r"|spots?|attractions?|first-timer|itinerary|recommend\w*|neighbou?rhoods?|beach\w*)\b",
        _I,
    )


@cache
def _home_city_patterns() -> tuple[re.Pattern[str], ...]:
    city = city_fragment()
    return (
        re.compile(rf"(?:{'|'.join(_HOME_TRIGGERS)}){city}{_NOT_A_TRIP}", _I),
        # "Morning! Lars Eriksen, data analyst at Equinor in Stavanger" as the turn's opening; the
        # words before the comma must read as a name (see ``detect_timezone``)
        re.compile(
            rf"^\s*{GREETING}?(?P<intro>(?-i:[A-Z][\w'-]+(?:[ \t]+[A-Z][\w'-]+){{1,2}}))\s*,"
            rf"(?:\s+(?:an?|the))?(?:{_HOME_WORD}){{1,8}}?\s+in\s+{city}{_NOT_A_TRIP}",
            _I,
        ),
        # "I'm a Berlin-based designer"
        re.compile(rf"{I_AM}\s+(?:an?\s+)?\b(?P<city>{city_alternation()})-based\b", _I),
        # "... from Vancouver, where I live"
        re.compile(rf"{city}\s*,?\s+where\s+I\s+(?:live|work|am\s+based|'m\s+based)\b", _I),
        # The same statements in other languages: "vivo en Sevilla", "moro em Curitiba",
        # "j'habite à Lyon", "ich wohne in Graz", "abito a Napoli", "mieszkam w Krakowie"
        re.compile(rf"(?:{'|'.join(_HOME_ELSEWHERE)})\s+{city}{_NOT_A_TRIP}", _I),
        # "soy enfermera de quirófano en Zaragoza", "ich bin Lehrerin ... in Graz"
        re.compile(
            rf"\b(?:soy|sou|je\s+suis|ich\s+bin|sono|jestem|ik\s+ben)\s+(?:[^\s.;!?]+\s+){{1,8}}?"
            rf"(?:en|em|no|na|à|a|in|w)\s+{city}{_NOT_A_TRIP}",
            _I,
        ),
        # "Bangalore mein rehta hoon" (Hindi in Latin script)
        re.compile(rf"{city}\s+(?:mein|me)\s+(?:rehta|rehti|rahta|rahti)\b", _I),
        # "大阪に住んでいて" (Japanese: a city, then "live in")
        re.compile(rf"(?P<city>{city_alternation()})に(?:住んで|住み|暮らして)"),
    )


@cache
def _zone_name() -> str:
    city = city_fragment()
    return (
        r"(?P<iana>(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z_]+"
        r"(?:/[A-Za-z_]+)?)"
        rf"|(?P<phrase>{alternation(zone_phrase_zones())})\s+(?:standard\s+)?time(?:\s*zone)?\b"
        rf"|(?P<abbr>(?-i:{alternation(zone_abbreviation_zones(), fold_case=False)}))\b"
        rf"|{city}\s+time\b"
    )


# "I'm on US Eastern time", "my timezone is Europe/Berlin"
@cache
def _stated_zone() -> re.Pattern[str]:
    zone_name = _zone_name()
    return re.compile(
        rf"(?:{I_AM}\s+(?:on|in|using)\s+(?:the\s+)?"
        rf"|\bmy\s+(?:time\s*zone|tz|local\s+time)\s+is\s+(?:the\s+)?)(?:{zone_name})",
        _I,
    )


# "please give all times in UK time": the user's own zone, unless the times are for someone else
@cache
def _times_in_zone() -> re.Pattern[str]:
    zone_name = _zone_name()
    return re.compile(
        r"\b(?:give|show|tell|put|list|write|quote|express|keep|use)\s+(?:me\s+)?(?:all\s+|the\s+"
        r"|any\s+)?(?:times|hours|meeting\s+times|dates\s+and\s+times)\s+in\s+(?:the\s+)?"
        rf"(?:{zone_name})"
        r"(?![^.!?\n]*\b(?:for|of)\s+(?:my|our|his|her|their|the|an?)\s+(?!own\b))",
        _I,
    )


# Cheap tests: no rule can find a zone in a turn that names no city and no zone.
@cache
def _city_word() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{city_alternation()})", _I)


@cache
def _zone_word() -> re.Pattern[str]:
    return re.compile(_zone_name(), _I)


def _zone_of(match: re.Match[str]) -> str | None:
    """The IANA zone named by whichever group of ``match`` took part."""
    groups = match.groupdict()
    zone: str | None = None
    if groups.get("iana"):
        zone = _zones_by_folded().get(groups["iana"].casefold())
    elif groups.get("phrase"):
        zone = zone_phrase_zones().get(" ".join(groups["phrase"].casefold().split()))
    elif groups.get("abbr"):
        zone = zone_abbreviation_zones().get(groups["abbr"])
    elif groups.get("city"):
        zone = city_zones().get(" ".join(fold(groups["city"]).split()))
    return zone if zone in known_zones() else None


def detect_timezone(text: str) -> str | None:
    """The zone of the place the user lives or works in, or of the zone they say they are on.

    When a turn names several, the last one wins ("I lived in Chicago, then moved to Denver").
    """
    if not (_city_word().search(text) or _zone_word().search(text)):
        return None
    found: list[tuple[int, str]] = []
    patterns = (_stated_zone(), _times_in_zone(), *_home_city_patterns())
    if not _passing_stay().search(text):
        patterns += (_bare_in_city(),)
    for pattern in patterns:
        for match in pattern.finditer(text):
            intro = match.groupdict().get("intro")
            if intro and not all(is_name_token(word) for word in intro.split()):
                continue
            zone = _zone_of(match)
            if zone:
                found.append((match.end(), zone))
    return max(found)[1] if found else None


def __getattr__(name: str) -> Mapping[str, str]:
    """The tables under the constant names of the single-module detector, built on first use."""
    tables = {
        "_CITY_ZONES": city_zones,
        "_ZONE_PHRASE_ZONES": zone_phrase_zones,
        "_ZONE_ABBREVIATION_ZONES": zone_abbreviation_zones,
    }
    if name not in tables:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return tables[name]()
