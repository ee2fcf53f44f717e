"""``dag.test()`` of news_ingest against the replayed fixture site, into a fresh SQLite warehouse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from wh_query import query

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

pytestmark = [pytest.mark.slow, pytest.mark.airflow]


def test_connection_urls_for_the_warehouse() -> None:
    from airflow.sdk import Connection

    from newsetl.dag_defaults import connection_sqlalchemy_url

    postgres = Connection(
        conn_id="w",
        conn_type="postgres",
        host="db",
        login="etl",
        password="p@ss/word",
        port=5432,
        schema="news",
    )
    assert connection_sqlalchemy_url(postgres) == "postgresql+psycopg://etl:p%40ss%2Fword@db:5432/news"
    assert connection_sqlalchemy_url(Connection(conn_id="w", conn_type="sqlite", host="/d/w.sqlite")) == (
        "sqlite:////d/w.sqlite"
    )
    explicit = Connection(conn_id="w", conn_type="generic", extra=json.dumps({"sqlalchemy_url": "sqlite://"}))
    assert connection_sqlalchemy_url(explicit) == "sqlite://"
    with pytest.raises(ValueError, match="connection 'w' has type 'http'"):
        connection_sqlalchemy_url(Connection(conn_id="w", conn_type="http", host="x"))


def test_news_ingest_dag_test_fills_the_warehouse(
    airflow_db: Path, fixture_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    data_root = tmp_path / "data"
    # The warehouse comes from an Airflow connection (defined here through Airflow's environment variable).
    warehouse = tmp_path / "from-connection" / "warehouse.sqlite"
    warehouse.parent.mkdir()
    monkeypatch.setenv("NEWSETL_WAREHOUSE_CONN_ID", "newsetl_warehouse")
    monkeypatch.setenv(
        "AIRFLOW_CONN_NEWSETL_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)})
    )
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        # dag.test() runs the tasks in this process: they read the settings from this environment. The
        # replayed site holds every enabled source, so the DAG gets a task group for each.
        env = site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror)
        for name, value in env.items():
            if name.startswith("NEWSETL_"):
                monkeypatch.setenv(name, value)
        dag = DagBag(str(DAGS)).dags["news_ingest"]
        dag_run = dag.test()
    assert dag_run.state == DagRunState.SUCCESS

    expected = len(fixture_site.all_articles)
    assert query(warehouse, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(expected, expected)]
    runs = query(
        warehouse,
        "SELECT run_id, source, dag_run_id, status, discovered, inserted, updated, unchanged, quarantined,"
        " skipped, failed FROM crawl_runs ORDER BY source",
    )
    enabled = sorted(key for key, source in load_sources(DEFAULT_SOURCES_FILE).items() if source.enabled)
    assert [run[1] for run in runs] == enabled
    for _, _, other_dag_run_id, other_status, other_discovered, *other_parts in runs:
        assert (other_dag_run_id, other_status) == (dag_run.run_id, "loaded")
        assert other_discovered == sum(other_parts)
    (run_id, source, dag_run_id, status, discovered, *parts) = next(r for r in runs if r[1] == "pravda")
    expected = len(fixture_site.articles)
    assert (source, dag_run_id, status) == ("pravda", dag_run.run_id, "loaded")
    assert run_id.startswith("pravda_")
    inserted, updated, unchanged, quarantined, skipped, failed = parts
    assert inserted == expected and updated == 0 and unchanged == 0
    assert discovered == sum(parts)
    assert quarantined >= 1 and skipped >= 1 and failed >= 1  # the site's listing page, robots rule, 404
    assert not (data_root / "warehouse.sqlite").exists()
    assert (data_root / "raw" / "pravda" / run_id / "outcomes.jsonl").is_file()
    assert (data_root / "staged" / "pravda" / run_id / "records.parquet").is_file()
    headlines = {r[0] for r in query(warehouse, "SELECT headline FROM articles")}
    assert {a.headline for a in fixture_site.articles if a.headline} <= headlines
