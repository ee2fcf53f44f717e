"""``newsetl db summary``: what a warehouse holds, per table and per source, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from wh_factory import make_record

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import normalise_url
from warehouse.load import RunInfo, load_records
from warehouse.models import CrawlRun
from warehouse.roles import grant_analyst
from warehouse.summary import summarize

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
DAY1 = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
DAY2 = datetime(2024, 11, 26, 8, 0, tzinfo=UTC)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsetl", *args], capture_output=True, text=True, timeout=120
    )


def _fill(engine: Engine) -> None:
    """Pravda: two loaded runs, three articles (one without a publication time); Ukrinform: one loaded run
    with one article, then a run whose load is still under way; every other source: nothing."""
    first = make_record(1, published_at=datetime(2024, 11, 24, 9, 30, tzinfo=UTC))
    second = make_record(2, published_at=datetime(2024, 11, 25, 18, 0, tzinfo=UTC))
    undated = replace(make_record(3), published_at=None)
    load_records(engine, [first, second], RunInfo("pravda-1", "pravda", None, DAY1), sources=SOURCES)
    changed = make_record(
        2,
        published_at=datetime(2024, 11, 25, 18, 0, tzinfo=UTC),
        headline="Changed headline",
        fetched_at=DAY2,
    )
    load_records(engine, [changed, undated], RunInfo("pravda-2", "pravda", None, DAY2), sources=SOURCES)
    ukrinform = replace(
        make_record(4, published_at=datetime(2024, 11, 20, 6, 0, tzinfo=UTC)),
        source="ukrinform",
        url="https://www.ukrinform.net/rubric-ato/3900004-article.html",
    )
    load_records(
        engine, [ukrinform], RunInfo("ukrinform-1", "ukrinform", None, DAY1, kind="backfill"), sources=SOURCES
    )
    with engine.begin() as conn:  # a load that has begun and not finished: status 'loading'
        conn.execute(
            text(
                "INSERT INTO crawl_runs (run_id, source, started_at, status, discovered, inserted, updated, "
                "unchanged, quarantined, skipped, failed) "
                "VALUES ('ukrinform-2', 'ukrinform', :started, 'loading', 0, 0, 0, 0, 0, 0, 0)"
            ),
            {"started": DAY2.replace(tzinfo=None)},
        )


def _finished_at(engine: Engine, run_id: str) -> datetime:
    with engine.connect() as conn:
        found = conn.execute(select(CrawlRun.finished_at).where(CrawlRun.run_id == run_id)).scalar_one()
    assert found is not None
    return found


def test_summary_counts_tables_and_describes_each_source(warehouse_url: str, engine: Engine) -> None:
    _fill(engine)
    found = summarize(warehouse_url)

    assert found.engine == make_url(normalise_url(warehouse_url)).get_backend_name()
    assert found.revision == found.head == migrate.head()
    with engine.connect() as conn:
        for table, rows in found.tables.items():
            assert rows == conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one(), table
    assert found.tables["articles"] == 4
    assert found.tables["crawl_runs"] == 4
    assert found.tables["article_versions"] == 5  # article 2 changed once
    assert "alembic_version" not in found.tables

    by_source = {source.source: source for source in found.sources}
    assert set(by_source) == set(SOURCES)  # every source of sources.yaml has a row once anything loaded
    pravda = by_source["pravda"]
    assert pravda.articles == 3
    assert pravda.first_published_at == datetime(2024, 11, 24, 9, 30, tzinfo=UTC)
    assert pravda.last_published_at == datetime(2024, 11, 25, 18, 0, tzinfo=UTC)
    assert pravda.last_load_at == _finished_at(engine, "pravda-2")
    assert (pravda.last_run_id, pravda.last_run_status, pravda.last_run_kind) == (
        "pravda-2",
        "loaded",
        "ingest",
    )
    assert pravda.last_run_started_at == DAY2

    ukrinform = by_source["ukrinform"]
    assert ukrinform.articles == 1
    assert (
        ukrinform.first_published_at == ukrinform.last_published_at == datetime(2024, 11, 20, 6, tzinfo=UTC)
    )
    # The last load is the loaded backfill; the latest run is the one still loading.
    assert ukrinform.last_load_at == _finished_at(engine, "ukrinform-1")
    assert (ukrinform.last_run_id, ukrinform.last_run_status) == ("ukrinform-2", "loading")

    never = by_source["nv"]
    assert (never.articles, never.first_published_at, never.last_load_at, never.last_run_id) == (
        0,
        None,
        None,
        None,
    )
    assert never.stale is False  # never crawled: nothing expected of it yet (v_source_freshness)


def test_cli_json_is_the_documented_object(warehouse_url: str, engine: Engine) -> None:
    _fill(engine)
    result = _cli("db", "--url", warehouse_url, "summary", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"version", "engine", "url", "revision", "head", "at_head", "tables", "sources"}
    assert doc["version"] == 1 and doc["at_head"] is True
    assert doc["tables"] == summarize(warehouse_url).tables
    pravda = next(source for source in doc["sources"] if source["source"] == "pravda")
    assert set(pravda) == {
        "source", "label", "articles", "first_published_at", "last_published_at", "last_load_at",
        "last_run_id", "last_run_kind", "last_run_status", "last_run_started_at", "stale",
    }  # fmt: skip
    assert pravda["articles"] == 3
    assert pravda["first_published_at"] == "2024-11-24T09:30:00+00:00"
    assert pravda["last_run_started_at"] == "2024-11-26T08:00:00+00:00"
    assert datetime.fromisoformat(pravda["last_load_at"]) == _finished_at(engine, "pravda-2")
    nv = next(source for source in doc["sources"] if source["source"] == "nv")
    assert nv["last_load_at"] is None and nv["articles"] == 0


def test_cli_table_names_every_source_and_its_latest_run(warehouse_url: str, engine: Engine) -> None:
    _fill(engine)
    result = _cli("db", "--url", warehouse_url, "summary")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"revision  {migrate.head()} (head)" in out
    assert "articles 4" in out and "crawl_runs 4" in out
    lines = {
        line.split()[0]: line for line in out.splitlines() if line.strip() and line.split()[0] in SOURCES
    }
    assert set(lines) == set(SOURCES)
    assert lines["pravda"].split()[1:4] == ["3", "2024-11-24", "09:30"]
    assert "loaded ingest 2024-11-26 08:00" in lines["pravda"]
    assert (
        "loading backfill" not in lines["ukrinform"]
        and "loading ingest 2024-11-26 08:00" in lines["ukrinform"]
    )


def test_missing_unmigrated_and_old_warehouses_say_so_and_exit_1(empty_url: str) -> None:
    if empty_url.startswith("sqlite"):
        missing = _cli("db", "--url", empty_url, "summary", "--json")
        assert (missing.returncode, missing.stdout) == (1, "")
        assert missing.stderr.strip() == f"not found (no file at {empty_url}); run: newsetl db upgrade"
        assert migrate.current(empty_url) is None  # nothing was created to find that out
        migrate.upgrade(empty_url, "base")  # an empty file: exists, never migrated
    never = _cli("db", "--url", empty_url, "summary")
    assert (never.returncode, never.stdout) == (1, "")
    assert (
        never.stderr.strip() == f"not migrated (latest revision is {migrate.head()}); run: newsetl db upgrade"
    )

    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "-1")
    behind = migrate.current(empty_url)
    old = _cli("db", "--url", empty_url, "summary")
    assert (old.returncode, old.stdout) == (1, "")
    assert old.stderr.strip() == f"{behind} (latest is {migrate.head()}); run: newsetl db upgrade"


def test_bad_url_is_one_line_and_exit_2() -> None:
    result = _cli("db", "--url", "mysql://somewhere/db", "summary")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "mysql://somewhere/db" in result.stderr


@pytest.mark.postgres
def test_read_only_analyst_sees_the_summary_and_no_password(fresh_pg_url: str) -> None:
    from warehouse.engine import make_engine

    migrate.upgrade(fresh_pg_url)
    engine = make_engine(fresh_pg_url)
    try:
        _fill(engine)
    finally:
        engine.dispose()
    grant_analyst(fresh_pg_url, "summary_reader", password="s3cret-pw")
    url = make_url(normalise_url(fresh_pg_url)).set(username="summary_reader", password="s3cret-pw")
    as_analyst = url.render_as_string(hide_password=False)
    result = _cli("db", "--url", as_analyst, "summary", "--json")
    assert result.returncode == 0, result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["engine"] == "postgresql"
    assert doc["url"] == url.render_as_string(hide_password=True) and "***" in doc["url"]
    assert doc["tables"]["articles"] == 4
