"""
### news_backfill — crawl a past date range, month by month

Triggered by hand (**Trigger** button, then fill in the form):

| field | meaning |
|---|---|
| `source` | a source key from `seeds/sources.yaml` |
| `editions` | `all` (default): every edition of the source; or some of its editions (`eng`, `ukr`, `rus`) |
| `start`, `end` | the first and last publication day to crawl, inclusive (YYYY-MM-DD) |
| `refetch_known` | fetch pages again even when the warehouse already has them unchanged |

The first task, `plan_months`, refuses a form that cannot run (an edition the source does not have, an end
before the start, a source whose entry in the sources file is unusable or names no sitemap index to read a
range from) with one line, without retrying.
The range is split into calendar months; each month is a mapped task group running the same
crawl -> transform -> load -> check steps as `news_ingest` (discovery through the source's sitemap indexes),
labelled by its month (`2025-11`) in the grid.
Months are crawled one at a time to stay polite; transform and load of a finished month overlap with the
next month's crawl. Re-running a range is safe: loading is an idempotent upsert, and unchanged pages already
in the warehouse are skipped unless `refetch_known` is set.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task, task_group

from newsetl.dag_defaults import (
    BACKFILL_CRAWL_TIMEOUT,
    DEFAULT_ARGS,
    SHORT_TIMEOUT,
    START_DATE,
    date_param,
    editions_param,
    parse_time_sources,
    source_param,
)
from newsetl.dag_tasks import stage_load_check

log = logging.getLogger(__name__)

CONFIG = parse_time_sources()  # never raises: a bad sources file fails plan_months instead

# The grid's label of a task in the mapped "month" group: its month (2025-11), not 0, 1, ... Rendered by
# Airflow after the task ran, from the run's plan the task puts in its context (newsetl/dag_tasks.py).
MONTH_LABEL = "{{ plan.since[:7] }}"

PARAMS = {
    "source": source_param(CONFIG, "Which source to crawl (seeds/sources.yaml)."),
    "editions": editions_param(CONFIG),
    "start": date_param("2026-01-01", "Start date", "First publication day of the range (inclusive)."),
    "end": date_param(
        "2026-01-31", "End date", "Last publication day of the range (inclusive, not before the start)."
    ),
    "refetch_known": Param(
        False,
        type="boolean",
        title="Re-fetch known pages",
        description="Fetch pages again even when the warehouse already holds them unchanged.",
    ),
}


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md=(
        "Checks the form and the source's entry in the sources file (a wrong one fails at once, in one "
        "line, without retrying) and splits the date range into months."
    ),
)
def plan_months() -> list[dict[str, str]]:
    from newsetl.dag_defaults import chosen_editions, chosen_range, task_source
    from newsetl.pipeline import month_windows
    from newsetl.task_logging import refuse
    from transforms.sitemap_dates import range_refusal

    params = get_current_context()["params"]
    # A wrong form stays wrong: each of these fails at once instead of retrying.
    source = task_source(params["source"])[2]
    editions = chosen_editions(source, params["editions"])
    windows = month_windows(*chosen_range(params["start"], params["end"]))
    # A range is read from sitemap indexes; without any it would crawl nothing and pass as empty.
    if refusal := range_refusal(source.key, source.sitemap_indexes, source.base_url):
        refuse(refusal)
    log.info("backfilling %s %s in %d month(s)", source.key, ", ".join(editions), len(windows))
    return [window.to_dict() for window in windows]


@task(
    execution_timeout=BACKFILL_CRAWL_TIMEOUT,
    max_active_tis_per_dag=1,
    map_index_template=MONTH_LABEL,
    doc_md="Crawls one month of the range (monthly sitemaps) into its own raw folder; returns its plan.",
)
def crawl_month(window: dict[str, str]) -> dict[str, str]:
    from newsetl.dag_defaults import chosen_editions, task_source
    from newsetl.pipeline import MonthWindow, RunPlan
    from newsetl.pipeline import crawl as crawl_step
    from newsetl.task_logging import counts_table, forward_child_log, step_counts

    context = get_current_context()
    params = context["params"]
    month = MonthWindow.from_dict(window)
    settings, _, source = task_source(params["source"])
    plan = RunPlan.make(
        source.key,
        f"{context['dag_run'].run_id}_{month.label}",
        settings,
        kind="backfill",
        since=month.since,
        until=month.until,
    )
    context["plan"] = plan.to_dict()  # type: ignore[typeddict-unknown-key]  # for MONTH_LABEL
    figures = crawl_step(
        plan,
        settings,
        source,
        editions=chosen_editions(source, params["editions"]),
        since=month.since,
        until=month.until,
        incremental=not params["refetch_known"],
        log=forward_child_log(log),
    )
    log.info("%s", counts_table(f"crawl of {source.key} {month.label} ({plan.run_id})", step_counts(figures)))
    return plan.to_dict()


@task_group(group_id="month")
def month(window: Any) -> None:
    stage_load_check(crawl_month(window), map_index_template=MONTH_LABEL)


@dag(
    dag_id="news_backfill",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["newsetl", "backfill"],
    doc_md=__doc__,
)
def news_backfill() -> None:
    month.expand(window=plan_months())


news_backfill()
