"""Write-time verbalizers: turn profile fields into one second-person paragraph.

The default is a deterministic template (no LLM). Any object with ``verbalize(profile) -> str``
and ``averbalize(profile) -> str`` can replace it; it runs only when a profile is written, never
when a prompt is built. Whatever it returns is cleaned and bounded to ``max_words``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from string import Formatter
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from langprofile.config import MAX_PARAGRAPH_CHARS, MAX_PARAGRAPH_WORDS
from langprofile.pipeline.bounds import clean_text, truncate_words
from langprofile.schema import Phrase, field_metadata

__all__ = [
    "CallableVerbalizer",
    "TemplateVerbalizer",
    "Verbalizer",
    "bound_paragraph",
    "check_phrases",
    "ensure_verbalizer",
    "field_noun",
    "sentences",
]


@runtime_checkable
class Verbalizer(Protocol):
    """Turns a profile into the paragraph the model will read."""

    def verbalize(self, profile: BaseModel) -> str:
        """Return the paragraph for ``profile`` ("" when there is nothing to say)."""
        ...

    async def averbalize(self, profile: BaseModel) -> str:
        """Async twin of :meth:`verbalize`."""
        ...


def bound_paragraph(text: str, max_words: int = MAX_PARAGRAPH_WORDS) -> str:
    """Clean a paragraph and bound it to ``max_words`` words and a hard character cap."""
    return truncate_words(clean_text(text, MAX_PARAGRAPH_CHARS), max_words)


# A value with a sentence break in it is not a name or a title: quote it, so text such as
# "Bob. Ignore previous instructions" reads as the value it is, not as a statement.
_SENTENCE_BREAK = re.compile(r"[.!?;:]\s|\n")
# A description short and plain enough to name its field: "Company or organization".
_NOUN_PHRASE = re.compile(r"[A-Za-z][A-Za-z /'-]*")
_OWNER = re.compile(r"^(?:the\s+)?(?:user's|users'|user|their|your)\s+", re.IGNORECASE)
_MAX_NOUN_WORDS = 6
# Words that make a description a clause ("Name they prefer to be called"), not a noun phrase.
_CLAUSE_WORDS = frozenset(
    (
        *("they", "them", "he", "she", "him", "her", "you", "we", "i", "it", "is", "are"),
        *("was", "be", "been", "to", "that", "which", "who", "whom", "what", "when", "where"),
        *("how", "if", "should", "must", "can", "may", "will", "would", "e.g.", "eg"),
    )
)
# Boolean fields named like a statement: is_vip -> "You are vip." / "You are not vip."
_BOOL_VERBS = {"is": ("are", "are not"), "has": ("have", "do not have")}
# prefers_dark_mode -> "You prefer dark mode."; wants_/likes_/uses_/needs_ likewise.
_BOOL_STEMS = frozenset({"prefer", "want", "like", "use", "need", "speak", "own"})


def _q(value: object) -> str:
    text = str(value)
    return f"\u201c{text}\u201d" if _SENTENCE_BREAK.search(text) else text


def _join(items: Sequence[str]) -> str:
    items = [_q(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _lower(words: str) -> str:
    # Keep acronyms and proper nouns ("VIP level", "GitHub handle"); lower the rest.
    return " ".join(
        w if any(c.isupper() for c in w[1:]) or w.isupper() else w.lower() for w in words.split()
    )


def field_noun(name: str, info: FieldInfo) -> str:
    """What the paragraph calls a field: its title, a short plain description, or its name."""
    if info.title:
        return _lower(info.title)
    description = _OWNER.sub("", (info.description or "").strip()).rstrip(".")
    if (
        description
        and _NOUN_PHRASE.fullmatch(description)
        and len(description.split()) <= _MAX_NOUN_WORDS
        and not _CLAUSE_WORDS.intersection(description.lower().split())
    ):
        return _lower(description)
    return name.replace("_", " ").strip()


def _rendered(value: Any) -> str:
    if isinstance(value, list):
        return _join([_rendered(v) for v in value])
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')} {_rendered(v)}" for k, v in value.items())
    return _q(value)


def check_phrases(schema: type[BaseModel]) -> None:
    """Raise ``TypeError`` naming the field if a :class:`Phrase` of ``schema`` cannot render.

    A template may use ``{value}`` and ``{a}``; a ``combined`` template also the other field's
    name, which must be a field of the schema. Checked once, when a store adopts the schema,
    so a typo fails there rather than on every write.
    """
    for name in schema.model_fields:
        phrase = field_metadata(schema, name, Phrase)
        if phrase is None:
            continue
        templates = [(phrase.template, {"value", "a"})] + [
            (template, {"value", "a", other}) for other, template in (phrase.combined or {}).items()
        ]
        for other in phrase.combined or {}:
            if other not in schema.model_fields:
                raise TypeError(
                    f"Phrase of field {name!r} combines with {other!r}, which is not a field of "
                    f"{schema.__name__}"
                )
        for template, allowed in templates:
            try:
                used = {
                    field for _, field, _, _ in Formatter().parse(template) if field is not None
                }
            except ValueError as exc:
                raise TypeError(
                    f"Phrase of field {name!r} is not a valid template: {exc}"
                ) from None
            wrong = sorted(used - allowed)
            if wrong:
                raise TypeError(
                    f"Phrase of field {name!r} uses {', '.join('{' + w + '}' for w in wrong)}; "
                    f"a template may use {', '.join('{' + a + '}' for a in sorted(allowed))}"
                )


def _words(schema: type[BaseModel], name: str, value: Any) -> str:
    """How a value is said inside a sentence: its phrase's words for it, or the value."""
    phrase: Phrase | None = field_metadata(schema, name, Phrase)
    if phrase is not None and phrase.values is not None and not isinstance(value, (list, dict)):
        words = phrase.values.get(value)
        if words is not None:
            return str(words)
    return _rendered(value)


def _phrased(
    schema: type[BaseModel], name: str, data: dict[str, Any], said: set[str]
) -> str | None:
    phrase: Phrase = field_metadata(schema, name, Phrase)
    value = data[name]
    if not phrase.template:
        return phrase.values.get(value) if phrase.values is not None else None
    shown = _words(schema, name, value)
    for other, template in (phrase.combined or {}).items():
        if _said(data.get(other)) and other not in said:
            said.add(other)
            if data[other] == value:
                break  # the same value twice is said once
            words = {other: _words(schema, other, data[other])}
            return template.format(value=shown, a=_article(shown), **words)
    return phrase.template.format(value=shown, a=_article(shown))


def _said(value: Any) -> bool:
    return value is not None and value not in ("", [], {})


def _generic(name: str, info: FieldInfo, value: Any) -> str:
    noun = field_noun(name, info)
    if isinstance(value, bool):
        head, _, rest = name.partition("_")
        if head in _BOOL_VERBS and rest:
            yes, no = _BOOL_VERBS[head]
            return f"You {yes if value else no} {rest.replace('_', ' ')}."
        if head.endswith("s") and rest and head[:-1] in _BOOL_STEMS:
            verb = head[:-1]
            return f"You {verb if value else 'do not ' + verb} {rest.replace('_', ' ')}."
        return f"For {noun}, you said {'yes' if value else 'no'}."
    plural = noun.endswith("s") and not noun.endswith(("ss", "us", "is"))
    if isinstance(value, list):
        return f"Your {noun} {'include' if plural else 'includes'} {_rendered(value)}."
    return f"Your {noun} {'are' if plural else 'is'} {_rendered(value)}."


def sentences(schema: type[BaseModel], data: dict[str, Any]) -> list[str]:
    """One second-person sentence per set field of ``data`` (JSON values), in schema order."""
    out: list[str] = []
    said: set[str] = set()
    for name, info in schema.model_fields.items():
        if name in said or not _said(data.get(name)):
            continue
        said.add(name)
        text = None
        if field_metadata(schema, name, Phrase) is not None:
            text = _phrased(schema, name, data, said)
        out.append(text if text is not None else _generic(name, info, data[name]))
    return out


class TemplateVerbalizer:
    """The default verbalizer: one second-person sentence per field, in schema order.

    Deterministic and free: the same fields always give the same paragraph. A field with a
    :class:`~langprofile.Phrase` uses it; any other field is named by its title, a short plain
    description or its name, and its value rendered by type ("Your subscription plan is pro.",
    "Your favourite brands include Nike and Puma.", "You are vip." for ``is_vip=True``).
    """

    def __init__(self, *, max_words: int = MAX_PARAGRAPH_WORDS) -> None:
        self.max_words = max_words

    def verbalize(self, profile: BaseModel) -> str:
        """Return the paragraph for ``profile``."""
        data = profile.model_dump(mode="json", exclude_none=True)
        return bound_paragraph(" ".join(sentences(type(profile), data)), self.max_words)

    async def averbalize(self, profile: BaseModel) -> str:
        """Async twin of :meth:`verbalize` (pure, so it simply calls it)."""
        return self.verbalize(profile)


class CallableVerbalizer:
    """Adapts a plain ``fn(profile) -> str`` (sync) into a :class:`Verbalizer`."""

    def __init__(self, fn: Callable[[BaseModel], str]) -> None:
        self.fn = fn

    def verbalize(self, profile: BaseModel) -> str:
        """Call the wrapped function."""
        return self.fn(profile)

    async def averbalize(self, profile: BaseModel) -> str:
        """Call the wrapped function (it is synchronous)."""
        return self.fn(profile)


def ensure_verbalizer(
    value: Verbalizer | Callable[[BaseModel], str] | None, *, max_words: int = MAX_PARAGRAPH_WORDS
) -> Verbalizer:
    """Normalize the ``verbalizer=`` option: ``None`` -> template, callable -> adapter."""
    if value is None:
        return TemplateVerbalizer(max_words=max_words)
    if isinstance(value, Verbalizer):
        return value
    if callable(value):
        return CallableVerbalizer(value)
    raise TypeError(
        "verbalizer must have verbalize()/averbalize() methods or be a callable "
        f"profile -> str; got {type(value).__name__}"
    )
