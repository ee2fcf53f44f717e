"""Issue 12, item 3: ``v_source_freshness`` and ``warehouse.freshness`` say per source when it last had a
successful run and a new article, how many hours ago, and whether that is longer than its
``max_quiet_hours`` (stale). On SQLite and PostgreSQL; the times are set relative to now with hours of
margin, so nothing depends on how fast the test runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from wh_factory import make_record

from transforms.discovery_log import discovery_line
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.freshness import source_freshness, stale_sources
from warehouse.load import RunInfo, load_records

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
NOW = datetime.now(UTC).replace(microsecond=0)
FAILED = [discovery_line("https://kyivindependent.com/feed/", "feed", error="DNSLookupError: no such host")]


def kyiv_record(number: int, fetched_at: datetime) -> Any:
    record = make_record(number, fetched_at=fetched_at)
    return replace(
        record, url=f"https://kyivindependent.com/story-{number}/", source="kyivindependent", edition="en"
    )


def load_world(engine: Engine, sources: Any = SOURCES) -> None:
    """pravda: a new article 30 h ago, seen again unchanged 1 h ago; kyivindependent: a new article 2 h
    ago, then a run whose discovery all failed; ukrinform: crawled, never an article."""
    first = [make_record(1, fetched_at=NOW - timedelta(hours=30))]
    load_records(engine, first, RunInfo("p1", "pravda", None, NOW - timedelta(hours=30)), sources=sources)
    again = [replace(first[0], fetched_at=NOW - timedelta(hours=1))]
    load_records(engine, again, RunInfo("p2", "pravda", None, NOW - timedelta(hours=1)), sources=sources)
    kyiv = [kyiv_record(2, NOW - timedelta(hours=2))]
    load_records(
        engine, kyiv, RunInfo("k1", "kyivindependent", None, NOW - timedelta(hours=2)), sources=sources
    )
    load_records(
        engine,
        [],
        RunInfo("k2", "kyivindependent", None, NOW - timedelta(minutes=30)),
        sources=sources,
        discovery=FAILED,
    )
    load_records(engine, [], RunInfo("u1", "ukrinform", None, NOW - timedelta(hours=3)), sources=sources)


def test_the_view_gives_last_run_last_new_article_hours_and_stale(engine: Engine) -> None:
    assert "ukrinform" in SOURCES and SOURCES["pravda"].max_quiet_hours == 24
    load_world(engine)
    with engine.connect() as conn:
        rows = {
            row.source: row
            for row in conn.execute(
                text(
                    "SELECT * FROM v_source_freshness WHERE source IN "
                    "('pravda', 'kyivindependent', 'ukrinform', 'unian')"
                )
            )
        }
    assert 29.9 <= float(rows["pravda"].hours_since_new_article) <= 31
    assert (rows["pravda"].stale, rows["pravda"].max_quiet_hours) == (1, 24)
    assert 1.9 <= float(rows["kyivindependent"].hours_since_new_article) <= 3
    assert rows["kyivindependent"].stale == 0
    assert rows["ukrinform"].last_new_article_at is None and rows["ukrinform"].stale == 1
    # Registered, never crawled: nothing is expected of it yet.
    assert rows["unian"].stale == 0 and rows["unian"].last_successful_run_at is None


def test_freshness_objects_and_their_one_line_descriptions(engine: Engine, warehouse_url: str) -> None:
    load_world(engine)
    by_source = {f.source: f for f in source_freshness(warehouse_url)}
    assert set(SOURCES) <= set(by_source)
    pravda, kyiv, ukrinform = by_source["pravda"], by_source["kyivindependent"], by_source["ukrinform"]
    # The unchanged sighting 1 h ago is a successful run, not a new article.
    assert pravda.last_successful_run_at == NOW - timedelta(hours=1)
    assert pravda.last_new_article_at == NOW - timedelta(hours=30)
    assert pravda.stale and pravda.hours_since_new_article is not None
    # The run whose every discovery URL failed is not a successful run.
    assert kyiv.last_successful_run_at == NOW - timedelta(hours=2) and not kyiv.stale
    assert [f.source for f in stale_sources(warehouse_url)] == ["pravda", "ukrinform"]
    assert [f.source for f in stale_sources(warehouse_url, ["kyivindependent", "ukrinform"])] == ["ukrinform"]
    line = pravda.describe()
    assert line.startswith(f"source 'pravda': no new article for {pravda.hours_since_new_article:g} h ")
    assert "(max_quiet_hours 24); last new article " in line
    assert line.endswith(f"last successful run {(NOW - timedelta(hours=1)):%Y-%m-%d %H:%M} UTC")
    assert ukrinform.describe() == (
        f"source 'ukrinform': no article loaded yet (max_quiet_hours 24); "
        f"last successful run {(NOW - timedelta(hours=3)):%Y-%m-%d %H:%M} UTC"
    )


def test_a_longer_max_quiet_hours_in_the_sources_file_makes_the_source_fresh(
    engine: Engine, warehouse_url: str
) -> None:
    load_world(engine)
    patient = {**SOURCES, "pravda": replace(SOURCES["pravda"], max_quiet_hours=48)}
    load_records(engine, [], RunInfo("p3", "pravda", None, NOW), sources=patient)
    [pravda] = source_freshness(warehouse_url, ["pravda"])
    assert (pravda.max_quiet_hours, pravda.stale) == (48, False)
