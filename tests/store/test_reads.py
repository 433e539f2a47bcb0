"""The canonical read: what a first injection read costs a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from langprofile import ProfileStore, open_store

_PROBE = """
import asyncio, json, sys
import langprofile
from langprofile import ProfileInjector, ProfileStore, aopen_store

async def main():
    async with aopen_store(sys.argv[1]) as store:
        injector = ProfileInjector(ProfileStore(store), read_timeout=0.1, memories=2)
        return await injector.aread("alice@example.com", "what do I like?")

block = asyncio.run(main())
print(json.dumps({
    "block": block,
    "imported": sorted(
        m for m in sys.modules
        if m.split(".")[0] in ("langmem", "trustcall") or m.startswith("langprofile.extraction")
    ),
}))
"""


def test_a_first_read_in_a_new_process_imports_no_extraction_and_meets_its_timeout(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'profiles.db'}"
    with open_store(url) as store:
        ProfileStore(store).update("alice@example.com", {"name": "Alice"})
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", _PROBE, url], capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout)
    # A read that missed its 0.1 s deadline would have come back empty, with a warning.
    assert "Your name is Alice." in seen["block"]
    assert "took longer" not in done.stderr
    assert seen["imported"] == []


def test_a_sqlite_store_without_wal_still_meets_the_read_timeout(
    tmp_path: Path, caplog: Any
) -> None:
    import logging
    import sqlite3

    from langgraph.store.sqlite import SqliteStore

    from langprofile import ProfileInjector, StoreWriteError

    path = tmp_path / "rollback-journal.db"
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=1.0)
    store = SqliteStore(conn)
    store.setup()
    profiles = ProfileStore(store)
    profiles.update("ann", {"name": "Ann"})
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        with caplog.at_level(logging.WARNING, logger="langprofile"):
            assert ProfileInjector(profiles, read_timeout=0.2).read("ann") == ""
        assert "took longer than 0.2s" in caplog.text
        with pytest.raises(StoreWriteError, match=r"SqliteStore at .*rollback-journal\.db"):
            profiles.update("ann", {"role": "x"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "Ann" in ProfileInjector(profiles, read_timeout=0.2).read("ann")
