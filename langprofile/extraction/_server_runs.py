"""Hand a user's new turns to a background run of the learner graph on the LangGraph server.

The server's run queue is durable (PostgreSQL-backed in production), orders the runs of a
thread, and can delay them: each user gets one learner thread (its id derived from the user
id), every turn enqueues a run on it ``after_seconds`` later, and the runs of a user run one
after another, visible in Studio. A worker restart loses nothing the server accepted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from langprofile._namespace import learner_thread_id
from langprofile.pipeline.bounds import shown

__all__ = ["asubmit", "learner_thread_id", "submit"]

logger = logging.getLogger("langprofile")


async def asubmit(
    graph_id: str, user_id: str, messages: Sequence[BaseMessage], *, after_seconds: float
) -> None:
    """Enqueue one learner run for ``user_id`` with ``messages`` (the in-process client)."""
    from langgraph_sdk import get_client

    client: Any = get_client()  # the in-process client of the server this runs in
    await client.runs.create(
        learner_thread_id(user_id),
        graph_id,
        input={"messages": [message.model_dump() for message in messages]},
        context={"user_id": user_id},
        # Thread metadata when the run creates the thread: "owner" is the key of LangGraph's
        # resource-authorization guide, so an owner-filtered @auth.on.threads handler shows
        # each user their own learner thread (and no one else's).
        metadata={"owner": user_id, "langprofile": "learner"},
        multitask_strategy="enqueue",
        if_not_exists="create",
        after_seconds=max(0, round(after_seconds)),
    )


def submit(
    graph_id: str, user_id: str, messages: Sequence[BaseMessage], *, after_seconds: float
) -> None:
    """Sync twin of :func:`asubmit`, for sync graphs: runs it on a loop of its own."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asubmit(graph_id, user_id, messages, after_seconds=after_seconds))
        except BaseException as exc:  # reported on the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run, name="langprofile-submit", daemon=True)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def report(user_id: str, exc: BaseException) -> None:
    """A turn that could not be handed to the server: logged, the reply goes on."""
    logger.warning(
        "could not hand learning for %s to the server's queue (%s); this turn is not learned",
        shown(user_id, 40),
        type(exc).__name__,
    )
