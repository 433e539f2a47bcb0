"""Offline, rule-based detection of profile facts in one user turn.

``SignalDetector`` runs regular expressions over a single user message. It has two jobs:

- ``detect`` returns the few fields it can read with high precision (names, languages, timezone
  and answer preferences), normalized like :class:`langprofile.schema.UserProfile` stores them;
- ``is_relevant`` is the cheap gate in front of the LLM extractor: it says whether the turn
  probably states, changes or retracts any profile fact about the user, and favours recall.

Both look at one turn only, need no network and no model, and use the standard library only.
Before any rule runs, the text is cleaned so that rules never see material that is not a
statement about the user: code blocks, inline code, code-like lines and SQL, quoted and pasted
text, conditional clauses ("if I lived in Tokyo, ..."), aspirations ("thinking about learning
Rust"), role-play set-ups ("you're an angry customer and I'm Dave") and clauses that name the
assistant ("I'll call you Jarvis"). Turns that read as role-play are ignored altogether.

The rules live in one module per kind of fact: ``names``, ``languages``, ``places``
(timezone), ``preferences`` (answer length, style, code examples), ``expertise`` and ``gate``;
``_text`` holds the cleaning and shared helpers, and ``_tables`` reads the word lists and
tables in ``data/``. Importing the package compiles nothing: each pattern is compiled, and each
data file read, once, the first time a rule needs it, so the first calls pay that cost (a few
tenths of a second in all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Final

from langprofile.extraction.detector._text import is_in_character, prepare
from langprofile.extraction.detector.expertise import detect_expertise
from langprofile.extraction.detector.gate import gate_hits
from langprofile.extraction.detector.languages import detect_languages
from langprofile.extraction.detector.names import detect_name, detect_preferred_name
from langprofile.extraction.detector.places import detect_timezone
from langprofile.extraction.detector.preferences import (
    communication_style,
    prefers_code_examples,
    response_length,
)
from langprofile.extraction.detector.retractions import retractions
from langprofile.extraction.detector.speaker import about_user
from langprofile.schema import RECOGNIZERS

__all__ = ["DIRECT_FIELDS", "MAX_ANALYZED_CHARS", "Assessment", "SignalDetector"]

#: Longest text analyzed in one turn. A longer message (a pasted document, a log) is analyzed
#: by its first and last parts, where people say who they are and what they want; the middle
#: is not read by the rules (the LLM extractor still sees the whole turn when the gate fires).
MAX_ANALYZED_CHARS: Final = 4000
_HEAD: Final = 3000


def _bounded(text: str) -> str:
    if len(text) <= MAX_ANALYZED_CHARS:
        return text
    return f"{text[:_HEAD]}\n\n{text[-(MAX_ANALYZED_CHARS - _HEAD) :]}"


@dataclass(frozen=True)
class Assessment:
    """What the rules read in one user turn."""

    facts: dict[str, object] = field(default_factory=dict)
    """Recognizer -> value stated directly (see :data:`DIRECT_FIELDS`)."""
    retracts: dict[str, object] = field(default_factory=dict)
    """Recognizer -> what the user took back: list items, or the value no longer true."""
    relevant: bool = False
    """The gate: worth an LLM extraction now."""
    about_user: bool = False
    """The turn talks about its writer; if the gate skipped it, the safety net holds it."""


#: The fields ``SignalDetector.detect`` can return (its recognizers); it never returns any other.
DIRECT_FIELDS: Final[tuple[str, ...]] = RECOGNIZERS


def _detect_all(clean: str) -> dict[str, object]:
    """Every field the rules find in already-cleaned text."""
    name = detect_name(clean)
    values: tuple[tuple[str, object], ...] = (
        ("name", name),
        ("preferred_name", detect_preferred_name(clean, has_name=name is not None)),
        ("languages", detect_languages(clean) or None),
        ("timezone", detect_timezone(clean)),
        ("response_length", response_length(clean)),
        ("expertise_level", detect_expertise(clean)),
        ("communication_style", communication_style(clean)),
        ("prefers_code_examples", prefers_code_examples(clean)),
    )
    return {field: value for field, value in values if value is not None}


class SignalDetector:
    """Rule-based detector of profile facts in one user turn; offline, stateless, cheap.

    ``detect`` favours precision: it returns only what a rule can read directly, normalized as
    :class:`~langprofile.schema.UserProfile` stores it. ``is_relevant`` favours recall: use it to
    decide whether to run the LLM extractor on the turn. Instances hold no state and are safe to
    share between threads.
    """

    fields: ClassVar[tuple[str, ...]] = DIRECT_FIELDS
    """The keys ``detect`` may return."""

    def detect(self, text: str) -> dict[str, object]:
        """Profile fields stated directly in ``text``, keyed by field name.

        Values are normalized: ``languages`` is a list of English names, ``timezone`` an IANA
        name that ``zoneinfo`` can load, ``response_length``, ``expertise_level`` and
        ``communication_style`` are enum values of the schema, ``prefers_code_examples`` a
        bool. Fields not found are absent. Text the user quotes, pastes or writes as code, and
        turns spoken in character, yield nothing.
        """
        return self.assess(text).facts

    def is_relevant(self, text: str) -> bool:
        """Whether ``text`` probably states, changes or retracts a profile fact about the user.

        Tuned for recall: a False means the LLM extractor can safely skip the turn; a True
        only means it is worth a look. Quoted text, code, conditionals and role-play do not
        count.
        """
        return self.analyze(text)[1]

    def analyze(self, text: str) -> tuple[dict[str, object], bool]:
        """``(detect(text), is_relevant(text))`` in one pass over the text."""
        found = self.assess(text)
        return found.facts, found.relevant

    def assess(self, text: str) -> Assessment:
        """Everything the rules read in ``text``, in one pass: facts, retractions, the gate and
        whether the turn talks about the user. Messages longer than
        :data:`MAX_ANALYZED_CHARS` are read by their first and last parts."""
        text = _bounded(text)
        if is_in_character(text):
            return Assessment()
        clean = prepare(text)
        retracts, clean = retractions(clean)
        facts = _detect_all(clean)
        relevant = bool(facts or retracts) or gate_hits(clean, text)
        return Assessment(facts, retracts, relevant, relevant or about_user(clean))
