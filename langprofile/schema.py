"""The profile schema, its provenance, and the record every read returns.

``UserProfile`` is a plain pydantic model: subclass it to add fields. Every field must be optional
(a new user knows nothing). Field descriptions are shown to the extractor, so write them as
instructions about what belongs in the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SOURCES",
    "ProfileRecord",
    "Provenance",
    "Source",
    "Suggestion",
    "UserProfile",
]

#: Who made a write. ``user`` outranks automation: extraction and agents never overwrite it.
Source = Literal["user", "onboarding", "extracted", "agent"]
SOURCES: tuple[Source, ...] = ("user", "onboarding", "extracted", "agent")
AUTOMATED_SOURCES: frozenset[str] = frozenset({"extracted", "agent"})


class Provenance(str, Enum):
    """Where the current paragraph came from (the ladder of the provenance guard)."""

    EMPTY = "empty"
    """Nothing is known: no block is injected."""
    ONBOARDING = "onboarding"
    """Verbalized from onboarding answers."""
    EVOLVED = "evolved"
    """Verbalized from fields learned or edited since."""
    USER_AUTHORED = "user_authored"
    """Written by the user; pinned: automation never rewrites it, it leaves suggestions."""

    def __str__(self) -> str:
        return self.value


class UserProfile(BaseModel):
    """What the assistant knows about the person it is talking to.

    Record only facts the user states about themself, as standing facts or preferences. Leave a
    field empty rather than guess.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)

    name: str | None = Field(
        default=None, description="The user's own full name as they state it, e.g. 'Alice Chen'."
    )
    preferred_name: str | None = Field(
        default=None,
        description="What the user asks to be called ('call me Sam'), if different from name.",
    )
    languages: list[str] | None = Field(
        default=None,
        description="Languages the user speaks or reads, as English names ('Spanish'); not "
        "languages they only want something translated into.",
    )
    timezone: str | None = Field(
        default=None,
        description="The user's IANA timezone, e.g. 'America/New_York'; only from where they "
        "live or work, never from a trip destination.",
    )
    role: str | None = Field(
        default=None,
        description="The user's job title or position in lower case, without the employer, "
        "e.g. 'icu nurse', 'phd student'.",
    )
    organization: str | None = Field(
        default=None, description="The user's employer or school as named, e.g. 'Stripe'."
    )
    expertise_level: Literal["beginner", "intermediate", "advanced", "expert"] | None = Field(
        default=None,
        description="The user's stated level in the subject at hand; never inferred from a "
        "title or from the questions asked.",
    )
    domains: list[str] | None = Field(
        default=None,
        description="Fields the user works in, studies or teaches, lower case, e.g. 'chemistry'.",
    )
    tools: list[str] | None = Field(
        default=None,
        description="Programming languages, software, frameworks or platforms the user uses, "
        "as named, e.g. 'Python', 'Snowflake'.",
    )
    communication_style: Literal["formal", "casual", "technical", "simplified"] | None = Field(
        default=None, description="The tone the user asks for as a standing preference."
    )
    response_length: Literal["concise", "balanced", "detailed"] | None = Field(
        default=None,
        description="How long answers should be, as a standing preference (not a one-off).",
    )
    prefers_code_examples: bool | None = Field(
        default=None,
        description="True if the user wants code examples in answers, False if they ask to "
        "skip code.",
    )
    current_projects: list[str] | None = Field(
        default=None,
        description="Ongoing efforts the user is working on, short lower-case phrases, e.g. "
        "'budgeting app'; not the one-off request being made now.",
    )
    pain_points: list[str] | None = Field(
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
    suggestions: tuple[Suggestion, ...] = ()
    preamble: str = ""
    schema_version: int = 1

    @property
    def pinned(self) -> bool:
        """True while the paragraph is user-authored and automation may not rewrite it."""
        return self.provenance is Provenance.USER_AUTHORED
