"""
### news_reparse — re-parse stored pages with the current parsers, no re-fetching

Triggered by hand after a parser fix. The form asks for the source and a range of **capture dates** (the
days the pages were fetched). The steps:

1. **plan_shards** — indexes the WARC archives under `data/raw/{source}/*/` (heads only), takes the article
   pages each crawl recorded (outcome `parsed` or `not_article`), follows recorded redirects, and splits the
   pages into shards of at most `shard_pages` pages, grouped by the WARC file they are read from;
2. **parse_shard** — one mapped task per shard (they can run on several workers at once) parses its pages
   again with their original fetch time;
3. **merge_shards** — merges the shards into a new raw folder `data/raw/{source}/{run id}/` (items and
   outcomes, no WARC: nothing is fetched), the same folder whatever the number of shards;
4. **transform**, **load** and **check** — as in `news_ingest`. The loader compares content, so only articles
   whose parsed content changed get a new version; the others count as `unchanged`.

Re-running it is safe: the same pages give the same content, which the loader records as unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

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
    "shard_pages": Param(
        5000,
        type="integer",
        minimum=1,
        title="Pages per shard",
        description="At most this many pages per parse_shard task; smaller shards spread over more workers.",
    ),
}

SHARD_LABEL = "{{ shard.index }}"


@task(
    execution_timeout=SHORT_TIMEOUT * 3,
    doc_md=(
        "Checks the form (a wrong one fails at once, in one line, without retrying), indexes the stored WARC "
        "pages of the range (heads only) and writes the shards; returns one entry per shard."
    ),
)
def plan_shards() -> list[dict[str, Any]]:
    from newsetl.dag_defaults import chosen_range, task_source
    from newsetl.pipeline import RunPlan, reparse_plan_shards

    context = get_current_context()
    params = context["params"]
    # A wrong form stays wrong: each of these fails at once, in one line, instead of retrying.
    since, until = chosen_range(params["start"], params["end"])
    settings, _, source = task_source(params["source"])
    plan = RunPlan.make(
        source.key, context["dag_run"].run_id, settings, kind="reparse", since=since, until=until
    )
    return reparse_plan_shards(plan, settings, source, shard_pages=int(params["shard_pages"]), log=log.info)


@task(
    execution_timeout=SHORT_TIMEOUT * 3,
    map_index_template=SHARD_LABEL,
    doc_md="Parses one shard's stored pages again into its part of the run; fetches nothing.",
)
def parse_shard(shard: dict[str, Any]) -> dict[str, Any]:
    from newsetl.dag_defaults import task_source
    from newsetl.pipeline import reparse_parse_shard
    from newsetl.task_logging import counts_table, step_counts

    context = get_current_context()
    context["shard"] = shard  # type: ignore[typeddict-unknown-key]  # for SHARD_LABEL
    settings, _, source = task_source(context["params"]["source"])
    figures = reparse_parse_shard(shard, settings, source)
    log.info("%s", counts_table(f"shard {shard['index']} ({shard['pages']} pages)", step_counts(figures)))
    return figures


@task(
    execution_timeout=SHORT_TIMEOUT,
    doc_md="Merges the parsed shards into the run's raw folder, as one re-parse writes it; returns the plan.",
)
def merge_shards(shards: list[dict[str, Any]], parsed: list[dict[str, Any]]) -> dict[str, str]:
    from newsetl.pipeline import reparse_merge_shards

    plan = reparse_merge_shards(shards, log=log.info)
    log.info("re-parse of %s: %d shard(s) merged into %s", plan.source, len(list(parsed)), plan.raw_url)
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
    shards = plan_shards()
    stage_load_check(merge_shards(shards, parse_shard.expand(shard=shards)))


news_reparse()
