"""Find the current user id and per-run flags from a LangGraph run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import get_runtime

from langprofile._namespace import validate_user_id
from langprofile.errors import MissingUserIdError

__all__ = ["FROM_RUN", "context_value", "resolve_user_id", "run_thread", "run_user"]

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


def resolve_user_id(context: Any, config: Mapping[str, Any] | None) -> str:
    """The run's user id; ``MissingUserIdError`` naming both ways to pass one if absent."""
    user_id = context_value(context, config, "user_id")
    if user_id is None:
        raise MissingUserIdError(_MISSING_ID)
    return validate_user_id(user_id)


def run_user(config: Mapping[str, Any] | None = None, context: Any = FROM_RUN) -> str | None:
    """The current run's user id, or ``None`` when the run is incognito.

    ``config`` defaults to the running graph's config and ``context`` to its runtime context;
    outside a graph both are absent and only what is passed counts. Raises
    ``MissingUserIdError`` when neither holds a user id.
    """
    if context is FROM_RUN:
        try:
            # None inside a runnable that is not part of a graph (e.g. a tool called directly).
            context = getattr(get_runtime(), "context", None)
        except RuntimeError:  # outside any run, e.g. called directly in a test
            context = None
    if config is None:
        try:
            config = get_config()
        except RuntimeError:
            config = None
    if _flag(context, "incognito") or ((config or {}).get("configurable") or {}).get("incognito"):
        return None  # either place may say so; a context default of False does not cancel it
    return resolve_user_id(context, config)


def run_thread(config: Mapping[str, Any] | None = None) -> str:
    """The current run's thread id (``""`` for a run without one)."""
    if config is None:
        try:
            config = get_config()
        except RuntimeError:
            config = None
    return str(context_value(None, config, "thread_id") or "")
