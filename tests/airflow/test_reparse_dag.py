"""news_reparse through ``dag.test()``: stored WARC pages parsed again with no server to fetch from, in shards
(mapped parse_shard tasks) merged into one raw folder; only the article whose stored content differs from the
current parse gets a new version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from sqlalchemy import create_engine, text

from newsetl import pipeline
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

SOURCES = load_sources(DEFAULT_SOURCES_FILE)

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

pytestmark = [pytest.mark.slow, pytest.mark.airflow]


def sql(data_root: Path, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{data_root / 'warehouse.sqlite'}")
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def task_states(dag_run: Any) -> dict[tuple[str, int], str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {
            (ti.task_id, ti.map_index): str(ti.state) for ti in dag_run.get_task_instances(session=session)
        }


def test_reparse_reloads_stored_pages_and_versions_only_what_changed(
    airflow_db: Path, fixture_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    data_root = tmp_path / "data"
    for name, value in site_fixtures.quiet_env(data_root).items():
        if name.startswith("NEWSETL_"):
            monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    plan = pipeline.RunPlan.make("pravda", "first", settings)
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        pipeline.crawl(plan, replace(settings, mirror=mirror), SOURCES["pravda"], log=lambda line: None)
    pipeline.transform(plan, SOURCES)
    first = pipeline.load(plan, settings, SOURCES, dag_run_id=None, started_at=datetime.now(UTC))
    expected = len(fixture_site.articles)
    assert first["inserted"] == expected

    # As if one article had been stored by an older parser: its stored content no longer matches.
    (url,) = sql(data_root, "SELECT url FROM articles ORDER BY url LIMIT 1")[0]
    sql(data_root, "UPDATE articles SET content_hash = 'old-parser' WHERE url = :url", url=url)

    today = datetime.now(UTC).date()
    dag = DagBag(str(DAGS)).dags["news_reparse"]
    # The replay server is gone: a re-parse that tried to fetch would fail its pages.
    conf = {"source": "pravda", "start": today.isoformat(), "end": today.isoformat(), "shard_pages": 4}
    dag_run = dag.test(run_conf=conf)
    assert dag_run.state == DagRunState.SUCCESS
    states = task_states(dag_run)
    shards = [index for task, index in states if task == "parse_shard"]
    assert len(shards) > 1 and shards == list(range(len(shards))), states  # several shards, each parsed
    assert set(states.values()) == {"success"}, states
    assert {task for task, _ in states} == {
        "plan_shards",
        "parse_shard",
        "merge_shards",
        "transform",
        "load",
        "check",
    }

    runs = sql(
        data_root,
        "SELECT run_id, dag_run_id, discovered, inserted, updated, unchanged, quarantined, skipped, failed"
        " FROM crawl_runs WHERE run_id != 'pravda_first'",
    )
    assert len(runs) == 1
    run_id, dag_run_id, discovered, inserted, updated, unchanged, quarantined, skipped, failed = runs[0]
    assert dag_run_id == dag_run.run_id
    assert (inserted, updated, unchanged) == (0, 1, expected - 1)
    assert failed == 0 and skipped == 0
    assert (
        quarantined == first["quarantined"] - first["skipped"] * 0
    )  # the listing page, again not an article
    assert discovered == inserted + updated + unchanged + quarantined + skipped + failed
    assert sql(data_root, "SELECT COUNT(*) FROM article_versions") == [(expected + 1,)]
    assert sql(data_root, "SELECT current_version FROM articles WHERE url = :url", url=url) == [(2,)]
    reparsed = data_root / "raw" / "pravda" / run_id
    assert (reparsed / "items.jsonl").is_file() and not list(reparsed.glob("*.warc.gz"))
    assert sorted(p.name for p in reparsed.iterdir()) == [
        "crawl.log",
        "items.jsonl",
        "outcomes.jsonl",
        "stats.json",
    ]

    # Captures outside the range are left alone.
    yesterday = (today - timedelta(days=1)).isoformat()
    empty = dag.test(run_conf={"source": "pravda", "start": yesterday, "end": yesterday})
    assert empty.state == DagRunState.SUCCESS
    assert sql(data_root, "SELECT discovered FROM crawl_runs WHERE dag_run_id = :d", d=empty.run_id) == [(0,)]

    # The analysts' export by hand, for a range of days: every article once, as the warehouse stores it.
    export = DagBag(str(DAGS)).dags["news_export"].test(run_conf={"start": "2000-01-01", "end": "2030-12-31"})
    assert export.state == DagRunState.SUCCESS
    stored = dict(sql(data_root, "SELECT url, seed_text FROM articles"))
    files = sorted((data_root / "export" / "seed").glob("*/*.txt"))
    assert len(files) == len(stored) == expected
    assert {p.read_text(encoding="utf-8") for p in files} == set(stored.values())
    # Its second step writes the HTML report under the data root, after the export.
    report = data_root / "report" / "report.html"
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-chart="articles"' in page
