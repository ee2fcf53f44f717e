"""``newsetl report``: the analysts' HTML report (newsetl/report.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Write one self-contained HTML file (charts embedded, plotly.js inlined: it opens offline) from the
warehouse: articles per source per day, crawl health per source (discovered, loaded, failed,
quarantined), freshness (hours since each source's last new article, stale ones marked), the largest
stories across sources with their headlines and sources, and the top tags.

The articles' period is the N days ending at the latest publication day in the warehouse; the runs'
period the N days ending at its latest run. The file is DIR/report.html (default DIR: {data root}/report).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write an HTML report (charts of articles, crawl health, freshness, stories, tags)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", metavar="DIR", type=Path, help="folder of report.html (default: {data root}/report)"
    )
    parser.add_argument(
        "--days", type=int, default=30, metavar="N", help="length of the periods (default: 30)"
    )
    parser.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from newsetl.report import summary_line, write_report

    try:
        path = write_report(args.settings, args.out, args.days)
    except ValueError as exc:
        print(f"newsetl report: {exc}", file=sys.stderr)
        return 2
    print(summary_line(path))
    return 0
