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
    articles_asset,
    date_param,
    source_editions,
    source_param,
    task_settings,
)

log = logging.getLogger(__name__)

PARAMS = {
    "source": source_param("Which source to crawl (seeds/sources.yaml)."),
    "editions": Param(
        ["eng"],
        type="array",
        items={"type": "string", "enum": source_editions()},
        minItems=1,
        uniqueItems=True,
        examples=source_editions(),
        title="Editions",
        description="One or more editions of the source.",
    ),
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


def _params() -> dict[str, Any]:
    return dict(get_current_context()["params"])


def _plan(window: dict[str, str]) -> Any:
    from newsetl.pipeline import RunPlan

    params = _params()
    run_id = f"{get_current_context()['dag_run'].run_id}_{window['label']}"
    return RunPlan.make(params["source"], run_id, task_settings())


@task(execution_timeout=SHORT_TIMEOUT, doc_md="Checks the form and splits the date range into months.")
def plan_months() -> list[dict[str, str]]:
    from airflow.sdk.exceptions import AirflowFailException

    from newsetl.pipeline import month_windows, parse_day
    from transforms.sources import load_sources

    params = _params()
    # A wrong form stays wrong: fail at once instead of retrying.
    source = load_sources().get(params["source"])
    if source is None:
        raise AirflowFailException(f"source={params['source']!r} is not in seeds/sources.yaml")
    unknown = sorted(set(params["editions"]) - set(source.editions))
    if unknown:
        raise AirflowFailException(
            f"editions {unknown} are not editions of {source.key!r} (it has {sorted(source.editions)})"
        )
    try:
        windows = month_windows(parse_day(params["start"], "start"), parse_day(params["end"], "end"))
    except ValueError as exc:
        raise AirflowFailException(str(exc)) from None
    log.info("backfilling %s %s in %d month(s)", source.key, params["editions"], len(windows))
    return [window.to_dict() for window in windows]


@task(
    execution_timeout=BACKFILL_CRAWL_TIMEOUT,
    max_active_tis_per_dag=1,
    doc_md="Crawls one month of the range (monthly sitemaps) into its own raw folder.",
)
def crawl_month(window: dict[str, str]) -> str:
    from newsetl.pipeline import MonthWindow
    from newsetl.pipeline import crawl as crawl_step

    params = _params()
    month = MonthWindow.from_dict(window)
    plan = _plan(window)
    figures = crawl_step(
        plan,
        task_settings(),
        editions=params["editions"],
        since=month.since,
        until=month.until,
        incremental=not params["refetch_known"],
        log=log.info,
    )
    log.info("crawl figures for %s: %s", month.label, figures)
    return plan.raw_url


@task(execution_timeout=SHORT_TIMEOUT, doc_md="Validates and normalises one month's items.")
def transform_month(window: dict[str, str], raw_url: str) -> str:
    from newsetl.pipeline import transform as transform_step

    plan = _plan(window)
    log.info("transform figures for %s: %s", raw_url, transform_step(plan))
    return plan.staged_url


@task(
    execution_timeout=SHORT_TIMEOUT,
    outlets=[articles_asset()],
    doc_md="Loads one month into the warehouse and records its crawl run.",
)
def load_month(window: dict[str, str], staged_url: str) -> dict[str, int]:
    from newsetl.pipeline import load as load_step

    dag_run = get_current_context()["dag_run"]
    counts = load_step(
        _plan(window),
        task_settings(),
        dag_run_id=dag_run.run_id,
        started_at=dag_run.start_date or dag_run.run_after,
    )
    log.info("load counts for %s: %s", staged_url, counts)
    return counts


@task(execution_timeout=SHORT_TIMEOUT, doc_md="Data-quality checks on one month's crawl run.")
def check_month(window: dict[str, str], counts: dict[str, int]) -> None:
    from newsetl.pipeline import check as check_step

    check_step(_plan(window), task_settings())
    log.info("quality checks passed for %s; counts %s", window["label"], counts)


@task_group(group_id="month")
def month(window: Any) -> None:
    raw_url = crawl_month(window)
    staged_url = transform_month(window, raw_url)
    counts = load_month(window, staged_url)
    check_month(window, counts)


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
