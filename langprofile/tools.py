"""Agent tools that read what is known about the current user (no langmem, no LLM)."""

from __future__ import annotations

import logging
from typing import Final

from langchain_core.tools import BaseTool, StructuredTool
from langgraph.store.base import BaseStore

from langprofile._context import run_user
from langprofile._namespace import memories_namespace
from langprofile.store._adapters import adapter_for
from langprofile.store._ops import Flow, Handler, adrive, drive
from langprofile.store.memories import search_flow
from langprofile.store.profiles import runtime_store

__all__ = ["MEMORY_TOOL_NAME", "create_search_memory_tool"]

logger = logging.getLogger("langprofile")

#: Name of the agent tool made by :func:`create_search_memory_tool`.
MEMORY_TOOL_NAME: Final = "search_user_memories"

_NONE_FOUND: Final = "No memories found."
_UNAVAILABLE: Final = "Memory search is unavailable right now; continue without it."
_INCOGNITO: Final = "This conversation is incognito: memories are not used."
_DESCRIPTION: Final = (
    "Search what is remembered about the current user from earlier conversations: facts, "
    "preferences, projects, past requests. Pass a short description of what you are looking for."
)


def _tool_flow(user_id: str, query: str, limit: int) -> Flow[str]:
    try:
        texts = yield from search_flow(memories_namespace(user_id), query, limit)
    except Exception as exc:
        # A memory lookup is an aid: a store outage must not end the agent's turn.
        logger.warning("memory search failed (%s)", type(exc).__name__)
        return _UNAVAILABLE
    if not texts:
        return _NONE_FOUND
    return "\n".join(f"- {' '.join(text.split())}" for text in texts)


def create_search_memory_tool(*, store: BaseStore | None = None, limit: int = 5) -> BaseTool:
    """A tool, ``search_user_memories(query)``, that searches the current user's memories.

    For agents (``create_agent``, ``ToolNode``). The user id comes from the run: the runtime
    context (attribute or key ``user_id``) or ``config["configurable"]["user_id"]``; without one
    the tool raises ``MissingUserIdError``. ``store=None`` uses the running graph's store. It
    returns up to ``limit`` memories as ``- text`` lines, or ``"No memories found."``; if the
    store fails it logs a warning and says the search is unavailable instead of raising.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")

    def _prepared() -> tuple[str | None, Handler | None]:
        user_id = run_user()
        if user_id is None:
            return None, None
        owner = "create_search_memory_tool(store=None)"
        return user_id, Handler(adapter_for(store if store is not None else runtime_store(owner)))

    def search_user_memories(query: str) -> str:
        user_id, handler = _prepared()
        if user_id is None or handler is None:
            return _INCOGNITO
        return drive(_tool_flow(user_id, query, limit), handler)

    async def asearch_user_memories(query: str) -> str:
        user_id, handler = _prepared()
        if user_id is None or handler is None:
            return _INCOGNITO
        return await adrive(_tool_flow(user_id, query, limit), handler)

    return StructuredTool.from_function(
        func=search_user_memories,
        coroutine=asearch_user_memories,
        name=MEMORY_TOOL_NAME,
        description=_DESCRIPTION,
    )
