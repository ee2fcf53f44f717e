"""The tasks every ingest DAG ends with: transform -> load -> check, made by one factory.

A DAG's first task (a crawl, a month of a backfill, a re-parse) makes the run's plan once
(``newsetl.pipeline.RunPlan``: its id and its folders) and returns it as a dict; :func:`stage_load_check`
hands that plan to the three tasks below, which read it instead of working it out again. The load task
publishes the articles asset with the run's id in the event's ``extra``, which is the partition the
news_export DAG writes.

Like the DAG files, this module imports nothing heavy: each task imports what it needs when it runs.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import get_current_context, task

from newsetl.dag_defaults import SHORT_TIMEOUT, articles_asset

log = logging.getLogger(__name__)

RUN_ID_EXTRA = "run_id"
"""The key of the articles asset event's ``extra`` that names the crawl run a load stored."""


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Validates and normalises the run's raw items into Parquet records and rejects.",
)
def transform(plan: dict[str, str]) -> dict[str, str]:
    from newsetl.dag_defaults import task_env
    from newsetl.pipeline import RunPlan
    from newsetl.pipeline import transform as transform_step

    _, sources = task_env()
    log.info(
        "transform figures for %s: %s", plan["raw_url"], transform_step(RunPlan.from_dict(plan), sources)
    )
    return plan


@task(
    execution_timeout=SHORT_TIMEOUT,
    outlets=[articles_asset()],
    doc_md="Upserts the staged records into the warehouse and writes the crawl_runs row for this DAG run.",
)
def load(plan: dict[str, str]) -> dict[str, int]:
    from newsetl.dag_defaults import task_env
    from newsetl.pipeline import RunPlan
    from newsetl.pipeline import load as load_step

    context = get_current_context()
    dag_run = context["dag_run"]
    settings, sources = task_env()
    run = RunPlan.from_dict(plan)
    counts = load_step(
        run,
        settings,
        sources,
        dag_run_id=dag_run.run_id,
        started_at=dag_run.start_date or dag_run.run_after,
    )
    context["outlet_events"][articles_asset()].extra = {RUN_ID_EXTRA: run.run_id}
    log.info("load counts for %s: %s (from %s)", run.run_id, counts, run.staged_url)
    return counts


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Data-quality checks on the loaded run; fails with the list of problems found.",
)
def check(plan: dict[str, str], counts: dict[str, int]) -> None:
    from newsetl.dag_defaults import task_settings
    from newsetl.pipeline import RunPlan
    from newsetl.pipeline import check as check_step

    check_step(RunPlan.from_dict(plan), task_settings())
    log.info("quality checks passed for %s; counts %s", plan["run_id"], counts)


def stage_load_check(plan: Any) -> None:
    """Add transform -> load -> check for the run whose plan ``plan`` (a task's output) is, in the current
    DAG or task group."""
    staged = transform(plan)
    check(staged, load(staged))  # type: ignore[arg-type]  # task outputs (XComArgs) in, values at run time
