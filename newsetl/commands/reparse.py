"""``newsetl reparse SOURCE``: one re-parse -> transform -> load -> check run, without Airflow.

The stored WARC pages of the source are parsed again with the current parsers (nothing is fetched), in
shards over a pool of worker processes, then staged, loaded and checked as by the news_reparse DAG (the
same step functions, newsetl.pipeline). Exit codes as ``newsetl ingest``: 0 the run passed its checks; 1 it
failed them; 2 usage or configuration error; 3 a step crashed; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from newsetl.commands import day
from newsetl.commands.ingest import EXIT_USAGE, check_range, chosen_source, run_steps


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reparse",
        help="parse a source's stored pages again, then transform, load and check (what news_reparse does)",
        description=(
            "Parse the pages of SOURCE stored in the WARC archives under {data root}/raw/SOURCE/ again with "
            "the current parsers (nothing is fetched), into a new raw run folder; then stage, load into the "
            "warehouse and run the checks. Only the articles whose parsed content changed get a new "
            "version. Exit status: 0 the run passed its checks; 1 it failed them; 2 usage or configuration "
            "error; 3 a step crashed."
        ),
    )
    parser.add_argument("source", metavar="SOURCE", help="source key, e.g. pravda")
    parser.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="first capture day (UTC)")
    parser.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="last capture day, inclusive")
    parser.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        help="processes that parse the pages (default: NEWSETL_WORKERS, else the cores, at most 8)",
    )
    parser.add_argument("--run-id", help="run id (default: reparse_ plus the UTC time)")
    parser.add_argument("--verbose", action="store_true", help="print every re-parse log line")
    parser.set_defaults(handler=run)


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: expected at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from newsetl import pipeline

    def fail(message: str, code: int = EXIT_USAGE) -> int:
        # Plain text, not rich: messages quote inputs that may contain [brackets] rich would eat as markup.
        print(f"newsetl reparse: {message}", file=sys.stderr)
        return code

    settings = args.settings
    try:
        registry, source = chosen_source(settings, args.source)
        check_range(args.since, args.until)
    except ValueError as exc:
        return fail(str(exc))
    workers = args.workers or settings.workers

    started = datetime.now(UTC)
    plan = pipeline.RunPlan.make(
        source.key,
        args.run_id or f"reparse_{started:%Y%m%dT%H%M%SZ}",
        settings,
        kind="reparse",
        since=args.since,
        until=args.until,
    )
    console = Console()
    console.print(f"[bold]newsetl reparse[/] {source.key} run [cyan]{plan.run_id}[/] ({workers} worker(s))")
    console.print(f"  raw     {plan.raw_url}\n  staged  {plan.staged_url}")

    def reparse_step(log: Callable[[str], None]) -> dict[str, Any]:
        return pipeline.reparse(
            plan, settings, source, since=args.since, until=args.until, workers=workers, log=log
        )

    return run_steps(
        "newsetl reparse",
        console,
        plan,
        settings,
        registry.sources,
        started,
        reparse_step,
        verbose=args.verbose,
        first_name="reparse",
        first_doing="re-parsing…",
        first_done=lambda figures: f" ({figures['pages']} pages)",
    )
