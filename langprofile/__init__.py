"""langprofile: a durable, typed model of each user for LangGraph agents.

One profile per user in any langgraph ``BaseStore``, written through one writer
(:class:`ProfileStore`), read through one canonical read, and injected before model calls by
:class:`ProfileInjector` (a node, a ``pre_model_hook``, or ``create_agent`` middleware).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .errors import (
    ConcurrentUpdateError,
    InvalidUserIdError,
    LangProfileError,
    MissingDependencyError,
    MissingUserIdError,
    ProfileValidationError,
    StoreWriteError,
)
from .nodes import BLOCK_MESSAGE_ID, ProfileInjector
from .pipeline.verbalize import TemplateVerbalizer, Verbalizer
from .preamble import render_preamble
from .schema import ProfileRecord, Provenance, Source, Suggestion, UserProfile
from .store.backends import aopen_store, open_store
from .store.profiles import ProfileStore

if TYPE_CHECKING:
    from .middleware import ProfileMiddleware


def __getattr__(name: str) -> Any:
    # The middleware pulls in langchain.agents (~1 s); load it only when someone asks for it, so
    # `import langprofile` (and the pytest plugin) stays light.
    if name == "ProfileMiddleware":
        from .middleware import ProfileMiddleware

        return ProfileMiddleware
    raise AttributeError(f"module 'langprofile' has no attribute {name!r}")


try:
    __version__ = version("langprofile")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BLOCK_MESSAGE_ID",
    "ConcurrentUpdateError",
    "InvalidUserIdError",
    "LangProfileError",
    "MissingDependencyError",
    "MissingUserIdError",
    "ProfileInjector",
    "ProfileMiddleware",
    "ProfileRecord",
    "ProfileStore",
    "ProfileValidationError",
    "Provenance",
    "Source",
    "StoreWriteError",
    "Suggestion",
    "TemplateVerbalizer",
    "UserProfile",
    "Verbalizer",
    "__version__",
    "aopen_store",
    "open_store",
    "render_preamble",
]
