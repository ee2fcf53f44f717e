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

from airflow.sdk import TaskGroup, dag, get_current_context, task

from newsetl.dag_defaults import (
    CRAWL_TIMEOUT,
    DEFAULT_ARGS,
    START_DATE,
    enabled_sources,
    parse_time_sources,
)
from newsetl.dag_tasks import stage_load_check

log = logging.getLogger(__name__)

SETTINGS, SOURCES = parse_time_sources()


@task(
    execution_timeout=CRAWL_TIMEOUT,
    doc_md="Runs the source's spider in a child process and stores its raw files; returns the run's plan.",
)
def crawl(source: str) -> dict[str, str]:
    from newsetl.dag_defaults import task_env
    from newsetl.pipeline import RunPlan
    from newsetl.pipeline import crawl as crawl_step

    settings, sources = task_env()
    plan = RunPlan.make(source, get_current_context()["dag_run"].run_id, settings)
    figures = crawl_step(plan, settings, sources[source], incremental=True, log=log.info)
    log.info("crawl figures: %s", figures)
    return plan.to_dict()


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
    for source in enabled_sources(SOURCES, SETTINGS):
        with TaskGroup(group_id=source, tooltip=f"crawl -> transform -> load -> check for {source}"):
            stage_load_check(crawl(source))


news_ingest()
