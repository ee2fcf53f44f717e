"""Engines for the warehouse: SQLite (the default) or PostgreSQL through psycopg 3.

Every connection is set up the same way whatever opens it (the CLI, the loader, Alembic, a test):
SQLite gets WAL (readers do not block the loader), enforced foreign keys and a busy timeout;
PostgreSQL sessions run in UTC so timestamps print and truncate to days in UTC.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("options", "-c timezone=UTC")
        return create_engine(url, connect_args=connect_args, **kwargs)
    raise ValueError(f"warehouse URL {url!r}: expected sqlite:///PATH or postgresql+psycopg://…")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module would open transactions itself, only before DML; take over so that a load or a
    # migration (DDL included) is one real transaction that rolls back as a whole.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")
