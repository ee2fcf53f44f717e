"""``newsetl ingest SOURCE``: one crawl -> transform -> load -> check run, without Airflow.

It calls the same step functions as the news_ingest DAG's tasks (newsetl.pipeline), shows which step is
running with the crawl's latest log line, and ends with the run's counts by outcome (and the discovery URLs
asked for and failed), then, when the run failed, the reasons, one line each.

Exit codes: 0 the run passed its checks; 1 it failed them (every discovery URL failed, nothing discovered
where there used to be news, no entry in a date range, too many failed or bot-challenged fetches, or a
data-quality problem: warehouse/checks.py); 2 usage or configuration error; 3 a step crashed (the crawl
process failed, the warehouse could not be written…); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

COUNT_ORDER = ("discovered", "inserted", "updated", "unchanged", "quarantined", "skipped", "failed")
EXIT_CHECKS_FAILED = 1
EXIT_USAGE = 2
EXIT_STEP_CRASHED = 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="crawl, transform, load and check one source once (what the news_ingest DAG does)",
        description=(
            "Run the pipeline once for SOURCE (a key of seeds/sources.yaml): crawl into "
            "{data root}/raw/SOURCE/RUN_ID/, stage into {data root}/staged/SOURCE/RUN_ID/, load into the "
            "warehouse and run the checks. Settings come from NEWSETL_* variables. Exit status: 0 the run "
            "passed its checks; 1 it failed them (the reasons follow the counts table: every discovery URL "
            "failed, nothing discovered where the source had news, no entry in the date range, too many "
            "failed or bot-challenged fetches, a data-quality problem); 2 usage or configuration error; "
            "3 a step crashed (crawl process, warehouse)."
        ),
    )
    parser.add_argument("source", metavar="SOURCE", help="source key, e.g. pravda")
    parser.add_argument(
        "--edition",
        action="append",
        default=[],
        metavar="EDITION",
        help="crawl only this edition (repeatable; default: every edition of the source)",
    )
    parser.add_argument(
        "--since", metavar="YYYY-MM-DD", help="first publication day (read from the sitemap indexes)"
    )
    parser.add_argument("--until", metavar="YYYY-MM-DD", help="last publication day, inclusive")
    parser.add_argument("--mirror", metavar="URL", help="crawl this replay server instead of the live site")
    parser.add_argument("--run-id", help="run id (default: ingest_ plus the UTC time)")
    parser.add_argument(
        "--full", action="store_true", help="fetch pages the warehouse already holds unchanged, too"
    )
    parser.add_argument("--verbose", action="store_true", help="print every crawl log line")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from rich.console import Console

    from newsetl import pipeline

    def fail(message: str, code: int = EXIT_USAGE) -> int:
        # Plain text, not rich: messages quote inputs that may contain [brackets] rich would eat as markup.
        print(f"newsetl ingest: {message}", file=sys.stderr)
        return code

    from scrapers.urls import validate_mirror
    from transforms.sitemap_dates import range_refusal
    from transforms.times import parse_day

    settings = args.settings
    try:
        registry, source = chosen_source(settings, args.source)
        editions = source.select_editions(args.edition)
        since = parse_day(args.since, "--since") if args.since else None
        until = parse_day(args.until, "--until") if args.until else None
        mirror = validate_mirror(args.mirror) if args.mirror else None
        check_range(since, until)
    except ValueError as exc:
        return fail(str(exc))
    sources = registry.sources
    # Before any crawl: a range is read from sitemap indexes, and without any it would pass as empty.
    if since and (refusal := range_refusal(source.key, source.sitemap_indexes, source.base_url)):
        return fail(f"--since {since}: {refusal}")
    if mirror:
        settings = replace(settings, mirror=mirror)

    started = datetime.now(UTC)
    plan = pipeline.RunPlan.make(
        source.key,
        args.run_id or f"ingest_{started:%Y%m%dT%H%M%SZ}",
        settings,
        kind="backfill" if since else "ingest",
        since=since,
        until=until,
    )
    console = Console()
    console.print(f"[bold]newsetl ingest[/] {source.key} run [cyan]{plan.run_id}[/]")
    console.print(f"  raw     {plan.raw_url}\n  staged  {plan.staged_url}")
    if settings.mirror:
        console.print(f"  mirror  {settings.mirror}")

    def crawl_step(log: Callable[[str], None]) -> dict[str, Any]:
        return pipeline.crawl(
            plan,
            settings,
            source,
            editions=editions,
            since=since,
            until=until,
            incremental=not args.full,
            log=log,
        )

    return run_steps(
        "newsetl ingest", console, plan, settings, sources, started, crawl_step, verbose=args.verbose
    )


def chosen_source(settings: Any, key: str) -> tuple[Any, Any]:
    """The sources registry and the source ``key`` of it, for a command's SOURCE argument; raises
    ``ValueError`` with the one line to print when the file cannot be read or has no such source."""
    from scrapers.parsers import PARSERS
    from transforms.sources import SourcesFileError, read_sources

    try:
        # Another source's bad entry does not stop this one; this source's own problem does.
        registry = read_sources(settings.sources_path(), PARSERS)
        source = registry.source(key)
    except (OSError, SourcesFileError) as exc:
        raise ValueError(str(exc)) from None
    if source is None:
        raise ValueError(f"unknown source {key!r}; known: {', '.join(sorted(registry.keys))}")
    return registry, source


def check_range(since: date | None, until: date | None) -> None:
    """Raise ``ValueError`` when ``--until`` is before ``--since``."""
    if since and until and until < since:
        raise ValueError(f"--until {until} is before --since {since}")


def run_steps(
    command: str,
    console: Any,
    plan: Any,
    settings: Any,
    sources: Any,
    started: datetime,
    first_step: Callable[[Callable[[str], None]], dict[str, Any]],
    *,
    verbose: bool,
    first_name: str = "crawl",
    first_doing: str = "crawling…",
    first_done: Callable[[dict[str, Any]], str] = lambda figures: "",
) -> int:
    """The run after its plan is made, for ``newsetl ingest`` and ``newsetl reparse``: ``first_step``
    (the crawl or the re-parse, given the log function), then transform, load and check, with a progress
    line, a ✓/✗ per step, the counts table, and the exit code (0 passed, 1 checks failed, 3 a step
    crashed)."""
    from newsetl import pipeline

    figures: dict[str, Any] = {}
    counts: dict[str, int] = {}
    failure: str | None = None
    reasons: list[str] = []
    with console.status(first_doing) as status:

        def on_log(line: str) -> None:
            if verbose:
                console.print(f"[dim]{line}[/]", highlight=False, markup=False)
            status.update(f"{first_doing} [dim]{_shorten(line)}[/]")

        step = first_name
        try:
            figures["crawl"] = first_step(on_log)
            console.print(f"[green]✓[/] {first_name}{first_done(figures['crawl'])}")
            step = "transform"
            status.update("transforming…")
            figures["transform"] = pipeline.transform(plan, sources)
            console.print("[green]✓[/] transform")
            step = "load"
            status.update("loading…")
            counts = pipeline.load(plan, settings, sources, dag_run_id=None, started_at=started)
            console.print("[green]✓[/] load")
            step = "check"
            status.update("checking…")
            pipeline.check(plan, settings)
            console.print("[green]✓[/] check")
        except pipeline.QualityCheckFailed as exc:
            reasons = exc.failures
            console.print("[red]✗[/] check")
        except Exception as exc:  # any step error ends the run, with its message and the counts so far
            failure = f"{step} failed: {type(exc).__name__}: {exc}"
            console.print(f"[red]✗[/] {step}")
    _summary(console, plan.run_id, figures, counts)
    if failure:
        # Plain text, not rich: messages quote inputs that may contain [brackets] rich would eat as markup.
        print(f"{command}: {failure}", file=sys.stderr)
        return EXIT_STEP_CRASHED
    if reasons:
        # After the table, one line each, plain text (the lines quote URLs and errors).
        print(f"{command}: run {plan.run_id} failed its checks:", file=sys.stderr)
        for reason in reasons:
            print(f"  {reason}", file=sys.stderr)
        return EXIT_CHECKS_FAILED
    return 0


def _shorten(line: str, width: int = 90) -> str:
    line = line.strip().replace("[", "\\[")
    return line if len(line) <= width else line[: width - 1] + "…"


def _summary(console: Any, run_id: str, figures: dict[str, Any], counts: dict[str, int]) -> None:
    from rich.table import Table

    crawl = figures.get("crawl") or {}
    crawl_outcomes = crawl.get("outcomes") or {}
    discovery = crawl.get("discovery") or {}
    skipped_by_reason = ((figures.get("transform") or {}).get("counts") or {}).get("skipped_by_reason") or {}
    table = Table(title=f"run {run_id}", show_header=True, header_style="bold", min_width=len(run_id) + 8)
    table.add_column("outcome")
    table.add_column("URLs", justify="right")
    if discovery:
        table.add_row("discovery URLs asked", str(discovery.get("urls", 0)))
        failed = int(discovery.get("failed", 0))
        table.add_row("discovery URLs failed", str(failed), style="red" if failed else None)
    if counts:
        for name in COUNT_ORDER:
            table.add_row(name, str(counts.get(name, 0)), style="bold" if name == "discovered" else None)
            # The skips a reader asks about: pages not fetched again, pages of a backfill outside its range.
            for reason in ("known_unchanged", "out_of_range"):
                if name == "skipped" and skipped_by_reason.get(reason):
                    table.add_row(f"  of which {reason}", str(skipped_by_reason[reason]))
    elif crawl_outcomes:
        for name, value in sorted(crawl_outcomes.items()):
            table.add_row(f"crawl: {name}", str(value))
    else:
        table.add_row("(no counts: the run stopped before anything was recorded)", "")
    console.print(table)
