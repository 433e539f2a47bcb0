"""What no rule may read, and helpers the rules share.

``prepare`` masks the parts of a turn that are not statements about the user: code blocks,
inline code, code-like lines and SQL, quoted and pasted text, text to translate, requests for
fiction, conditional clauses ("if I lived in Tokyo, ..."), aspirations ("thinking about
learning Rust") and clauses that name the assistant ("I'll call you Jarvis").
``is_in_character`` recognizes turns spoken in character, which are ignored altogether.
``sentences`` splits a turn roughly into sentences and ``first_standing`` reads standing
requests from them, skipping one-off ones. ``fold`` and ``alternation`` help build the
table-driven patterns of the other modules.

Every pattern is compiled on first use, not at import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any, Final, TypeVar

_T = TypeVar("_T")
_I = re.IGNORECASE


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, so "Sao Paulo" finds "São Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def alternation(words: Iterable[str], *, fold_case: bool = True) -> str:
    """A regex matching any of ``words``, written as a trie; spaces match any whitespace.

    A flat alternation of a few hundred words makes the engine try every word at every
    position; the trie tries one branch per letter. Longer words are tried first. With
    ``fold_case`` the words are lower-cased, for patterns compiled with ``re.IGNORECASE``.
    """
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in word.casefold() if fold_case else word:
            node = node.setdefault(char, {})
        node[""] = {}  # end of a word

    def render(node: dict[str, Any]) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + render(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        group = "(?:" + "|".join(branches) + ")"
        return group + "?" if "" in node else group

    return render(trie)


# --------------------------------------------------------------------------------------------
# Regex fragments shared by several modules
# --------------------------------------------------------------------------------------------

I_AM: Final = r"(?:\bi'm|\bim|\bi\s+am)\b"
# Words that make a request standing rather than one-off.
STANDING: Final = (
    r"(?:from\s+now\s+on|going\s+forward|always|by\s+default|in\s+general|in\s+future"
    r"|from\s+here\s+on|in\s+the\s+future)"
)
GREETING: Final = (
    r"(?:(?:hi|hey|hello|hiya|yo|howdy|greetings|salam|(?:good\s+)?(?:morning|afternoon|evening))"
    r"\b(?:\s+there)?[\s,!.]*)"
)
# What follows "translate" or "how do you say" is the text to translate.
TRANSLATE_VERB: Final = (
    r"\btranslat(?:e|es|ed|ing)\b|\btranslations?\s+(?:of|for|into|to)\b"
    r"|\bhow\s+(?:do|would|can|to)\s+(?:you\s+|I\s+)?say\b"
)

# --------------------------------------------------------------------------------------------
# Cleaning: what no rule may read
# --------------------------------------------------------------------------------------------


@cache
def _apostrophes() -> re.Pattern[str]:
    return re.compile(r"(?<=\w)[\u2019\u02bc\u00b4](?=\w)")


@cache
def _code_fence() -> re.Pattern[str]:
    return re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


@cache
def _inline_code() -> re.Pattern[str]:
    return re.compile(r"`[^`\n]*`")


@cache
def _quoted() -> re.Pattern[str]:
    return re.compile(
        r"\u201c[^\u201d]*\u201d?|\"[^\"\n]*\"?|\u2018[^\u2019]*\u2019|\u00ab[^\u00bb]*\u00bb"
        # A single quote opens only after a non-word character; apostrophes inside words ("I'm")
        # do not close it.
        r"|(?<![\w])'(?:[^'\n]|(?<=\w)'(?=\w))*'(?![\w])"
    )


# Text pasted after "says:", "this:", "the email:" on its own lines belongs to someone else.
@cache
def _pasted() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:says|said|reads|wrote|writes|this|below|following|email|message|text|letter|note"
        r"|reply|paragraph|post|review|bio)\s*:\s*\n.*",
        _I | re.DOTALL,
    )


# ... and so does the rest of a line after "she wrote:", "the bio says:".
@cache
def _reported() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:says|said|reads|wrote|writes|replied|texted|posted|bio|message|email)\s*:[^\n]*", _I
    )


@cache
def _to_translate() -> re.Pattern[str]:
    return re.compile(rf"(?:{TRANSLATE_VERB})[^.!?\n]*", _I)


@cache
def _quote_line() -> re.Pattern[str]:
    return re.compile(r"^[ \t]*>.*$", re.MULTILINE)


@cache
def _code_line() -> re.Pattern[str]:
    return re.compile(
        r"^[ \t]*(?:[A-Za-z_][\w.\[\]'\"]*\s*[-+*/]?=(?!=)|(?:def|class|import|return|const|let|var"
        r"|function|public|private)\b|from\s+\w+\s+import\b|print\(|console\.log|#include).*$"
        r"|^.*[;{}]\s*$",
        re.MULTILINE,
    )


@cache
def _sql() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:insert\s+into\s+\w+|delete\s+from\s+\w+|update\s+\w+\s+set\b|create\s+table"
        r"|values\s*\()[^;\n]*;?|\bSELECT\b[^;\n]*?\bFROM\b[^;\n]*;?",
        _I,
    )


@cache
def _conditional() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:if|suppose|supposing|imagine|imagining|pretend|pretending|assume|assuming"
        r"|hypothetically|let's\s+say|unless|whether|in\s+case)\b[^.;:!?,\n]*"
        # "Say I moved to Paris, ..." but not "I'd say I'm intermediate"
        r"|(?<!I'd\s)(?<!I\s)(?<!would\s)\bsay\s+(?:that\s+)?(?=I\b)[^.;:!?,\n]*",
        _I,
    )


# "explain it like I'm a beginner" describes the answer wanted, not the user.
@cache
def _as_if_i_were() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:like|as\s+though)\s+(?:I'm|I\s+am|im|I\s+was|I\s+were)\b[^.;:!?,\n]*", _I
    )


@cache
def _aspiration() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:thinking\s+(?:about|of)|considering|planning\s+(?:to|on)|hope\s+to|hoping\s+to"
        r"|dream(?:ing)?\s+of|someday|some\s+day|one\s+day|eventually|might)\b[^.;:!?,\n]*",
        _I,
    )


# A line spoken in character: period speech, *stage directions*, "in character".
@cache
def _in_character() -> re.Pattern[str]:
    return re.compile(
        r"\baye,?\s+(?:aye|captain|cap'n|sir|matey|skipper)\b"
        r"|\b(?:arr+|ahoy|matey|m'lady|milady|milord|my\s+liege|thee|thou|thy|forsooth|yer)\b"
        r"|\b(?:in\s+character|in-character|my\s+character|playing\s+as)\b"
        r"|\bin\s+(?:this|the|our)\s+(?:story|game|scene|campaign|role-?play|play)\b"
        # "in the game industry", "in the games studio" are where someone works
        r"(?!\s+(?:industry|dev\w*|studio|company|business|sector|world|engine|design\w*))"
        # "*waves*", but not a bold heading such as "*Edit:*"
        r"|^[ \t]*\*(?![^*\n]*:\s*\*)[^*\n]+\*"
        # the user does not offer the assistant help: "This is Dave from support, how can I help?"
        r"|\bhow\s+(?:can|may|might)\s+I\s+(?:help|assist)(?:\s+you)?\s*(?:today\s*)?\?",
        _I | re.MULTILINE,
    )


# A request for fiction: what follows it in the turn is made up, though what comes before
# may still be true ("I'm a nurse. Write a poem for my colleague.").
@cache
def _fiction_request() -> re.Pattern[str]:
    return re.compile(
        r"(?:\brole-?\s?play|\bpretend\b|\blet's\s+play\b"
        r"|(?<!\bI'm\s)(?<!\bim\s)(?<!\bam\s)(?<!\bbeen\s)\b(?:write|writing|draft|continue)\s+"
        r"(?:me\s+)?(?:a|an|the|my|this)\s+(?:short\s+)?"
        r"(?:story|poem|scene|script|novel|tale|fanfic|screenplay|dialogue)\b"
        # "a mock support call", "you're an angry customer and I'm Dave", "act as my tutor"
        r"|\bmock\s+(?:[\w-]+\s+){0,2}(?:call|interview|conversation|chat|session|meeting"
        r"|negotiation|trial|exam|dialogue|pitch)\b|\byou(?:'re|\s+are|\s+be|'ll\s+be|\s+will\s+be"
        r"|\s+play)\s+(?:an?|the|my)\s+[^.!?\n]{0,60}?\band\s+I(?:'m|\s+am|'ll\s+be|\s+will\s+be"
        r"|\s+play)\b|\b(?:can|could|would|will)\s+you\s+act\s+as\b|^\W{0,10}act\s+as\b).*",
        _I | re.DOTALL,
    )


# Naming the assistant ("Can I call you Max?", "Your name is Nova now") or asking what one's own
# name is says nothing about the user; nor does the idiom "call me crazy". The clause goes.
_NAMES_THE_ASSISTANT: Final = (
    r"\b(?:(?:call|name|rename|dub)\s+you|your\s+(?:new\s+)?name\s+(?:is|will\s+be|shall\s+be))\b"
)


# Cheap test first: scanning every clause is only worth it when the cue is there.
@cache
def _assistant_naming_cue() -> re.Pattern[str]:
    return re.compile(_NAMES_THE_ASSISTANT, _I)


@cache
def _assistant_naming() -> re.Pattern[str]:
    return re.compile(rf"(?:^|(?<=[.!?,;:\n]))[^.!?,;:\n]*?{_NAMES_THE_ASSISTANT}[^.!?\n]*", _I)


@cache
def _not_about_the_user() -> re.Pattern[str]:
    return re.compile(
        r"\bwhat(?:'s|\s+is)\s+my\s+name\b|\bwhat\s+my\s+name\s+is\b"
        r"|\b(?:remember|forgot|forget|know|guess)\s+my\s+name\b"
        r"|\bcall\s+me\s+(?:crazy|old[\s-]fashioned|paranoid|lazy|picky|naive|biased|cynical|weird"
        r"|stubborn|a\s+\w+)\b",
        _I,
    )


@cache
def _out_of_character() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:ooc|out\s+of\s+character|for\s+real|in\s+real\s+life|irl|my\s+real\s+name)\b", _I
    )


_MASK: Final = " . "


@cache
def _masks() -> tuple[re.Pattern[str], ...]:
    """What ``prepare`` masks first, in this order: later patterns see earlier masks."""
    return (
        _code_fence(),
        _inline_code(),
        _pasted(),
        _reported(),
        _quote_line(),
        _sql(),
        _quoted(),
        _code_line(),
        _to_translate(),
        _fiction_request(),
    )


@cache
def _clause_masks() -> tuple[re.Pattern[str], ...]:
    """What ``prepare`` masks next: clauses that are not about the user as they are."""
    return (_conditional(), _as_if_i_were(), _not_about_the_user())


def prepare(text: str) -> str:
    """``text`` with code, quotes, pasted text, fiction, conditionals and aspirations masked.

    Masked spans become a sentence break, so no rule can join words across them.
    """
    text = _apostrophes().sub("'", text)
    for pattern in _masks():
        text = pattern.sub(_MASK, text)
    for pattern in _clause_masks():
        text = pattern.sub(_MASK, text)
    if _assistant_naming_cue().search(text):
        text = _assistant_naming().sub(_MASK, text)
    return _aspiration().sub(_MASK, text)


def is_in_character(text: str) -> bool:
    """Whether ``text`` reads as a line spoken in character (pirate talk, *actions*, ...)."""
    return bool(_in_character().search(text)) and not _out_of_character().search(text)


# --------------------------------------------------------------------------------------------
# Sentences and standing requests
# --------------------------------------------------------------------------------------------


@cache
def _sentence_break() -> re.Pattern[str]:
    return re.compile(r"(?<=[.!?;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """``text`` split into sentences, roughly; enough to scope one-off markers."""
    return [s for s in _sentence_break().split(text) if s.strip()]


@cache
def _one_off() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:this\s+time|for\s+now|for\s+this(?:\s+one|\s+question|\s+answer)?|just\s+this\s+once"
        r"|right\s+now|today)\b",
        _I,
    )


# "short answers in this quiz", "simple words in the kids' story": about a piece of content
# being made, not about how to answer the user.
@cache
def _content_target() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:in|for|of)\s+(?:this|that|the|my|our|a|an)\s+(?:[\w-]+'?\s+)?(?:quiz|test|exam|faq"
        r"|story|stories|email|post|letter|doc|document|article|essay|list|slides?|deck|tweet"
        r"|presentation|report|page|script|form|survey|poem|speech|card|message|caption|ad|book"
        r"|press\s+release|docs|documentation|readme|proposal|summary|bio|resume|cv|newsletter|memo"
        r"|blog|thread|comments?|invite|invitation|announcement|description|pitch|abstract|paper"
        r"|chapter|lesson|worksheet|toast|note|notes|review|sign|label|menu|flyer|brochure|wiki"
        r"|manual|guide|tutorial|course|handout|agenda|minutes|contract|policy|ticket)\b",
        _I,
    )


def first_standing(text: str, patterns: tuple[tuple[_T, re.Pattern[str]], ...]) -> _T | None:
    """The value of the first pattern matching a sentence that is not a one-off request."""
    for sentence in sentences(text):
        if _one_off().search(sentence) or _content_target().search(sentence):
            continue
        for value, pattern in patterns:
            if pattern.search(sentence):
                return value
    return None
