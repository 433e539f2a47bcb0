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
    from .extraction.detector import SignalDetector
    from .extraction.learner import ProfileLearner
    from .extraction.manager import ExtractionResult, ProfileManager, create_profile_manager
    from .extraction.policy import Policy
    from .middleware import ProfileMiddleware

# Loaded on first use: these pull in langchain.agents and langmem (about a second of imports),
# which `import langprofile` (and the pytest plugin) should not pay for.
_LAZY = {
    "ExtractionResult": ".extraction.manager",
    "Policy": ".extraction.policy",
    "ProfileLearner": ".extraction.learner",
    "ProfileManager": ".extraction.manager",
    "ProfileMiddleware": ".middleware",
    "SignalDetector": ".extraction.detector",
    "create_profile_manager": ".extraction.manager",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'langprofile' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


try:
    __version__ = version("langprofile")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BLOCK_MESSAGE_ID",
    "ConcurrentUpdateError",
    "ExtractionResult",
    "InvalidUserIdError",
    "LangProfileError",
    "MissingDependencyError",
    "MissingUserIdError",
    "Policy",
    "ProfileInjector",
    "ProfileLearner",
    "ProfileManager",
    "ProfileMiddleware",
    "ProfileRecord",
    "ProfileStore",
    "ProfileValidationError",
    "Provenance",
    "SignalDetector",
    "Source",
    "StoreWriteError",
    "Suggestion",
    "TemplateVerbalizer",
    "UserProfile",
    "Verbalizer",
    "__version__",
    "aopen_store",
    "create_profile_manager",
    "open_store",
    "render_preamble",
]
