"""For deployments on a LangGraph server (``langgraph dev``, LangSmith, a self-hosted server).

- :func:`store`: the custom store for ``langgraph.json``,
  ``"store": {"path": "langprofile.server.store"}`` (the server splits a module path at its
  last dot), opening the store named by the ``LANGPROFILE_STORE_URI`` environment variable
  (``postgresql://…`` or ``sqlite:///…``), so the profile's compare-and-set holds across every
  worker and replica.
- :func:`restrict_store`: the body of a ``@auth.on.store()`` handler, so a token reaches only its
  own user's namespaces through the server's store API.

Like the CLI, this is an edge of the library: it is the one module besides the CLI that reads
the environment.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final

from langgraph.store.base import BaseStore

from langprofile._context import end_user_identity
from langprofile._namespace import encode_user_id
from langprofile.config import USERS_ROOT
from langprofile.errors import LangProfileError, MissingStoreError
from langprofile.store.backends import aopen_store

__all__ = ["STORE_URI_ENV", "restrict_store", "store"]

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
