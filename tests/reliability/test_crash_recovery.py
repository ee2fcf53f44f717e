"""Crashes: ``kill -9`` of a crawl and of a load, then the re-run or the task retry that follows.

- A crawl killed mid-run, then run again: every article is loaded exactly once.
- A load killed inside its transaction: no partial batch is visible, and the re-run loads it whole.
- A task retried after a crash (what Airflow does with ``retries``) leaves the same warehouse as a clean run;
  the tasks call newsetl.pipeline's functions, so the test calls those, in a child process it can kill.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import quiet_settings, record_figures, site_fixtures
from sqlalchemy import MetaData, create_engine, select
from wh_query import query

from scrapers.replay import Fault, FaultPlan, ReplayServer
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

pytestmark = pytest.mark.slow

ROOT = site_fixtures.ROOT
PYTHON = sys.executable
NEWSETL = str(Path(sys.executable).parent / "newsetl")
STARTED = datetime(2025, 12, 31, 6, tzinfo=UTC)
GUARD = 180  # seconds: a guard against a hung child, not a measurement
SOURCES = load_sources(DEFAULT_SOURCES_FILE)


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the child ended (exit {process.returncode}) before {what}")
        time.sleep(0.01)
    pytest.fail(f"timed out waiting until {what}")


def _kill_group(process: subprocess.Popen[Any]) -> None:
    """SIGKILL the child and everything it started (the crawl's scrapy process)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _slow_site(fixture_site: Any) -> FaultPlan:
    """Every article page dripped out slowly, so that a crawl is still running when it is killed."""
    plan = FaultPlan()
    for article in fixture_site.articles:
        plan.add(article.url, Fault("drip", 1, delay=0.02))
    return plan


def _articles_served(plan: FaultPlan, fixture_site: Any) -> int:
    urls = {a.url for a in fixture_site.articles}
    return sum(1 for url in dict(plan.served) if url in urls)


def test_kill_9_mid_crawl_then_rerun_loads_every_article_once(fixture_site: Any, tmp_path: Path) -> None:
    data_root = tmp_path / "data"
    plan = _slow_site(fixture_site)
    env = {**site_fixtures.quiet_env(data_root), "NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    with ReplayServer([fixture_site.warc], faults=plan) as server:
        killed = subprocess.Popen(
            [NEWSETL, "ingest", "pravda", "--mirror", server.url, "--run-id", "killed"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for(lambda: _articles_served(plan, fixture_site) >= 3, killed, "3 articles were fetched")
        _kill_group(killed)
        plan.faults.clear()
        rerun = site_fixtures.newsetl_ingest(env, "pravda", "--mirror", server.url, "--run-id", "rerun")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    warehouse = f"sqlite:///{data_root / 'warehouse.sqlite'}"
    expected = {a.url for a in fixture_site.articles}
    assert query(warehouse, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(len(expected),) * 2]
    assert {url for (url,) in query(warehouse, "SELECT url FROM articles")} == expected
    assert query(warehouse, "SELECT COUNT(*) FROM article_versions") == [(len(expected),)]
    runs = query(
        warehouse,
        "SELECT run_id, discovered, inserted, updated, unchanged, quarantined, skipped, failed"
        " FROM crawl_runs",
    )
    assert [r[0] for r in runs] == ["pravda_rerun"]  # the killed run never reached the warehouse
    assert runs[0][1] == sum(runs[0][2:])
    loaded = {url for (url,) in query(warehouse, "SELECT url FROM articles")}
    (versions,) = query(warehouse, "SELECT COUNT(*) FROM article_versions")[0]
    record_figures(
        "kill -9 mid-crawl, re-run",
        faulted=len(expected),  # every article of the killed run
        recovered=len(loaded),
        lost=len(expected - loaded),
        duplicated=versions - len(loaded),
    )


# -- a load killed inside its transaction ------------------------------------------------------------------

BATCH = 6000


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("newsetl_bench_load", ROOT / "bench/load_warehouse.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def big_staged(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A staged run of BATCH synthetic articles, made by the real transform step from raw files."""
    from transforms.stage import stage_run

    base = tmp_path_factory.mktemp("big")
    raw = base / "raw"
    raw.mkdir()
    records = _bench().synthetic(BATCH, seed=11)
    with (raw / "items.jsonl").open("w", encoding="utf-8") as items:
        for record in records:
            items.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
    with (raw / "outcomes.jsonl").open("w", encoding="utf-8") as outcomes:
        for record in records:
            line = {"url": record.url, "outcome": "parsed", "reason": "", "http_status": 200}
            outcomes.write(json.dumps(line) + "\n")
    stage_run(str(raw), str(base / "staged"), run_id="pravda_big", sources=SOURCES)
    return str(base / "staged")


LOAD_CHILD = """
import sys
from datetime import datetime
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.load import RunInfo, load_staged
load_staged(sys.argv[1], engine_url=sys.argv[2], sources=load_sources(DEFAULT_SOURCES_FILE),
            run=RunInfo("pravda_big", "pravda", None, datetime.fromisoformat(sys.argv[3])))
"""


def _sqlite_write_lock_held(path: Path) -> bool:
    """True while another connection holds the database's write lock, i.e. is inside a write transaction."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        probe.close()


def _pg_write_in_progress(url: str) -> bool:
    """True while another session of the database is inside a transaction that has written something."""
    rows = query(
        url,
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL",
    )
    return bool(rows[0][0])


def _dump(url: str, *, volatile: frozenset[str] = frozenset()) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without the ``volatile`` columns (wall-clock times and the like)."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        dump: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as conn:
            for name, table in sorted(metadata.tables.items()):
                if name.startswith("articles_fts"):  # SQLite's full-text index: derived from articles
                    continue
                columns = [c for c in table.columns if c.name not in volatile]
                rows = conn.execute(select(*columns)).all()
                dump[name] = sorted((tuple(_normal(v) for v in row) for row in rows), key=repr)
        return dump
    finally:
        engine.dispose()


def _normal(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("{"):
        try:  # quarantine payloads: JSON whose key order is not the point
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


@pytest.mark.parametrize("engine_kind", ["sqlite", "postgresql"])
def test_kill_9_inside_the_load_leaves_nothing_partial_and_the_rerun_completes(
    engine_kind: str, big_staged: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from warehouse import migrate
    from warehouse.load import RunInfo, load_staged

    if engine_kind == "sqlite":
        path = tmp_path / "crash.sqlite"
        url, clean_url = f"sqlite:///{path}", f"sqlite:///{tmp_path / 'clean.sqlite'}"

        def writing() -> bool:
            return _sqlite_write_lock_held(path)
    else:
        url = request.getfixturevalue("fresh_pg_url")
        clean_url = request.getfixturevalue("fresh_pg_url")

        def writing() -> bool:
            return _pg_write_in_progress(url)

    migrate.upgrade(url)  # so that the lock or the open transaction seen below can only be the load's
    child = subprocess.Popen(
        [PYTHON, "-c", LOAD_CHILD, big_staged, url, STARTED.isoformat()],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _wait_for(writing, child, "the load was writing")
    _kill_group(child)

    for table in ("articles", "article_versions", "article_tags", "tags", "quarantine", "crawl_runs"):
        assert query(url, f"SELECT COUNT(*) FROM {table}") == [(0,)], f"{table} holds part of the batch"

    run = RunInfo("pravda_big", "pravda", None, STARTED)
    counts = load_staged(big_staged, engine_url=url, run=run, sources=SOURCES).counts
    assert counts["inserted"] == BATCH and counts["discovered"] == BATCH
    load_staged(big_staged, engine_url=clean_url, run=run, sources=SOURCES)
    volatile = frozenset({"finished_at"})  # when the load committed
    crashed_dump, clean_dump = _dump(url, volatile=volatile), _dump(clean_url, volatile=volatile)
    assert crashed_dump == clean_dump
    urls = [u for (u,) in query(url, "SELECT url FROM articles")]
    record_figures(
        f"kill -9 inside a load ({engine_kind})",
        faulted=BATCH,
        recovered=len(urls),
        lost=BATCH - len(set(urls)),
        duplicated=len(urls) - len(set(urls)),
    )


# -- an Airflow task retried after a crash -----------------------------------------------------------------

CRAWL_CHILD = """
from newsetl import pipeline
from transforms.settings import Settings
from transforms.sources import load_sources
settings = Settings.from_env()
source = load_sources(settings.sources_path())["pravda"]
pipeline.crawl(pipeline.RunPlan.make("pravda", "retry", settings), settings, source, log=lambda line: None)
"""
# Columns that differ between any two crawls of the same site: when each page was fetched (and the dates and
# WARC record ids derived from that), and when each run committed.
# Wall-clock times, and discovery_fetches.seq: the order the feeds and sitemaps answered in, which
# concurrent requests do not fix (the rows themselves must be the same).
FETCH_TIMES = frozenset({"first_seen_at", "last_seen_at", "seen_at", "collected_on", "finished_at", "seq"})


def _pipeline_run(data_root: Path, mirror: str, *, crash_crawl_first: FaultPlan | None) -> str:
    from newsetl import pipeline

    settings = quiet_settings(data_root, mirror, concurrent_requests_per_domain=1)
    plan = pipeline.RunPlan.make("pravda", "retry", settings)
    if crash_crawl_first is not None:
        env = {**site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror)}
        env["NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN"] = "1"
        first_try = subprocess.Popen(
            [PYTHON, "-c", CRAWL_CHILD],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        faults = crash_crawl_first
        served = lambda: sum(1 for u in dict(faults.served) if "/news/" in u or "/articles/" in u)  # noqa: E731
        _wait_for(lambda: served() >= 3, first_try, "3 articles were fetched")
        _kill_group(first_try)
        faults.faults.clear()
        assert Path(plan.raw_url, "outcomes.jsonl").exists()  # the crash left a partial run folder
    # The retry: the task runs again with the same run id, so the same folders, then the rest of the DAG.
    pipeline.crawl(plan, settings, SOURCES["pravda"], log=lambda line: None)
    pipeline.transform(plan, SOURCES)
    pipeline.load(
        plan, settings, SOURCES, dag_run_id="scheduled__2025-12-31T06:00:00+00:00", started_at=STARTED
    )
    pipeline.check(plan, settings)
    return settings.resolved_warehouse_url()


def test_a_task_retried_after_a_crash_leaves_the_same_warehouse_as_a_clean_run(
    fixture_site: Any, tmp_path: Path
) -> None:
    with ReplayServer([fixture_site.warc]) as server:
        clean = _pipeline_run(tmp_path / "clean", server.url, crash_crawl_first=None)
    plan = _slow_site(fixture_site)
    with ReplayServer([fixture_site.warc], faults=plan) as server:
        retried = _pipeline_run(tmp_path / "retried", server.url, crash_crawl_first=plan)
    clean_dump, retried_dump = _dump(clean, volatile=FETCH_TIMES), _dump(retried, volatile=FETCH_TIMES)
    assert clean_dump["articles"], "the clean run loaded nothing"
    assert retried_dump == clean_dump
    clean_urls = {url for (url,) in query(clean, "SELECT url FROM articles")}
    retried_urls = [url for (url,) in query(retried, "SELECT url FROM articles")]
    record_figures(
        "task retry after kill -9",
        faulted=len(clean_urls),
        recovered=len(set(retried_urls)),
        lost=len(clean_urls - set(retried_urls)),
        duplicated=len(retried_urls) - len(set(retried_urls)),
    )
