"""Find the current user id and per-run flags from a LangGraph run.

On a LangGraph server with authentication, the run's authenticated user *is* the user: the
identity comes from ``runtime.server_info.user`` (or ``configurable["langgraph_auth_user"]``),
and a different ``user_id`` in the run's context or configurable is refused with
``UserIdMismatchError`` before anything is read or written. Without an authenticated user
(plain Python, ``langgraph dev`` without auth, LangSmith Studio's stand-in user) the user id
comes from ``context`` or ``configurable``; an empty one, as a server fills in, is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import get_runtime

from langprofile._namespace import validate_user_id
from langprofile.errors import MissingUserIdError, UserIdMismatchError

__all__ = [
    "FROM_RUN",
    "authenticated_user",
    "context_value",
    "end_user_identity",
    "resolve_user_id",
    "run_thread",
    "run_user",
]

logger = logging.getLogger("langprofile")
# Identities that stand for "no end user": LangSmith Studio's connection, unauthenticated runs.
_NOT_AN_END_USER = frozenset({"", "langgraph-studio-user"})

_MISSING_ID = (
    "no user id for this run: pass it as runtime context, e.g. "
    "graph.invoke(inputs, context={'user_id': 'alice'}) (an object with a `user_id` attribute "
    "or a mapping with a 'user_id' key), or in the config, e.g. "
    "graph.invoke(inputs, config={'configurable': {'user_id': 'alice'}})"
)

#: ``run_user``'s default: read the context of the running graph.
FROM_RUN: Any = object()


def context_value(context: Any, config: Mapping[str, Any] | None, name: str) -> Any:
    """``name`` from the runtime context (attribute or key), else from ``configurable``."""
    if context is not None:
        value = context.get(name) if isinstance(context, Mapping) else getattr(context, name, None)
        if value is not None:
            return value
    if config:
        configurable = config.get("configurable") or {}
        return configurable.get(name)
    return None


def _flag(context: Any, name: str) -> bool:
    if context is None:
        return False
    value = context.get(name) if isinstance(context, Mapping) else getattr(context, name, None)
    return bool(value)


def end_user_identity(user: Any) -> str | None:
    """The identity of a server's user object (attribute or key), if it is a real end user."""
    if user is None:
        return None
    if isinstance(user, Mapping):
        identity, authenticated = user.get("identity"), user.get("is_authenticated", True)
    else:
        identity = getattr(user, "identity", None)
        authenticated = getattr(user, "is_authenticated", True)
    if type(user).__name__ == "StudioUser" or not authenticated:
        return None
    if not isinstance(identity, str) or identity in _NOT_AN_END_USER:
        return None
    return identity


def authenticated_user(runtime: Any, config: Mapping[str, Any] | None) -> str | None:
    """The identity of the run's authenticated user on a LangGraph server, or ``None``."""
    server_info = getattr(runtime, "server_info", None)
    found = end_user_identity(getattr(server_info, "user", None))
    if found is None and config:
        found = end_user_identity((config.get("configurable") or {}).get("langgraph_auth_user"))
    return found


def resolve_user_id(
    context: Any, config: Mapping[str, Any] | None, authenticated: str | None = None
) -> str:
    """The run's user id; ``MissingUserIdError`` naming both ways to pass one if absent, and
    ``UserIdMismatchError`` if it names someone other than the ``authenticated`` user."""
    claimed = context_value(context, config, "user_id")
    if claimed == "":
        claimed = None  # a server fills configurable.user_id with "" when none is given
    if authenticated is not None:
        identity = validate_user_id(authenticated)
        if claimed is not None and validate_user_id(claimed) != identity:
            logger.warning("a run authenticated as one user named another; refused")
            raise UserIdMismatchError(
                "this run is authenticated as another user than the user_id it names; a "
                "run may only act for its own authenticated user (drop user_id from the run's "
                "context and configurable, or pass the authenticated identity)"
            )
        return identity
    if claimed is None:
        raise MissingUserIdError(_MISSING_ID)
    return validate_user_id(claimed)


def run_user(config: Mapping[str, Any] | None = None, context: Any = FROM_RUN) -> str | None:
    """The current run's user id, or ``None`` when the run is incognito.

    ``config`` defaults to the running graph's config and ``context`` to its runtime context;
    outside a graph both are absent and only what is passed counts. On a server with an
    authenticated user that user is the one (see the module docstring). Raises
    ``MissingUserIdError`` when there is no user id, ``UserIdMismatchError`` when the run names
    someone else than its authenticated user.
    """
    try:
        runtime: Any = get_runtime()
    except RuntimeError:  # outside any run, e.g. called directly in a test
        runtime = None
    if context is FROM_RUN:
        # None inside a runnable that is not part of a graph (e.g. a tool called directly).
        context = getattr(runtime, "context", None)
    if config is None:
        try:
            config = get_config()
        except RuntimeError:
            config = None
    if _flag(context, "incognito") or ((config or {}).get("configurable") or {}).get("incognito"):
        return None  # either place may say so; a context default of False does not cancel it
    return resolve_user_id(context, config, authenticated_user(runtime, config))


def run_thread(config: Mapping[str, Any] | None = None) -> str:
    """The current run's thread id (``""`` for a run without one)."""
    if config is None:
        try:
            config = get_config()
        except RuntimeError:
            config = None
    return str(context_value(None, config, "thread_id") or "")
