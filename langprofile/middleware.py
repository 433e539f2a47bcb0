"""``ProfileMiddleware``: the profile block for agents built with ``langchain.agents.create_agent``.

The block goes first in the model request's system message (one system message, block first,
then the agent's own prompt), and is never written to the agent's state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import SystemMessage

from langprofile.config import READ_TIMEOUT_S
from langprofile.store.profiles import ProfileStore

__all__ = ["ProfileMiddleware"]


def _with_block(request: ModelRequest, block: str) -> ModelRequest:
    if not block:
        return request
    current = request.system_message
    if current is None:
        content: Any = block
    elif isinstance(current.content, str):
        content = f"{block}\n\n{current.content}" if current.content else block
    else:
        content = [{"type": "text", "text": block}, *current.content]
    return request.override(system_message=SystemMessage(content=content))


class ProfileMiddleware(AgentMiddleware):
    """Prepends the current user's ``<User Profile>`` block to every model call of an agent.

    Same user-id rules, timeout and failure behaviour as :class:`~langprofile.ProfileInjector`.
    """

    def __init__(
        self,
        profiles: ProfileStore[Any],
        *,
        read_timeout: float | None = READ_TIMEOUT_S,
        memories: int = 0,
        memory_tokens: int = 200,
    ) -> None:
        from langprofile.nodes import ProfileInjector

        super().__init__()
        self._injector = ProfileInjector(
            profiles, read_timeout=read_timeout, memories=memories, memory_tokens=memory_tokens
        )

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
    ) -> ModelResponse:
        """Add the block to the request, then call the model."""
        block = self._injector.block_for(request.messages, context=_context(request))
        return handler(_with_block(request, block))

    async def awrap_model_call(
        self,
        request: ModelRequest,
        handler: Callable[[ModelRequest], Awaitable[ModelResponse]],
    ) -> ModelResponse:
        """Async twin of :meth:`wrap_model_call`."""
        block = await self._injector.ablock_for(request.messages, context=_context(request))
        return await handler(_with_block(request, block))


def _context(request: ModelRequest) -> Any:
    return request.runtime.context if request.runtime is not None else None
