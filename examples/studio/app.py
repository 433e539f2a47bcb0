"""Custom routes of the deployment: ``DELETE /me`` erases everything the assistant keeps about
the caller.

Mounted by ``langgraph.json`` (``"http": {"app": "./app.py:app", "enable_custom_route_auth":
true}``), so ``auth.py`` authenticates these routes too: the caller is ``request.user``, never a
user id from the request. The profile store is the server's (the same
``$LANGPROFILE_STORE_URI``); the server's in-process client deletes the threads the profile went
into and the caller's learner thread, checkpoints included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph_sdk import get_client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from langprofile import ProfileStore
from langprofile.server import store


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with store() as opened:
        app.state.profiles = ProfileStore(opened)
        yield


async def forget_me(request: Request) -> JSONResponse:
    profiles: ProfileStore[Any] = request.app.state.profiles
    user_id = request.user.identity
    erased = await profiles.aforget(user_id, checkpointer=get_client())
    return JSONResponse({"erased": erased})


app = Starlette(routes=[Route("/me", forget_me, methods=["DELETE"])], lifespan=lifespan)
