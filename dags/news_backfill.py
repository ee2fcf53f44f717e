"""
### news_backfill — crawl a past date range, month by month

Triggered by hand (**Trigger** button, then fill in the form):

| field | meaning |
|---|---|
| `source` | a source key from `seeds/sources.yaml` |
| `editions` | one or more of the source's editions (e.g. `eng`, `ukr`, `rus`) |
| `start`, `end` | the first and last publication day to crawl, inclusive (YYYY-MM-DD) |
| `refetch_known` | fetch pages again even when the warehouse already has them unchanged |

The range is split into calendar months; each month is a mapped task group running the same
crawl -> transform -> load -> check steps as `news_ingest` (discovery through the monthly sitemaps).
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

_, SOURCES = parse_time_sources()

PARAMS = {
    "source": source_param(SOURCES, "Which source to crawl (seeds/sources.yaml)."),
    "editions": editions_param(SOURCES),
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


@task(execution_timeout=SHORT_TIMEOUT, doc_md="Checks the form and splits the date range into months.")
def plan_months() -> list[dict[str, str]]:
    from airflow.sdk.exceptions import AirflowFailException

    from newsetl.dag_defaults import task_env
    from newsetl.pipeline import month_windows
    from transforms.times import parse_day

    params = get_current_context()["params"]
    # A wrong form stays wrong: fail at once instead of retrying.
    source = task_env()[1].get(params["source"])
    if source is None:
        raise AirflowFailException(f"source={params['source']!r} is not in the sources file")
    try:
        editions = source.select_editions(params["editions"])
        windows = month_windows(parse_day(params["start"], "start"), parse_day(params["end"], "end"))
    except ValueError as exc:
        raise AirflowFailException(str(exc)) from None
    log.info("backfilling %s %s in %d month(s)", source.key, list(editions), len(windows))
    return [window.to_dict() for window in windows]


@task(
    execution_timeout=BACKFILL_CRAWL_TIMEOUT,
    max_active_tis_per_dag=1,
    doc_md="Crawls one month of the range (monthly sitemaps) into its own raw folder; returns its plan.",
)
def crawl_month(window: dict[str, str]) -> dict[str, str]:
    from newsetl.dag_defaults import task_env
    from newsetl.pipeline import MonthWindow, RunPlan
    from newsetl.pipeline import crawl as crawl_step

    context = get_current_context()
    params = context["params"]
    month = MonthWindow.from_dict(window)
    settings, sources = task_env()
    source = sources[params["source"]]
    plan = RunPlan.make(
        source.key,
        f"{context['dag_run'].run_id}_{month.label}",
        settings,
        kind="backfill",
        since=month.since,
        until=month.until,
    )
    figures = crawl_step(
        plan,
        settings,
        source,
        editions=params["editions"],
        since=month.since,
        until=month.until,
        incremental=not params["refetch_known"],
        log=log.info,
    )
    log.info("crawl figures for %s: %s", month.label, figures)
    return plan.to_dict()


@task_group(group_id="month")
def month(window: Any) -> None:
    stage_load_check(crawl_month(window))


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
