"""
### news_ingest — the hourly crawl of every enabled source

Every hour, for each source enabled in `seeds/sources.yaml`, a task group runs four steps:

1. **crawl** — runs `scrapy crawl` in a child process (its log is streamed into this task's log); the WARC
   archive, `items.jsonl` and `outcomes.jsonl` land in `data/raw/{source}/{run id}/`. Pages already in the
   warehouse and unchanged since are skipped (`known_unchanged`).
2. **transform** — validates and normalises the items into `data/staged/{source}/{run id}/records.parquet`
   and `rejects.parquet`.
3. **load** — upserts the records (a changed article gets a new version), quarantines the rejects and
   writes the `crawl_runs` row with this DAG run's id. Publishes the `newsetl_articles` asset.
4. **check** — data-quality checks on the run: counts add up, no empty headline or body, plausible
   publication dates, quarantine ratio under the threshold. A failure lists every problem found.

Only one run at a time and no catch-up: a missed hour is covered by the next run's feeds and sitemaps.
Settings come from `NEWSETL_*` environment variables (set `NEWSETL_MIRROR` to crawl a replay server).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from airflow.sdk import TaskGroup, dag, get_current_context, task

from newsetl.dag_defaults import (
    CRAWL_TIMEOUT,
    DEFAULT_ARGS,
    SHORT_TIMEOUT,
    START_DATE,
    articles_asset,
    enabled_sources,
    task_settings,
)

log = logging.getLogger(__name__)


def _plan(source: str) -> Any:
    from newsetl.pipeline import RunPlan

    run_id = get_current_context()["dag_run"].run_id
    return RunPlan.make(source, run_id, task_settings())


@task(
    execution_timeout=CRAWL_TIMEOUT,
    doc_md="Runs the source's spider in a child process and stores its raw files; returns their folder.",
)
def crawl(source: str) -> str:
    from newsetl.pipeline import crawl as crawl_step

    plan = _plan(source)
    figures = crawl_step(plan, task_settings(), incremental=True, log=log.info)
    log.info("crawl figures: %s", figures)
    return plan.raw_url


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Validates and normalises the crawl's items into Parquet records and rejects.",
)
def transform(source: str, raw_url: str) -> str:
    from newsetl.pipeline import transform as transform_step

    plan = _plan(source)
    if plan.raw_url != raw_url:
        raise ValueError(f"crawl wrote {raw_url!r} but this run's raw folder is {plan.raw_url!r}")
    figures = transform_step(plan)
    log.info("transform figures: %s", figures)
    return plan.staged_url


@task(
    execution_timeout=SHORT_TIMEOUT,
    outlets=[articles_asset()],
    doc_md="Upserts the staged records into the warehouse and writes the crawl_runs row for this DAG run.",
)
def load(source: str, staged_url: str) -> dict[str, int]:
    from newsetl.pipeline import load as load_step

    context = get_current_context()
    dag_run = context["dag_run"]
    plan = _plan(source)
    counts = load_step(
        plan,
        task_settings(),
        dag_run_id=dag_run.run_id,
        started_at=dag_run.start_date or dag_run.run_after,
    )
    log.info("load counts for %s: %s (from %s)", plan.run_id, counts, staged_url)
    return counts


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Data-quality checks on the loaded run; fails with the list of problems found.",
)
def check(source: str, counts: dict[str, int]) -> None:
    from newsetl.pipeline import check as check_step

    check_step(_plan(source), task_settings())
    log.info("quality checks passed; counts %s", counts)


@dag(
    dag_id="news_ingest",
    schedule="@hourly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    tags=["newsetl", "ingest"],
    doc_md=__doc__,
)
def news_ingest() -> None:
    for source in enabled_sources():
        with TaskGroup(group_id=source, tooltip=f"crawl -> transform -> load -> check for {source}"):
            raw_url = crawl(source)
            staged_url = transform(source, raw_url)
            counts = load(source, staged_url)
            check(source, counts)


news_ingest()
