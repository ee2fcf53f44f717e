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
    from newsetl.task_logging import counts_table, step_counts

    _, sources = task_env()
    _expose(plan)
    figures = transform_step(RunPlan.from_dict(plan), sources)
    log.info("%s", counts_table(f"transform of {plan['run_id']} ", step_counts(figures)))
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
    from newsetl.task_logging import counts_table

    context = get_current_context()
    dag_run = context["dag_run"]
    settings, sources = task_env()
    _expose(plan)
    run = RunPlan.from_dict(plan)
    counts = load_step(
        run,
        settings,
        sources,
        dag_run_id=dag_run.run_id,
        started_at=dag_run.start_date or dag_run.run_after,
    )
    context["outlet_events"][articles_asset()].extra = {RUN_ID_EXTRA: run.run_id}
    log.info("%s", counts_table(f"load of {run.run_id} (from {run.staged_url})", counts))
    return counts


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md=(
        "Data-quality checks on the loaded run; fails (without retrying: a check does not get better by "
        "retrying) with every problem found, each logged at ERROR."
    ),
)
def check(plan: dict[str, str], counts: dict[str, int]) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from newsetl.dag_defaults import task_settings
    from newsetl.pipeline import QualityCheckFailed, RunPlan
    from newsetl.pipeline import check as check_step
    from newsetl.task_logging import counts_table

    _expose(plan)
    try:
        check_step(RunPlan.from_dict(plan), task_settings())
    except QualityCheckFailed as exc:
        log.info("%s", counts_table(f"check of {plan['run_id']}: {len(exc.failures)} failure(s)", counts))
        for failure in exc.failures:
            log.error("check failed: %s", failure)
        raise AirflowFailException(str(exc)) from None
    log.info("%s", counts_table(f"check of {plan['run_id']}: passed", counts))


def _expose(plan: dict[str, str]) -> None:
    # The plan as ``plan`` in the task's context: what a ``map_index_template`` can name (the mapped
    # backfill months are labelled ``{{ plan.since[:7] }}``); Airflow renders it after the task ran.
    get_current_context()["plan"] = plan  # type: ignore[typeddict-unknown-key]


def stage_load_check(plan: Any, *, map_index_template: str | None = None) -> None:
    """Add transform -> load -> check for the run whose plan ``plan`` (a task's output) is, in the current
    DAG or task group; ``map_index_template`` labels the three tasks in a mapped task group (their
    context holds the run's plan as ``plan``, e.g. ``{{ plan.since[:7] }}``)."""
    label = {"map_index_template": map_index_template} if map_index_template else {}
    # Task outputs (XComArgs) go in where the tasks take values at run time.
    staged: Any = transform.override(**label)(plan)
    counts: Any = load.override(**label)(staged)
    check.override(**label)(staged, counts)
