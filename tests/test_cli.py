"""The ``langprofile`` command: the offline demo and the profile viewer/editor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langprofile.cli import main
from langprofile.cli.demo import run_demo


def test_demo_learns_offline_and_injects_in_a_new_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    lines: list[str] = []
    block = run_demo(str(tmp_path / "demo.db"), out=lines.append)
    assert block.startswith("<User Profile>")
    for fact in ("Alice Chen", "Ali", "Europe/Lisbon", "Portuguese", "concise", "code examples"):
        assert fact in block
    text = "\n".join(lines)
    assert "offline stand-in" in text
    assert "0 LLM extraction calls" in text
    # a second run starts from a clean slate and gives the same block
    assert run_demo(str(tmp_path / "demo.db"), out=lambda _: None) == block


def test_demo_with_a_key_but_no_openai_package_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setitem(sys.modules, "langchain_openai", None)
    with pytest.raises(ImportError, match=r"langprofile\[openai\]"):
        run_demo(str(tmp_path / "demo.db"), out=lambda _: None)


def test_viewer_and_editor_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    user = "bo@example.com"
    assert main(["set", user, "name=Bo", 'tools=["Go", "Rust"]', "--store", store]) == 0
    assert "Your name is Bo" in capsys.readouterr().out
    assert main(["show", user, "--store", store]) == 0
    shown = capsys.readouterr().out
    assert "tools = ['Go', 'Rust']  [user]" in shown
    assert main(["pin", user, "Bo here. Be terse.", "--store", store]) == 0
    assert main(["export", user, "--store", store]) == 0
    capsys.readouterr()
    assert main(["export", user, "--store", store]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["profile"]["provenance"] == "user_authored"
    assert main(["unpin", user, "--store", store]) == 0
    assert main(["forget", user, "--store", store]) == 0
    assert "removed 1 item(s)" in capsys.readouterr().out
    assert main(["show", user, "--store", store]) == 1


def test_bad_edits_are_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["set", "x", "nmae=Bo", "--store", store]) == 2
    assert "unknown profile field 'nmae'" in capsys.readouterr().err
    assert main(["set", "x", "no-equals-sign", "--store", store]) == 2
    assert main(["show", "x", "--store", "redis://nope"]) == 2


def test_reading_never_creates_a_store_and_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "cli.db"
    for command in ("show", "export", "forget"):
        assert main([command, "x", "--store", f"sqlite:///{tmp_path / 'cli.db'}"]) == 2
        assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "cli.db").exists()
    assert main(["set", "x", "name=Bo", "--store", f"sqlite:///{missing}"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "Traceback" not in err
    # Nothing listens on port 1: a clear error naming the problem, no traceback.
    assert main(["show", "x", "--store", "postgresql://u:secret@127.0.0.1:1/db"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("langprofile: error: ")
    assert "Traceback" not in err
    assert "secret" not in err


def test_values_follow_the_field_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["set", "x", "name=123", "role=true", "--store", store]) == 0
    assert "Your name is 123. You work as a true." in capsys.readouterr().out
    assert main(["set", "x", 'tools=["Go"', "--store", store]) == 2
    assert "malformed JSON for tools" in capsys.readouterr().err
    assert main(["set", "x", "prefers_code_examples=maybe", "--store", store]) == 2
    assert "prefers_code_examples" in capsys.readouterr().err
    assert main(["set", "x", "role=my password is hunter2", "--store", store]) == 2
    assert "password" in capsys.readouterr().err


def test_a_custom_schema_by_module_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "support_schema.py").write_text(
        "from pydantic import BaseModel, Field\n"
        "class SupportProfile(BaseModel):\n"
        "    company: str | None = Field(None, description='Company name')\n"
        "    seats: int | None = None\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    schema = ["--schema", "support_schema:SupportProfile"]
    assert main(["set", "x", "company=Acme", "seats=40", "--store", store, *schema]) == 0
    assert "Your company name is Acme. Your seats are 40." in capsys.readouterr().out
    assert main(["show", "x", "--store", store, *schema]) == 0
    assert "seats = 40  [user]" in capsys.readouterr().out
    assert main(["show", "x", "--store", store, "--schema", "support_schema"]) == 2
    assert "MODULE:CLASS" in capsys.readouterr().err
    assert main(["show", "x", "--store", store, "--schema", "nope:Nope"]) == 2
    assert "cannot load schema" in capsys.readouterr().err
