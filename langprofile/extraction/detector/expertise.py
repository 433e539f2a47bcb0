"""The user's level of expertise: beginner, intermediate, advanced or expert.

Read from what the user says of themself ("I'm a total beginner", "I'd call myself
intermediate", "I know Postgres inside out") or from years of practice: ten years or more of
doing something, or of holding a job, reads as expert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Final

from langprofile.extraction.detector._tables import not_a_job
from langprofile.extraction.detector._text import I_AM, alternation, first_standing
from langprofile.extraction.detector.places import city_fragment

_I = re.IGNORECASE

# "beginner" as typed, typos included: "begginer", "beginer".
_BEGINNER: Final = r"(?:beg{1,2}in{1,2}er|novice|newbie|newb|noob|n00b)\b(?!')"
_BEGINNER_MODIFIERS: Final = (
    r"(?:(?:a|an|still|just|only|very|really|pretty|fairly|quite|kind\s+of|sort\s+of|total"
    r"|complete|absolute|relatively|brand|super|totally|completely|basically|honestly"
    r"|actually)\s+){0,4}"
)
_LEVEL_MODIFIERS: Final = (
    r"(?:(?:a|an|at\s+an?|pretty|fairly|quite|somewhat|probably|maybe|solidly|kind\s+of"
    r"|sort\s+of|like|about|around|actually|really|still|very|an?\s+(?:solid|strong))\s+){0,4}"
)


# "new to the team" or "new to Berlin" says nothing about skill.
@cache
def _not_a_subject() -> str:
    city = city_fragment()
    return (
        r"(?!(?:here|town|(?:this|the|my|our)\s+(?:city|area|country|town|team|company|job|role"
        r"|position|neighbou?rhood|office|place|school|site|app|chat|forum|server|community|group"
        rf"|channel)|{city})\b)"
    )


# Year counts that read as expert; smaller ones are not worth spelling out.
_COUNT_WORDS: Final[Mapping[str, int]] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
}
_DECADES: Final[Mapping[str, int]] = {"a decade": 10, "over a decade": 10, "two decades": 20}
_YEARS: Final = (
    rf"(?P<years>(?:\d{{1,2}}|{alternation(_COUNT_WORDS)})\+?\s*(?:years|yrs)\b"
    rf"|{alternation(_DECADES)})"
)


@cache
def _expertise_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    not_a_subject = _not_a_subject()
    return tuple(
        (value, re.compile(pattern, _I))
        for value, pattern in (
            ("beginner", rf"{I_AM}\s+{_BEGINNER_MODIFIERS}{_BEGINNER}(?!\s*\?)"),
            ("beginner", rf"{I_AM}\s+{_BEGINNER_MODIFIERS}new\s+(?:to|at|with)\s+{not_a_subject}"),
            # "I'm 70 and new to smartphones", "I'm a nurse and totally new to Excel"
            (
                "beginner",
                rf"{I_AM}\s+[^.!?;\n]{{0,30}}?\band\s+{_BEGINNER_MODIFIERS}new\s+(?:to|at|with)\s+"
                rf"{not_a_subject}",
            ),
            # "this is my first time using Docker", "I've never programmed before"
            (
                "beginner",
                r"\b(?:this\s+is|it's|it\s+is)\s+my\s+(?:very\s+)?first\s+time\s+(?:ever\s+)?"
                r"(?:using|coding|programming|writing\s+code|touching|working\s+with|learning)\b",
            ),
            (
                "beginner",
                r"\bI(?:'ve|\s+have)\s+never\s+(?:programmed|coded"
                r"|written\s+(?:a\s+line\s+of\s+)?code)\b(?:\s+(?:before|in\s+my\s+life|at\s+all"
                r"|ever)\b|\s*(?:[.!,;:]|$))",
            ),
            (
                "beginner",
                r"\bI(?:'ve|\s+have)?\s+just\s+started\s+(?:learning|coding|programming|using)\b",
            ),
            ("intermediate", rf"{I_AM}\s+{_LEVEL_MODIFIERS}intermediate\b(?!\s*\?)"),
            (
                "intermediate",
                r"\bI'd\s+(?:say|call)\s+(?:I'm\s+|myself\s+)?(?:an?\s+)?intermediate",
            ),
            # "I'm somewhere in the middle with Rust"
            (
                "intermediate",
                rf"{I_AM}\s+(?:(?:somewhere|kind\s+of|sort\s+of|probably"
                r"|roughly)\s+)?(?:in\s+the\s+middle|middle\s+of\s+the\s+road)\s+(?:with|at|in"
                r"|when\s+it\s+comes\s+to)\b",
            ),
            # "I'd consider myself pretty advanced", "I would rate myself as a beginner"
            *(
                (
                    level,
                    r"\bI(?:'d|\s+would)?\s+(?:consider|call|rate|describe|class|count"
                    rf"|see)\s+myself\s+(?:as\s+)?{_LEVEL_MODIFIERS}(?:an?\s+)?{word}\b(?!\s*\?)",
                )
                for level, word in (
                    ("beginner", _BEGINNER),
                    ("intermediate", "intermediate"),
                    ("advanced", "advanced"),
                    ("expert", "expert"),
                )
            ),
            # "Intermediate-level Spanish speaker here", "total beginner here"
            *(
                (
                    level,
                    r"(?:^|(?<=[.!?\n]))\W{0,10}(?:an?\s+)?"
                    rf"{_BEGINNER_MODIFIERS}{word}(?:[-\s]level)?"
                    r"\s+(?:[\w+#.-]+\s+){0,3}?(?:here|speaker|user|dev|developer|programmer"
                    r"|coder)\b(?!\s*\?)",
                )
                for level, word in (
                    ("beginner", _BEGINNER),
                    ("intermediate", "intermediate"),
                    ("advanced", "advanced"),
                    ("expert", "expert"),
                )
            ),
            ("advanced", rf"{I_AM}\s+{_LEVEL_MODIFIERS}advanced\b(?!\s*\?)"),
            ("expert", rf"{I_AM}\s+{_LEVEL_MODIFIERS}(?:an?\s+)?expert\b(?!\s*\?)"),
            # "I know Postgres inside out"
            (
                "expert",
                r"\bI\s+know\s+[^.!?\n]{1,30}?\b(?:inside\s+(?:and\s+)?out"
                r"|like\s+the\s+back\s+of\s+my\s+hand)\b(?!\s*\?)",
            ),
        )
    )


# "I've worked in compilers for 15 years", "I have 12 years of experience with Go"
@cache
def _experience() -> tuple[re.Pattern[str], ...]:
    return (
        re.compile(
            r"(?:\bI(?:'ve|\s+have)\s+|(?:^|(?<=[.!?,;:\n]))\s*(?=been\s))(?:been\s+)?(?:worked"
            r"|working|coded|coding|programmed|programming|used|using|done|doing|written|writing"
            r"|built|building|taught|teaching|developed|developing|practi[cs]ed"
            r"|practi[cs]ing)\b[^.;!?\n]{0,50}?\bfor\s+(?:over\s+|more\s+than\s+|about\s+|almost\s+"
            rf"|nearly\s+|around\s+|the\s+(?:last|past)\s+)?{_YEARS}",
            _I,
        ),
        re.compile(
            r"\bI(?:'ve|\s+have)\s+(?:got\s+)?(?:over\s+|more\s+than\s+|about\s+|almost\s+"
            rf"|nearly\s+)?{_YEARS}\s+(?:of\s+)?(?:professional\s+|industry\s+"
            r"|hands-on\s+)?experience\b(?!\s*\?)",
            _I,
        ),
    )


# "I've been a DBA for 12 years": a job held that long. Not "a member", "a vegetarian".
@cache
def _years_as() -> re.Pattern[str]:
    return re.compile(
        r"(?:\bI(?:'ve|\s+have)\s+|(?:^|(?<=[.!?,;:\n]))\s*)been\s+(?:an?\s+)?(?:professional\s+)?"
        r"(?P<job>(?:[\w-]+\s+){0,2}?(?:[\w-]+(?:er|or|ist|eer|ect)|dba|dev|sre|qa|ux|cpa|nurse"
        r"|chef|cook|pilot|surgeon|physician|medic|paralegal|clerk|analyst|mechanic|electrician"
        r"|plumber|machinist|technician|barista|dentist|pharmacist|radiologist|pediatrician"
        r"|translator|librarian|architect|statistician|mathematician|economist))"
        rf"\s+for\s+(?:over\s+|more\s+than\s+|about\s+|almost\s+|nearly\s+|around\s+)?{_YEARS}",
        _I,
    )


@cache
def _leading_number() -> re.Pattern[str]:
    return re.compile(r"\d+|[a-z]+")


def _years(phrase: str) -> int:
    """The number of years in "15 years", "fifteen yrs" or "a decade"."""
    folded = " ".join(phrase.casefold().split())
    if folded in _DECADES:
        return _DECADES[folded]
    number = _leading_number().match(folded)
    if number is None:
        return 0
    return int(number[0]) if number[0].isdigit() else _COUNT_WORDS.get(number[0], 0)


# A word that every expertise rule needs; turns without one are skipped cheaply.
@cache
def _level_cue() -> re.Pattern[str]:
    return re.compile(
        r"beg|novice|newb|noob|n00b|intermediate|advanced|expert|middle|started|\bnew\s+(?:to|at"
        r"|with)\b"
        r"|first\s+time|never|inside|back\s+of\s+my\s+hand|\byears?\b|\byrs\b|decades?",
        _I,
    )


def detect_expertise(text: str) -> str | None:
    """The level the user states for themself; ten years or more of practice reads as expert."""
    if not _level_cue().search(text):
        return None
    level = first_standing(text, _expertise_patterns())
    if level:
        return level
    for pattern in _experience():
        for match in pattern.finditer(text):
            if _years(match["years"]) >= 10:
                return "expert"
    for match in _years_as().finditer(text):
        job = match["job"].casefold().split()
        if _years(match["years"]) >= 10 and job[-1] not in not_a_job():
            return "expert"
    return None
