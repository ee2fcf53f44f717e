"""
### news_export — the analysts' export, after every load

Scheduled by the `newsetl_articles` asset: it runs whenever a load task of `news_ingest`, `news_backfill`
or `news_reparse` has updated the warehouse's articles. Its partition is fixed by what triggered it: each
asset event names the crawl run its load stored, and the export rewrites the days (UTC publication day, or
collected day when unknown) of the articles those runs inserted, changed or confirmed. Triggered by hand,
the form's `start` and `end` name the days instead. It writes under `data/export/`:

- `seed/{YYYY-MM-DD}/NNN_{hash}.txt` — one seed-format document per article of that day; each day folder
  of the partition is rewritten whole;
- `snapshot/articles.parquet` — the `v_latest_articles` view (one row per article, UTC timestamps).

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
    doc_md="Writes the seed-format files of the partition's days and the Parquet snapshot.",
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
        "exported %d document(s) for %d day(s) and %d snapshot row(s) to %s",
        result.documents,
        len(result.days),
        result.snapshot_rows,
        result.export_url,
    )
    return asdict(result)


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
    export()


news_export()
