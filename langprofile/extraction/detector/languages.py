"""Languages the user says they speak, read or want answers in.

Statements about oneself ("I speak Portuguese and a little English", "Korean is my first
language", "my English is basic") count; so do standing requests ("always answer in German"),
except in a turn that asks for a translation. Language names and endonyms come from
``data/languages.txt`` and ``data/language_endonyms.json``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from langprofile.extraction.detector._tables import languages
from langprofile.extraction.detector._text import STANDING, TRANSLATE_VERB, alternation

_I = re.IGNORECASE


@cache
def language_fragment() -> str:
    """A regex matching any one language name, as a whole word."""
    return rf"\b(?:{alternation(languages())})(?![\w-])"


# Qualifiers between listed languages: "Portuguese and only a little English". Every
# repetition here is bounded so that no input can make matching slow.
_LANG_QUALIFIER: Final = (
    r"(?:(?:only|just|also|some|a\s+little|a\s+bit\s+of|a\s+bit|basic|fluent|conversational"
    r"|broken|decent|good|native|passable|rudimentary|okay|ok)\s+){0,3}"
)
_LANG_SEPARATOR: Final = r"\s*(?:,|;|/|&|\+|\band\b|\bor\b|\bplus\b|\bas\s+well\s+as\b)\s*"


@cache
def _lang_list() -> str:
    lang = language_fragment()
    return rf"(?P<langs>{_LANG_QUALIFIER}{lang}(?:{_LANG_SEPARATOR}{_LANG_QUALIFIER}{lang}){{0,5}})"


@cache
def _language_patterns() -> tuple[re.Pattern[str], ...]:
    lang, lang_list = language_fragment(), _lang_list()
    return tuple(
        re.compile(pattern, _I)
        for pattern in (
            # "I speak Portuguese and only a little English", "I read English fine"
            r"\bI\s+(?:(?:can|also|mostly|mainly|only|natively|fluently|still|do|both)\s+)*"
            r"(?:speak|read|write|understand)\s+(?:in\s+)?" + lang_list,
            # "Korean is my first language", "English is my third"
            lang_list + r"(?:'s|\s+is|\s+are)\s+(?:also\s+|both\s+)?my\s+"
            r"(?:(?:first|second|third|fourth|fifth)\b|(?:(?:native|main|mother|primary|home"
            r"|only|daily|working|strongest|preferred|usual)\s+)*(?:languages?|tongues?)\b)",
            # "my first language is Korean"
            r"\bmy\s+(?:(?:first|second|native|main|mother|primary|home|only|other)\s+)*"
            r"(?:languages?|tongues?)\s+(?:is|are)\s+" + lang_list,
            # "my English is basic"
            r"\bmy\s+(?P<langs>" + lang + r")(?:'s|\s+is|\s+isn't|\s+skills|\s+level)\b"
            r"(?!\s+(?:non-?existent|zero|none)\b)",
            # "I'm fluent in French", "I'm a native Spanish speaker", "I'm bilingual in X and Y"
            r"\bI(?:'m|\s+am)\s+(?:an?\s+)?(?:native|fluent|bilingual|trilingual|conversational)"
            r"\s+(?:(?:in|at)\s+)?(?:speaker\s+of\s+)?" + lang_list,
            r"\bI(?:'m|\s+am)\s+an?\s+(?:native\s+|fluent\s+)?(?P<langs>" + lang + r")\s+speaker\b",
            # "Native speaker of Polish here", "Spanish native speaker", at the start of a sentence
            r"(?:^|(?<=[.!?\n]))\W{0,10}(?:an?\s+)?native\s+speaker\s+of\s+" + lang_list,
            r"(?:^|(?<=[.!?\n]))\W{0,10}(?:an?\s+)?(?:(?:native|fluent|conversational|basic|beginner"
            r"|intermediate|advanced)(?:[-\s]level)?\s+)?(?P<langs>" + lang + r")\s+(?:native\s+)?"
            r"speaker\s+here\b",
            r"(?:^|(?<=[.!?\n]))\W{0,10}(?:an?\s+)?(?P<langs>"
            + lang
            + r")\s+native\s+(?:speaker\b|here\b)",
            # "hablo español y catalán", "falo português", "je parle français", "ich spreche
            # Deutsch", "parlo italiano", "mówię po polsku" is left to the extractor
            r"\b(?:hablo|falo|parlo|je\s+parle|ich\s+spreche|ik\s+spreek)\s+(?:(?:bien|bem|bene"
            r"|gut|goed|un\s+poco(?:\s+de)?|um\s+pouco(?:\s+de)?|un\s+peu|ein\s+bisschen|un\s+po')"
            r"\s+)?" + lang_list.replace(r"\band\b", r"\b(?:and|y|e|et|und|en)\b"),
            # "I grew up speaking Tagalog and English"
            r"\bI\s+grew\s+up\s+speaking\s+" + lang_list,
            # "I ... and get by in English", "I can get by in Italian"
            r"(?:\bI|\band)\s+(?:(?:can|also|still|just|only|mostly)\s+)*get\s+by\s+in\s+"
            + lang_list,
            # "I know some French", not "I know some French people"
            r"\bI\s+(?:also\s+)?know\s+(?:some|a\s+little|a\s+bit\s+of|a\s+bit|basic|enough)\s+"
            r"(?P<langs>"
            + lang
            + r")(?!\s+(?:people|person|guys|food|dishes|history|culture|cuisine"
            r"|literature|films?|movies|music|songs|wine|cheese|restaurants?|friends|colleagues"
            r"|speakers|words\s+for|cooking|law|politics|art))",
        )
    )


# "answer", "reply" as verbs addressed to the assistant, not "the reply", "her answer".
_TO_ME: Final = (
    r"(?<!\bthe\s)(?<!\ba\s)(?<!\ban\s)(?<!\bmy\s)(?<!\byour\s)(?<!\bthis\s)(?<!\bher\s)"
    r"(?<!\bhis\s)(?<!\bshe\s)(?<!\bhe\s)(?<!\bthey\s)\b(?:answer|reply|respond|talk|speak)"
)
# ... and not to someone else's message: "reply in Spanish only to this customer email"
_NOT_FOR_OTHERS: Final = (
    r"(?![^.!?\n]*\b(?:to|for)\s+(?:this|that|the|my|our|his|her|their|these|those)\s+(?!own\b))"
)


# Asking for answers in a language counts only as a standing request.
@cache
def _language_request_patterns() -> tuple[re.Pattern[str], ...]:
    lang, lang_list = language_fragment(), _lang_list()
    return tuple(
        re.compile(pattern, _I)
        for pattern in (
            r"\b(?:answer|reply|respond|write|talk|speak)\s+(?:to\s+me\s+|back\s+)?(?:only\s+)?"
            r"in\s+(?P<langs>" + lang + r")[^.!?\n]{0,30}?\b" + STANDING,
            r"\b" + STANDING + r"\b[^.!?\n]{0,30}?\b(?:answer|reply|respond|write|talk|speak)\s+"
            r"(?:to\s+me\s+)?(?:only\s+)?in\s+(?P<langs>" + lang + r")",
            # "reply in English only", "answer only in German"
            _TO_ME
            + r"\s+(?:to\s+me\s+|back\s+)?only\s+in\s+(?P<langs>"
            + lang
            + r")"
            + _NOT_FOR_OTHERS,
            _TO_ME
            + r"\s+(?:to\s+me\s+|back\s+)?in\s+(?P<langs>"
            + lang
            + r")\s+only\b"
            + _NOT_FOR_OTHERS,
            # "English is fine", "sources in French or German are fine"
            lang_list + r"\s+(?:is|are)\s+(?:also\s+|both\s+)?(?:fine|ok|okay|good)\b",
        )
    )


@cache
def _translation() -> re.Pattern[str]:
    lang = language_fragment()
    return re.compile(rf"{TRANSLATE_VERB}|\bin\s+{lang}\s*\?", _I)


@cache
def _lang_word() -> re.Pattern[str]:
    return re.compile(language_fragment(), _I)


def detect_languages(text: str) -> list[str]:
    """Languages the user says they speak or read, as English names, in order of mention."""
    if not _lang_word().search(text):
        return []
    patterns = _language_patterns()
    if not _translation().search(text):
        patterns += _language_request_patterns()
    mentions = sorted(
        (match.start("langs") + word.start(), languages()[word[0].casefold()])
        for pattern in patterns
        for match in pattern.finditer(text)
        for word in _lang_word().finditer(match["langs"])
    )
    return list(dict.fromkeys(language for _, language in mentions))
