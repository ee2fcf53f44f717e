"""
### news_ingest — the hourly crawl of every enabled source

Every hour, for each source enabled in `seeds/sources.yaml`, a task group runs four steps:

1. **crawl** — runs `scrapy crawl` in a child process (its log is streamed into this task's log, each line
   at its own level: an ERROR of the crawl is an ERROR here); the WARC
   archive, `items.jsonl` and `outcomes.jsonl` land in `data/raw/{source}/{run id}/`. Pages already in the
   warehouse and unchanged since are skipped (`known_unchanged`).
2. **transform** — validates and normalises the items into `data/staged/{source}/{run id}/records.parquet`
   and `rejects.parquet`.
3. **load** — upserts the records (a changed article gets a new version), quarantines the rejects and
   writes the `crawl_runs` row with this DAG run's id. Publishes the `newsetl_articles` asset.
4. **check** — data-quality checks on the run: counts add up, no empty headline or body, plausible
   publication dates, quarantine ratio under the threshold. A failure lists every problem found.

After every group, whatever they did, **freshness** logs a table of each source's freshness
(`v_source_freshness`) and fails naming the stale sources (no new article for longer than the source's
`max_quiet_hours`) and any task of the run that failed; every failed task sends an alert (docs/operations.md,
"Alerts").

A source whose entry in the sources file is unusable (no discovery URLs, an unknown parser, a field
the schema refuses) fails its own group's crawl task with the file:line message; the others run. When the
sources file itself cannot be read, the DAG has one task, `sources_file`, that fails with its message.

Only one run at a time and no catch-up: a missed hour is covered by the next run's feeds and sitemaps.
Settings come from `NEWSETL_*` environment variables (set `NEWSETL_MIRROR` to crawl a replay server).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import TaskGroup, TriggerRule, dag, get_current_context, task

from newsetl.dag_defaults import (
    CRAWL_TIMEOUT,
    DEFAULT_ARGS,
    SHORT_TIMEOUT,
    START_DATE,
    ingest_sources,
    parse_time_sources,
)
from newsetl.dag_tasks import stage_load_check

log = logging.getLogger(__name__)

# Never raises: a bad setting or sources file becomes PROBLEM, which the sources_file task fails with.
SOURCE_KEYS, PROBLEM = ingest_sources(parse_time_sources())


@task(
    execution_timeout=CRAWL_TIMEOUT,
    doc_md="Runs the source's spider in a child process and stores its raw files; returns the run's plan.",
)
def crawl(source: str) -> dict[str, str]:
    from newsetl.dag_defaults import task_source
    from newsetl.pipeline import RunPlan
    from newsetl.pipeline import crawl as crawl_step
    from newsetl.task_logging import counts_table, forward_child_log, step_counts

    settings, _, entry = task_source(source)  # an unusable entry fails here, in one line, without retrying
    plan = RunPlan.make(source, get_current_context()["dag_run"].run_id, settings)
    figures = crawl_step(plan, settings, entry, incremental=True, log=forward_child_log(log))
    log.info("%s", counts_table(f"crawl of {source} ({plan.run_id})", step_counts(figures)))
    return plan.to_dict()


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md=(
        "Stands in for the source task groups while the settings or the sources file cannot be used: fails "
        "at once with the problem (file:line), so the DAG stays visible and says what to fix."
    ),
)
def sources_file(problem: str) -> None:
    from newsetl.task_logging import refuse

    refuse(problem)


@task(
    trigger_rule=TriggerRule.ALL_DONE,
    execution_timeout=SHORT_TIMEOUT,
    doc_md=(
        "Runs last, whatever the source groups did: logs each source's freshness and fails naming the stale "
        "sources and the tasks of this run that failed, so that the alert reports them and the run is not "
        "green while a source task failed."
    ),
)
def freshness(sources: list[str]) -> None:
    from newsetl.alerts import check_freshness
    from newsetl.dag_defaults import task_settings

    ti = get_current_context()["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    states.pop(ti.task_id, None)
    check_freshness(task_settings().resolved_warehouse_url(), sources, states)


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
    if PROBLEM:
        sources_file(PROBLEM)
    groups = []
    for source in SOURCE_KEYS:
        with TaskGroup(group_id=source, tooltip=f"crawl -> transform -> load -> check for {source}") as group:
            stage_load_check(crawl(source))
        groups.append(group)
    if groups:
        groups >> freshness(list(SOURCE_KEYS))


news_ingest()
