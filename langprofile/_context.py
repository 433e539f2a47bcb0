"""Find the current user id and per-run flags from a LangGraph run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langprofile._namespace import validate_user_id
from langprofile.errors import MissingUserIdError

__all__ = ["context_value", "resolve_user_id"]

_MISSING_ID = (
    "no user id for this run: pass it as runtime context, e.g. "
    "graph.invoke(inputs, context={'user_id': 'alice'}) (an object with a `user_id` attribute "
    "or a mapping with a 'user_id' key), or in the config, e.g. "
    "graph.invoke(inputs, config={'configurable': {'user_id': 'alice'}})"
)


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


def resolve_user_id(context: Any, config: Mapping[str, Any] | None) -> str:
    """The run's user id; ``MissingUserIdError`` naming both ways to pass one if absent."""
    user_id = context_value(context, config, "user_id")
    if user_id is None:
        raise MissingUserIdError(_MISSING_ID)
    return validate_user_id(user_id)
