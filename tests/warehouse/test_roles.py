from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from wh_factory import make_record

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_records
from warehouse.roles import grant_analyst
from warehouse.schema_objects import VIEW_NAMES

WRITES = (
    "INSERT INTO sources (source, label) VALUES ('x', 'x')",
    "UPDATE articles SET headline = 'changed'",
    "DELETE FROM quarantine",
    "CREATE TABLE analyst_scratch (id int)",
    "DROP VIEW v_latest_articles",
    "ALTER TABLE articles ADD COLUMN note text",
)


def _conninfo(url: str, user: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return f"host={parsed.host} port={parsed.port} dbname={parsed.database} user={user}"


@pytest.mark.postgres
def test_analyst_role_reads_every_view_and_cannot_change_anything(fresh_pg_url: str) -> None:
    migrate.upgrade(fresh_pg_url)
    engine = make_engine(fresh_pg_url)
    run = RunInfo("r1", "pravda", None, datetime(2024, 11, 25, tzinfo=UTC))
    load_records(engine, ([make_record(1)]), run, sources=load_sources(DEFAULT_SOURCES_FILE))
    engine.dispose()

    granted = grant_analyst(fresh_pg_url, "analyst_ro")
    assert set(VIEW_NAMES) <= set(granted) and "articles" in granted
    assert grant_analyst(fresh_pg_url, "analyst_ro") == granted  # running it again is harmless

    with psycopg.connect(_conninfo(fresh_pg_url, "analyst_ro"), autocommit=True) as conn:
        for view in VIEW_NAMES:
            conn.execute(f"SELECT * FROM {view}").fetchall()
        assert conn.execute("SELECT COUNT(*) FROM v_latest_articles").fetchone() == (1,)
        for statement in WRITES:
            # Sessions are read-only by default...
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute(statement)
        # ...and even a session that asks for read-write lacks the privileges.
        conn.execute("SET default_transaction_read_only = off")
        for statement in WRITES:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


@pytest.mark.postgres
def test_cli_grants_and_rejects_bad_names(fresh_pg_url: str) -> None:
    migrate.upgrade(fresh_pg_url)
    ok = _cli("db", "--url", fresh_pg_url, "grant-analyst", "reader")
    assert ok.returncode == 0 and "role reader can read" in ok.stdout, ok.stderr
    bad = _cli("db", "--url", fresh_pg_url, "grant-analyst", "Robert'); DROP")
    assert bad.returncode == 2 and "expected lower-case letters" in bad.stderr


def test_grant_analyst_on_sqlite_says_why_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    result = _cli("db", "--url", url, "grant-analyst", "reader")
    assert result.returncode == 2 and "needs a PostgreSQL warehouse" in result.stderr


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsetl", *args], capture_output=True, text=True, timeout=120
    )
