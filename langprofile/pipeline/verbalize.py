"""Write-time verbalizers: turn profile fields into one second-person paragraph.

The default is a deterministic template (no LLM). Any object with ``verbalize(profile) -> str``
and ``averbalize(profile) -> str`` can replace it; it runs only when a profile is written, never
when a prompt is built. Whatever it returns is cleaned and bounded to ``max_words``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from langprofile.config import MAX_PARAGRAPH_CHARS, MAX_PARAGRAPH_WORDS
from langprofile.pipeline.bounds import clean_text, truncate_words

__all__ = [
    "CallableVerbalizer",
    "TemplateVerbalizer",
    "Verbalizer",
    "bound_paragraph",
    "ensure_verbalizer",
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


_STYLE = {
    "formal": "a formal tone",
    "casual": "a casual tone",
    "technical": "technical, precise language",
    "simplified": "plain, simplified explanations",
}
_LENGTH = {
    "concise": "short, concise answers",
    "balanced": "answers of moderate length",
    "detailed": "detailed, thorough answers",
}


class TemplateVerbalizer:
    """The default verbalizer: fixed sentences for the default fields, a generic one for others.

    Deterministic and free: the same fields always give the same paragraph. Fields of a custom
    schema are rendered as "Your <field title>: <value>." using the field's title.
    """

    def __init__(self, *, max_words: int = MAX_PARAGRAPH_WORDS) -> None:
        self.max_words = max_words

    def verbalize(self, profile: BaseModel) -> str:
        """Return the paragraph for ``profile``."""
        data = profile.model_dump(mode="json", exclude_none=True)
        data = {k: v for k, v in data.items() if v not in ("", [], {})}
        sentences = _known_sentences(data)
        fields = type(profile).model_fields
        for key, value in data.items():
            if key in _KNOWN:
                continue
            info = fields.get(key)
            title = (info.title if info and info.title else key.replace("_", " ")).lower()
            if isinstance(value, list):
                rendered = _join([str(v) for v in value])
            elif isinstance(value, bool):
                rendered = "yes" if value else "no"
            else:
                rendered = _q(value)
            sentences.append(f"Your {title}: {rendered}.")
        return bound_paragraph(" ".join(sentences), self.max_words)

    async def averbalize(self, profile: BaseModel) -> str:
        """Async twin of :meth:`verbalize` (pure, so it simply calls it)."""
        return self.verbalize(profile)


_KNOWN = frozenset(
    {
        "name",
        "preferred_name",
        "languages",
        "timezone",
        "role",
        "organization",
        "expertise_level",
        "domains",
        "tools",
        "communication_style",
        "response_length",
        "prefers_code_examples",
        "current_projects",
        "pain_points",
    }
)


def _opt(value: object) -> str | None:
    return None if value is None else _q(value)


def _known_sentences(d: dict[str, Any]) -> list[str]:  # noqa: PLR0912 - one branch per field reads best
    out: list[str] = []
    name, preferred = _opt(d.get("name")), _opt(d.get("preferred_name"))
    if name and preferred and preferred != name:
        out.append(f"Your name is {name}, and you like to be called {preferred}.")
    elif name:
        out.append(f"Your name is {name}.")
    elif preferred:
        out.append(f"You like to be called {preferred}.")
    role, org = _opt(d.get("role")), _opt(d.get("organization"))
    if role and org:
        out.append(f"You work as {_article(role)} {role} at {org}.")
    elif role:
        out.append(f"You work as {_article(role)} {role}.")
    elif org:
        out.append(f"You work at {org}.")
    if d.get("domains"):
        out.append(f"Your fields are {_join(d['domains'])}.")
    if d.get("expertise_level"):
        out.append(f"You describe your expertise as {d['expertise_level']}.")
    if d.get("tools"):
        out.append(f"You use {_join(d['tools'])}.")
    if d.get("languages"):
        out.append(f"You speak {_join(d['languages'])}.")
    if d.get("timezone"):
        out.append(f"Your timezone is {d['timezone']}.")
    prefs: list[str] = []
    if d.get("response_length"):
        prefs.append(_LENGTH.get(d["response_length"], str(d["response_length"])))
    if d.get("communication_style"):
        prefs.append(_STYLE.get(d["communication_style"], str(d["communication_style"])))
    if prefs:
        out.append(f"You prefer {_join(prefs)}.")
    code = d.get("prefers_code_examples")
    if code is True:
        out.append("You want code examples in answers.")
    elif code is False:
        out.append("You prefer explanations without code examples.")
    if d.get("current_projects"):
        out.append(f"You are currently working on {_join(d['current_projects'])}.")
    if d.get("pain_points"):
        out.append(f"You often struggle with {_join(d['pain_points'])}.")
    return out


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
