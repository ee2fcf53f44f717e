"""``newsetl ingest`` end to end: a real crawl of the replayed fixture site into a fresh SQLite warehouse."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from wh_query import query


def ingest(data_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return site_fixtures.newsetl_ingest(site_fixtures.quiet_env(data_root), *args)


@pytest.mark.slow
def test_ingest_loads_the_site_and_a_repeat_adds_nothing(fixture_site: Any, tmp_path: Path) -> None:
    data_root = tmp_path / "data"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        first = ingest(data_root, "pravda", "--mirror", mirror, "--run-id", "first")
        assert first.returncode == 0, first.stdout + first.stderr
        second = ingest(data_root, "pravda", "--mirror", mirror, "--run-id", "second")
        assert second.returncode == 0, second.stdout + second.stderr

    for step in ("crawl", "transform", "load", "check"):
        assert f"✓ {step}" in first.stdout
    assert "discovered" in first.stdout and "inserted" in first.stdout

    expected = len(fixture_site.articles)
    assert query(data_root, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(expected, expected)]
    runs = query(
        data_root,
        "SELECT run_id, dag_run_id, discovered, inserted, updated, unchanged, quarantined, skipped, failed"
        " FROM crawl_runs ORDER BY run_id",
    )
    assert [r[0] for r in runs] == ["pravda_first", "pravda_second"]
    first_run, second_run = runs
    assert first_run[1] is None  # not an Airflow run
    assert first_run[3] == expected
    assert first_run[2] == sum(first_run[3:])
    # The repeat skips what it already has (known_unchanged) and inserts nothing.
    assert second_run[3] == 0 and second_run[4] == 0
    assert second_run[2] == sum(second_run[3:])
    assert second_run[7] >= expected
    assert query(data_root, "SELECT COUNT(*) FROM article_versions") == [(expected,)]
    raw = data_root / "raw" / "pravda" / "pravda_first"
    assert (raw / "items.jsonl").is_file() and list(raw.glob("*.warc.gz"))
    assert (data_root / "staged" / "pravda" / "pravda_first" / "records.parquet").is_file()


def test_ingest_rejects_bad_arguments_with_a_clear_message(tmp_path: Path) -> None:
    unknown = ingest(tmp_path, "no-such-source")
    assert unknown.returncode == 2
    assert "newsetl ingest: unknown source 'no-such-source'; known: " in unknown.stderr
    assert "pravda" in unknown.stderr
    edition = ingest(tmp_path, "pravda", "--edition", "klingon")
    assert edition.returncode == 2
    assert "unknown edition klingon of pravda; expected one of eng, ukr, rus or all" in edition.stderr
    dates = ingest(tmp_path, "pravda", "--since", "2024-05-10", "--until", "2024-05-01")
    assert dates.returncode == 2
    assert "--until 2024-05-01 is before --since 2024-05-10" in dates.stderr
    bad_day = ingest(tmp_path, "pravda", "--since", "10/05/2024")
    assert bad_day.returncode == 2
    assert "--since='10/05/2024': expected a date as YYYY-MM-DD" in bad_day.stderr
    assert not (tmp_path / "warehouse.sqlite").exists()
