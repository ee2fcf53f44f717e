"""
### news_reparse — re-parse stored pages with the current parsers, no re-fetching

Triggered by hand after a parser fix. The form asks for the source and a range of **capture dates** (the
days the pages were fetched). The steps:

1. **reparse** — reads the WARC archives under `data/raw/{source}/*/`, takes the article pages each crawl
   recorded (outcome `parsed` or `not_article`), follows recorded redirects, and parses each page again with
   its original fetch time; the result is a new raw folder `data/raw/{source}/{run id}/` (items and
   outcomes, no WARC: nothing is fetched);
2. **transform**, **load** and **check** — as in `news_ingest`. The loader compares content, so only articles
   whose parsed content changed get a new version; the others count as `unchanged`.

Re-running it is safe: the same pages give the same content, which the loader records as unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import dag, get_current_context, task

from newsetl.dag_defaults import (
    DEFAULT_ARGS,
    SHORT_TIMEOUT,
    START_DATE,
    articles_asset,
    date_param,
    source_param,
    task_settings,
)

log = logging.getLogger(__name__)

PARAMS = {
    "source": source_param("Whose stored pages to re-parse (seeds/sources.yaml)."),
    "start": date_param(
        "2026-01-01", "First capture date", "Re-parse pages fetched on or after this day (UTC)."
    ),
    "end": date_param(
        "2026-12-31",
        "Last capture date",
        "Re-parse pages fetched on or before this day (UTC; not before the first).",
    ),
}


def _plan() -> Any:
    from newsetl.pipeline import RunPlan

    context = get_current_context()
    return RunPlan.make(context["params"]["source"], context["dag_run"].run_id, task_settings())


@task(
    execution_timeout=SHORT_TIMEOUT * 6,
    doc_md="Parses the stored WARC pages of the range again into a new raw folder; fetches nothing.",
)
def reparse() -> str:
    from airflow.sdk.exceptions import AirflowFailException

    from newsetl.pipeline import parse_day
    from newsetl.pipeline import reparse as reparse_step

    params = get_current_context()["params"]
    since, until = parse_day(params["start"], "start"), parse_day(params["end"], "end")
    if until < since:  # a wrong form stays wrong: fail at once instead of retrying
        raise AirflowFailException(f"end {until.isoformat()} is before start {since.isoformat()}")
    plan = _plan()
    figures = reparse_step(plan, task_settings(), since=since, until=until, log=log.info)
    log.info("re-parse figures: %s", figures)
    return plan.raw_url


@task(execution_timeout=SHORT_TIMEOUT, doc_md="Validates and normalises the re-parsed items.")
def transform(raw_url: str) -> str:
    from newsetl.pipeline import transform as transform_step

    plan = _plan()
    log.info("transform figures for %s: %s", raw_url, transform_step(plan))
    return plan.staged_url


@task(
    execution_timeout=SHORT_TIMEOUT,
    outlets=[articles_asset()],
    doc_md="Loads the re-parsed records: changed articles get a new version, the rest count as unchanged.",
)
def load(staged_url: str) -> dict[str, int]:
    from newsetl.pipeline import load as load_step

    dag_run = get_current_context()["dag_run"]
    counts = load_step(
        _plan(),
        task_settings(),
        dag_run_id=dag_run.run_id,
        started_at=dag_run.start_date or dag_run.run_after,
    )
    log.info("load counts for %s: %s", staged_url, counts)
    return counts


@task(execution_timeout=SHORT_TIMEOUT, doc_md="Data-quality checks on the re-parse run.")
def check(counts: dict[str, int]) -> None:
    from newsetl.pipeline import check as check_step

    check_step(_plan(), task_settings())
    log.info("quality checks passed; counts %s", counts)


@dag(
    dag_id="news_reparse",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["newsetl", "reparse"],
    doc_md=__doc__,
)
def news_reparse() -> None:
    check(load(transform(reparse())))


news_reparse()
