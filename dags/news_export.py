"""
### news_export — the analysts' export, after every load

Scheduled by the `newsetl_articles` asset: it runs whenever a load task of `news_ingest`, `news_backfill`
or `news_reparse` has updated the warehouse's articles. It writes under `data/export/`:

- `seed/{YYYY-MM-DD}/NNN_{hash}.txt` — one seed-format document per article published that (UTC) day, for
  the days of the articles loaded in the last two days; each such day folder is rewritten whole;
- `snapshot/articles.parquet` — the `v_latest_articles` view (one row per article, UTC timestamps).

Re-running it is harmless: it rewrites the same files from the warehouse.
"""

from __future__ import annotations

import logging

from airflow.sdk import dag, task

from newsetl.dag_defaults import DEFAULT_ARGS, SHORT_TIMEOUT, START_DATE, articles_asset, task_settings

log = logging.getLogger(__name__)


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Writes the daily seed-format files of recently loaded days and the Parquet snapshot.",
)
def export() -> dict[str, object]:
    from dataclasses import asdict

    from newsetl.export import export_for_analysts

    result = export_for_analysts(task_settings())
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
    tags=["newsetl", "export"],
    doc_md=__doc__,
)
def news_export() -> None:
    export()


news_export()
