"""Run the warehouse's Alembic migrations from code (what ``newsetl db`` calls), from any directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from warehouse.engine import make_engine, normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    # The ini says %(here)s already; set it again so a copied ini elsewhere still finds the scripts.
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _with_connection(engine: Engine, action: str, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def upgrade(url: str, revision: str = "head") -> None:
    engine = make_engine(url)
    try:
        _with_connection(engine, "upgrade", revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        _with_connection(engine, "downgrade", revision)
    finally:
        engine.dispose()


class WarehouseNotReady(ValueError):
    """A warehouse a reader cannot use as it is: missing, never migrated, or behind the code."""


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose database file does not exist (opening it would create an empty one)."""
    parsed = make_url(normalise_url(url))
    database = parsed.database or ""
    return (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not Path(database).exists()
    )


def require_current(url: str) -> None:
    """Raise :class:`WarehouseNotReady` unless the warehouse at ``url`` exists and is at the latest
    revision, without creating anything: the readers (search, seed export) call it first, so that a typo in
    the URL or a skipped ``newsetl db upgrade`` is named as such rather than as a missing table."""
    shown = make_url(normalise_url(url)).render_as_string(hide_password=True)
    if sqlite_file_missing(url):
        raise WarehouseNotReady(
            f"warehouse at {shown} not found: run `newsetl db upgrade` (or check the URL)"
        )
    revision = current(url)
    if revision is None:
        raise WarehouseNotReady(f"warehouse at {shown} not migrated: run `newsetl db upgrade`")
    latest = head()
    if revision != latest:
        raise WarehouseNotReady(
            f"warehouse at {shown} is at revision {revision}, this version needs {latest}: "
            "run `newsetl db upgrade`"
        )


def current(url: str) -> str | None:
    """The revision the database is at, or None when it has never been migrated (or, for SQLite, its file
    does not exist: nothing is created to find that out)."""
    if sqlite_file_missing(url):
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    head_revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head_revision is not None, "the warehouse has no migrations"
    return head_revision
