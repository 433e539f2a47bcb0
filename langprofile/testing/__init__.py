"""A test kit for graphs that use langprofile: scripted models, fixtures, embedded PostgreSQL.

Installing langprofile registers a pytest plugin (``langprofile.testing.plugin``) with the
fixtures ``memory_store``, ``sqlite_store``, ``postgres_store``, ``async_sqlite_store``,
``async_postgres_store``, ``postgres_uri`` (a fresh database per test) and
``langprofile_postgres_server``. The names below are what our own tests use.
"""

from __future__ import annotations

from langprofile.testing.models import (
    ScriptedChatModel,
    Step,
    create_step,
    patch_step,
    tool_call_step,
)
from langprofile.testing.postgres import create_database, drop_database, start_embedded_postgres

__all__ = [
    "ScriptedChatModel",
    "Step",
    "create_database",
    "create_step",
    "drop_database",
    "patch_step",
    "start_embedded_postgres",
    "tool_call_step",
]
