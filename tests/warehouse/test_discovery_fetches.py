"""Issue 12, item 1: every feed and sitemap a crawl asked for is a row of ``discovery_fetches`` (run, source,
URL, HTTP status or error, entries found and in range), readable through ``v_discovery``; crawl_runs counts
the run's discovery URLs and failures, its kind and date range, and its known_unchanged skips. Loaded from
the staged folder's discovery.jsonl (missing: no rows), once per run. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from wh_dump import dump
from wh_factory import make_record, parsed, write_raw

from transforms.discovery_log import discovery_line
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from transforms.stage import stage_run
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_staged

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
T0 = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)
FEED = "https://www.pravda.com.ua/eng/rss/"
DISCOVERY = [
    discovery_line(FEED, "feed", http_status=200, entries_found=30, entries_in_range=2),
    discovery_line("https://www.pravda.com.ua/rss/", "feed", error="DNSLookupError: no such host"),
    discovery_line(
        "https://www.pravda.com.ua/sitemap.xml", "news_sitemap", http_status=500, error="HTTP 500"
    ),
]


def staged_run(
    tmp_path: Path, run_id: str, *, discovery: list[dict[str, Any]] | None, known_unchanged: int = 0
) -> str:
    """A staged folder as the transform step leaves it: two articles, ``known_unchanged`` skips, and the
    discovery lines (None: no discovery.jsonl, as a folder staged before issue 12)."""
    records = [make_record(1), make_record(2)]
    skips = [
        {
            "url": f"https://www.pravda.com.ua/eng/news/k{i}/",
            "outcome": "skipped",
            "reason": "known_unchanged",
        }
        for i in range(known_unchanged)
    ]
    raw, staged = tmp_path / run_id / "raw", tmp_path / run_id / "staged"
    write_raw(raw, records, [parsed(r) for r in records] + skips)
    stage_run(str(raw), str(staged), run_id=run_id, sources=SOURCES)
    target = staged / "discovery.jsonl"
    target.unlink(missing_ok=True)
    if discovery is not None:
        target.write_text("".join(json.dumps(row) + "\n" for row in discovery), encoding="utf-8")
    return str(staged)


def run_info(run_id: str, **kwargs: Any) -> RunInfo:
    return RunInfo(run_id=run_id, source="pravda", dag_run_id=None, started_at=T0, **kwargs)


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_the_migration_adds_the_table_columns_and_views_and_takes_them_back(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        inspector = inspect(engine)
        assert [c["name"] for c in inspector.get_columns("discovery_fetches")] == [
            "run_id",
            "seq",
            "source",
            "url",
            "kind",
            "http_status",
            "error",
            "entries_found",
            "entries_in_range",
        ]
        run_columns = {c["name"] for c in inspector.get_columns("crawl_runs")}
        assert {"kind", "range_since", "range_until", "discovery_urls", "discovery_failed"} <= run_columns
        assert "known_unchanged" in run_columns
        assert "max_quiet_hours" in {c["name"] for c in inspector.get_columns("sources")}
        assert {"v_discovery", "v_source_freshness"} <= set(inspector.get_view_names())
        migrate.downgrade(empty_url, "0003")
        inspector = inspect(engine)
        assert "discovery_fetches" not in inspector.get_table_names()
        assert "kind" not in {c["name"] for c in inspector.get_columns("crawl_runs")}
        assert "max_quiet_hours" not in {c["name"] for c in inspector.get_columns("sources")}
        assert "v_discovery" not in inspector.get_view_names()
        assert "known_unchanged" not in {c["name"] for c in inspector.get_columns("v_crawl_health")}
        migrate.upgrade(empty_url)
        assert "known_unchanged" in {c["name"] for c in inspect(engine).get_columns("v_crawl_health")}
    finally:
        engine.dispose()


def test_runs_loaded_before_the_migration_get_kind_ingest_and_no_discovery(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO sources (source, label) VALUES ('pravda', 'Pravda')"))
            conn.execute(
                text(
                    "INSERT INTO crawl_runs (run_id, source, started_at, status, discovered, inserted, "
                    "updated, unchanged, quarantined, skipped, failed) "
                    "VALUES ('old', 'pravda', :t, 'loaded', 0, 0, 0, 0, 0, 0, 0)"
                ),
                {"t": T0},
            )
        migrate.upgrade(empty_url)
        assert rows(
            engine, "SELECT kind, discovery_urls, discovery_failed, known_unchanged FROM crawl_runs"
        ) == [("ingest", 0, 0, 0)]
        assert rows(engine, "SELECT source, max_quiet_hours FROM sources") == [("pravda", 24)]
    finally:
        engine.dispose()


def test_a_staged_runs_discovery_lines_are_loaded_in_order_with_the_runs_figures(
    tmp_path: Path, warehouse_url: str, engine: Engine
) -> None:
    staged = staged_run(tmp_path, "r1", discovery=DISCOVERY, known_unchanged=2)
    run = run_info("r1", kind="backfill", since=date(2024, 11, 1), until=date(2024, 11, 30))
    counts = load_staged(staged, engine_url=warehouse_url, run=run, sources=SOURCES).counts
    assert counts["skipped"] == 2 and counts["inserted"] == 2
    assert rows(engine, "SELECT * FROM discovery_fetches ORDER BY seq") == [
        ("r1", 0, "pravda", FEED, "feed", 200, "", 30, 2),
        (
            "r1",
            1,
            "pravda",
            "https://www.pravda.com.ua/rss/",
            "feed",
            None,
            "DNSLookupError: no such host",
            0,
            0,
        ),
        ("r1", 2, "pravda", "https://www.pravda.com.ua/sitemap.xml", "news_sitemap", 500, "HTTP 500", 0, 0),
    ]
    figures = rows(
        engine,
        "SELECT kind, range_since, range_until, discovery_urls, discovery_failed, known_unchanged "
        "FROM crawl_runs",
    )
    assert [(k, str(s), str(u), n, f, ku) for k, s, u, n, f, ku in figures] == [
        ("backfill", "2024-11-01", "2024-11-30", 3, 2, 2)
    ]
    assert rows(engine, "SELECT url, run_kind, kind, failed, http_status FROM v_discovery ORDER BY seq") == [
        (FEED, "backfill", "feed", 0, 200),
        ("https://www.pravda.com.ua/rss/", "backfill", "feed", 1, None),
        ("https://www.pravda.com.ua/sitemap.xml", "backfill", "news_sitemap", 1, 500),
    ]
    # known_unchanged skips are healthy: (2 inserted + 2 known_unchanged) of 4 discovered.
    assert rows(engine, "SELECT known_unchanged, loaded_pct FROM v_crawl_health") == [(2, 100)]


def test_reloading_a_run_writes_nothing(
    tmp_path: Path, warehouse_url: str, request: pytest.FixtureRequest
) -> None:
    staged = staged_run(tmp_path, "r1", discovery=DISCOVERY, known_unchanged=1)
    run = run_info("r1", kind="ingest")
    load_staged(staged, engine_url=warehouse_url, run=run, sources=SOURCES)
    before = dump(warehouse_url, request)
    load_staged(staged, engine_url=warehouse_url, run=run, sources=SOURCES)
    assert dump(warehouse_url, request) == before


def test_a_staged_folder_without_discovery_file_loads_no_discovery_rows(
    tmp_path: Path, warehouse_url: str, engine: Engine
) -> None:
    staged = staged_run(tmp_path, "old", discovery=None)
    load_staged(staged, engine_url=warehouse_url, run=run_info("old"), sources=SOURCES)
    assert rows(engine, "SELECT COUNT(*) FROM discovery_fetches") == [(0,)]
    assert rows(engine, "SELECT kind, discovery_urls, discovery_failed FROM crawl_runs") == [("ingest", 0, 0)]


def test_a_malformed_discovery_line_is_refused_naming_the_file_and_line(
    tmp_path: Path, warehouse_url: str, engine: Engine
) -> None:
    staged = staged_run(tmp_path, "bad", discovery=DISCOVERY)
    with open(Path(staged) / "discovery.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({**DISCOVERY[0], "kind": "podcast"}) + "\n")
    with pytest.raises(ValueError, match=r"discovery.jsonl:4: discovery kind 'podcast'"):
        load_staged(staged, engine_url=warehouse_url, run=run_info("bad"), sources=SOURCES)
    assert rows(engine, "SELECT COUNT(*) FROM crawl_runs") == [(0,)]


def test_max_quiet_hours_follows_the_sources_file(tmp_path: Path, warehouse_url: str, engine: Engine) -> None:
    staged = staged_run(tmp_path, "r1", discovery=[])
    load_staged(staged, engine_url=warehouse_url, run=run_info("r1"), sources=SOURCES)
    assert rows(engine, "SELECT max_quiet_hours FROM sources WHERE source = 'pravda'") == [
        (SOURCES["pravda"].max_quiet_hours,)
    ]
    changed = {**SOURCES, "pravda": replace(SOURCES["pravda"], max_quiet_hours=6)}
    staged = staged_run(tmp_path, "r2", discovery=[])
    load_staged(staged, engine_url=warehouse_url, run=run_info("r2"), sources=changed)
    assert rows(engine, "SELECT max_quiet_hours FROM sources WHERE source = 'pravda'") == [(6,)]
