"""User ids to namespace labels: one reversible, injective encoding used on every path.

LangGraph forbids ``.`` in namespace labels, and the SQL backends match namespace prefixes with
``LIKE``, where ``%`` and ``_`` are wildcards. The encoding keeps ``[A-Za-z0-9-]`` as is and writes
every other byte of the UTF-8 form as ``~xx`` (two lower-case hex digits), so a label contains only
``[A-Za-z0-9~-]``. It is a prefix code, hence injective: two ids never share a label.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from functools import lru_cache
from typing import Final

from langprofile.config import (
    MAX_USER_ID_CHARS,
    MEMORIES_LEAF,
    PROFILE_LEAF,
    THREADS_LEAF,
    USERS_ROOT,
)
from langprofile.errors import InvalidUserIdError

__all__ = [
    "decode_label",
    "encode_user_id",
    "learner_thread_id",
    "memories_namespace",
    "profile_namespace",
    "threads_namespace",
    "user_namespace",
    "validate_user_id",
]

_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_LABEL = re.compile(r"(?:[A-Za-z0-9-]|~[0-9a-f]{2})+")


# Characters no id should hold: controls (NUL included), format characters (invisible), line
# and paragraph separators, and lone surrogates.
_NOT_IN_IDS = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def validate_user_id(user_id: object) -> str:
    """The id in its canonical form (Unicode NFC), or ``InvalidUserIdError``.

    Any printable text of at most 256 characters is an id; the NFC and NFD spellings of one
    name are the same user. Refused: a non-string, an empty or whitespace-only id, and ids
    holding control or invisible format characters (NUL, zero-width spaces, bidi controls).
    """
    if not isinstance(user_id, str):
        raise InvalidUserIdError(
            f"user_id must be a str, got {type(user_id).__name__}: {repr(user_id)[:60]}"
        )
    if not user_id or user_id.isspace():
        raise InvalidUserIdError("user_id must be a non-empty string that is not all whitespace")
    if len(user_id) > MAX_USER_ID_CHARS:
        raise InvalidUserIdError(
            f"user_id is {len(user_id)} characters; at most {MAX_USER_ID_CHARS} are allowed"
        )
    if not user_id.isprintable() and any(
        unicodedata.category(ch) in _NOT_IN_IDS for ch in user_id if not ch.isprintable()
    ):
        raise InvalidUserIdError(
            f"user_id holds a control or invisible character: {repr(user_id)[:60]}"
        )
    if user_id.isascii():
        return user_id
    return unicodedata.normalize("NFC", user_id)


@lru_cache(maxsize=65_536)
def encode_user_id(user_id: str) -> str:
    """Encode a user id as a namespace label (``alice@x.io`` -> ``alice~40x~2eio``)."""
    user_id = validate_user_id(user_id)
    try:
        raw = user_id.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates cannot be stored by any backend
        raise InvalidUserIdError(f"user_id is not valid unicode: {user_id!r:.60}") from exc
    if all(b in _SAFE for b in raw):
        return user_id
    return "".join(chr(b) if b in _SAFE else f"~{b:02x}" for b in raw)


def decode_label(label: str) -> str:
    """Invert :func:`encode_user_id`; raise ``ValueError`` for a label it cannot have produced."""
    if not _LABEL.fullmatch(label):
        raise ValueError(f"not a langprofile user label: {label!r:.60}")
    out = bytearray()
    i = 0
    while i < len(label):
        if label[i] == "~":
            out.append(int(label[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(ord(label[i]))
            i += 1
    return out.decode("utf-8")


@lru_cache(maxsize=65_536)
def _namespaces(user_id: str) -> tuple[tuple[str, str], tuple[str, str, str], tuple[str, str, str]]:
    label = encode_user_id(user_id)
    return (
        (USERS_ROOT, label),
        (USERS_ROOT, label, PROFILE_LEAF),
        (USERS_ROOT, label, MEMORIES_LEAF),
    )


def _cached(user_id: str) -> tuple[tuple[str, str], tuple[str, str, str], tuple[str, str, str]]:
    try:
        return _namespaces(user_id)
    except TypeError:  # unhashable ids never reach the cache; report them like any bad id
        validate_user_id(user_id)
        raise


def user_namespace(user_id: str) -> tuple[str, str]:
    """``("users", <label>)``: the prefix under which everything about one user is stored."""
    return _cached(user_id)[0]


def profile_namespace(user_id: str) -> tuple[str, str, str]:
    """``("users", <label>, "profile")``: where the single profile item lives."""
    try:  # inlined cache hit: this runs on every model call
        return _namespaces(user_id)[1]
    except TypeError:
        validate_user_id(user_id)
        raise


def threads_namespace(user_id: str) -> tuple[str, str, str]:
    """``("users", <label>, "threads")``: the threads whose state holds the user's block."""
    return (*user_namespace(user_id), THREADS_LEAF)


def memories_namespace(user_id: str) -> tuple[str, str, str]:
    """``("users", <label>, "memories")``: the free-form memory collection."""
    return _cached(user_id)[2]


_LEARNER_THREADS: Final = uuid.UUID("5a0c1e2f-6b1d-4c55-9a43-7d1c0f2b8e61")


def learner_thread_id(user_id: str) -> str:
    """The id of the user's learner thread on a LangGraph server, the same in every worker."""
    return str(uuid.uuid5(_LEARNER_THREADS, f"langprofile-learner:{user_id}"))
