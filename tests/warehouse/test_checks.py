"""warehouse.checks.run_checks on runs loaded through the real transform and load steps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from wh_factory import make_record, parsed, write_raw

from transforms.record import ArticleRecord
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from transforms.stage import stage_run
from warehouse.checks import run_checks
from warehouse.load import RunInfo, load_staged

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
T0 = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)


def load_run(tmp_path: Path, warehouse_url: str, run_id: str, records: list[ArticleRecord]) -> dict[str, int]:
    raw, staged = tmp_path / run_id / "raw", tmp_path / run_id / "staged"
    write_raw(raw, records, [parsed(r) for r in records])
    stage_run(str(raw), str(staged), run_id=run_id, sources=SOURCES)
    run = RunInfo(run_id=run_id, source="pravda", dag_run_id=f"manual__{run_id}", started_at=T0)
    return load_staged(str(staged), engine_url=warehouse_url, run=run, sources=SOURCES).counts


def test_a_clean_run_passes(tmp_path: Path, warehouse_url: str) -> None:
    counts = load_run(tmp_path, warehouse_url, "good", [make_record(i) for i in range(3)])
    assert counts["inserted"] == 3
    assert run_checks(warehouse_url, "good") == []


def test_a_run_that_was_never_loaded_fails_with_its_id(warehouse_url: str) -> None:
    assert run_checks(warehouse_url, "nope") == ["run 'nope': no crawl_runs row (was the load step run?)"]


def test_too_many_quarantined_articles_fail_the_run(tmp_path: Path, warehouse_url: str) -> None:
    records = [make_record(1), replace(make_record(2), headline=""), replace(make_record(3), headline="")]
    counts = load_run(tmp_path, warehouse_url, "bad", records)
    assert counts["quarantined"] == 2
    # Three fetched pages are too few to judge by default...
    assert run_checks(warehouse_url, "bad") == []
    failures = run_checks(warehouse_url, "bad", min_fetched_for_ratio=3)
    assert failures == [
        "run 'bad': 2 of 3 fetched articles quarantined (67%, limit 50%);"
        " see the quarantine table for the reasons"
    ]
    assert run_checks(warehouse_url, "bad", max_quarantine_ratio=0.7, min_fetched_for_ratio=3) == []


def test_empty_bodies_and_implausible_dates_are_named_with_example_urls(
    tmp_path: Path, warehouse_url: str, engine: Engine
) -> None:
    records = [make_record(i) for i in range(4)]
    load_run(tmp_path, warehouse_url, "r1", records)
    # Bypass the validation the transform step does, as a buggy loader or a manual edit would.
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET body_text = '  ' WHERE url = :u"), {"u": records[0].url})
        conn.execute(
            text("UPDATE articles SET published_at = :t WHERE url = :u"),
            {"t": datetime(1985, 1, 1, tzinfo=UTC), "u": records[1].url},
        )
        conn.execute(
            text("UPDATE articles SET published_at = :t WHERE url = :u"),
            {"t": datetime(2099, 1, 1, tzinfo=UTC), "u": records[2].url},
        )
    failures = run_checks(warehouse_url, "r1")
    assert len(failures) == 3, failures
    assert failures[0] == f"run 'r1': 1 article(s) with an empty body, e.g. {records[0].url}"
    assert failures[1].startswith("run 'r1': 1 article(s) published after ")
    assert failures[1].endswith(records[2].url)
    assert failures[2] == f"run 'r1': 1 article(s) published before 1990-01-01, e.g. {records[1].url}"


def test_checks_look_only_at_the_run_asked_about(tmp_path: Path, warehouse_url: str, engine: Engine) -> None:
    first = [make_record(1)]
    second = [make_record(2)]
    load_run(tmp_path, warehouse_url, "first", first)
    load_run(tmp_path, warehouse_url, "second", second)
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET headline = '' WHERE url = :u"), {"u": first[0].url})
    assert run_checks(warehouse_url, "second") == []
    assert run_checks(warehouse_url, "first") == [
        f"run 'first': 1 article(s) with an empty headline, e.g. {first[0].url}"
    ]
