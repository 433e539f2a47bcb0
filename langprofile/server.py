"""For deployments on a LangGraph server (``langgraph dev``, LangSmith, a self-hosted server).

- :func:`store`: the custom store for ``langgraph.json``,
  ``"store": {"path": "langprofile.server.store"}`` (the server splits a module path at its
  last dot), opening the store named by the ``LANGPROFILE_STORE_URI`` environment variable
  (``postgresql://…`` or ``sqlite:///…``), so the profile's compare-and-set holds across every
  worker and replica.
- :func:`restrict_store`: the body of a ``@auth.on.store()`` handler, so a token reaches only its
  own user's namespaces through the server's store API.
- :func:`learner_graph`: the graph that learns on the server's own run queue, for
  ``ProfileLearner(..., executor="server")``; register it as ``profile_learner``.

Like the CLI, this is an edge of the library: it is the one module besides the CLI that reads
the environment.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, Final

from langchain_core.messages import AnyMessage, RemoveMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph.graph.message import REMOVE_ALL_MESSAGES, add_messages
from langgraph.store.base import BaseStore
from pydantic import BaseModel
from typing_extensions import TypedDict

from langprofile._context import end_user_identity, run_user
from langprofile._namespace import encode_user_id
from langprofile.config import USERS_ROOT
from langprofile.errors import LangProfileError, MissingStoreError
from langprofile.pipeline.policy import Policy
from langprofile.schema import UserProfile
from langprofile.store.backends import aopen_store
from langprofile.store.profiles import ProfileStore

__all__ = ["STORE_URI_ENV", "learner_graph", "restrict_store", "store"]

#: The environment variable :func:`store` reads the store's URL from.
STORE_URI_ENV: Final = "LANGPROFILE_STORE_URI"


@asynccontextmanager
async def store() -> AsyncIterator[BaseStore]:
    """The store named by ``$LANGPROFILE_STORE_URI``, set up, for a server's ``langgraph.json``.

    Raises ``MissingStoreError`` naming the variable when it is unset, and when the store cannot
    be opened (with the reason; a password in the URL is never shown).
    """
    url = os.environ.get(STORE_URI_ENV, "").strip()
    if not url:
        raise MissingStoreError(
            f"{STORE_URI_ENV} is not set: set it to the store profiles live in, e.g. "
            f"{STORE_URI_ENV}=postgresql://user:password@host:5432/app (or sqlite:///path.db)"
        )
    try:
        opened = aopen_store(url)
        entered = await opened.__aenter__()
    except (OSError, ValueError, ImportError, LangProfileError) as exc:
        raise MissingStoreError(
            f"{STORE_URI_ENV} names a store that cannot be opened: {exc}"
        ) from exc
    except Exception as exc:  # the driver's own errors (a refused connection)
        raise MissingStoreError(
            f"{STORE_URI_ENV} names a store that cannot be opened ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())})"
        ) from exc
    try:
        yield entered
    finally:
        await opened.__aexit__(None, None, None)


def _forbidden(detail: str) -> Exception:
    from langgraph_sdk import Auth

    return Auth.exceptions.HTTPException(status_code=403, detail=detail)


def restrict_store(ctx: Any, value: Mapping[str, Any]) -> None:
    """Let a request reach only ``("users", <its own user's label>, ...)`` in the store API.

    Call it from your ``@auth.on.store()`` handler::

        @auth.on.store()
        async def own_profile_only(ctx, value):
            restrict_store(ctx, value)

    Any other namespace is refused with 403. A listing without a prefix is narrowed to the
    user's own namespaces. A request without an authenticated end user is refused.
    """
    identity = end_user_identity(getattr(ctx, "user", None))
    if identity is None:
        raise _forbidden("the store is open to authenticated users only")
    own = (USERS_ROOT, encode_user_id(identity))
    namespace = value.get("namespace")
    if namespace is None and isinstance(value, dict):
        value["namespace"] = own  # list_namespaces without a prefix: the user's own only
        return
    if not isinstance(namespace, (tuple, list)) or tuple(namespace[: len(own)]) != own:
        raise _forbidden("a user may only reach their own profile and memories")


class LearnerState(TypedDict):
    """The learner graph's state: the turns handed to one run (cleared once learned)."""

    messages: Annotated[list[AnyMessage], add_messages]


def learner_graph(
    model: Any = None,
    *,
    schema: type[BaseModel] = UserProfile,
    policy: Policy | None = None,
    memories: Any = None,
) -> Any:
    """The learner graph for ``executor="server"``: register it in ``langgraph.json``.

    ``"graphs": {"profile_learner": "./graph.py:learner"}`` with ``learner =
    learner_graph(model=...)``. Each of its runs receives a user's new turns (queued by the
    chat graph's ``ProfileLearner(..., executor="server")`` on the user's own thread) and learns
    from them with the same rules, policy and writer as in-process learning, on the server's
    store: the turns are extracted if the gate fires or one of them talks about the user. Use
    the same ``schema`` and ``policy`` as the chat graph's ``ProfileStore``.
    """
    from langprofile.extraction.learner import ProfileLearner

    learner = ProfileLearner(
        ProfileStore(None, schema=schema, policy=policy), model, mode="manual", memories=memories
    )

    async def learn(state: LearnerState, config: RunnableConfig) -> dict[str, Any]:
        user_id = run_user(config)
        messages = list(state["messages"])
        if user_id is None or not messages:
            return {}
        # On a worker thread: the rules and langmem are CPU work (and read their tables from
        # disk the first time), which must not hold the server's event loop.
        await asyncio.to_thread(learner.learn, user_id, messages, held=True)
        # The turns are learned: the thread keeps no copy of them.
        return {"messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES)]}

    builder: Any = StateGraph(LearnerState)
    builder.add_node("learn", learn)
    builder.add_edge(START, "learn")
    return builder.compile(name="profile_learner")
