"""The ``langprofile`` command: a demo, and a viewer/editor for stored profiles.

The CLI is the one place that reads environment variables: ``LANGPROFILE_STORE`` is the default
``--store`` URL.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

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
        if name == "set":
            cmd.add_argument(
                "assignments",
                nargs="+",
                metavar="field=value",
                help="a JSON value (e.g. '[\"Python\"]', true) or plain text",
            )
        if name == "pin":
            cmd.add_argument("text")
    return parser


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _run(args: argparse.Namespace) -> int:
    from langprofile.store.backends import open_store
    from langprofile.store.profiles import ProfileStore

    with open_store(args.store) as store:
        profiles: ProfileStore[Any] = ProfileStore(store)
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
            changes = {}
            for assignment in args.assignments:
                field, sep, raw = assignment.partition("=")
                if not sep:
                    raise ValueError(f"expected field=value, got {assignment!r}")
                changes[field] = _value(raw)
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
    except (ValueError, ImportError) as exc:
        print(f"langprofile: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
