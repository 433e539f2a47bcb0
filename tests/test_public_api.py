"""The public surface is deliberate: changing it must change this test."""

from __future__ import annotations

import langprofile

EXPECTED = [
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


def test_all_is_pinned() -> None:
    """In ruff's RUF022 order (constants, classes, functions); changing it changes this test."""
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


def test_lazy_names_keep_their_real_types_for_type_checkers() -> None:
    """Every lazily loaded name is also imported under TYPE_CHECKING, from where it lives."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(langprofile))
    checked: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                for alias in stmt.names:
                    checked[alias.name] = str(stmt.module)
    assert checked == langprofile._LAZY
    for name, module in checked.items():
        assert getattr(langprofile, name).__module__.startswith(module), name


def test_testing_surface() -> None:
    import langprofile.testing

    assert langprofile.testing.__all__ == sorted(langprofile.testing.__all__)
    for name in langprofile.testing.__all__:
        assert getattr(langprofile.testing, name) is not None


def test_server_surface() -> None:
    import langprofile.server

    assert langprofile.server.__all__ == [
        "STORE_URI_ENV",
        "learner_graph",
        "restrict_store",
        "store",
    ]
