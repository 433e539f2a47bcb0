"""langprofile: a durable, typed model of each user for LangGraph agents.

One profile per user in any langgraph ``BaseStore``, written through one writer
(:class:`ProfileStore`), read through one canonical read, and injected before model calls by
:class:`ProfileInjector` (a node, a ``pre_model_hook``, or ``create_agent`` middleware).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from langprofile.errors import (
    ConcurrentUpdateError,
    ForeignDataError,
    InvalidUserIdError,
    LangProfileError,
    MissingDependencyError,
    MissingStoreError,
    MissingUserIdError,
    ProfileValidationError,
    StoreReadError,
    StoreWriteError,
    UserIdMismatchError,
)
from langprofile.nodes import BLOCK_MESSAGE_ID, ProfileInjector
from langprofile.pipeline.verbalize import TemplateVerbalizer, Verbalizer
from langprofile.preamble import render_preamble
from langprofile.schema import (
    RECOGNIZERS,
    Phrase,
    ProfileRecord,
    Provenance,
    Recognizer,
    Source,
    Suggestion,
    UserProfile,
)
from langprofile.store.backends import aopen_store, open_store
from langprofile.store.profiles import ProfileStore

if TYPE_CHECKING:
    from langprofile.extraction.detector import SignalDetector
    from langprofile.extraction.learner import ProfileLearner
    from langprofile.extraction.manager import (
        ExtractionResult,
        ProfileManager,
        create_profile_manager,
    )
    from langprofile.extraction.memories import MemoryCollection, create_memory_collection
    from langprofile.middleware import ProfileMiddleware
    from langprofile.pipeline.policy import Policy
    from langprofile.tools import create_search_memory_tool

# Loaded on first use: these pull in langchain.agents and langmem (about a second of imports),
# which `import langprofile` (and the pytest plugin) should not pay for.
_LAZY = {
    "ExtractionResult": "langprofile.extraction.manager",
    "MemoryCollection": "langprofile.extraction.memories",
    "Policy": "langprofile.pipeline.policy",
    "ProfileLearner": "langprofile.extraction.learner",
    "ProfileManager": "langprofile.extraction.manager",
    "ProfileMiddleware": "langprofile.middleware",
    "SignalDetector": "langprofile.extraction.detector",
    "create_memory_collection": "langprofile.extraction.memories",
    "create_profile_manager": "langprofile.extraction.manager",
    "create_search_memory_tool": "langprofile.tools",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'langprofile' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


try:
    __version__ = version("langprofile")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BLOCK_MESSAGE_ID",
    "RECOGNIZERS",
    "ConcurrentUpdateError",
    "ExtractionResult",
    "ForeignDataError",
    "InvalidUserIdError",
    "LangProfileError",
    "MemoryCollection",
    "MissingDependencyError",
    "MissingStoreError",
    "MissingUserIdError",
    "Phrase",
    "Policy",
    "ProfileInjector",
    "ProfileLearner",
    "ProfileManager",
    "ProfileMiddleware",
    "ProfileRecord",
    "ProfileStore",
    "ProfileValidationError",
    "Provenance",
    "Recognizer",
    "SignalDetector",
    "Source",
    "StoreReadError",
    "StoreWriteError",
    "Suggestion",
    "TemplateVerbalizer",
    "UserIdMismatchError",
    "UserProfile",
    "Verbalizer",
    "__version__",
    "aopen_store",
    "create_memory_collection",
    "create_profile_manager",
    "create_search_memory_tool",
    "open_store",
    "render_preamble",
]
