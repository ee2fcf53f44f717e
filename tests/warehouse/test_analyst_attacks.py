"""The analyst role under attack (issue 14, faults 12 and 13).

A warehouse owned by a plain login role (the loader, as in production), one loaded article, and an analyst
role granted by a superuser. The analyst logs in over TCP with its password (the throwaway cluster trusts
every login, so the password is sent but not checked) and tries every write path PostgreSQL leaves to a
plain role once it lifts its read-only default: each must be refused for lack of privilege, and afterwards
the warehouse, the large objects and the role's owned objects are as before. ``grant-analyst`` refuses the
roles that must never become analysts, with one line, and the loader still loads after it ran.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from wh_factory import make_record

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_records
from warehouse.roles import grant_analyst

pytestmark = pytest.mark.postgres

PASSWORD = uuid.uuid4().hex  # made at run time: nothing that looks like a credential is committed
INSUFFICIENT_PRIVILEGE = "42501"
_ARTICLE_NUMBERS = itertools.count(2)  # each load brings a new article


@dataclass(frozen=True)
class Warehouse:
    host: str
    port: int
    database: str
    admin: str  # the cluster's superuser
    loader: str  # owns the warehouse's tables, loads it

    def url(self, user: str) -> str:
        return f"postgresql+psycopg://{user}@{self.host}:{self.port}/{self.database}"

    def connect(self, user: str, password: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            dbname=self.database,
            user=user,
            password=password,
            autocommit=True,
        )


def _new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _warehouse(pg_server: Any, *, loader_owns_database: bool) -> Warehouse:
    """A migrated warehouse with one article, owned and loaded by a plain role (not a superuser)."""
    database, role = _new_name("wh"), _new_name("loader")
    wh = Warehouse(pg_server.host, pg_server.port, database, pg_server.user, role)
    with psycopg.connect(
        host=wh.host, port=wh.port, dbname="postgres", user=wh.admin, autocommit=True
    ) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        if loader_owns_database:
            conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
        else:
            conn.execute(f'CREATE DATABASE "{database}"')
    if not loader_owns_database:
        # The loader only has what PUBLIC has on the database (TEMP among it) and CREATE on its schema.
        with wh.connect(wh.admin) as conn:
            conn.execute(f'GRANT CREATE ON SCHEMA public TO "{role}"')
    migrate.upgrade(wh.url(wh.loader))
    _load(wh)
    return wh


def _load(wh: Warehouse) -> None:
    number = next(_ARTICLE_NUMBERS)
    engine = make_engine(wh.url(wh.loader))
    try:
        run = RunInfo(f"r{number}", "pravda", None, datetime(2024, 11, 25, tzinfo=UTC))
        result = load_records(engine, [make_record(number)], run, sources=load_sources(DEFAULT_SOURCES_FILE))
        assert result.counts.get("inserted") == 1, result
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def attacked(pg_server: Any) -> Iterator[tuple[Warehouse, str]]:
    wh = _warehouse(pg_server, loader_owns_database=True)
    analyst = _new_name("analyst")
    grant_analyst(wh.url(wh.admin), analyst, password=PASSWORD)
    yield wh, analyst


# Each attack: statements run in one session of the analyst after it lifted its read-only default; every
# statement but the last must work, the last must be refused for lack of privilege.
ATTACKS: dict[str, tuple[str, ...]] = {
    "insert": ("INSERT INTO sources (source, label) VALUES ('x', 'x')",),
    "update": ("UPDATE articles SET headline = 'changed'",),
    "delete": ("DELETE FROM articles",),
    "truncate": ("TRUNCATE quarantine",),
    "create table in the warehouse": ("CREATE TABLE analyst_scratch (id int)",),
    "create table public.x": ("CREATE TABLE public.x (id int)",),
    "create view": ("CREATE VIEW public.v AS SELECT 1 AS one",),
    "create function public.f": ("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",),
    "create schema": ("CREATE SCHEMA analyst_own",),
    "drop view": ("DROP VIEW v_latest_articles",),
    "alter table": ("ALTER TABLE articles ADD COLUMN note text",),
    "read-write transaction": ("BEGIN READ WRITE", "INSERT INTO quarantine (reason) VALUES ('x')"),
    "select for update": ("BEGIN READ WRITE", "SELECT * FROM articles FOR UPDATE"),
    "lock table": ("BEGIN READ WRITE", "LOCK TABLE articles IN ACCESS EXCLUSIVE MODE"),
    "nextval": ("SELECT nextval('articles_article_id_seq')",),
    "setval": ("SELECT setval('articles_article_id_seq', 1000000)",),
    "lo_from_bytea": ("SELECT lo_from_bytea(0, repeat('x', 1000)::bytea)",),
    "lo_create": ("SELECT lo_create(0)",),
    "lo_creat": ("SELECT lo_creat(-1)",),
    "lo_import": ("SELECT lo_import('/etc/hostname')",),
    "lo_import with oid": ("SELECT lo_import('/etc/hostname', 424242)",),
    "lo_export": ("SELECT lo_export(1, '/tmp/newsetl-analyst-export')",),
    "lo_put": ("SELECT lo_put(1, 0, 'x'::bytea)",),
    "lo_open and lowrite": ("SELECT lowrite(lo_open(1, 131072), 'x'::bytea)",),
    "lo_unlink": ("SELECT lo_unlink(1)",),
    "wal message": ("SELECT pg_logical_emit_message(false, 'analyst', repeat('x', 1000))",),
    "create temp table": ("CREATE TEMP TABLE scratch (id int)",),
    "create temp table as": ("CREATE TEMPORARY TABLE scratch AS SELECT * FROM articles",),
    "create function pg_temp.f": ("CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",),
    "copy from file": ("COPY quarantine (reason) FROM '/etc/hostname'",),
    "copy to file": ("COPY articles TO '/tmp/newsetl-analyst-copy'",),
    "copy to program": ("COPY (SELECT 1) TO PROGRAM 'touch /tmp/newsetl-analyst-program'",),
    "copy from program": ("COPY quarantine (reason) FROM PROGRAM 'echo x'",),
    "do block insert": ("DO $$ BEGIN INSERT INTO quarantine (reason) VALUES ('x'); END $$",),
    "do block large object": ("DO $$ BEGIN PERFORM lo_from_bytea(0, 'x'::bytea); END $$",),
    "do block temp table": ("DO $$ BEGIN CREATE TEMP TABLE scratch (id int); END $$",),
    "create procedure": ("CREATE PROCEDURE public.p() LANGUAGE sql AS 'SELECT 1'",),
    "create extension": ("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",),
    "create publication": ("CREATE PUBLICATION analyst_pub FOR ALL TABLES",),
}


@pytest.mark.parametrize("statements", ATTACKS.values(), ids=list(ATTACKS))
def test_the_analyst_cannot_write_even_after_lifting_read_only(
    attacked: tuple[Warehouse, str], statements: tuple[str, ...]
) -> None:
    wh, analyst = attacked
    before = _state(wh, analyst)
    with wh.connect(analyst, PASSWORD) as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        conn.execute("SET default_transaction_read_only = off")
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        for statement in statements[:-1]:
            conn.execute(statement)
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(statements[-1])
        assert refused.value.sqlstate == INSUFFICIENT_PRIVILEGE, refused.value
    assert _state(wh, analyst) == before


def test_the_analyst_resetting_its_own_default_gains_nothing(attacked: tuple[Warehouse, str]) -> None:
    # PostgreSQL lets every role change its own session defaults; the privileges are the fence.
    wh, analyst = attacked
    before = _state(wh, analyst)
    try:
        with wh.connect(analyst, PASSWORD) as conn:
            conn.execute("SET default_transaction_read_only = off")
            conn.execute("ALTER ROLE CURRENT_USER SET default_transaction_read_only = off")
        with wh.connect(analyst, PASSWORD) as conn:
            assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("off",)
            for statement in ("SELECT lo_from_bytea(0, 'x'::bytea)", "CREATE TEMP TABLE t (i int)"):
                with pytest.raises(psycopg.Error) as refused:
                    conn.execute(statement)
                assert refused.value.sqlstate == INSUFFICIENT_PRIVILEGE
            assert conn.execute("SELECT count(*) FROM v_latest_articles").fetchone() == (1,)
    finally:
        grant_analyst(wh.url(wh.admin), analyst)  # puts the read-only default back for the other tests
    assert _state(wh, analyst) == before


def _state(wh: Warehouse, analyst: str) -> tuple[object, ...]:
    """What a successful write would change: rows, large objects, objects the analyst owns, schemas."""
    with wh.connect(wh.admin) as conn:
        return (
            conn.execute("SELECT count(*), max(headline) FROM articles").fetchone(),
            conn.execute("SELECT count(*) FROM quarantine").fetchone(),
            conn.execute("SELECT count(*) FROM sources").fetchone(),
            conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone(),
            conn.execute("SELECT last_value FROM articles_article_id_seq").fetchone(),
            conn.execute(
                "SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
                "WHERE d.deptype = 'o' AND r.rolname = %s",
                (analyst,),
            ).fetchone(),
            conn.execute("SELECT array_agg(nspname ORDER BY nspname) FROM pg_namespace").fetchone(),
            conn.execute(
                "SELECT array_agg(relname ORDER BY relname) FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace"
            ).fetchone(),
        )


@pytest.mark.parametrize("loader_owns_database", [True, False], ids=["loader-owns-db", "admin-owns-db"])
def test_the_loader_still_loads_after_grant_analyst(pg_server: Any, loader_owns_database: bool) -> None:
    # The load's staging tables are temporary tables: revoking TEMP from PUBLIC must leave it to the loader.
    wh = _warehouse(pg_server, loader_owns_database=loader_owns_database)
    analyst = _new_name("analyst")
    granted = grant_analyst(wh.url(wh.admin), analyst, password=PASSWORD)
    assert "articles" in granted and "v_latest_articles" in granted
    _load(wh)
    with wh.connect(analyst, PASSWORD) as conn:
        assert conn.execute("SELECT count(*) FROM v_latest_articles").fetchone() == (2,)
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("CREATE TEMP TABLE t (i int)")
        assert refused.value.sqlstate == INSUFFICIENT_PRIVILEGE


def test_a_refresh_takes_back_write_grants(attacked: tuple[Warehouse, str]) -> None:
    wh, analyst = attacked
    with wh.connect(wh.admin) as conn:
        conn.execute(f'GRANT INSERT ON quarantine TO "{analyst}"')
    grant_analyst(wh.url(wh.admin), analyst)
    with wh.connect(analyst, PASSWORD) as conn:
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("INSERT INTO quarantine (reason) VALUES ('x')")
        assert refused.value.sqlstate == INSUFFICIENT_PRIVILEGE


@pytest.fixture(scope="module")
def refusals(pg_server: Any) -> Warehouse:
    return _warehouse(pg_server, loader_owns_database=True)


@pytest.mark.parametrize(
    ("setup", "name", "expected"),
    [
        (None, "{loader}", "owns"),
        (None, "{admin}", "SUPERUSER"),
        ("CREATE ROLE {name} LOGIN; CREATE SCHEMA {name}_own AUTHORIZATION {name}", "{name}", "owns"),
        ("CREATE ROLE {name} LOGIN CREATEDB", "{name}", "CREATEDB"),
        ("CREATE ROLE {name} LOGIN CREATEROLE", "{name}", "CREATEROLE"),
        ("CREATE ROLE {name} LOGIN BYPASSRLS", "{name}", "BYPASSRLS"),
        ("CREATE ROLE {name} LOGIN; GRANT pg_write_server_files TO {name}", "{name}", "member of"),
        (None, "analyst\n", "expected lower-case letters"),
        (None, "pg_analyst", "reserved"),
        (None, "public", "reserved"),
    ],
    ids=[
        "warehouse-owner",
        "superuser",
        "owns-a-schema",
        "createdb",
        "createrole",
        "bypassrls",
        "server-files-member",
        "trailing-newline",
        "pg-prefix",
        "public",
    ],
)
def test_grant_analyst_refuses_roles_that_must_not_be_analysts(
    refusals: Warehouse, setup: str | None, name: str, expected: str
) -> None:
    wh = refusals
    fresh = _new_name("victim")
    name = name.format(loader=wh.loader, admin=wh.admin, name=fresh)
    if setup:
        with wh.connect(wh.admin) as conn:
            for statement in setup.format(name=fresh).split("; "):
                conn.execute(statement)
    settings_before = _role_settings(wh, name)
    result = _cli("db", "--url", wh.url(wh.admin), "grant-analyst", name)
    assert result.returncode == 2, result
    assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""
    assert _role_settings(wh, name) == settings_before  # e.g. the owner's sessions are not made read-only
    _load(wh)  # and the loader still loads


def test_grant_analyst_by_a_role_that_cannot_revoke_changes_nothing(pg_server: Any) -> None:
    # A database owner without superuser can revoke TEMP but not the large-object functions: refused whole.
    wh = _warehouse(pg_server, loader_owns_database=True)
    with wh.connect(wh.admin) as conn:
        conn.execute(f'ALTER ROLE "{wh.loader}" CREATEROLE')
    analyst = _new_name("analyst")
    result = _cli("db", "--url", wh.url(wh.loader), "grant-analyst", analyst)
    assert result.returncode == 2, result
    assert "lo_from_bytea" in result.stderr and "superuser" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    with wh.connect(wh.admin) as conn:
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (analyst,)).fetchone() is None
        assert conn.execute(
            "SELECT has_database_privilege('public', current_database(), 'TEMP')"
        ).fetchone() == (True,)


def _role_settings(wh: Warehouse, name: str) -> list[tuple[object, ...]]:
    with wh.connect(wh.admin) as conn:
        return conn.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
            "WHERE r.rolname = %s",
            (name,),
        ).fetchall()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsetl", *args], capture_output=True, text=True, timeout=120
    )
