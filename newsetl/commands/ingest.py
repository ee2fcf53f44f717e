"""``newsetl ingest SOURCE``: one crawl -> transform -> load -> check run, without Airflow.

It calls the same step functions as the news_ingest DAG's tasks (newsetl.pipeline), shows which step is
running with the crawl's latest log line, and ends with the run's counts by outcome.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

COUNT_ORDER = ("discovered", "inserted", "updated", "unchanged", "quarantined", "skipped", "failed")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="crawl, transform, load and check one source once (what the news_ingest DAG does)",
        description=(
            "Run the pipeline once for SOURCE (a key of seeds/sources.yaml): crawl into "
            "{data root}/raw/SOURCE/RUN_ID/, stage into {data root}/staged/SOURCE/RUN_ID/, load into the "
            "warehouse and run the data-quality checks. Settings come from NEWSETL_* variables."
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
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="first publication day (monthly sitemaps)")
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

    def fail(message: str, code: int = 2) -> int:
        # Plain text, not rich: messages quote inputs that may contain [brackets] rich would eat as markup.
        print(f"newsetl ingest: {message}", file=sys.stderr)
        return code

    from scrapers.urls import validate_mirror
    from transforms.sources import SourcesFileError, load_sources
    from transforms.times import parse_day

    settings = args.settings
    try:
        sources = load_sources(settings.sources_path())
    except (OSError, SourcesFileError) as exc:
        return fail(str(exc))
    source = sources.get(args.source)
    if source is None:
        return fail(f"unknown source {args.source!r}; known: {', '.join(sorted(sources))}")
    try:
        editions = source.select_editions(args.edition)
        since = parse_day(args.since, "--since") if args.since else None
        until = parse_day(args.until, "--until") if args.until else None
        mirror = validate_mirror(args.mirror) if args.mirror else None
    except ValueError as exc:
        return fail(str(exc))
    if since and until and until < since:
        return fail(f"--until {until} is before --since {since}")
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

    figures: dict[str, Any] = {}
    counts: dict[str, int] = {}
    failure: str | None = None
    with console.status("crawling…") as status:

        def on_log(line: str) -> None:
            if args.verbose:
                console.print(f"[dim]{line}[/]", highlight=False, markup=False)
            status.update(f"crawling… [dim]{_shorten(line)}[/]")

        step = "crawl"
        try:
            figures["crawl"] = pipeline.crawl(
                plan,
                settings,
                source,
                editions=editions,
                since=since,
                until=until,
                incremental=not args.full,
                log=on_log,
            )
            console.print("[green]✓[/] crawl")
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
            failure = str(exc)
            console.print("[red]✗[/] check")
        except Exception as exc:  # any step error ends the run, with its message and the counts so far
            failure = f"{step} failed: {type(exc).__name__}: {exc}"
            console.print(f"[red]✗[/] {step}")
    _summary(console, plan.run_id, figures, counts)
    if failure:
        return fail(failure, 1)
    return 0


def _shorten(line: str, width: int = 90) -> str:
    line = line.strip().replace("[", "\\[")
    return line if len(line) <= width else line[: width - 1] + "…"


def _summary(console: Any, run_id: str, figures: dict[str, Any], counts: dict[str, int]) -> None:
    from rich.table import Table

    crawl_outcomes = (figures.get("crawl") or {}).get("outcomes") or {}
    table = Table(title=f"run {run_id}", show_header=True, header_style="bold", min_width=len(run_id) + 8)
    table.add_column("outcome")
    table.add_column("URLs", justify="right")
    if counts:
        for name in COUNT_ORDER:
            table.add_row(name, str(counts.get(name, 0)), style="bold" if name == "discovered" else None)
    elif crawl_outcomes:
        for name, value in sorted(crawl_outcomes.items()):
            table.add_row(f"crawl: {name}", str(value))
    else:
        table.add_row("(no counts: the run stopped before anything was recorded)", "")
    console.print(table)
