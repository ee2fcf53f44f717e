from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Engine, text
from wh_dump import dump
from wh_factory import load_rows, make_record, parsed, staged, write_raw

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from transforms.stage import stage_run
from warehouse.load import COUNT_NAMES, RunInfo, load_records, load_staged

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
T0 = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
T1 = datetime(2024, 11, 26, 8, 0, tzinfo=UTC)


def run(run_id: str, when: datetime = T0) -> RunInfo:
    return RunInfo(run_id=run_id, source="pravda", dag_run_id=f"scheduled__{run_id}", started_at=when)


def rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_first_load_inserts_articles_versions_tags_and_the_run(engine: Engine) -> None:
    records = [make_record(i) for i in range(3)]
    result = load_records(engine, records, run("r1"), sources=SOURCES)
    assert result.counts == {
        "discovered": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert rows(engine, "SELECT url, current_version, word_count FROM articles ORDER BY article_id") == [
        (r.url, 1, len(r.body_text.split())) for r in sorted(records, key=lambda r: r.url)
    ]
    assert rows(engine, "SELECT COUNT(*) FROM article_versions WHERE run_id = 'r1'") == [(3,)]
    assert rows(engine, "SELECT name FROM tags ORDER BY name") == [("NATO",), ("war",)]
    assert rows(engine, "SELECT COUNT(*) FROM article_tags") == [(6,)]
    assert rows(engine, "SELECT status, dag_run_id, discovered, inserted FROM crawl_runs") == [
        ("loaded", "scheduled__r1", 3, 3)
    ]
    seen = rows(engine, "SELECT first_seen_at, last_seen_at FROM v_latest_articles")
    assert {str(v)[:19] for pair in seen for v in pair} == {"2024-11-25 08:00:00"}


def test_reloading_the_same_batch_leaves_the_warehouse_byte_identical(
    engine: Engine, warehouse_url: str, request: pytest.FixtureRequest
) -> None:
    first = [make_record(i) for i in range(4)]
    load_records(engine, first, run("r1"), sources=SOURCES)
    changed = [replace(first[0], headline="A changed headline"), *first[1:3], make_record(9)]
    batch = [*(staged(r) for r in changed), staged(make_record(20), url="ftp://nowhere/x")]
    rejects = [
        {
            "url": "https://www.pravda.com.ua/x/",
            "stage": "crawl",
            "reason": "not an article: listing",
            "payload": "{}",
        }
    ]
    counts = load_rows(
        engine, batch, run("r2", T1), rejects=rejects, skipped=2, failed=1, sources=SOURCES
    ).counts
    before = dump(warehouse_url, request)
    again = load_rows(
        engine, batch, run("r2", T1), rejects=rejects, skipped=2, failed=1, sources=SOURCES
    ).counts
    assert dump(warehouse_url, request) == before
    assert (
        again
        == counts
        == {
            "discovered": 9,
            "inserted": 1,
            "updated": 1,
            "unchanged": 2,
            "quarantined": 2,
            "skipped": 2,
            "failed": 1,
        }
    )
    # Reloading the older run after the newer one changed nothing either.
    load_records(engine, first, run("r1"), sources=SOURCES)
    assert dump(warehouse_url, request) == before


def test_same_content_only_moves_last_seen_at_and_changed_content_adds_a_version(engine: Engine) -> None:
    original = make_record(1)
    load_records(engine, [original], run("r1"), sources=SOURCES)
    seen_again = replace(original, fetched_at=T1, collected_on=T1.date())
    counts = load_records(engine, [seen_again], run("r2", T1), sources=SOURCES).counts
    assert (counts["unchanged"], counts["updated"]) == (1, 0)
    state = rows(engine, "SELECT first_seen_at, last_seen_at, current_version, last_run_id FROM articles")
    assert [str(v)[:10] for v in state[0][:2]] == ["2024-11-25", "2024-11-26"]
    assert state[0][2:] == (1, "r2")

    edited = replace(
        original,
        headline="Updated: " + original.headline,
        fetched_at=datetime(2024, 11, 27, tzinfo=UTC),
        tags=("war", "drones"),
    )
    counts = load_records(engine, [edited], run("r3", T1), sources=SOURCES).counts
    assert (counts["unchanged"], counts["updated"]) == (0, 1)
    assert rows(engine, "SELECT headline, current_version FROM articles") == [(edited.headline, 2)]
    history = rows(
        engine, "SELECT version, is_current, headline, run_id FROM v_article_history ORDER BY version"
    )
    assert history == [(1, 0, original.headline, "r1"), (2, 1, edited.headline, "r3")]
    assert rows(engine, "SELECT tag FROM v_article_tags ORDER BY tag") == [("drones",), ("war",)]


def test_constraint_violations_are_quarantined_with_the_reason_and_the_rest_load(engine: Engine) -> None:
    good = make_record(1)
    batch = [
        staged(good),
        staged(make_record(2), url="ftp://example.com/a"),
        staged(make_record(3), headline="x" * 1001),
        staged(make_record(4), source="elsewhere"),
        staged(replace(good, fetched_at=datetime(2024, 11, 24, tzinfo=UTC), headline="earlier fetch")),
    ]
    counts = load_rows(engine, batch, run("r1"), sources=SOURCES).counts
    assert (counts["inserted"], counts["quarantined"], counts["discovered"]) == (1, 4, 5)
    assert rows(engine, "SELECT url, headline FROM articles") == [(good.url, good.headline)]
    reasons = dict(rows(engine, "SELECT url, reason FROM v_quarantine WHERE stage = 'load'"))
    assert reasons["ftp://example.com/a"] == "url ftp://example.com/a is not an http(s) URL"
    assert reasons[make_record(3).url] == "headline is longer than 1000 characters"
    assert reasons[make_record(4).url] == "source elsewhere is not in the sources table"
    assert reasons[good.url] == "another record of this URL in the same batch was fetched later"
    payload = json.loads(
        rows(engine, "SELECT payload FROM quarantine WHERE url = :u", u=make_record(3).url)[0][0]
    )
    assert payload["headline"] == "x" * 1001


def test_load_staged_records_every_discovered_url(tmp_path: Path, warehouse_url: str, engine: Engine) -> None:
    good = [make_record(i) for i in range(3)]
    outcomes = [parsed(r) for r in good] + [
        {
            "url": "https://www.pravda.com.ua/eng/news/1/",
            "outcome": "not_article",
            "reason": "bot_challenge",
            "http_status": 403,
        },
        {
            "url": "https://www.pravda.com.ua/eng/news/2/",
            "outcome": "skipped",
            "reason": "robots",
            "http_status": None,
        },
        {
            "url": "https://www.pravda.com.ua/eng/news/3/",
            "outcome": "failed",
            "reason": "HTTP 500 after 3 retries",
            "http_status": 500,
        },
    ]
    write_raw(
        tmp_path / "raw", [*good, replace(make_record(7), headline="")], outcomes + [parsed(make_record(7))]
    )
    staged = stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r1", sources=SOURCES)
    result = load_staged(str(tmp_path / "staged"), engine_url=warehouse_url, run=run("r1"), sources=SOURCES)
    assert result.counts == {
        "discovered": 7,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 2,
        "skipped": 1,
        "failed": 1,
    }
    assert result.counts["discovered"] == staged.counts["discovered"]
    stored = rows(engine, "SELECT " + ", ".join(COUNT_NAMES) + " FROM crawl_runs WHERE run_id = 'r1'")
    assert stored == [tuple(result.counts[n] for n in COUNT_NAMES)]
    assert sorted(r[0] for r in rows(engine, "SELECT stage FROM quarantine")) == ["crawl", "validate"]


def test_load_staged_migrates_a_fresh_sqlite_warehouse(tmp_path: Path) -> None:
    records = [make_record(1)]
    write_raw(tmp_path / "raw", records, [parsed(r) for r in records])
    stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r1", sources=SOURCES)
    url = f"sqlite:///{tmp_path / 'new' / 'warehouse.sqlite'}"
    assert (
        load_staged(str(tmp_path / "staged"), engine_url=url, run=run("r1"), sources=SOURCES).counts[
            "inserted"
        ]
        == 1
    )


def test_a_run_without_records_still_records_its_counts(
    tmp_path: Path, warehouse_url: str, engine: Engine
) -> None:
    outcomes = [
        {
            "url": f"https://www.pravda.com.ua/eng/news/{i}/",
            "outcome": "skipped",
            "reason": "known_unchanged",
            "http_status": None,
        }
        for i in range(3)
    ]
    write_raw(tmp_path / "raw", [], outcomes)
    stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="quiet", sources=SOURCES)
    result = load_staged(
        str(tmp_path / "staged"), engine_url=warehouse_url, run=run("quiet"), sources=SOURCES
    )
    assert result.counts == {
        "discovered": 3,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 0,
        "skipped": 3,
        "failed": 0,
    }
    # Issue 12: URLs skipped as known_unchanged are healthy, so loaded_pct counts them.
    assert rows(engine, "SELECT run_id, status, known_unchanged, loaded_pct FROM v_crawl_health") == [
        ("quiet", "loaded", 3, 100)
    ]


def test_a_run_given_in_chunks_loads_as_one_batch_and_quarantines_across_chunks(engine: Engine) -> None:
    from transforms.normalise import articles_table
    from warehouse.load import load_tables

    # Chunks of two: a rejected row in the last chunk keeps its own payload, and two records of one URL
    # in different chunks are still one batch (the earlier fetch is quarantined as a duplicate).
    good = [make_record(i) for i in range(4)]
    too_long = make_record(5)
    earlier = replace(good[0], fetched_at=datetime(2024, 11, 24, tzinfo=UTC), headline="earlier fetch")
    table = articles_table([*(staged(r) for r in [*good, earlier]), staged(too_long, headline="x" * 1001)])
    calls: list[int] = []

    def chunks() -> Iterator[pa.Table]:
        calls.append(1)
        return (table.slice(i, 2) for i in range(0, table.num_rows, 2))

    counts = load_tables(engine, chunks, run("r1"), sources=SOURCES).counts
    assert (counts["inserted"], counts["quarantined"], counts["discovered"]) == (4, 2, 6)
    assert len(calls) == 2  # read again for the quarantined rows' payloads
    assert sorted(rows(engine, "SELECT url, headline FROM articles")) == sorted(
        (r.url, r.headline) for r in good
    )
    payloads = {
        url: json.loads(p)["headline"] for url, p in rows(engine, "SELECT url, payload FROM quarantine")
    }
    assert payloads == {too_long.url: "x" * 1001, good[0].url: "earlier fetch"}
