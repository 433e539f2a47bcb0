"""The profile schema, its field metadata, its provenance, and the record every read returns.

``UserProfile`` is a plain pydantic model: subclass it, or write your own model, to change the
fields. Every field must be optional (a new user knows nothing). The schema is the only list of
fields: extraction, the agent tool, the verbalizer and the CLI all read it from here.

- A field's ``description`` is shown to the extractor: write it as an instruction about what
  belongs in the field. Its ``title`` (or a short description, or the field name) names it in the
  paragraph: "Your subscription plan is enterprise."
- ``Annotated[..., Recognizer("timezone")]`` lets the offline detector fill the field directly
  from what the user says (the recognizers are listed in :data:`RECOGNIZERS`); a field without
  one is learned by the LLM extractor only.
- ``Annotated[..., Phrase("You speak {value}.")]`` gives the sentence the default verbalizer
  writes for the field.
- ``Annotated[..., Dimension()]`` makes the field a preference dimension: signals (thumbs,
  nudges, detected cues) speak to it, and the sweep re-evolves it from their fused estimate.
  An ordinal dimension's levels are its ``Literal`` values in order; a categorical one takes
  free labels or its ``Literal`` values.
- ``Annotated[..., Expires(days=90)]``: an automated value of the field stops being true that
  long after it was last confirmed; the sweep removes it (a value the user set is kept, and a
  suggestion proposes its removal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "RECOGNIZERS",
    "SOURCES",
    "Dimension",
    "DimensionSpec",
    "Expires",
    "Phrase",
    "ProfileRecord",
    "Provenance",
    "Recognizer",
    "RecognizerName",
    "Source",
    "Suggestion",
    "UserProfile",
    "dimensions",
    "expiring_fields",
    "field_metadata",
    "recognized_fields",
]

#: Who made a write. ``user`` outranks automation: extraction, agents and the signal loop
#: (``signals``: re-evolution and expiry by the sweep) never overwrite it.
Source = Literal["user", "onboarding", "extracted", "agent", "signals"]
SOURCES: tuple[Source, ...] = get_args(Source)
#: Sources that act for the user without asking: they discard what the policy refuses (and
#: never overwrite what the user set); explicit sources get an error instead.
AUTOMATED_SOURCES: frozenset[str] = frozenset({"extracted", "agent", "signals"})

#: The offline detector's recognizers: what each reads from a user's message.
RecognizerName = Literal[
    "name",
    "preferred_name",
    "languages",
    "timezone",
    "response_length",
    "expertise_level",
    "communication_style",
    "prefers_code_examples",
]
RECOGNIZERS: tuple[RecognizerName, ...] = get_args(RecognizerName)


@dataclass(frozen=True, slots=True)
class Recognizer:
    """Field metadata: the offline detector fills this field with the named recognizer.

    The value a recognizer produces: ``name``/``preferred_name`` a string; ``languages`` a list
    of English language names; ``timezone`` an IANA zone name; ``response_length`` one of
    ``concise``/``balanced``/``detailed``; ``expertise_level`` one of
    ``beginner``/``intermediate``/``advanced``/``expert``; ``communication_style`` one of
    ``formal``/``casual``/``technical``/``simplified``; ``prefers_code_examples`` a bool. A value
    the field's type does not accept is discarded, never an error.
    """

    name: RecognizerName

    def __post_init__(self) -> None:
        if self.name not in RECOGNIZERS:
            raise ValueError(
                f"unknown recognizer {self.name!r}; available: {', '.join(RECOGNIZERS)}"
            )


@dataclass(frozen=True, slots=True)
class Phrase:
    """Field metadata: the sentence the default verbalizer writes for this field.

    ``template`` may use ``{value}`` (the value; lists joined as "a, b and c") and ``{a}`` (the
    article for the value: "a" or "an"). ``values`` maps a value (an enum member, ``True``,
    ``False``) to the words put in its place, or to a whole sentence when ``template`` is empty.
    ``combined`` maps another field to a template that says both in one sentence when both are
    set (``{value}`` and ``{<other field>}``); the other field's own sentence is then skipped,
    and an identical value is said once.
    """

    template: str = ""
    values: Mapping[Any, str] | None = None
    combined: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Dimension:
    """Field metadata: the field is a preference dimension that signals speak to.

    ``kind="ordinal"`` (the default) needs a ``Literal`` field whose values are the levels in
    order, lowest first (``Literal["concise", "balanced", "detailed"]``); ``levels`` may give
    them instead. ``kind="categorical"`` takes the ``Literal`` values, or any label for a
    ``str`` field (``"statistics"``). ``question`` is the onboarding question's text.
    """

    kind: Literal["ordinal", "categorical"] = "ordinal"
    levels: tuple[str, ...] | None = None
    question: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("ordinal", "categorical"):
            raise ValueError(
                f"Dimension kind must be 'ordinal' or 'categorical', got {self.kind!r}"
            )


@dataclass(frozen=True, slots=True)
class DimensionSpec:
    """A schema's dimension resolved: its field, kind, and levels (``()`` for free labels)."""

    name: str
    kind: Literal["ordinal", "categorical"]
    levels: tuple[str, ...]
    question: str = ""


@dataclass(frozen=True, slots=True)
class Expires:
    """Field metadata: an automated value of the field is true for ``days`` after it was set."""

    days: float

    def __post_init__(self) -> None:
        if not (isinstance(self.days, (int, float)) and self.days > 0):
            raise ValueError(f"Expires(days=...) must be a positive number, got {self.days!r}")


def field_metadata(schema: type[BaseModel], name: str, kind: type[Any]) -> Any:
    """The first metadata object of type ``kind`` on field ``name`` of ``schema``, or None."""
    info = schema.model_fields.get(name)
    if info is None:
        return None
    for item in info.metadata:
        if isinstance(item, kind):
            return item
    return None


def recognized_fields(schema: type[BaseModel]) -> dict[RecognizerName, str]:
    """Recognizer name -> the field of ``schema`` it fills (the first field that asks for it)."""
    out: dict[RecognizerName, str] = {}
    for name in schema.model_fields:
        found = field_metadata(schema, name, Recognizer)
        if found is not None and found.name not in out:
            out[found.name] = name
    return out


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """The string values of a ``Literal`` inside ``annotation`` (``Literal[...] | None``)."""
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is Literal:
            return tuple(str(v) for v in get_args(arg))
    return ()


def dimensions(schema: type[BaseModel]) -> dict[str, DimensionSpec]:
    """The dimensions ``schema`` declares, by field name; ``ValueError`` names a bad one."""
    out: dict[str, DimensionSpec] = {}
    for name, info in schema.model_fields.items():
        found = field_metadata(schema, name, Dimension)
        if found is None:
            continue
        levels = found.levels or _literal_values(info.annotation)
        if found.kind == "ordinal" and len(levels) < 2:
            raise ValueError(
                f"{schema.__name__}.{name} is an ordinal Dimension but has no levels: give it a "
                "Literal type with the levels in order, or Dimension(levels=(...))"
            )
        out[name] = DimensionSpec(name, found.kind, tuple(levels), found.question)
    return out


def expiring_fields(schema: type[BaseModel]) -> dict[str, float]:
    """Field name -> days an automated value stays true, for the fields that expire."""
    out: dict[str, float] = {}
    for name in schema.model_fields:
        found = field_metadata(schema, name, Expires)
        if found is not None:
            out[name] = float(found.days)
    return out


class Provenance(StrEnum):
    """Where the current paragraph came from (the ladder of the provenance guard)."""

    EMPTY = "empty"
    """Nothing is known: no block is injected."""
    ONBOARDING = "onboarding"
    """Verbalized from onboarding answers."""
    EVOLVED = "evolved"
    """Verbalized from fields learned or edited since."""
    USER_AUTHORED = "user_authored"
    """Written by the user; pinned: automation never rewrites it, it leaves suggestions."""


_LENGTHS = {
    "concise": "short, concise answers",
    "balanced": "answers of moderate length",
    "detailed": "detailed, thorough answers",
}
_STYLES = {
    "formal": "a formal tone",
    "casual": "a casual tone",
    "technical": "technical, precise language",
    "simplified": "plain, simplified explanations",
}


_TONES = {
    "formal": "a formal tone",
    "neutral": "a neutral tone",
    "casual": "a casual, relaxed tone",
}
_DENSITIES = {
    "plain": "You like plain words, with technical terms explained.",
    "balanced": "You like a balance of plain language and technical terms.",
    "dense": "You like dense, technical prose that assumes the terms.",
}
_MATH = {
    "low": "You prefer explanations without heavy math.",
    "medium": "You are comfortable with some math in explanations.",
    "high": "You are comfortable with formulas, notation and derivations.",
}


class UserProfile(BaseModel):
    """What the assistant knows about the person it is talking to.

    Record only facts the user states about themself, as standing facts or preferences. Leave a
    field empty rather than guess.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)

    name: Annotated[
        str | None,
        Recognizer("name"),
        Phrase(
            "Your name is {value}.",
            combined={
                "preferred_name": "Your name is {value}, and you like to be called "
                "{preferred_name}."
            },
        ),
    ] = Field(
        default=None, description="The user's own full name as they state it, e.g. 'Alice Chen'."
    )
    preferred_name: Annotated[
        str | None, Recognizer("preferred_name"), Phrase("You like to be called {value}.")
    ] = Field(
        default=None,
        description="What the user asks to be called ('call me Sam'), if different from name.",
    )
    role: Annotated[
        str | None,
        Phrase(
            "You work as {a} {value}.",
            combined={"organization": "You work as {a} {value} at {organization}."},
        ),
    ] = Field(
        default=None,
        description="The user's job title or position in lower case, without the employer, "
        "e.g. 'icu nurse', 'phd student'.",
    )
    organization: Annotated[str | None, Phrase("You work or study at {value}.")] = Field(
        default=None, description="The user's employer or school as named, e.g. 'Stripe'."
    )
    domains: Annotated[list[str] | None, Phrase("Your fields are {value}.")] = Field(
        default=None,
        description="Fields the user works in, studies or teaches, lower case, e.g. 'chemistry'.",
    )
    expertise_level: Annotated[
        Literal["beginner", "intermediate", "advanced", "expert"] | None,
        Recognizer("expertise_level"),
        Dimension(question="What is your level in the subjects you ask about?"),
        Phrase("You describe your expertise as {value}."),
    ] = Field(
        default=None,
        description="The user's stated level in the subject at hand; never inferred from a "
        "title or from the questions asked.",
    )
    tools: Annotated[list[str] | None, Phrase("You use {value}.")] = Field(
        default=None,
        description="Programming languages, software, frameworks or platforms the user uses, "
        "as named, e.g. 'Python', 'Snowflake'.",
    )
    languages: Annotated[
        list[str] | None, Recognizer("languages"), Phrase("You speak {value}.")
    ] = Field(
        default=None,
        description="Languages the user speaks or reads, as English names ('Spanish'); not "
        "languages they only want something translated into.",
    )
    timezone: Annotated[str | None, Recognizer("timezone"), Phrase("Your timezone is {value}.")] = (
        Field(
            default=None,
            description="The user's IANA timezone, e.g. 'America/New_York'; only from where they "
            "live or work, never from a trip destination.",
        )
    )
    communication_style: Annotated[
        Literal["formal", "casual", "technical", "simplified"] | None,
        Recognizer("communication_style"),
        Phrase(
            "You prefer {value}.",
            values=_STYLES,
            combined={"response_length": "You prefer {response_length} and {value}."},
        ),
    ] = Field(default=None, description="The tone the user asks for as a standing preference.")
    response_length: Annotated[
        Literal["concise", "balanced", "detailed"] | None,
        Recognizer("response_length"),
        Dimension(question="How long should answers be?"),
        Phrase("You prefer {value}.", values=_LENGTHS),
    ] = Field(
        default=None,
        description="How long answers should be, as a standing preference (not a one-off).",
    )
    tone: Annotated[
        Literal["formal", "neutral", "casual"] | None,
        Dimension(question="What tone should answers take?"),
        Phrase("You like {value}.", values=_TONES),
    ] = Field(default=None, description="The register answers should take, formal to casual.")
    density: Annotated[
        Literal["plain", "balanced", "dense"] | None,
        Dimension(question="How dense should explanations be?"),
        Phrase(values=_DENSITIES),
    ] = Field(
        default=None,
        description="How much each sentence may carry: plain words and terms explained, to "
        "dense technical prose.",
    )
    math_comfort: Annotated[
        Literal["low", "medium", "high"] | None,
        Dimension(question="How comfortable are you with math in explanations?"),
        Phrase(values=_MATH),
    ] = Field(default=None, description="How much mathematics answers may use.")
    domain: Annotated[
        str | None,
        Dimension("categorical", question="Which field should examples and terms come from?"),
        Phrase("You want examples and terms from {value}."),
    ] = Field(
        default=None,
        description="The field answers should draw examples and vocabulary from, lower case, "
        "e.g. 'statistics'.",
    )
    reply_language: Annotated[
        str | None,
        Dimension("categorical", question="Which language should answers be written in?"),
        Phrase("You want answers written in {value}."),
    ] = Field(
        default=None,
        description="The language answers should be written in, as an English name ('Spanish').",
    )
    prefers_code_examples: Annotated[
        bool | None,
        Recognizer("prefers_code_examples"),
        Phrase(
            values={
                True: "You want code examples in answers.",
                False: "You prefer explanations without code examples.",
            }
        ),
    ] = Field(
        default=None,
        description="True if the user wants code examples in answers, False if they ask to "
        "skip code.",
    )
    current_projects: Annotated[
        list[str] | None, Expires(days=90), Phrase("You are currently working on {value}.")
    ] = Field(
        default=None,
        description="Ongoing efforts the user is working on, short lower-case phrases, e.g. "
        "'budgeting app'; not the one-off request being made now.",
    )
    pain_points: Annotated[
        list[str] | None, Expires(days=120), Phrase("You often struggle with {value}.")
    ] = Field(
        default=None,
        description="Recurring struggles the user describes, short lower-case phrases, e.g. "
        "'regex'; not a single error being debugged now.",
    )


P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Suggestion:
    """A change automation proposed but did not apply (a user-set field, or a pinned paragraph).

    ``kind`` is ``"field"`` (``field`` and ``value`` say what would change) or ``"paragraph"``
    (``value`` is the paragraph the fields would now verbalize to).
    """

    id: str
    kind: Literal["field", "paragraph"]
    field: str | None
    value: Any
    source: Source
    reason: str
    created_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The JSON-serializable form stored in the record."""
        return {
            "id": self.id,
            "kind": self.kind,
            "field": self.field,
            "value": self.value,
            "source": self.source,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class ProfileRecord(Generic[P]):
    """One user's profile as stored: fields, the verbalized paragraph and how it came to be.

    Records are immutable snapshots; write through :class:`~langprofile.ProfileStore`.
    """

    user_id: str
    profile: P
    paragraph: str
    provenance: Provenance
    version: int
    updated_at: dt.datetime
    created_at: dt.datetime
    field_sources: dict[str, Source] = field(default_factory=dict)
    field_times: dict[str, dt.datetime] = field(default_factory=dict)
    """When each field was last set or confirmed (what expiry counts from)."""
    suggestions: tuple[Suggestion, ...] = ()
    preamble: str = ""
    schema_version: int = 1

    @property
    def pinned(self) -> bool:
        """True while the paragraph is user-authored and automation may not rewrite it."""
        return self.provenance is Provenance.USER_AUTHORED
