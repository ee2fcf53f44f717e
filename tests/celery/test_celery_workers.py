"""A run spread over two Celery workers: `make celery`'s stack (scripts/celery.sh: a private redis-server,
Airflow with the CeleryExecutor, two workers) with Airflow's metadata and the warehouse in PostgreSQL.
news_ingest crawls the replayed fixture site, then news_reparse parses the stored pages again in shards;
both runs end green and each has task instances that ran on each worker. Ctrl-C then stops everything."""

from __future__ import annotations

import json
import math
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import site_fixtures
from sqlalchemy import create_engine, text

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

pytestmark = [pytest.mark.slow, pytest.mark.airflow, pytest.mark.postgres, pytest.mark.timeout(2400)]

RUN_LIMIT = 900.0  # seconds for one DAG run on a loaded 2-core machine
WORKERS = {f"worker-{n}@{socket.gethostname()}" for n in (1, 2)}


def wait_for_run(stack: Any, dag_id: str) -> str:
    """The id of the DAG's first run, once it has ended; fails with the task states if it did not succeed."""

    def ended() -> tuple[str, str] | None:
        rows = stack.metadata(
            "SELECT run_id, state FROM dag_run WHERE dag_id = %s ORDER BY id LIMIT 1", dag_id
        )
        return rows[0] if rows and rows[0][1] in ("success", "failed") else None

    run_id, state = stack.wait_for(f"the end of a {dag_id} run", ended, RUN_LIMIT)
    tasks = task_instances(stack, dag_id, run_id)
    assert state == "success", f"{dag_id} {run_id} ended {state}: {tasks}\n{stack.text('scheduler')[-5000:]}"
    return str(run_id)


def task_instances(stack: Any, dag_id: str, run_id: str) -> list[tuple[str, int, str, str]]:
    """(task id, map index, state, host) of each task instance of the run."""
    rows = stack.metadata(
        "SELECT task_id, map_index, state, hostname FROM task_instance WHERE dag_id = %s AND run_id = %s"
        " ORDER BY task_id, map_index",
        dag_id,
        run_id,
    )
    return [(str(task), int(index), str(state), str(host)) for task, index, state, host in rows]


def warehouse(stack: Any, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(stack.env["NEWSETL_WAREHOUSE_URL"])
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_ingest_and_sharded_reparse_run_green_spread_over_two_workers(
    celery_stack: Any, fixture_site: Any
) -> None:
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        stack = celery_stack(NEWSETL_MIRROR=mirror)
        stack.wait_for("the banner", lambda: "Ctrl-C" in stack.text())
        for worker in ("worker-1", "worker-2"):
            stack.wait_for(f"{worker} to be ready", lambda w=worker: " ready." in stack.text(w))
        assert "make celery: started Redis on 127.0.0.1:" in stack.text()
        assert "CeleryExecutor" in stack.airflow("config", "get-value", "core", "executor")

        # Switched on, the hourly DAG gets its run for the last hour at once. Every enabled source of the
        # fixture site is crawled by a task of its own, at the same time: more tasks than one worker takes.
        stack.airflow("dags", "unpause", "news_ingest")
        ingest_run = wait_for_run(stack, "news_ingest")
        ingest = task_instances(stack, "news_ingest", ingest_run)
        assert {state for _, _, state, _ in ingest} == {"success"}, ingest
        assert {host for _, _, _, host in ingest} == WORKERS, ingest
        expected = len(fixture_site.all_articles)
        assert warehouse(stack, "SELECT COUNT(*) FROM articles") == [(expected,)]

    # No server to fetch from any more: the re-parse reads only the stored WARC files.
    pravda = len(fixture_site.articles)
    today = datetime.now(UTC).date()
    conf = {
        "source": "pravda",
        "start": (today - timedelta(days=1)).isoformat(),
        "end": today.isoformat(),
        "shard_pages": math.ceil(pravda / 4),  # four shards or more, each a mapped task
    }
    stack.airflow("dags", "unpause", "news_reparse")
    stack.airflow("dags", "trigger", "news_reparse", "--conf", json.dumps(conf))
    reparse_run = wait_for_run(stack, "news_reparse")
    reparse = task_instances(stack, "news_reparse", reparse_run)
    assert {state for _, _, state, _ in reparse} == {"success"}, reparse
    shards = [row for row in reparse if row[0] == "parse_shard"]
    assert len(shards) >= 4, reparse
    assert {host for _, _, _, host in shards} == WORKERS, reparse
    loaded = warehouse(
        stack,
        "SELECT inserted, updated, unchanged FROM crawl_runs WHERE dag_run_id = '" + reparse_run + "'",
    )
    assert loaded == [(0, 0, pravda)]

    assert stack.interrupt() != 0  # ends by the signal, as an interrupted command does
    deadline = time.monotonic() + 30
    while (left := stack.left_over()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, "still running after Ctrl-C:\n" + "\n".join(left)
    assert "make celery: stopped" in stack.text()


def test_enabled_sources_are_several() -> None:
    """The spread of news_ingest over both workers rests on the fixture site having more than one source."""
    assert sum(source.enabled for source in load_sources(DEFAULT_SOURCES_FILE).values()) >= 2
