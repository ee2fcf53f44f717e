"""news_backfill through ``dag.test()``: a date range split into months, each crawled from the monthly
sitemaps of the replayed fixture site and loaded; re-running the range adds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from wh_query import query

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

pytestmark = [pytest.mark.slow, pytest.mark.airflow]


def test_backfill_crawls_each_month_of_the_range_and_a_rerun_is_safe(
    airflow_db: Path, fixture_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    data_root = tmp_path / "data"
    conf = {"source": "pravda", "editions": ["eng", "ukr", "rus"], "start": "2025-11-15", "end": "2025-12-31"}
    in_range = {a.url for a in fixture_site.articles if conf["start"] <= a.published <= conf["end"]}
    assert in_range, "the fixture site should have articles in the range"
    dag = DagBag(str(DAGS)).dags["news_backfill"]
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        for name, value in site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror).items():
            if name.startswith("NEWSETL_"):
                monkeypatch.setenv(name, value)
        first = dag.test(run_conf=conf)
        assert first.state == DagRunState.SUCCESS
        runs = query(
            data_root,
            "SELECT run_id, inserted, discovered, updated, unchanged, quarantined, skipped, failed"
            " FROM crawl_runs WHERE dag_run_id = :d ORDER BY run_id",
            d=first.run_id,
        )
        # One crawl run per month, labelled by the month.
        assert [r[0][-7:] for r in runs] == ["2025-11", "2025-12"]
        for run in runs:
            assert run[2] == sum(run[1:2]) + sum(run[3:])
        stored = {r[0] for r in query(data_root, "SELECT url FROM articles")}
        assert in_range <= stored
        published = query(data_root, "SELECT MIN(published_day), MAX(published_day) FROM v_latest_articles")
        assert published[0][0] >= "2025-11-01"

        second = dag.test(run_conf=conf)
        assert second.state == DagRunState.SUCCESS
    assert {r[0] for r in query(data_root, "SELECT url FROM articles")} == stored
    assert query(data_root, "SELECT COUNT(*) FROM article_versions") == [(len(stored),)]
    repeat = query(
        data_root, "SELECT SUM(inserted), SUM(updated) FROM crawl_runs WHERE dag_run_id = :d", d=second.run_id
    )
    assert repeat == [(0, 0)]


def test_backfill_refuses_a_range_that_ends_before_it_starts(
    airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    monkeypatch.setenv("NEWSETL_DATA_ROOT", str(tmp_path / "data"))
    dag = DagBag(str(DAGS)).dags["news_backfill"]
    run = dag.test(
        run_conf={"source": "pravda", "editions": ["eng"], "start": "2025-12-01", "end": "2025-11-01"}
    )
    assert run.state == DagRunState.FAILED
    assert not (tmp_path / "data" / "raw").exists()
