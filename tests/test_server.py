"""``langprofile.server`` without a server: the store factory's errors and ``restrict_store``."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph_sdk import Auth

from langprofile import MissingStoreError
from langprofile._namespace import encode_user_id
from langprofile.server import STORE_URI_ENV, restrict_store, store


class Ctx:
    def __init__(self, identity: str | None) -> None:
        self.user = None if identity is None else {"identity": identity, "is_authenticated": True}


async def test_the_store_factory_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_URI_ENV, raising=False)
    with pytest.raises(MissingStoreError, match=STORE_URI_ENV):
        async with store():
            pass
    monkeypatch.setenv(STORE_URI_ENV, "postgresql://u:hunter2@127.0.0.1:1/db")
    with pytest.raises(MissingStoreError, match="cannot be opened") as raised:
        async with store():
            pass
    assert "hunter2" not in str(raised.value)


async def test_the_store_factory_opens_a_sqlite_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from langprofile import ProfileStore

    monkeypatch.setenv(STORE_URI_ENV, f"sqlite:///{tmp_path / 'p.db'}")
    async with store() as opened:
        await ProfileStore(opened).aupdate("ann", {"name": "Ann"})
        assert "Ann" in await ProfileStore(opened).apreamble("ann")


def test_restrict_store_lets_a_user_reach_only_their_own_namespace() -> None:
    own = ("users", encode_user_id("ann@x.io"))
    restrict_store(Ctx("ann@x.io"), {"namespace": (*own, "profile")})
    restrict_store(Ctx("ann@x.io"), {"namespace": own})
    listing: dict[str, Any] = {"namespace": None}
    restrict_store(Ctx("ann@x.io"), listing)
    assert listing["namespace"] == own
    for namespace in [("users",), ("users", encode_user_id("bob@x.io"), "profile"), ("other",)]:
        with pytest.raises(Auth.exceptions.HTTPException) as refused:
            restrict_store(Ctx("ann@x.io"), {"namespace": namespace})
        assert refused.value.status_code == 403
    with pytest.raises(Auth.exceptions.HTTPException):
        restrict_store(Ctx(None), {"namespace": own})
