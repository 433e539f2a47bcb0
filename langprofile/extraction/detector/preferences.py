"""How the user wants answers: their length, their style, and whether to include code.

Only standing preferences count ("keep your answers short", "I prefer formal responses",
"always include code examples"): a request for this one answer ("short answer this time") or
about a piece of content being written ("short answers in this quiz") is not a preference.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from langprofile.extraction.detector._text import STANDING, first_standing

_I = re.IGNORECASE

_ANSWERS: Final = r"(?:answers|replies|responses|explanations)"
# "I like ...": a standing preference in the user's own words.
_I_LIKE: Final = (
    r"(?:I\s+(?:really\s+|much\s+|generally\s+|usually\s+|always\s+)?(?:like|prefer|love|want"
    r"|need|appreciate|enjoy)|I'd\s+(?:like|prefer|appreciate)|(?:I\s+)?would\s+(?:like|prefer"
    r"|appreciate)|^\W{0,10}prefer)"
)
# Also requests; only trusted next to a plural noun such as "answers", which makes them general.
_LIKE: Final = rf"(?:{_I_LIKE}|give\s+me|stick\s+to|please|pls|plz)"
# Up to two words before the one that matters: "I like long, detailed explanations". Not a
# count or a determiner: "give me three short answers" asks for three answers, once.
_ADJECTIVES: Final = (
    r"(?:(?!(?:\d+|an?|the|these|those|this|that|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|few|some)\b)[\w-]+,?\s+){0,3}"
)
# Words for each answer length, for "short answers work best for me" and the like.
_CONCISE_WORDS: Final = r"(?:short|shorter|brief|concise|quick|terse|compact|succinct|snappy)"
_DETAILED_WORDS: Final = (
    r"(?:long|longer|detailed|thorough|in-depth|comprehensive|lengthy|deep|elaborate|extensive)"
)
_BALANCED_WORDS: Final = r"(?:medium|medium-length|mid-length|moderate|moderate-length|balanced)"
# "... answers work best for me", "... replies are ideal"
_SUIT_ME: Final = (
    rf"(?:,?\s+(?:and\s+)?[\w-]+)?\s+{_ANSWERS}\s+(?:are|work|suit\s+me)\s+(?:\w+\s+)?"
    r"(?:best|better|ideal|great|perfect|preferred)(?:\s+for\s+me\b|\s*(?:[.!,;:]|$))"
)
# "I hate long answers", "I can't stand walls of text"
_I_DISLIKE: Final = (
    r"\bI\s+(?:really\s+|just\s+)?(?:hate|dislike|can't\s+stand|don't\s+like|do\s+not\s+like"
    r"|don't\s+need|don't\s+want)"
)


@cache
def _length_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (value, re.compile(pattern, _I))
        for value, pattern in (
            ("balanced", r"\bnot\s+too\s+short\W+(?:(?:and|but|or)\s+)?not\s+too\s+long\b"),
            # said indirectly: "not too short, not an essay", "neither one-liners nor essays"
            ("balanced", r"\bnot\s+too\s+short\W+(?:(?:and|but|or)\s+)?not\s+(?:an?\s+)?essays?\b"),
            (
                "balanced",
                r"\bneither\s+one-liners\s+nor\s+essays\b|\bsomewhere\s+in\s+the\s+middle\s+(?:suits|works|is\s+(?:best|good|fine|ideal))\b",
            ),
            (
                "concise",
                r"\bwalls?\s+of\s+text\s+(?:\w+\s+){0,2}(?:lose|overwhelm|tire|bore)s?\s+me\b",
            ),
            (
                "concise",
                rf"\b{_ANSWERS}\s+(?:could\s+|would\s+)?(?:be\s+)?kept\s+to\s+the\s+essentials\b",
            ),
            ("balanced", r"\bnot\s+too\s+long\W+(?:(?:and|but|or)\s+)?not\s+too\s+short\b"),
            ("balanced", r"\b(?:that|this)\s+length\s+(?:is|was)\s+(?:just\s+)?(?:right|perfect)"),
            ("balanced", rf"\bmedium[-\s]length\s+{_ANSWERS}"),
            (
                "concise",
                rf"\b(?:keep|make)\s+(?:your\s+|the\s+|my\s+)?{_ANSWERS}\s+(?:\w+\s+)?"
                r"(?:short|brief|concise|tight|to\s+the\s+point)\b",
            ),
            (
                "concise",
                rf"\b{_LIKE}\s+{_ADJECTIVES}(?:short|brief|concise|shorter|quick"
                rf"|terse)\s+{_ANSWERS}",
            ),
            ("concise", rf"\b(?:short|brief|concise)\s+{_ANSWERS}\s+(?:please|pls|plz)\b"),
            ("concise", rf"\bno\s+(?:long|lengthy)\s+{_ANSWERS}"),
            (
                "concise",
                rf"\b{STANDING}\b[^.!?\n]{{0,20}}?\b(?:be|keep\s+it|keep\s+them)\s+"
                r"(?:short|brief|concise)\b",
            ),
            (
                "detailed",
                rf"\b{_LIKE}\s+{_ADJECTIVES}(?:detailed|thorough|in-depth|long|longer|comprehensive"
                rf"|lengthy|step-by-step)\s+{_ANSWERS}",
            ),
            ("detailed", r"\bdon't\s+hold\s+back\s+on\s+(?:the\s+)?details?\b"),
            ("detailed", r"\bthe\s+more\s+detail\s+the\s+better\b"),
            # "Long detailed answers are best for me", "medium-length answers work best"
            ("concise", rf"\b{_CONCISE_WORDS}{_SUIT_ME}"),
            ("detailed", rf"\b{_DETAILED_WORDS}{_SUIT_ME}"),
            ("balanced", rf"\b{_BALANCED_WORDS}{_SUIT_ME}"),
            # "keep it brief in general"
            (
                "concise",
                r"\bkeep\s+(?:it|them|things|everything)\s+(?:short|brief|concise|tight|snappy)\b"
                rf"[^.!?\n]{{0,30}}?\b{STANDING}\b",
            ),
            # "I hate long answers", "stop writing essays",
            # "two or three sentences is plenty for me"
            (
                "concise",
                rf"{_I_DISLIKE}\s+(?:\w+\s+)?(?:long|lengthy|wordy|verbose|long-winded)\s+"
                rf"(?:{_ANSWERS}|texts?|messages)\b|{_I_DISLIKE}\s+(?:walls?\s+of\s+text|essays)\b",
            ),
            (
                "concise",
                r"\b(?:stop|quit)\s+(?:writing|giving\s+me|sending\s+me)\s+(?:me\s+)?(?:essays"
                r"|novels|walls?\s+of\s+text)\b|\bno\s+(?:more\s+)?(?:essays|novels"
                r"|walls?\s+of\s+text)\b|\bdon't\s+write\s+(?:me\s+)?(?:essays|novels"
                r"|walls?\s+of\s+text)\b",
            ),
            (
                "concise",
                r"\b(?:a\s+few|a\s+couple\s+of|one|two|three|\d)\s+(?:or\s+(?:two|three|four"
                r"|\d)\s+)?(?:sentences?|lines?|bullets?|bullet\s+points)\s+(?:is|are)\s+(?:plenty"
                r"|enough|fine|all\s+I\s+need)\s+for\s+me\b",
            ),
        )
    )


# "keep your answers ...", "make the replies ...", "keep your tone ...": about every answer
_YOUR_ANSWERS: Final = (
    rf"(?:\b(?:keep|make)\s+(?:your\s+|the\s+)?{_ANSWERS}|\bkeep\s+your\s+(?:tone|language))"
)


@cache
def _style_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (value, re.compile(pattern, _I))
        for value, pattern in (
            ("formal", rf"\b{_LIKE}\s+(?:\w+\s+)?formal\s+(?:{_ANSWERS}|tone|language)"),
            ("formal", rf"\bformal\s+{_ANSWERS}\s+(?:please|pls)"),
            ("formal", r"\b(?:in|to)\s+a\s+(?:more\s+)?formal\s+register\b"),
            ("simplified", r"\bplain\s+(?:everyday\s+)?(?:words|english|language)\s+work\s+best\b"),
            ("technical", r"\bjargon\s+is\s+(?:fine|ok|okay|welcome)\b"),
            ("casual", rf"\b{_LIKE}\s+(?:\w+\s+)?casual\s+(?:{_ANSWERS}|tone|language)"),
            ("casual", rf"\bcasual\s+(?:{_ANSWERS}|tone)\s+(?:please|pls|plz)\b"),
            ("casual", r"\bno\s+corporate\s+(?:speak|talk|jargon)\b"),
            ("technical", r"\bbe\s+as\s+technical\s+as\s+you\s+(?:like|want)\b"),
            ("technical", r"\bfeel\s+free\s+to\s+(?:be|get)\s+(?:very\s+)?technical\b"),
            ("technical", rf"\b{_LIKE}\s+(?:\w+\s+)?technical\s+(?:{_ANSWERS}|detail)"),
            ("simplified", r"\bexplain\s+(?:things|everything|stuff)\s+(?:simply|plainly)\b"),
            ("simplified", r"\buse\s+(?:simple|plain|easy)\s+(?:words|language|english|terms)\b"),
            ("simplified", r"\bkeep\s+(?:things|everything|it\s+all)\s+simple\b"),
            # "keep your answers casual", "keep explanations simple"
            (
                "casual",
                rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
                r"(?:casual|informal|relaxed|chill|friendly)\b",
            ),
            (
                "formal",
                rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
                r"(?:formal|professional)\b",
            ),
            (
                "simplified",
                rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
                r"(?:simple|plain|basic|jargon-free)\b",
            ),
            (
                "technical",
                rf"{_YOUR_ANSWERS}\s+(?:\w+\s+)?"
                r"technical\b",
            ),
            # "I would prefer that you address me formally", "kindly respond in a formal manner"
            (
                "formal",
                r"\b(?:address|speak\s+to|talk\s+to|write\s+to|treat)\s+me\s+(?:more\s+)?formally\b"
                r"|\b(?:respond|reply|answer|write|speak|talk)\s+(?:to\s+me\s+)?(?:in\s+)?(?:a\s+)?"
                r"(?:more\s+)?(?:formal|professional)\s+(?:manner|way|tone|register|style)\b",
            ),
            (
                "casual",
                r"\b(?:talk|speak|write|respond|reply|answer)\s+(?:to\s+me\s+)?(?:more\s+)?"
                r"(?:casually|informally)\b"
                r"|\b(?:respond|reply|answer|write|speak|talk)\s+(?:to\s+me\s+)?(?:in\s+)?(?:a\s+)?"
                r"(?:more\s+)?(?:casual|informal|relaxed|friendly)\s+(?:manner|way|tone|register"
                r"|style)\b"
                # "talk to me like a normal person", "no need to be formal with me"
                r"|\btalk\s+to\s+me\s+like\s+(?:a|an|you\s+would\s+to\s+a)\s+(?:normal\s+"
                r"|regular\s+)?(?:person|friend|human|buddy|mate|pal)\b"
                r"|\bno\s+need\s+to\s+be\s+(?:so\s+)?(?:formal|polite)(?:\s+with\s+me\b"
                r"|\s*(?:[.!,;:]|$))|\b(?:you\s+can|feel\s+free\s+to)\s+be\s+(?:casual|informal)\b",
            ),
            # "formal in all your replies"
            (
                "formal",
                rf"\b(?:formal"
                rf"|professional)\b[^.!?\n]{{0,30}}?\bin\s+(?:all\s+)?(?:of\s+)?your\s+{_ANSWERS}",
            ),
            (
                "casual",
                rf"\b(?:casual"
                rf"|informal)\b[^.!?\n]{{0,30}}?\bin\s+(?:all\s+)?(?:of\s+)?your\s+{_ANSWERS}",
            ),
            # "just explain things in plain terms", "avoid jargon"
            (
                "simplified",
                r"\bexplain\s+(?:things|everything|stuff)\s+(?:to\s+me\s+)?(?:in|using"
                r"|with)\s+(?:plain|simple|layman'?s?|easy|everyday|basic)\s+(?:terms|words"
                r"|language|english)\b|\b(?:avoid|no|without|skip|minimal|minimum)\s+(?:the\s+"
                r"|any\s+)?(?:technical\s+)?jargon\b(?!\s+(?:in|for)\s+(?:the|this|that|my|our|a|an"
                r"|his|her|their)\b)",
            ),
            # "don't dumb it down", "don't simplify anything"
            (
                "technical",
                r"\b(?:don't|do\s+not|no\s+need\s+to)\s+(?:dumb\s+(?:it|things|anything"
                r"|stuff)\s+down|simplify\s+(?:anything|things|stuff|it\s+for\s+me))\b",
            ),
            # "technical answers are fine", "a casual tone is best"
            (
                "technical",
                rf"\btechnical\s+(?:{_ANSWERS}|language|terms|details?|depth)\s+(?:is|are)\s+"
                r"(?:fine|ok|okay|welcome|great|preferred|best)\b",
            ),
            (
                "casual",
                rf"\b(?:casual|informal)\s+(?:{_ANSWERS}|language|tone)\s+(?:is|are)\s+"
                r"(?:fine|ok|okay|welcome|great|preferred|best)\b",
            ),
        )
    )


@cache
def _code_patterns() -> tuple[tuple[bool, re.Pattern[str]], ...]:
    return tuple(
        (value, re.compile(pattern, _I))
        for value, pattern in (
            # "snippets are perfect, keep doing that", "a snippet I can paste ... keep doing that"
            (True, r"\bsnippets?\b[^.!?\n]{0,60}?\bkeep\s+doing\s+that\b"),
            (True, r"\binclude\s+(?:runnable\s+|working\s+)?code\s+in\s+your\s+answers\b"),
            (
                True,
                r"\b(?:always|when(?:ever)?\s+(?:you\s+can|possible)|by\s+default|every\s+time"
                r"|in\s+every\s+answer|from\s+now\s+on)\b[^.!?\n]{0,40}?\bcode\s+"
                r"(?:examples|snippets|samples)\b",
            ),
            (
                True,
                r"\bcode\s+(?:examples|snippets|samples)\b[^.!?\n]{0,40}?\b(?:when(?:ever)?\s+"
                r"(?:you\s+can|possible)|always|by\s+default|from\s+now\s+on|help\s+me)\b",
            ),
            (True, rf"\b{_I_LIKE}\s+(?:\w+\s+)?code\s+(?:examples|snippets|samples)\b(?!\s+for\b)"),
            (
                False,
                r"\b(?:skip|no|without|leave\s+out|spare\s+me)\s+(?:the\s+)?code\b[^.!?\n]{0,40}?"
                r"\b(?:concepts?|ideas?|explain|words)\b",
            ),
            (
                False,
                r"\b(?:I\s+don't|I\s+do\s+not|never)\s+(?:really\s+)?(?:want|need"
                r"|like)\s+(?:any\s+)?code(?:\s+(?:examples?|snippets?|samples?)\b(?!\s+for\b)"
                r"|\s*(?=[,.;!:]|$|\s+(?:please|pls|thanks|just|only|in\s+(?:your|the)\s+(?:answers"
                r"|replies|responses))\b))",
            ),
            (
                False,
                r"\b(?:avoid|skip|leave\s+out|no)\s+(?:the\s+|any\s+)?code\s+(?:examples?\s+"
                r"|snippets?\s+)?"
                rf"in\s+(?:your\s+|the\s+)?{_ANSWERS}",
            ),
            # "Whenever you explain something, show me a code snippet", "always give code samples"
            (
                True,
                r"\b(?:always|when(?:ever)?\s+(?:you\s+can|possible|you\s+\w+)|by\s+default"
                r"|every\s+time|in\s+every\s+answer|from\s+now\s+on|in\s+general"
                r"|going\s+forward)\b[^.!?\n]{0,40}?\b(?:include|show|give|add|provide|use|write"
                r"|put|attach)\w*\s+(?:me\s+)?(?:(?!code\b)[\w-]+\s+){0,2}code\s+(?:examples?"
                r"|snippets?|samples?)\b",
            ),
            (
                True,
                r"\b(?:include|show|give|add|provide"
                r"|attach)\w*\s+(?:me\s+)?(?:(?!code\b)[\w-]+\s+){0,2}"
                r"code\s+(?:examples?|snippets?|samples?)\b[^.!?\n]{0,40}?\b(?:whenever|always"
                r"|every\s+time|from\s+now\s+on|going\s+forward|in\s+general|by\s+default)\b",
            ),
            (
                True,
                r"\bI\s+learn\s+(?:best|better|faster|more)\s+(?:from|with"
                r"|through)\s+(?:\w+\s+)?code\b",
            ),
        )
    )


def response_length(text: str) -> str | None:
    """The answer length the user asks for: ``concise``, ``balanced`` or ``detailed``."""
    return first_standing(text, _length_patterns())


def communication_style(text: str) -> str | None:
    """The style the user asks for: ``formal``, ``casual``, ``technical`` or ``simplified``."""
    return first_standing(text, _style_patterns())


def prefers_code_examples(text: str) -> bool | None:
    """Whether the user asks for code examples in answers, or asks for none."""
    return first_standing(text, _code_patterns())
