"""The load's process pool: detected languages, story signatures, band keys and story ids are the same
whether one process or two compute them, on both engines (a dump of the warehouse is compared whole)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from wh_dump import dump
from wh_factory import make_record

from transforms.record import ArticleRecord
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_records
from warehouse.text_facts import BATCH

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
FETCHED = datetime(2025, 3, 1, 8, tzinfo=UTC)
WORDS = (
    "drone missile energy grid minister region city forces attack power station talks allies budget court "
    "police harbour grain train bridge school hospital winter repair crews sirens shelter mayor council"
).split()


def _records() -> list[ArticleRecord]:
    # More articles than one pool batch, in three editions, over two years, with a near-copy of every
    # tenth article two days later (same story) and another a year later (a story of its own).
    rng = random.Random(15)
    start = datetime(2023, 1, 1, 6, tzinfo=UTC)
    records = []
    for number in range(BATCH + 150):
        paragraphs = tuple(" ".join(rng.choice(WORDS) for _ in range(40)) + "." for _ in range(3))
        published = start + timedelta(hours=13 * number)
        edition = ("eng", "ukr", "rus")[number % 3]
        record = make_record(number, edition=edition, paragraphs=paragraphs, published_at=published)
        records.append(replace(record, fetched_at=FETCHED))
        if number % 10 == 0:
            for later, suffix in ((timedelta(days=2), "copy"), (timedelta(days=365), "anniversary")):
                records.append(
                    replace(
                        record,
                        url=f"{record.url}{suffix}/",
                        published_at=published + later,
                        fetched_at=FETCHED,
                    )
                )
    return records


def _load_dump(url: str, workers: int, request: pytest.FixtureRequest) -> str:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        run = RunInfo("workers-1", "pravda", None, FETCHED, kind="backfill")
        counts = load_records(engine, _records(), run, sources=SOURCES, workers=workers).counts
        assert counts["inserted"] == BATCH + 150 + 2 * ((BATCH + 150 + 9) // 10)
        with engine.begin() as conn:
            # The one wall-clock value of a load.
            conn.execute(text("UPDATE crawl_runs SET finished_at = started_at"))
    finally:
        engine.dispose()
    return dump(url, request)


def test_the_warehouse_is_the_same_with_one_worker_and_with_two(
    empty_url: str, request: pytest.FixtureRequest
) -> None:
    serial = _load_dump(empty_url, 1, request)
    migrate.downgrade(empty_url, "base")
    pooled = _load_dump(empty_url, 2, request)
    assert "story_bands" in serial
    assert pooled == serial
