"""``dag.test()`` of news_ingest against the replayed fixture site, into a fresh SQLite warehouse."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

pytestmark = [pytest.mark.slow, pytest.mark.airflow]


def _site_fixtures() -> Any:  # tests/ is not a package: load the shared fixtures by path
    spec = importlib.util.spec_from_file_location("newsetl_site_fixtures", PROJECT / "tests/site/fixtures.py")
    assert spec and spec.loader
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


site_fixtures = _site_fixtures()
fixture_site = site_fixtures.fixture_site


def rows(data_root: Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{data_root / 'warehouse.sqlite'}")
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def test_news_ingest_dag_test_fills_the_warehouse(
    airflow_db: Path, fixture_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    data_root = tmp_path / "data"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        # dag.test() runs the tasks in this process: they read the settings from this environment. The
        # replayed site is pravda's only, so the DAG is built for that source alone.
        env = site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror, NEWSETL_INGEST_SOURCES="pravda")
        for name, value in env.items():
            if name.startswith("NEWSETL_"):
                monkeypatch.setenv(name, value)
        dag = DagBag(str(DAGS)).dags["news_ingest"]
        dag_run = dag.test()
    assert dag_run.state == DagRunState.SUCCESS

    expected = len(fixture_site.articles)
    assert rows(data_root, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(expected, expected)]
    runs = rows(
        data_root,
        "SELECT run_id, source, dag_run_id, status, discovered, inserted, updated, unchanged, quarantined,"
        " skipped, failed FROM crawl_runs",
    )
    assert len(runs) == 1
    run_id, source, dag_run_id, status, discovered, *parts = runs[0]
    assert (source, dag_run_id, status) == ("pravda", dag_run.run_id, "loaded")
    assert run_id.startswith("pravda_")
    inserted, updated, unchanged, quarantined, skipped, failed = parts
    assert inserted == expected and updated == 0 and unchanged == 0
    assert discovered == sum(parts)
    assert quarantined >= 1 and skipped >= 1 and failed >= 1  # the site's listing page, robots rule, 404
    assert (data_root / "raw" / "pravda" / run_id / "outcomes.jsonl").is_file()
    assert (data_root / "staged" / "pravda" / run_id / "records.parquet").is_file()
    headlines = {r[0] for r in rows(data_root, "SELECT headline FROM articles")}
    assert {a.headline for a in fixture_site.articles if a.headline} <= headlines
