"""What the user takes back: facts of the directly detected fields they say no longer hold.

A retraction must never leave the old value asserted. For the fields the detector fills itself
it also recognizes the taking back: languages the user no longer speaks, a name they no longer
want to be called, a city they no longer live in, an answer length they no longer want. What
takes something back is then masked, so no rule reads the old value in it as a new statement
("no need to keep answers short anymore" is not a request for short answers).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from langprofile.extraction.detector._tables import languages
from langprofile.extraction.detector._text import fold
from langprofile.extraction.detector.languages import language_fragment
from langprofile.extraction.detector.names import is_name_token
from langprofile.extraction.detector.places import city_alternation, city_zones

__all__ = ["Retracted", "retractions"]

_I = re.IGNORECASE
#: Recognizer -> the list items (or the value) taken back.
Retracted = dict[str, object]

_NO_LONGER: Final = (
    r"(?:no\s+longer|don't|do\s+not|doesn't|can't|cannot|can\s+no\s+longer|never\s+(?:really\s+)?"
    r"|stopped|quit|not\s+(?:really\s+)?)"
)
_ANYMORE: Final = r"(?:\s+(?:any\s*more|these\s+days|now))?"


@cache
def _languages() -> re.Pattern[str]:
    lang = language_fragment()
    return re.compile(
        rf"\bI\s+{_NO_LONGER}\s*(?:speak|speaking|read|use|using)\s+(?:in\s+)?"
        rf"(?P<langs>{lang}(?:\s*(?:,|and|or)\s*{lang}){{0,4}}){_ANYMORE}"
        rf"|\b(?:forget|scratch|drop|remove)\s+(?:the\s+)?(?P<langs2>{lang})\b"
        # "ich spreche kein Deutsch mehr", "je ne parle plus français", "ya no hablo alemán"
        rf"|\bich\s+spreche\s+(?:kein|nicht\s+mehr)\s+(?P<langs3>{lang})"
        rf"|\bje\s+ne\s+parle\s+(?:plus|pas)\s+(?:le\s+|l')?(?P<langs4>{lang})"
        rf"|\b(?:ya\s+)?no\s+hablo\s+(?P<langs5>{lang})"
        rf"|\bmy\s+(?P<langs6>{lang})\s+is\s+(?:gone|lost|dead)\b",
        _I,
    )


@cache
def _preferred_name() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:don't|do\s+not|please\s+don't|stop|no\s+need\s+to|no\s+more)\s+"
        r"call(?:ing)?\s+me\s+(?P<name>[^\W\d_][\w'-]*)",
        _I,
    )


@cache
def _places() -> re.Pattern[str]:
    city = rf"(?:{city_alternation()})(?![\w-])"
    return re.compile(
        rf"\bI\s+{_NO_LONGER}\s*(?:live|living|work|working|based)\s+(?:in\s+)?(?P<city>{city})"
        rf"|\b(?:not|no\s+longer)\s+(?:living\s+|based\s+)?in\s+(?P<city2>{city})"
        rf"\s+(?:any\s*more|now)\b"
        rf"|\b(?:moved|relocated)\s+(?:away\s+)?(?P<from>from\s+(?P<city3>{city}))"
        rf"|\bleft\s+(?P<city4>{city})\b"
        rf"|\bforget\s+(?:what\s+I\s+said\s+)?about\s+(?P<city5>{city})"
        # "je n'habite plus à Berlin", "ich wohne nicht mehr in Berlin", "ya no vivo en Madrid"
        rf"|\bje\s+n'habite\s+plus\s+(?:à|a)\s+(?P<city6>{city})"
        rf"|\bich\s+wohne\s+nicht\s+mehr\s+in\s+(?P<city7>{city})"
        rf"|\b(?:ya\s+)?no\s+vivo\s+en\s+(?P<city8>{city})",
        _I,
    )


@cache
def _length() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:no\s+need\s+to|you\s+(?:can|may)\s+stop|(?:please\s+)?stop|don't\s+(?:need\s+to|have"
        r"\s+to)|no\s+longer\s+need\s+to)\s+keep(?:ing)?\s+(?:it|things|them|your\s+answers"
        r"|answers|replies|responses)\s+(?:so\s+|that\s+|as\s+)?(?P<short>short|brief|concise)"
        r"|\b(?:no\s+need\s+to|you\s+(?:can|may)\s+stop|(?:please\s+)?stop)\s+(?:being\s+so\s+|"
        r"writing\s+)(?:so\s+)?(?P<long>long|detailed|verbose|thorough)"
        # "longer answers are fine now", "you don't have to be brief anymore", "forget what I
        # said about short answers"
        r"|\b(?P<short2>longer|long|detailed)\s+(?:answers|replies|responses)\s+are\s+(?:fine|ok"
        r"|okay)\s+(?:now|again)\b"
        r"|\byou\s+(?:don't|do\s+not)\s+(?:have|need)\s+to\s+be\s+(?:so\s+)?(?P<short3>brief"
        r"|short|concise)\b"
        r"|\bforget\s+(?:what\s+I\s+said\s+)?about\s+(?P<short4>short|brief|concise)\s+"
        r"(?:answers|replies|responses)",
        _I,
    )


def _mask(text: str, match: re.Match[str]) -> str:
    """``text`` with what ``match`` took back blanked (same length, so spans stay valid)."""
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def retractions(text: str) -> tuple[Retracted, str]:
    """What ``text`` (cleaned) takes back, and ``text`` with those phrases masked."""
    found: Retracted = {}
    for match in list(_languages().finditer(text)):
        names = next((g for g in match.groups() if g), "")
        langs = re.findall(language_fragment(), names, _I)
        table = languages()
        taken = [table.get(lang.lower(), lang) for lang in langs]
        if taken:
            current = found.setdefault("languages", [])
            assert isinstance(current, list)
            current.extend(lang for lang in taken if lang not in current)
            text = _mask(text, match)
    for match in list(_preferred_name().finditer(text)):
        name = match["name"]
        if is_name_token(name) or name[:1].islower():
            found["preferred_name"] = name[:1].upper() + name[1:]
            text = _mask(text, match)
    zones = city_zones()
    for match in list(_places().finditer(text)):
        city = next(g for name, g in match.groupdict().items() if g and name.startswith("city"))
        zone = zones.get(fold(city))
        if zone is not None:
            found["timezone"] = zone
            # "I moved from Berlin to Tokyo": only "from Berlin" goes; the move still reads.
            start = match.start("from") if match["from"] else match.start()
            text = text[:start] + " " * (match.end() - start) + text[match.end() :]
    for match in list(_length().finditer(text)):
        short = match["short"] or match["short2"] or match["short3"] or match["short4"]
        found["response_length"] = "concise" if short else "detailed"
        text = _mask(text, match)
    return found, text
