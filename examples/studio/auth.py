"""Who is calling: a bearer token per user, and each user's store access limited to their own.

A stand-in for your identity provider: tokens come from ``$DEMO_TOKENS`` (``token=user,...``),
by default ``alice-token`` for alice@example.com and ``bob-token`` for bob@example.com. The
authenticated identity is the user id every langprofile node uses; a run naming another
``user_id`` is refused. Each user reaches only their own threads (whose checkpoints hold the
profile block) and their own store namespaces.
"""

from __future__ import annotations

import os
from typing import Any

from langgraph_sdk import Auth

from langprofile.server import restrict_store

auth = Auth()


def _tokens() -> dict[str, str]:
    raw = os.environ.get("DEMO_TOKENS", "alice-token=alice@example.com,bob-token=bob@example.com")
    return dict(pair.split("=", 1) for pair in raw.split(",") if "=" in pair)


@auth.authenticate
async def authenticate(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    user = _tokens().get(token) if scheme.lower() == "bearer" else None
    if user is None:
        raise Auth.exceptions.HTTPException(status_code=401, detail="unknown token")
    return user


@auth.on.threads()
async def own_threads_only(ctx: Auth.types.AuthContext, value: Any) -> dict[str, str]:
    # A thread's checkpoints hold the profile block the node injected: its owner only.
    owner = {"owner": ctx.user.identity}
    metadata = value.setdefault("metadata", {}) if isinstance(value, dict) else {}
    if isinstance(metadata, dict):
        metadata.update(owner)
    return owner


@auth.on.store()
async def own_profile_only(ctx: Auth.types.AuthContext, value: Any) -> None:
    restrict_store(ctx, value)
