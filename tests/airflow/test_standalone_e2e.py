"""End to end the way the UI drives Airflow: ``airflow standalone`` on a free port, the REST API (/api/v2)
with a token, news_ingest unpaused and triggered against the replayed fixture site, the warehouse checked,
then a second run that must add no duplicates.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest
import site_fixtures
from wh_query import query

PROJECT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
STARTUP_LIMIT = 300.0  # seconds; generous for a loaded 2-core CI machine, not a speed assertion
RUN_LIMIT = 600.0

ARTICLE_COUNTS = "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles"

pytestmark = [pytest.mark.slow, pytest.mark.airflow, pytest.mark.timeout(1500)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Api:
    base: str
    token: str = ""

    def call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else None


@dataclass
class Standalone:
    process: subprocess.Popen[bytes]
    home: Path
    data_root: Path
    api: Api
    log: Path


def _wait(what: str, probe: Any, limit: float, standalone: subprocess.Popen[bytes], log: Path) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if standalone.poll() is not None:
            raise AssertionError(f"airflow standalone exited while waiting for {what}:\n{_tail(log)}")
        try:
            value = probe()
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            value = None
        if value:
            return value
        time.sleep(2)
    raise AssertionError(f"gave up waiting for {what} after {limit:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@pytest.fixture(scope="module")
def standalone(fixture_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    home = tmp_path_factory.mktemp("airflow-home")
    data_root = tmp_path_factory.mktemp("e2e") / "data"
    port = free_port()
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSETL_"))}
        # The replayed site is pravda's only: the DAG is built for that source alone.
        env.update(site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror, NEWSETL_INGEST_SOURCES="pravda"))
        env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW")}  # not the test session's own
        env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            AIRFLOW_HOME=str(home),
            AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT / "dags"),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__PARALLELISM="2",
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__PORT=str(port),
            AIRFLOW__API__WORKERS="1",
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
            # The log servers default to fixed ports; another Airflow on the machine must not clash.
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
            AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
            AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
            AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL="5",
        )
        log = home / "standalone.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(VENV_BIN / "airflow"), "standalone"],
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so every component is stopped with it
            )
        try:
            api = Api(f"http://127.0.0.1:{port}")

            def health() -> bool:
                with urllib.request.urlopen(f"{api.base}/api/v2/monitor/health", timeout=5) as response:
                    return response.status == 200

            _wait("the API server", health, STARTUP_LIMIT, process, log)
            passwords = home / "simple_auth_manager_passwords.json.generated"
            password = _wait(
                "the generated password",
                lambda: json.loads(passwords.read_text())["admin"],
                60,
                process,
                log,
            )
            api.token = api.call("POST", "/auth/token", {"username": "admin", "password": password})[
                "access_token"
            ]
            yield Standalone(process, home, data_root, api, log)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    # Components that outlived the standalone parent (they share its process group).
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _finished_runs(stack: Standalone, limit: float, dag_id: str = "news_ingest") -> list[dict[str, Any]]:
    """Waits until no run of ``dag_id`` is queued or running (and there is one); returns them all."""

    def all_done() -> list[dict[str, Any]] | None:
        runs = stack.api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]
        return runs if runs and all(r["state"] in ("success", "failed") for r in runs) else None

    result: list[dict[str, Any]] = _wait(
        f"{dag_id} runs to finish", all_done, limit, stack.process, stack.log
    )
    return result


def test_trigger_through_the_rest_api_fills_the_warehouse_and_a_repeat_adds_no_duplicates(
    standalone: Standalone, fixture_site: Any
) -> None:
    stack = standalone
    api = stack.api
    dag = _wait(
        "the DAG processor to parse news_ingest",
        lambda: api.call("GET", "/api/v2/dags/news_ingest"),
        STARTUP_LIMIT,
        stack.process,
        stack.log,
    )
    assert dag["is_paused"] is True
    assert {tag["name"] for tag in dag["tags"]} >= {"newsetl", "ingest"}
    assert api.call("PATCH", "/api/v2/dags/news_ingest", {"is_paused": False})["is_paused"] is False
    _wait(
        "the DAG processor to parse news_export",
        lambda: api.call("GET", "/api/v2/dags/news_export"),
        STARTUP_LIMIT,
        stack.process,
        stack.log,
    )
    assert api.call("PATCH", "/api/v2/dags/news_export", {"is_paused": False})["is_paused"] is False

    first = api.call("POST", "/api/v2/dags/news_ingest/dagRuns", {"logical_date": None})
    runs = _finished_runs(stack, RUN_LIMIT)
    states = {r["dag_run_id"]: r["state"] for r in runs}
    assert states[first["dag_run_id"]] == "success", f"{states}\n{_tail(stack.log)}"

    expected = len(fixture_site.articles)
    assert query(stack.data_root, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [
        (expected, expected)
    ]
    loaded = dict(query(stack.data_root, "SELECT dag_run_id, inserted FROM crawl_runs"))
    assert first["dag_run_id"] in loaded
    # Unpausing may also have started the latest scheduled run; together they inserted each article once.
    assert sum(loaded.values()) == expected

    second = api.call("POST", "/api/v2/dags/news_ingest/dagRuns", {"logical_date": None})
    runs = _finished_runs(stack, RUN_LIMIT)
    states = {r["dag_run_id"]: r["state"] for r in runs}
    assert states[second["dag_run_id"]] == "success", f"{states}\n{_tail(stack.log)}"
    assert query(stack.data_root, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [
        (expected, expected)
    ]
    assert query(stack.data_root, "SELECT COUNT(*) FROM article_versions") == [(expected,)]
    repeat = query(
        stack.data_root,
        "SELECT discovered, inserted, updated, unchanged, quarantined, skipped, failed FROM crawl_runs"
        f" WHERE dag_run_id = '{second['dag_run_id']}'",
    )
    assert len(repeat) == 1
    discovered, inserted, updated, *rest = repeat[0]
    assert (inserted, updated) == (0, 0)
    assert discovered == inserted + updated + sum(rest)

    # Each load published the articles asset with its run's id, which scheduled the analysts' export.
    events = api.call("GET", "/api/v2/assets/events?limit=50")["asset_events"]
    loads = [event for event in events if event["uri"] == "newsetl://warehouse/articles"]
    run_ids = {row[0] for row in query(stack.data_root, "SELECT run_id FROM crawl_runs")}
    assert loads and {event["extra"]["run_id"] for event in loads} == run_ids
    last_load = max(_instant(event["timestamp"]) for event in loads)

    def exports_caught_up() -> list[dict[str, Any]] | None:
        # Every load event has been consumed by an export run, and no export run is still going.
        runs = api.call("GET", "/api/v2/dags/news_export/dagRuns?limit=100")["dag_runs"]
        done = runs and all(r["state"] in ("success", "failed") for r in runs)
        return runs if done and max(_instant(r["queued_at"]) for r in runs) >= last_load else None

    exports = _wait("news_export to take every load", exports_caught_up, RUN_LIMIT, stack.process, stack.log)
    assert all(run["state"] == "success" for run in exports), f"{exports}\n{_tail(stack.log)}"
    # The export's partition is the days of the runs' articles: every article, once, as the warehouse
    # holds its seed document.
    stored = dict(query(stack.data_root, "SELECT url, seed_text FROM articles"))
    files = sorted((stack.data_root / "export" / "seed").glob("*/*.txt"))
    written = {path.read_text(encoding="utf-8").rsplit("\n", 1)[-1]: path for path in files}
    assert len(files) == len(written) == len(stored)
    assert all(written[url].read_text(encoding="utf-8") == text for url, text in stored.items())
    # And the typed Parquet dataset of every article (its types: tests/test_typed_export.py).
    dataset = ds.dataset(stack.data_root / "export" / "articles" / "parquet", partitioning="hive")
    assert dataset.count_rows() == len(stored)
