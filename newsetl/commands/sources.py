"""``newsetl sources [--file FILE]``: check a sources file against its schema and list its sources."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sources",
        help="check the sources file and list its sources",
        description=(
            "Validate a sources file (seeds/sources.yaml format) against its JSON Schema and list its "
            "sources: key, enabled, parser and the spider that crawls it, editions, base URL and discovery. "
            "A bad file exits with status 2 and the file, line, source key and field on stderr. See "
            "docs/sources.md."
        ),
    )
    parser.add_argument(
        "--file",
        metavar="FILE",
        help="the sources file (default: NEWSETL_SOURCES_FILE, else seeds/sources.yaml)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scrapers.crawl import spider_for
    from transforms.sources import SourcesFileError, load_sources

    path = args.file or str(args.settings.sources_path())
    try:
        sources = load_sources(path)
    except (OSError, SourcesFileError) as exc:
        print(f"newsetl sources: {exc}", file=sys.stderr)
        return 2
    print(f"{path}: {len(sources)} sources, {sum(s.enabled for s in sources.values())} enabled")
    for source in sources.values():
        spider = spider_for(source)[0]
        editions = ", ".join(f"{edition} ({language})" for edition, language in source.editions.items())
        discovery = len(source.feeds) + len(source.news_sitemaps) + len(source.sitemap_indexes)
        state = "enabled " if source.enabled else "disabled"
        print(
            f"  {source.key:<16} {state} parser {source.parser:<8} spider {spider:<8} {source.base_url}  "
            f"editions {editions}; {discovery} discovery URLs"
        )
    return 0
