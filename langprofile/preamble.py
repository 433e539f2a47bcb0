"""Render the ``<User Profile>`` block from a stored paragraph. Pure; runs at write time.

The paragraph may hold anything a user or an extractor wrote, so rendering neutralizes what could
break out of the block or pose as another speaker: angle brackets become look-alike guillemets (no
tag can be opened or closed), chat-template tokens and role markers at the start of a line are
defused, and control characters are dropped. The block is therefore always exactly one
well-formed ``<User Profile>`` … ``</User Profile>`` pair.
"""

from __future__ import annotations

import re
import unicodedata

from langprofile.config import MAX_PARAGRAPH_CHARS
from langprofile.pipeline.bounds import clean_text

__all__ = ["BLOCK_CLOSE", "BLOCK_OPEN", "neutralize", "render_preamble", "with_memories"]

BLOCK_OPEN = "<User Profile>"
BLOCK_CLOSE = "</User Profile>"

# Look-alike guillemets keep the text readable while no tag can be formed.
_LT, _GT = "\u2039", "\u203a"
# Look-alike angle brackets read as tags to a model: fold them first (NFKC folds the full-width
# and small forms). The guillemets we write ourselves are among them, so stored text cannot
# smuggle a ready-made "\u2039/User Profile\u203a" past the defusing below.
_LOOKALIKES = str.maketrans(
    dict.fromkeys("\u2039\u02c2\u276e\u276c\u2770\u3008\u27e8\u2329\u1438\u29fc\u00ab", "<")
    | dict.fromkeys("\u203a\u02c3\u276f\u276d\u2771\u3009\u27e9\u232a\u1433\u29fd\u00bb", ">")
)
# A tag naming the block, opened or closed, however spaced: removed outright.
_BLOCK_TAG = re.compile(r"<\s*/?\s*user\s*_?\s*profile\s*/?\s*>", re.IGNORECASE)
# Chat-template control tokens of common model families (<|im_start|>, [INST], <<SYS>>, ...).
_TEMPLATE_TOKENS = re.compile(r"<\|[^|>]{0,40}\|>|\[/?INST\]|<</?SYS>>|<s>|</s>", re.IGNORECASE)
# A line that opens like a transcript turn or a prompt section, e.g. "System:" or "### Instruction".
_ROLE_LINE = re.compile(
    r"^(\s*)(#{1,6}\s*)?(system|assistant|user|human|ai|developer|tool|instructions?)(\s*[:>])",
    re.IGNORECASE | re.MULTILINE,
)


def neutralize(text: str) -> str:
    """Make untrusted profile text safe to place inside the block (see module docstring)."""
    # NFKC first: a full-width "SYSTEM:" must be matched as the "SYSTEM:" a model reads.
    text = clean_text(unicodedata.normalize("NFKC", text), MAX_PARAGRAPH_CHARS)
    text = _BLOCK_TAG.sub(" ", text.translate(_LOOKALIKES))
    text = _TEMPLATE_TOKENS.sub(" ", text)
    text = text.replace("<", _LT).replace(">", _GT)
    text = _ROLE_LINE.sub(lambda m: f"{m.group(1)}(quoted) {m.group(3)}{m.group(4)}", text)
    lines = (re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).strip()


def render_preamble(paragraph: str) -> str:
    """The complete block for ``paragraph``, or ``""`` when there is nothing to say."""
    if not isinstance(paragraph, str):
        raise TypeError(f"render_preamble takes the paragraph text, got {type(paragraph).__name__}")
    body = neutralize(paragraph)
    if not body:
        return ""
    return f"{BLOCK_OPEN}\n{body}\n{BLOCK_CLOSE}"


MEMORIES_HEADING = "Things you remember about them that may be relevant now:"


def _tokens(text: str) -> int:
    # A provider-neutral estimate: about four characters per token for English text.
    return max(1, (len(text) + 3) // 4)


def with_memories(block: str, memories: list[str], *, max_tokens: int) -> str:
    """``block`` with ``memories`` listed inside it, before the closing tag, within a budget.

    Memories are neutralized like the paragraph and added best first while the estimated token
    count of the added lines stays within ``max_tokens``. An empty block stays empty: with no
    profile there is no block to add to.
    """
    if not block or not memories or max_tokens <= 0:
        return block
    lines: list[str] = []
    used = _tokens(MEMORIES_HEADING)
    for memory in memories:
        line = "- " + neutralize(memory).replace("\n", " ")
        cost = _tokens(line)
        if line == "- " or used + cost > max_tokens:
            continue
        lines.append(line)
        used += cost
    if not lines:
        return block
    body = block[: -len(BLOCK_CLOSE)].rstrip("\n")
    return f"{body}\n\n{MEMORIES_HEADING}\n" + "\n".join(lines) + f"\n{BLOCK_CLOSE}"
