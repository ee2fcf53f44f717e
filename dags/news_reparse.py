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

from airflow.sdk import dag, get_current_context, task

from newsetl.dag_defaults import (
    DEFAULT_ARGS,
    SHORT_TIMEOUT,
    START_DATE,
    date_param,
    parse_time_sources,
    source_param,
)
from newsetl.dag_tasks import stage_load_check

log = logging.getLogger(__name__)

CONFIG = parse_time_sources()  # never raises: a bad sources file fails the reparse task instead

PARAMS = {
    "source": source_param(CONFIG, "Whose stored pages to re-parse (seeds/sources.yaml)."),
    "start": date_param(
        "2026-01-01", "First capture date", "Re-parse pages fetched on or after this day (UTC)."
    ),
    "end": date_param(
        "2026-12-31",
        "Last capture date",
        "Re-parse pages fetched on or before this day (UTC; not before the first).",
    ),
}


@task(
    execution_timeout=SHORT_TIMEOUT * 6,
    doc_md="Parses the stored WARC pages of the range again into a new raw folder; fetches nothing.",
)
def reparse() -> dict[str, str]:
    from newsetl.dag_defaults import chosen_range, task_source
    from newsetl.pipeline import RunPlan
    from newsetl.pipeline import reparse as reparse_step
    from newsetl.task_logging import counts_table, step_counts

    context = get_current_context()
    params = context["params"]
    # A wrong form stays wrong: each of these fails at once, in one line, instead of retrying.
    since, until = chosen_range(params["start"], params["end"])
    settings, _, source = task_source(params["source"])
    plan = RunPlan.make(
        source.key, context["dag_run"].run_id, settings, kind="reparse", since=since, until=until
    )
    figures = reparse_step(plan, settings, source, since=since, until=until, log=log.info)
    log.info("%s", counts_table(f"re-parse of {source.key} ({plan.run_id})", step_counts(figures)))
    return plan.to_dict()


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
    stage_load_check(reparse())


news_reparse()
