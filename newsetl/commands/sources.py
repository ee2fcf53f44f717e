"""``newsetl sources [--file FILE]``: check a sources file against its schema and list its sources;
``newsetl sources probe https://SITE``: propose an entry for a site from its feeds and sitemaps."""

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
    actions = parser.add_subparsers(dest="sources_command", metavar="ACTION")
    probe = actions.add_parser(
        "probe",
        help="propose a sources.yaml entry for a news site from its feeds, sitemaps and sample articles",
        description=(
            "Fetch robots.txt (its Sitemap: lines), /sitemap.xml, /sitemap_index.xml and the home "
            "page's RSS/Atom links of SITE through Scrapy (robots.txt, the request guard and the size "
            "bounds apply), classify the sitemaps (news sitemap, sitemap index, plain), parse a few sample "
            "articles with the generic parser, and print a ready sources.yaml entry (feeds, news sitemaps, "
            "sitemap indexes, an article_pattern learnt from the URLs that parsed as articles, editions and "
            "languages) followed by a report, as YAML comments. Exit status: 0 an entry was proposed; 1 "
            "nothing usable was found (no feed, no sitemap, or no sample parsed as an article), with the "
            "reason; 2 usage error; 3 the probe's crawl process failed. "
            "See docs/sources.md, Adding a source with probe."
        ),
    )
    probe.add_argument("site", metavar="SITE", help="the site's home page, e.g. https://www.example.com")
    probe.add_argument(
        "--mirror", metavar="URL", help="fetch from this replay server instead of the live site"
    )
    probe.add_argument(
        "--write",
        metavar="FILE",
        help="append the entry to this sources file (made when missing; refused when the key is there)",
    )
    probe.add_argument("--key", metavar="KEY", help="the source key (default: from the site's host name)")
    probe.add_argument(
        "--samples", metavar="N", type=int, default=5, help="sample articles to fetch and parse (default 5)"
    )
    probe.add_argument("--verbose", action="store_true", help="print the probe's crawl log lines")
    probe.set_defaults(handler=run_probe)


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


def run_probe(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from datetime import UTC, datetime
    from pathlib import Path

    from scrapers import probe
    from scrapers.urls import validate_mirror
    from transforms.sources import SourcesFileError
    from transforms.urls import URL_PROBLEMS, origin, url_problem

    def fail(message: str, code: int = 2) -> int:
        print(f"newsetl sources probe: {message}", file=sys.stderr)
        return code

    site = args.site.strip()
    if not site.isprintable() or any(c.isspace() for c in site):
        # urlsplit drops tabs and newlines; the URL is written into the file's comment line as given.
        return fail(f"{args.site!r} has spaces or control characters; expected a site such as https://…")
    try:
        problem = url_problem(site, origin(site))
    except ValueError:  # "http://[::1/": Python's URL functions raise on it
        problem = "not_http"
    if problem is not None:
        return fail(f"{args.site!r} {URL_PROBLEMS[problem]}; expected a site such as https://www.example.com")
    if args.key is not None and not probe.KEY_PATTERN.fullmatch(args.key):
        return fail(
            f"--key {args.key!r}: expected 2-64 lower-case letters, digits or _, starting with a letter"
        )
    if not 1 <= args.samples <= 50:
        return fail(f"--samples {args.samples}: expected 1 to 50")
    settings = args.settings
    try:
        if args.mirror:
            settings = replace(settings, mirror=validate_mirror(args.mirror))
    except ValueError as exc:
        return fail(str(exc))
    write = Path(args.write) if args.write else None
    if write is not None and write.is_dir():
        return fail(f"--write {write}: is a folder; expected a sources file")
    try:
        if write is not None:  # before the probe, not after it: a file that will be refused costs nothing
            probe.check_writable(write, args.key or probe.default_key(origin(site)))
    except probe.WriteRefused as exc:
        return fail(str(exc))

    def on_log(line: str) -> None:
        if args.verbose:
            print(line, file=sys.stderr)

    try:
        found = probe.run_probe(site, settings=settings, samples=args.samples, log=on_log)
    except probe.ProbeError as exc:
        return fail(str(exc), 3)
    proposal = probe.propose(found, args.key)
    mirror = f" (through the mirror {settings.mirror})" if settings.mirror else ""
    print(f"# newsetl sources probe {site}{mirror}")
    if proposal.entry is not None:
        try:
            probe.check_entry(proposal.entry)
        except SourcesFileError as exc:  # a bug here: the proposal must be a valid entry
            return fail(f"the proposed entry is not valid: {exc}", 3)
        print(probe.entry_yaml(proposal.entry), end="")
    for line in proposal.report:
        # The lines quote what the site sent (URLs, headlines): no control character may end a comment.
        print("# " + "".join(c if c.isprintable() else repr(c)[1:-1] for c in line))
    if proposal.entry is None:
        return fail(f"nothing usable found: {proposal.problem}", 1)
    if write is not None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        try:
            probe.append_entry(write, proposal.entry, f"added by newsetl sources probe {site} on {stamp}")
        except (OSError, probe.WriteRefused) as exc:
            return fail(str(exc))
        print(f"# written to {write}")
    return 0
