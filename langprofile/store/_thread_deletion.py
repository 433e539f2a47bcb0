"""Delete a thread's checkpoints, from a checkpointer or through a LangGraph server's API.

``forget`` takes either: a graph's checkpointer in plain Python (``delete_thread`` /
``adelete_thread``), or a ``langgraph_sdk`` client (async or sync) when the graph runs on a
LangGraph server, whose checkpointer only the server holds; deleting a thread there deletes its
checkpoints and its runs. A thread already gone is not an error.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

__all__ = ["adelete_thread", "check_deleter", "delete_thread"]


def check_deleter(target: object) -> None:
    """Refuse, before anything is erased, what can delete no thread."""
    if hasattr(target, "delete_thread") or hasattr(target, "adelete_thread"):
        return
    if callable(getattr(getattr(target, "threads", None), "delete", None)):
        return
    raise TypeError(
        "checkpointer must be the graph's checkpointer (it has delete_thread) or a langgraph_sdk "
        f"client of the server the graph runs on; got {type(target).__name__}"
    )


def _missing(exc: BaseException) -> bool:
    """True if ``exc`` is the server's answer for a thread that does not exist."""
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) == 404


def delete_thread(target: Any, thread_id: str) -> None:
    """Delete ``thread_id`` through ``target`` (see the module docstring)."""
    if hasattr(target, "delete_thread"):
        target.delete_thread(thread_id)
        return
    if hasattr(target, "adelete_thread"):
        _on_own_loop(lambda: target.adelete_thread(thread_id))
        return
    try:
        if inspect.iscoroutinefunction(target.threads.delete):
            _on_own_loop(lambda: target.threads.delete(thread_id))
        else:
            target.threads.delete(thread_id)
    except Exception as exc:
        if not _missing(exc):
            raise


async def adelete_thread(target: Any, thread_id: str) -> None:
    """Async twin of :func:`delete_thread`."""
    if hasattr(target, "adelete_thread"):
        await target.adelete_thread(thread_id)
        return
    if hasattr(target, "delete_thread"):
        await asyncio.to_thread(target.delete_thread, thread_id)
        return
    try:
        if inspect.iscoroutinefunction(target.threads.delete):
            await target.threads.delete(thread_id)
        else:  # a sync client: its blocking call goes to a worker thread
            await asyncio.to_thread(target.threads.delete, thread_id)
    except Exception as exc:
        if not _missing(exc):
            raise


def _on_own_loop(make: Any) -> None:
    """Await ``make()`` to completion on a loop of its own (callers may be inside a loop)."""
    failed: list[BaseException] = []

    def run() -> None:
        async def main() -> None:
            await make()

        try:
            asyncio.run(main())
        except BaseException as exc:  # re-raised on the caller's thread
            failed.append(exc)

    worker = threading.Thread(target=run, name="langprofile-delete-thread", daemon=True)
    worker.start()
    worker.join()
    if failed:
        raise failed[0]
