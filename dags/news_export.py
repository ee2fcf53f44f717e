"""
### news_export — the analysts' export, after every load

Scheduled by the `newsetl_articles` asset: it runs whenever a load task of `news_ingest`, `news_backfill`
or `news_reparse` has updated the warehouse's articles. Its partition is fixed by what triggered it: each
asset event names the crawl run its load stored, and the export rewrites the days (UTC publication day, or
collected day when unknown) of the articles those runs inserted, changed or confirmed. Triggered by hand,
the form's `start` and `end` name the days instead. It writes under `data/export/`:

- `seed/{YYYY-MM-DD}/NNN_{hash}.txt` — one seed-format document per article of that day; each day folder
  of the partition is rewritten whole;
- `articles/parquet/source={key}/published_date={YYYY-MM-DD}/part-0.parquet` — every article of the
  warehouse, typed (UTC timestamps, dates, authors and tags as lists, `story_id`, `detected_language`,
  `word_count`, `current_version`; columns in docs/warehouse.md, "Typed export"), a hive-partitioned Parquet
  dataset that DuckDB, pandas and Spark read directly; rewritten whole after every load and swapped in by a
  rename. Articles without a publication time are under `published_date=__HIVE_DEFAULT_PARTITION__`.

Its second task, `report`, then writes the analysts' HTML report, `data/report/report.html` (one
self-contained file, charts embedded: articles per source per day, crawl health, freshness, the largest
stories across sources, top tags; over the last 30 days of the warehouse). The task log prints its path.

Re-running it is harmless: the same partition gives the same files.
"""

from __future__ import annotations

import logging

from airflow.sdk import dag, get_current_context, task

from newsetl.dag_defaults import (
    DEFAULT_ARGS,
    SHORT_TIMEOUT,
    START_DATE,
    articles_asset,
    date_param,
)
from newsetl.dag_tasks import RUN_ID_EXTRA

log = logging.getLogger(__name__)

PARAMS = {
    "start": date_param(None, "First day", "By hand: the first publication day to export (YYYY-MM-DD)."),
    "end": date_param(None, "Last day", "By hand: the last publication day to export (inclusive)."),
}


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Writes the partition's days as seed-format files and every article as a typed Parquet dataset.",
)
def export() -> dict[str, object]:
    from dataclasses import asdict

    from airflow.sdk.exceptions import AirflowFailException

    from newsetl.dag_defaults import task_settings
    from newsetl.export import export_days, export_runs
    from transforms.times import parse_day

    context = get_current_context()
    params = context["params"]
    settings = task_settings()
    if params.get("start") or params.get("end"):
        try:
            start = parse_day(params.get("start") or params.get("end"), "start")
            end = parse_day(params.get("end") or params.get("start"), "end")
        except ValueError as exc:
            raise AirflowFailException(str(exc)) from None
        result = export_days(settings, start, end)
    else:
        events = context["triggering_asset_events"].get(articles_asset(), [])
        run_ids = sorted({str(e.extra[RUN_ID_EXTRA]) for e in events if e.extra.get(RUN_ID_EXTRA)})
        log.info("partition: the days of the runs %s", ", ".join(run_ids) or "(none)")
        result = export_runs(settings, run_ids)
    log.info(
        "exported %d document(s) for %d day(s) to %s, and %d article(s) to %s",
        result.documents,
        len(result.days),
        result.export_url,
        result.snapshot_rows,
        result.snapshot_url,
    )
    return asdict(result)


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Writes the HTML report (`data/report/report.html`); the log prints its path.",
)
def report() -> str:
    from newsetl.dag_defaults import task_settings
    from newsetl.report import summary_line, write_report

    path = write_report(task_settings())
    log.info("%s", summary_line(path))
    return str(path)


@dag(
    dag_id="news_export",
    schedule=[articles_asset()],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["newsetl", "export"],
    doc_md=__doc__,
)
def news_export() -> None:
    export() >> report()


news_export()
