"""Every DAG file imports cleanly and carries what the operator relies on: tags, owner, retries, docs."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

EXPECTED_DAGS = {"news_ingest", "news_backfill", "news_reparse", "news_export"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_expected_dags_are_there(dagbag) -> None:
    assert EXPECTED_DAGS <= set(dagbag.dags)


def test_every_dag_has_tags_owner_retries_and_docs(dagbag) -> None:
    problems = []
    for dag_id, dag in dagbag.dags.items():
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        if not dag.doc_md or len(dag.doc_md.strip()) < 40:
            problems.append(f"{dag_id}: no doc_md")
        for task in dag.tasks:
            if task.owner in (None, "", "airflow"):
                problems.append(f"{dag_id}.{task.task_id}: owner {task.owner!r}")
            if task.retries < 2:
                problems.append(f"{dag_id}.{task.task_id}: retries {task.retries}")
            if not task.retry_exponential_backoff:
                problems.append(f"{dag_id}.{task.task_id}: no exponential backoff")
            if task.execution_timeout is None or task.execution_timeout > timedelta(hours=12):
                problems.append(f"{dag_id}.{task.task_id}: execution_timeout {task.execution_timeout}")
            if not task.doc_md:
                problems.append(f"{dag_id}.{task.task_id}: no doc_md")
    assert problems == []


def test_ingest_is_hourly_one_run_at_a_time_without_catchup(dagbag) -> None:
    dag = dagbag.dags["news_ingest"]
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.schedule == "@hourly"


def test_ingest_chains_crawl_transform_load_check_per_enabled_source(dagbag) -> None:
    from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

    dag = dagbag.dags["news_ingest"]
    enabled = [key for key, source in load_sources(DEFAULT_SOURCES_FILE).items() if source.enabled]
    assert enabled
    for source in enabled:
        ids = [f"{source}.{step}" for step in ("crawl", "transform", "load", "check")]
        for upstream, downstream in zip(ids, ids[1:], strict=False):
            assert downstream in dag.get_task(upstream).downstream_task_ids
    load = dag.get_task(f"{enabled[0]}.load")
    assert [outlet.name for outlet in load.outlets] == ["newsetl_articles"]


def test_ingest_sources_can_be_narrowed_and_a_wrong_name_is_named() -> None:
    from newsetl.dag_defaults import enabled_sources
    from transforms.settings import Settings
    from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

    sources = load_sources(DEFAULT_SOURCES_FILE)
    narrowed = Settings.from_env({"NEWSETL_INGEST_SOURCES": " pravda ,"})
    assert enabled_sources(sources, narrowed) == ["pravda"]
    assert enabled_sources(sources, Settings()) == [k for k, s in sources.items() if s.enabled]
    wrong = Settings.from_env({"NEWSETL_INGEST_SOURCES": "pravda,atlantis"})
    with pytest.raises(ValueError, match="NEWSETL_INGEST_SOURCES names unknown source.s. atlantis"):
        enabled_sources(sources, wrong)


def test_export_follows_the_articles_asset(dagbag) -> None:
    dag = dagbag.dags["news_export"]
    assert [(asset.name, asset.uri) for asset in dag.schedule] == [
        ("newsetl_articles", "newsetl://warehouse/articles")
    ]
    # The report is written after the export, from the same warehouse.
    assert dag.get_task("export").downstream_task_ids == {"report"}


def test_backfill_form_validates_its_fields(dagbag) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    dag = dagbag.dags["news_backfill"]
    assert dag.schedule is None
    assert {"source", "editions", "start", "end"} <= set(dag.params)
    dag.params.validate()  # the defaults make a valid form
    bad_values = [
        ("start", "31/01/2026"),
        ("end", "2026-02-30"),
        ("editions", []),
        ("editions", ["klingon"]),
        ("source", "no-such-source"),
    ]
    for field, bad in bad_values:
        with pytest.raises(ParamValidationError):
            dag.params.get_param(field).resolve(bad)


def test_parsing_the_dag_files_imports_no_heavy_library() -> None:
    """DAG files hold wiring only: the DAG processor must not pull in Scrapy, pandas or the warehouse."""
    code = (
        "import runpy, sys\n"
        f"for path in sorted(__import__('pathlib').Path({str(DAGS)!r}).glob('*.py')):\n"
        "    runpy.run_path(str(path))\n"
        "heavy = ('scrapy', 'pandas', 'pyarrow', 'warehouse', 'scrapers', 's3fs', 'psycopg')\n"
        "print('HEAVY:' + ','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300, check=True
    )
    marker = [line for line in out.stdout.splitlines() if line.startswith("HEAVY:")]
    assert marker == ["HEAVY:"]
