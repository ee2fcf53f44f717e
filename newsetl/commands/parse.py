"""``newsetl parse``: parse a saved page exactly as the pipeline would, and show the result.

The site's parser is chosen from the URL's host (matched against the sources' ``base_url``), then by the
page's markup, through the same ``scrapers.parsers.parse_page`` the spiders call.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from newsetl.commands import day

DESCRIPTION = (
    "Parse a saved HTML page (.html or .html.gz) of a known site and print its seed-format document, or "
    "with --json the whole article record (the items.jsonl line, pretty-printed). The parser is chosen "
    "from the site of --url (seeds/sources.yaml) and the page's markup. A page that is not an article "
    "(bot challenge, error page, listing, no body) exits with status 1 and the reason on stderr; an "
    "unknown site or unreadable page exits with status 2."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse a saved page and print its seed document or record",
        description=DESCRIPTION,
    )
    parser.add_argument("page", metavar="PAGE.html", type=Path, help="the saved page (.html or .html.gz)")
    parser.add_argument("--url", required=True, help="the page's real URL (chooses the site's parser)")
    parser.add_argument(
        "--collected",
        type=day,
        metavar="YYYY-MM-DD",
        help="the collected date of the seed document (default: today, UTC)",
    )
    parser.add_argument("--json", action="store_true", help="print the article record as JSON instead")
    parser.add_argument(
        "--status", type=int, default=200, metavar="N", help="HTTP status the page was served with (200)"
    )
    parser.add_argument(
        "--sources",
        type=Path,
        metavar="FILE",
        help="the sources file to match the URL against (default: seeds/sources.yaml)",
    )
    parser.set_defaults(handler=_parse)


def _parse(args: argparse.Namespace) -> int:
    import gzip
    import json
    import zlib
    from datetime import UTC, datetime

    from scrapers.parsers import parse_page
    from transforms.errors import NotAnArticle
    from transforms.normalise import staged_row
    from transforms.sources import SourcesFileError, UnknownSite, load_sources, source_for_url

    try:
        source = source_for_url(args.url, load_sources(args.sources or args.settings.sources_path()))
    except (SourcesFileError, UnknownSite, OSError) as exc:
        print(f"newsetl parse: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a URL that urlsplit refuses, e.g. an unclosed [IPv6 bracket
        print(f"newsetl parse: --url {args.url!r}: {exc}", file=sys.stderr)
        return 2
    try:
        html = args.page.read_bytes()
        if args.page.suffix == ".gz":
            html = gzip.decompress(html)
    except (OSError, EOFError, zlib.error) as exc:
        print(f"newsetl parse: cannot read {args.page}: {exc}", file=sys.stderr)
        return 2
    try:
        record = parse_page(
            html,
            args.url,
            source=source,
            fetched_at=datetime.now(UTC),
            collected_on=args.collected,
            http_status=args.status,
        )
    except NotAnArticle as exc:
        print(f"{args.page}: not an article: {exc}", file=sys.stderr)
        return 1
    try:
        # What the transform step stores: the derived texts come from the record the same way.
        staged = staged_row(record, source.label)
    except ValueError as exc:
        print(f"{args.page}: the record cannot be written as a seed document: {exc}", file=sys.stderr)
        return 1
    if args.json:
        derived = {name: staged[name] for name in ("body_text", "seed_text", "content_hash", "word_count")}
        print(json.dumps({**record.to_dict(), **derived}, ensure_ascii=False, indent=2))
    else:
        # The document exactly (it has no final newline), so that `> file.txt` is a valid seed file.
        sys.stdout.write(staged["seed_text"])
        if sys.stdout.isatty():
            sys.stdout.write("\n")
    return 0
