"""``newsetl export``: the warehouse's articles as typed Parquet, CSV or JSON Lines (newsetl/export.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from newsetl.commands import day

DESCRIPTION = """\
Write every article of the warehouse (its latest content, one row each) with typed columns: timestamps in
UTC, dates, authors and tags as lists, story_id, detected_language, word_count, current_version.

  parquet  DIR/parquet/source=KEY/published_date=YYYY-MM-DD/part-0.parquet, a hive-partitioned dataset
           (articles without a publication time: published_date=__HIVE_DEFAULT_PARTITION__, read as null)
  csv      DIR/articles.csv: lists joined by ';' (a ';' or '\\' inside a name written '\\;' or '\\\\'),
           timestamps ISO 8601 with +00:00, empty cell for null
  jsonl    DIR/articles.jsonl: one object per line, lists as arrays, timestamps ISO 8601

DIR defaults to {data root}/export/articles. What was there is replaced whole by the selection; the
default Parquet folder is the full dataset news_export keeps, so a Parquet selection needs --out.
--since and --until (inclusive) are UTC publication days; with either, articles without a publication time
are left out. Exits 1, writing nothing, when no article matches; 2 for a bad option or an unknown source.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the warehouse's articles as typed Parquet, CSV or JSON Lines",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--format", choices=("parquet", "csv", "jsonl"), default="parquet", help="default: parquet"
    )
    parser.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="first UTC publication day")
    parser.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="last UTC publication day")
    parser.add_argument(
        "--source", action="append", default=[], metavar="KEY", help="only this source key (repeatable)"
    )
    parser.add_argument("--out", metavar="DIR", help="output folder (default: {data root}/export/articles)")
    parser.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from newsetl.export import export_articles
    from warehouse.migrate import require_current

    settings = args.settings
    require_current(settings.resolved_warehouse_url())
    try:
        result = export_articles(
            settings, args.format, out=args.out, since=args.since, until=args.until, sources=args.source
        )
    except ValueError as exc:
        print(f"newsetl export: {exc}", file=sys.stderr)
        return 2
    if result.rows == 0:
        print(f"newsetl export: no article matches; nothing written to {result.url}", file=sys.stderr)
        return 1
    print(f"{result.rows} article(s) written to {result.url} ({result.format}, {result.files} file(s))")
    return 0
