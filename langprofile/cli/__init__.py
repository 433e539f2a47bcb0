"""The ``langprofile`` command: a demo, and a viewer/editor for stored profiles.

The CLI is the one place that reads environment variables: ``LANGPROFILE_STORE`` is the default
``--store`` URL.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="langprofile", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the offline two-thread demo on a SQLite file")
    demo.add_argument("--db", help="SQLite file to use (default: a new temporary file)")

    default_store = os.environ.get("LANGPROFILE_STORE", "sqlite:///langprofile.db")
    for name, help_text in [
        ("show", "print a user's profile block and fields"),
        ("export", "print everything stored for a user as JSON"),
        ("forget", "erase everything stored for a user"),
        ("set", "set fields: langprofile set USER field=value [field=value ...]"),
        ("pin", "store a paragraph the user wrote and pin it"),
        ("unpin", "release a pinned paragraph"),
    ]:
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("user_id")
        cmd.add_argument(
            "--store",
            default=default_store,
            help="store URL: memory://, sqlite:///path.db or postgresql://... "
            "(default: $LANGPROFILE_STORE or sqlite:///langprofile.db)",
        )
        cmd.add_argument(
            "--schema",
            default=os.environ.get("LANGPROFILE_SCHEMA"),
            metavar="MODULE:CLASS",
            help="the profile schema, e.g. myapp.profiles:SupportProfile "
            "(default: $LANGPROFILE_SCHEMA or langprofile's UserProfile)",
        )
        if name == "set":
            cmd.add_argument(
                "assignments",
                nargs="+",
                metavar="field=value",
                help="plain text for a text field; JSON for anything else "
                "(e.g. tools='[\"Python\"]', prefers_code_examples=true)",
            )
        if name == "pin":
            cmd.add_argument("text")
    return parser


_READ_ONLY = frozenset({"show", "export", "forget"})


class CliError(Exception):
    """A mistake on the command line: reported in one line, exit status 2."""


def _load_schema(spec: str | None) -> type[BaseModel]:
    from langprofile.schema import UserProfile

    if not spec:
        return UserProfile
    module_name, sep, name = spec.partition(":")
    if not sep:
        raise CliError(f"--schema takes MODULE:CLASS, e.g. myapp.profiles:Profile; got {spec!r}")
    try:
        schema = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise CliError(f"cannot load schema {spec!r}: {exc}") from None
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise CliError(f"{spec!r} is not a pydantic model class")
    return schema


def _is_text(annotation: Any) -> bool:
    """Whether a field holds text (``str``, optional or a string ``Literal``)."""
    if annotation is str:
        return True
    origin = get_origin(annotation)
    if origin is Literal:
        return all(isinstance(arg, str) for arg in get_args(annotation))
    if origin in (Union, types.UnionType):
        parts = [arg for arg in get_args(annotation) if arg is not type(None)]
        return bool(parts) and all(_is_text(arg) for arg in parts)
    return False


def _value(schema: type[BaseModel], field: str, raw: str) -> Any:
    """The value of ``field=raw``: plain text for a text field, JSON for any other."""
    info = schema.model_fields.get(field)
    if info is not None and _is_text(info.annotation) and not raw.startswith('"'):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        if raw[:1] in '[{"':
            raise CliError(
                f"malformed JSON for {field}: {exc.msg} at character {exc.pos}"
            ) from None
        return raw


def _changes(schema: type[BaseModel], assignments: Sequence[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for assignment in assignments:
        field, sep, raw = assignment.partition("=")
        if not sep:
            raise CliError(f"expected field=value, got {assignment!r}")
        changes[field] = _value(schema, field, raw)
    return changes


def _existing_sqlite(url: str) -> None:
    """Refuse to create a SQLite file just to read from it."""
    if not url.lower().startswith("sqlite:///"):
        return
    path = url[len("sqlite:///") :]
    if path != ":memory:" and not Path(path).exists():
        raise CliError(f"no store at {url} (nothing stored yet; `langprofile set` creates it)")


def _run(args: argparse.Namespace) -> int:
    from langprofile.store.backends import open_store
    from langprofile.store.profiles import ProfileStore

    schema = _load_schema(args.schema)
    changes = _changes(schema, args.assignments) if args.command == "set" else {}
    if args.command in _READ_ONLY:
        _existing_sqlite(args.store)
    with open_store(args.store) as store:
        profiles: ProfileStore[Any] = ProfileStore(store, schema=schema)
        if args.command == "show":
            record = profiles.get(args.user_id)
            if record is None:
                print(f"no profile for {args.user_id!r}")
                return 1
            print(record.preamble or "(empty profile: no block is injected)")
            print(f"\nprovenance={record.provenance.value} version={record.version}")
            for field, value in record.profile.model_dump(exclude_none=True).items():
                print(f"  {field} = {value!r}  [{record.field_sources.get(field, '?')}]")
            for s in record.suggestions:
                print(f"  suggestion {s.id}: {s.kind} {s.field or ''} -> {s.value!r} ({s.reason})")
        elif args.command == "export":
            print(json.dumps(profiles.export(args.user_id), indent=2, ensure_ascii=False))
        elif args.command == "forget":
            print(f"removed {profiles.forget(args.user_id)} item(s)")
        elif args.command == "set":
            print(profiles.update(args.user_id, changes).preamble)
        elif args.command == "pin":
            print(profiles.write_paragraph(args.user_id, args.text).preamble)
        elif args.command == "unpin":
            print(profiles.unpin(args.user_id).preamble)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``langprofile`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from langprofile.cli.demo import run_demo

        run_demo(args.db)
        return 0
    try:
        return _run(args)
    except (CliError, ValueError, ImportError, OSError) as exc:
        print(f"langprofile: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except Exception as exc:  # a store that cannot be reached: one line, never a traceback
        message = " ".join(str(exc).split())  # drivers' messages span lines: one line here
        print(f"langprofile: error: {type(exc).__name__}: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
