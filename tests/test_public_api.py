"""The public surface is deliberate: changing it must change this test."""

from __future__ import annotations

import langprofile

EXPECTED = [
    "BLOCK_MESSAGE_ID",
    "ConcurrentUpdateError",
    "ExtractionResult",
    "ForeignDataError",
    "InvalidUserIdError",
    "LangProfileError",
    "MemoryCollection",
    "MissingDependencyError",
    "MissingStoreError",
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
    "create_memory_collection",
    "create_profile_manager",
    "create_search_memory_tool",
    "open_store",
    "render_preamble",
]


def test_all_is_sorted_and_pinned() -> None:
    assert langprofile.__all__ == sorted(langprofile.__all__)
    assert langprofile.__all__ == EXPECTED


def test_every_name_resolves() -> None:
    for name in langprofile.__all__:
        assert getattr(langprofile, name) is not None


def test_errors_subclass_builtins() -> None:
    assert issubclass(langprofile.LangProfileError, Exception)
    assert issubclass(langprofile.InvalidUserIdError, ValueError)
    assert issubclass(langprofile.MissingUserIdError, ValueError)
    assert issubclass(langprofile.ProfileValidationError, ValueError)
    assert issubclass(langprofile.MissingDependencyError, ImportError)
    for name in langprofile.__all__:
        obj = getattr(langprofile, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, Exception), name


def test_provenance_values() -> None:
    assert [p.value for p in langprofile.Provenance] == [
        "empty",
        "onboarding",
        "evolved",
        "user_authored",
    ]


def test_sync_and_async_twins_exist() -> None:
    for name in [
        "get",
        "update",
        "write_paragraph",
        "unpin",
        "preamble",
        "forget",
        "export",
        "suggestions",
        "accept_suggestion",
        "dismiss_suggestion",
    ]:
        assert callable(getattr(langprofile.ProfileStore, name))
        assert callable(getattr(langprofile.ProfileStore, "a" + name))


def test_every_public_name_is_documented_in_the_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [n for n in langprofile.__all__ if n != "__version__" and f"`{n}`" not in readme]
    assert missing == []
