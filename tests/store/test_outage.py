"""A PostgreSQL outage: bounded, clear failures, no block instead of an error, fast recovery.

A private embedded server is stopped and started again (the session's shared server is left
alone). Durations are printed, not asserted: the tests check what fails and how, and that the
first call after the server's return succeeds.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langprofile import (
    LangProfileError,
    ProfileInjector,
    ProfileLearner,
    ProfileStore,
    StoreReadError,
    StoreWriteError,
    aopen_store,
    open_store,
)
from langprofile.testing import create_database, start_embedded_postgres

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Any]]:
    parent = Path(tempfile.mkdtemp(prefix="langprofile-outage-"))
    try:
        uri, handle = start_embedded_postgres(parent / "data")
        yield uri, handle
        handle.cleanup()
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _timed(label: str, fn: Any) -> Any:
    started = time.monotonic()
    try:
        return fn()
    finally:
        print(f"{label}: {time.monotonic() - started:.2f} s")


@pytest.mark.timeout(120)
def test_sync_calls_fail_clearly_and_recover(
    server: tuple[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    base, handle = server
    uri = create_database(base)
    with open_store(uri, timeout=TIMEOUT) as store:
        profiles = ProfileStore(store)
        profiles.update("ann", {"name": "Ann"})
        injector = ProfileInjector(profiles, read_timeout=TIMEOUT)
        learner = ProfileLearner(profiles, debounce=0.0)
        handle.stop()
        try:
            with pytest.raises(StoreWriteError, match=r"PostgresStore at .*failed to write"):
                _timed("update during outage", lambda: profiles.update("ann", {"role": "x"}))
            for call in (profiles.get, profiles.preamble, profiles.export):
                with pytest.raises(StoreReadError, match="PostgresStore at"):
                    _timed(f"{call.__name__} during outage", lambda c=call: c("ann"))
            with pytest.raises(LangProfileError):
                _timed("forget during outage", lambda: profiles.forget("ann"))
            with caplog.at_level(logging.WARNING, logger="langprofile"):
                block = _timed("injector read during outage", lambda: injector.read("ann"))
            assert block == ""
            assert "without the block" in caplog.text
            # A turn learned during the outage waits for the store's return.
            learner.invoke(
                {"messages": [HumanMessage("I speak Welsh.", id="w1")]},
                {"configurable": {"user_id": "ann", "thread_id": "t"}},
            )
            time.sleep(TIMEOUT)
        finally:
            handle.start()
        record = _timed("first write after return", lambda: profiles.update("ann", {"role": "y"}))
        assert record.profile.role == "y"
        assert learner.flush(60)
        assert profiles.get("ann").profile.languages == ["Welsh"]
        assert "Ann" in injector.read("ann")


@pytest.mark.timeout(120)
def test_async_calls_fail_clearly_and_recover(server: tuple[str, Any]) -> None:
    base, handle = server
    uri = create_database(base)

    async def run() -> None:
        async with aopen_store(uri, timeout=TIMEOUT) as store:
            profiles = ProfileStore(store)
            await profiles.aupdate("bo", {"name": "Bo"})
            injector = ProfileInjector(profiles, read_timeout=TIMEOUT)
            handle.stop()
            try:
                with pytest.raises(StoreWriteError, match="AsyncPostgresStore at"):
                    await profiles.aupdate("bo", {"role": "x"})
                with pytest.raises(StoreReadError, match="AsyncPostgresStore at"):
                    await profiles.aget("bo")
                with pytest.raises(StoreReadError):
                    await profiles.apreamble("bo")
                assert await injector.aread("bo") == ""
            finally:
                await asyncio.to_thread(handle.start)
            record = await profiles.aupdate("bo", {"role": "y"})
            assert record.profile.role == "y"
            assert "Bo" in await injector.aread("bo")

    asyncio.run(run())
