"""Every LLM-facing string of extraction, in one place."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = [
    "PROFILE_INSTRUCTIONS",
    "UPDATE_TOOL_DESCRIPTION",
    "field_guide",
    "profile_instructions",
    "update_tool_description",
]

PROFILE_INSTRUCTIONS = """\
Maintain the profile of the user in this conversation: one document, updated in place.
Record only what the user states about themself as a standing fact or preference. Never record
facts about other people, hypotheticals, quoted or pasted text, code, role-play characters, trip
destinations, or one-off requests. If the user corrects or retracts something, change or clear it.
Never record secrets or identifiers: passwords, card numbers, national ids, API keys or tokens.
If nothing about the user changed, make no changes."""

UPDATE_TOOL_DESCRIPTION = """\
Update the profile of the user you are talking to when they state a standing fact or preference
about themself ({fields}). Pass only the fields that change; use null to clear a field the user
retracted."""


def field_guide(schema: type[BaseModel]) -> str:
    """The schema's fields, types and descriptions as a compact list for the model.

    langmem shows only the current document when it asks for patches; without this the model
    would not know which fields exist or what belongs in them.
    """
    lines = []
    for name, info in schema.model_fields.items():
        annotation = str(info.annotation).replace("typing.", "").replace("NoneType", "None")
        description = f": {info.description}" if info.description else ""
        lines.append(f"- {name} ({annotation}){description}")
    doc = (schema.__doc__ or "").strip()
    head = f"{schema.__name__}: {doc}\n" if doc else ""
    return head + "Fields:\n" + "\n".join(lines)


def profile_instructions(schema: type[BaseModel], extra: str | None = None) -> str:
    """The full instructions given to the profile extractor in every mode."""
    parts = [PROFILE_INSTRUCTIONS, field_guide(schema)]
    if extra:
        parts.append(extra.strip())
    return "\n\n".join(parts)


def update_tool_description(schema: type[BaseModel]) -> str:
    """The ``update_user_profile`` tool's description, naming the schema's own fields."""
    names = ", ".join(name.replace("_", " ") for name in schema.model_fields)
    return UPDATE_TOOL_DESCRIPTION.format(fields=names)
