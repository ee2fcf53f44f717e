"""A bad sources file does not take the DAGs down (issue 12, item 5).

An unreadable file (here: YAML that does not parse) leaves every DAG in the DagBag without an import error;
each DAG's first task fails with the file:line message. One unusable entry (an unknown parser, an empty
discovery section) fails only its own source's task group in news_ingest; the other source is crawled from
the replayed fixture site and loaded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
import yaml
from wh_query import query

from transforms.sources import DEFAULT_SOURCES_FILE, SourcesFileError, load_sources

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"
ALL_DAGS = {"news_ingest", "news_backfill", "news_reparse", "news_export"}

pytestmark = [pytest.mark.slow, pytest.mark.airflow]

# The typo of the issue, made worse: an unclosed flow mapping, so the YAML itself does not parse.
BROKEN = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8").replace("      ukr: uk\n", "      ukr: {uk\n", 1)


def _states(dag_run: Any) -> dict[str, str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances(session=session)}


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def broken_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv("NEWSETL_SOURCES_FILE", str(path))
    monkeypatch.setenv("NEWSETL_DATA_ROOT", str(tmp_path / "data"))
    return path


def _problem(path: Path) -> str:
    with pytest.raises(SourcesFileError) as raised:
        load_sources(path)
    return str(raised.value)


def test_an_unreadable_sources_file_leaves_every_dag_in_the_dagbag(broken_file: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag(str(DAGS))
    assert dagbag.import_errors == {}
    assert ALL_DAGS <= set(dagbag.dags)
    # news_ingest cannot know its sources: one task stands in for them and says why.
    assert [task.task_id for task in dagbag.dags["news_ingest"].tasks] == ["sources_file"]
    # The forms still open; the source field says what is wrong with the file.
    source = dagbag.dags["news_backfill"].params.get_param("source")
    problem = _problem(broken_file)
    assert problem.startswith(f"{broken_file}:9: not valid YAML")  # where the YAML parser stopped
    assert problem in source.description


def test_each_dags_first_task_fails_with_the_file_and_line(
    airflow_db: Path, broken_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    expected = _problem(broken_file)
    dags = DagBag(str(DAGS)).dags
    runs = {
        "news_ingest": ("sources_file", {}),
        "news_backfill": ("plan_months", {"source": "pravda", "start": "2025-11-01", "end": "2025-11-30"}),
        "news_reparse": ("plan_shards", {"source": "pravda", "start": "2025-11-01", "end": "2025-11-30"}),
    }
    for dag_id, (first, conf) in runs.items():
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            dag_run = dags[dag_id].test(run_conf=conf)
        assert dag_run.state == DagRunState.FAILED, dag_id
        assert _states(dag_run)[first] == "failed", dag_id
        errors = _errors(caplog)
        assert expected in errors, (dag_id, errors)  # the one line, logged at ERROR
    assert not (broken_file.parent / "data" / "raw").exists()


def _entry(key: str) -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_SOURCES_FILE.read_text(encoding="utf-8"))
    return next(entry for entry in data["sources"] if entry["key"] == key)


def test_an_unusable_entry_fails_only_its_own_task_group(
    airflow_db: Path,
    fixture_site: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    unknown_parser = {**_entry("nv"), "parser": "nosuchparser"}
    no_discovery = {**_entry("unian"), "discovery": {}}
    path = tmp_path / "sources.yaml"
    path.write_text(
        yaml.safe_dump(
            {"sources": [_entry("kyivindependent"), unknown_parser, no_discovery]}, sort_keys=False
        ),
        encoding="utf-8",
    )
    data_root = tmp_path / "data"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        env = site_fixtures.quiet_env(
            data_root,
            NEWSETL_MIRROR=mirror,
            NEWSETL_SOURCES_FILE=str(path),
            NEWSETL_INGEST_SOURCES="kyivindependent,nv,unian",
        )
        for name, value in env.items():
            if name.startswith("NEWSETL_"):
                monkeypatch.setenv(name, value)
        dagbag = DagBag(str(DAGS))
        assert dagbag.import_errors == {}
        with caplog.at_level(logging.ERROR):
            dag_run = dagbag.dags["news_ingest"].test()
    assert dag_run.state == DagRunState.FAILED
    states = _states(dag_run)
    for step in ("crawl", "transform", "load", "check"):
        assert states[f"kyivindependent.{step}"] == "success", states
    assert states["nv.crawl"] == states["unian.crawl"] == "failed"
    assert states["nv.transform"] == states["unian.load"] == "upstream_failed"
    errors = _errors(caplog)
    assert any(e.startswith(f"{path}:") and "source 'nv': unknown parser 'nosuchparser'" in e for e in errors)
    assert any(e.startswith(f"{path}:") and "source 'unian', field discovery: is empty" in e for e in errors)
    loaded = query(data_root, "SELECT source, status FROM crawl_runs")
    assert loaded == [("kyivindependent", "loaded")]
    assert query(data_root, "SELECT COUNT(*) FROM articles") == [(2,)]
