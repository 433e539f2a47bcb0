"""``update_user_profile``: the tool an agent calls to save what the user says about themself.

Its arguments are the schema's own fields (one ``changes`` object), so the model sees exactly
the fields that exist. Writes go through the profile store's writer with source ``"agent"``:
validated, screened by the policy (refused values are reported to the model, never stored) and
never overwriting what the user set. A store outage is reported to the model, not raised.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, create_model

from langprofile._context import run_user
from langprofile.errors import ConcurrentUpdateError, StoreWriteError
from langprofile.extraction.metrics import Metrics
from langprofile.extraction.prompts import update_tool_description
from langprofile.pipeline.bounds import shown
from langprofile.store._ops import Flow, adrive, drive
from langprofile.store.profiles import ProfileStore
from langprofile.store.writes import WriteOutcome, update_flow

__all__ = ["UPDATE_TOOL_NAME", "create_update_tool"]

logger = logging.getLogger("langprofile")

UPDATE_TOOL_NAME = "update_user_profile"
_INCOGNITO = "Incognito conversation: nothing was saved."


def _report(outcome: WriteOutcome) -> str:
    out = f"Saved: {', '.join(outcome.applied) or 'nothing new'}."
    if outcome.suggested:
        out += f" The user set {', '.join(outcome.suggested)} themself; left as a suggestion."
    for name, reason in sorted(outcome.discarded.items()):
        kind = "sensitive" if reason.startswith(("secret:", "pii:")) else "not valid"
        out += f" Not saved: {name}, {kind} ({reason})."
    return out


def create_update_tool(profiles: ProfileStore[Any], metrics: Metrics) -> BaseTool:
    """The ``update_user_profile`` tool over ``profiles``, counting what it does in ``metrics``."""

    def flow(changes: BaseModel) -> Flow[str]:
        user_id, given = run_user(), _given(changes)
        if user_id is None:
            return _INCOGNITO
        if not given:
            return "Nothing to save."
        try:
            outcome = yield from update_flow(profiles, user_id, given, "agent", strict=False)
        except (StoreWriteError, ConcurrentUpdateError) as exc:
            logger.warning(
                "update_user_profile for %s failed (%s)", shown(user_id, 40), type(exc).__name__
            )
            metrics.fail(user_id, type(exc).__name__)
            return "The profile could not be saved right now; nothing was written."
        for reason in outcome.discarded.values():
            metrics.discard(user_id, reason)
        metrics.add(
            user_id,
            {
                "updates_applied": len(outcome.applied),
                "updates_unchanged": 0 if outcome.applied or outcome.suggested else 1,
                "suggestions_created": len(outcome.suggested),
            },
        )
        return _report(outcome)

    def update_user_profile(changes: BaseModel) -> str:
        return drive(flow(changes), profiles.handler())

    async def aupdate_user_profile(changes: BaseModel) -> str:
        return await adrive(flow(changes), profiles.handler())

    # The fields sit under one `changes` argument so that a field the model left out (keep it)
    # stays distinguishable from one it set to null (clear it).
    args = create_model(
        "UpdateUserProfile",
        changes=(profiles.schema, Field(description="Only the fields to change.")),
    )
    return StructuredTool.from_function(
        func=update_user_profile,
        coroutine=aupdate_user_profile,
        name=UPDATE_TOOL_NAME,
        description=update_tool_description(profiles.schema),
        args_schema=args,
        handle_validation_error=_validation_message,
    )


def _validation_message(exc: Any) -> str:
    """Tell the model exactly what was wrong, so it can correct the call."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p != 'changes') or 'changes'}: {e['msg']}"
        for e in errors
    )
    return f"Not saved, invalid profile change: {problems or exc}. Nothing was written."


def _given(changes: BaseModel) -> dict[str, Any]:
    return {name: getattr(changes, name) for name in changes.model_fields_set}
