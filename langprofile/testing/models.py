"""Scripted chat models: real LangChain chat models that answer from a script, offline.

They go through the same code paths as a provider's model (``bind_tools``, tool calls, usage
metadata), so graphs and extractors are tested as they run in production. Each instance records
the messages of every call it received in ``calls`` (per instance, never shared).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field, PrivateAttr

__all__ = ["ScriptedChatModel", "Step", "create_step", "patch_step", "tool_call_step"]

#: One scripted answer: a message, a string (plain reply), an exception to raise, or a function
#: of the received messages returning any of those.
Step = AIMessage | str | BaseException | Callable[[list[BaseMessage]], Any]


class ScriptedChatModel(BaseChatModel):
    """A chat model that replies with the next step of ``script`` and records what it saw.

    ``script`` steps are used in order; with ``cycle=True`` the script repeats, otherwise running
    past its end raises ``IndexError`` (a test that makes more calls than it planned should fail).
    ``latency`` sleeps that many seconds per call (``time.sleep`` sync, ``asyncio.sleep`` async),
    to stand in for a real model's latency in benchmarks. ``bind_tools`` is supported: bound
    tools and ``tool_choice`` are recorded in ``bound`` and the script decides the tool calls.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[Any] = Field(default_factory=list)
    cycle: bool = False
    latency: float = 0.0
    usage: dict[str, int] | None = None
    """``usage_metadata`` attached to each reply (input/output/total tokens)."""

    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _bound: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _index: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _ids: Any = PrivateAttr(default_factory=lambda: itertools.count(1))

    @property
    def calls(self) -> list[list[BaseMessage]]:
        """The messages of every call, in order."""
        return self._calls

    @property
    def bound(self) -> list[dict[str, Any]]:
        """Every ``bind_tools`` request: ``{"tools": [...names], "tool_choice": ...}``."""
        return self._bound

    @property
    def _llm_type(self) -> str:
        return "scripted-chat-model"

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        with self._lock:
            self._calls.append(list(messages))
            if not self.script:
                raise IndexError("ScriptedChatModel has an empty script")
            if self._index >= len(self.script):
                if not self.cycle:
                    raise IndexError(
                        f"ScriptedChatModel script exhausted after {len(self.script)} calls"
                    )
                self._index = 0
            step = self.script[self._index]
            self._index += 1
            n = next(self._ids)
        if callable(step) and not isinstance(step, (AIMessage, BaseException)):
            step = step(list(messages))
        if isinstance(step, BaseException):
            raise step
        message = AIMessage(content=step) if isinstance(step, str) else step.model_copy()
        if not isinstance(message, AIMessage):
            raise TypeError(f"script step produced {type(message).__name__}, not AIMessage")
        if message.id is None:
            message.id = f"scripted-{n}"
        if message.tool_calls:
            # Providers always give tool calls unique ids; tools and trustcall rely on them.
            message.tool_calls = [
                {**call, "id": call.get("id") or f"call_{n}_{i}"}
                for i, call in enumerate(message.tool_calls)
            ]
        message.response_metadata = {"model_name": self._llm_type, **message.response_metadata}
        if self.usage is not None and message.usage_metadata is None:
            message.usage_metadata = UsageMetadata(
                input_tokens=self.usage.get("input_tokens", 0),
                output_tokens=self.usage.get("output_tokens", 0),
                total_tokens=self.usage.get(
                    "total_tokens",
                    self.usage.get("input_tokens", 0) + self.usage.get("output_tokens", 0),
                ),
            )
        return message

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency:
            time.sleep(self.latency)
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency:
            import asyncio

            await asyncio.sleep(self.latency)
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Record the tools and ``tool_choice``; replies still come from the script."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        names = [convert_to_openai_tool(t)["function"]["name"] for t in tools]
        self._bound.append({"tools": names, "tool_choice": tool_choice})
        return self.bind(tools=names, tool_choice=tool_choice, **kwargs)


def tool_call_step(name: str, args: dict[str, Any], *, content: str = "") -> AIMessage:
    """A scripted reply that calls one tool (its id is filled in when the model replies)."""
    return AIMessage(content=content, tool_calls=[{"name": name, "args": args, "id": None}])


def create_step(schema: str = "UserProfile", **fields: Any) -> AIMessage:
    """The reply of an extractor that creates a first profile: a call of the schema's tool."""
    return tool_call_step(schema, fields)


_INSTANCE_ID = re.compile(r"<instance id=(\S+) schema_type=")


def patch_step(
    *patches: dict[str, Any], planned_edits: str = ""
) -> Callable[[list[BaseMessage]], AIMessage]:
    """The reply of an extractor that patches the existing profile with JSON-patch operations.

    langmem shows the model the profile's document id in the system message; the step reads it
    from there, as a real model would. With no patches it is an explicit "nothing to change".
    """

    def step(messages: list[BaseMessage]) -> AIMessage:
        found = next(
            (m for m in (_INSTANCE_ID.search(str(msg.content)) for msg in messages) if m), None
        )
        if found is None:
            raise AssertionError("patch_step: no existing profile was shown to the model")
        return tool_call_step(
            "PatchDoc",
            {
                "json_doc_id": found.group(1),
                "planned_edits": planned_edits,
                "patches": list(patches),
            },
        )

    return step
