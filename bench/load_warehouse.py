"""Load throughput of the warehouse: 100,000 synthetic articles upserted in batches, on each engine.

    .venv/bin/python bench/load_warehouse.py [--articles N] [--batch N] [--workers N ...] [--sqlite-only]
                                             [--postgres-url URL] [--append]

Without --postgres-url a throwaway PostgreSQL cluster is started from the installed binaries (as the
tests do). The articles go in as consecutive crawl runs of ``--batch`` articles each (as a daily crawl
would bring them). Prints articles/s for: the first load (all inserts), the reload of the same runs (all
unchanged), and later runs in which 10% of the articles changed and the rest are unchanged, each with
every ``--workers`` count (default: 1 and all cores; a fresh warehouse for each count). Language
detection and story signatures are part of the load. Staging the records (normalising them into the
staged table) is timed apart, as it belongs to the transform step. The table is printed, and appended to
docs/benchmarks.md with ``--append``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

import report  # noqa: E402
from postgres import PostgresMissing, postgres_server  # noqa: E402

from transforms.blocks import Heading, ListBlock, Paragraph  # noqa: E402
from transforms.normalise import stage_records  # noqa: E402
from transforms.record import ArticleRecord  # noqa: E402
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources  # noqa: E402
from transforms.workers import default_workers  # noqa: E402
from warehouse import migrate  # noqa: E402
from warehouse.engine import make_engine  # noqa: E402
from warehouse.load import RunInfo, load_tables  # noqa: E402

WORDS = (
    "defence ukraine missile drone kyiv forces attack minister president government region city military "
    "energy grid power support partners sanctions frontline report according said reported official "
    "statement weapons ammunition allies negotiations economy budget parliament law court police"
).split()
EDITIONS = {"eng": ("en", "/eng"), "ukr": ("uk", ""), "rus": ("ru", "/rus")}


def synthetic(count: int, seed: int = 7, start: int = 0) -> list[ArticleRecord]:
    """Articles ``start`` .. ``start + count - 1``; the same numbers give the same articles."""
    rng = random.Random(seed * 1_000_003 + start)
    collected = date(2024, 11, 25)
    fetched = datetime(2024, 11, 25, 8, tzinfo=UTC)
    records = []
    for i in range(start, start + count):
        edition = ("eng", "ukr", "rus")[i % 3]
        language, prefix = EDITIONS[edition]
        published = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=37 * i)
        url = f"https://www.pravda.com.ua{prefix}/news/{published:%Y/%m/%d}/{7000000 + i}/"
        paragraphs = tuple(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60))).capitalize() + "."
            for _ in range(rng.randint(4, 9))
        )
        blocks = (*(Paragraph(p) for p in paragraphs), Heading("Background"), ListBlock(("One.", "Two.")))
        headline = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
        records.append(
            ArticleRecord(
                url=url,
                source="pravda",
                edition=edition,
                language=language,
                headline=headline,
                authors=(f"Author {i % 40}",),
                published_at=published,
                modified_at=None,
                tags=tuple(rng.sample(WORDS, 3)),
                section="news",
                blocks=blocks,
                collected_on=collected,
                fetched_at=fetched,
                http_status=200,
                warc_record_id=None,
                parser="bench@1",
            )
        )
    return records


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_engine(
    name: str, url: str, total: int, batch: int, workers: int
) -> tuple[list[tuple[str, int, str, int, float]], float]:
    """Load ``total`` articles in runs of ``batch`` three times over; returns timings and staging seconds."""
    sources = load_sources(DEFAULT_SOURCES_FILE)
    migrate.upgrade(url)
    engine = make_engine(url)
    later = datetime(2024, 11, 26, 8, tzinfo=UTC)
    latest = datetime(2024, 11, 27, 8, tzinfo=UTC)
    passes = (
        ("first load (inserts)", datetime(2024, 11, 25, 8, tzinfo=UTC), 0),
        ("unchanged reload", later, 0),
        ("reload, 10% changed", latest, 10),
    )
    results = []
    staging_seconds = 0.0
    try:
        for label, fetched, changed_every in passes:
            seconds = 0.0
            for number, start in enumerate(range(0, total, batch)):
                records = [
                    replace(r, fetched_at=fetched, headline=r.headline + " (updated)")
                    if changed_every and i % changed_every == 0
                    else replace(r, fetched_at=fetched)
                    for i, r in enumerate(synthetic(min(batch, total - start), start=start))
                ]
                started = time.perf_counter()
                table = stage_records(records, sources)
                staging_seconds += time.perf_counter() - started
                run = RunInfo(f"bench-{fetched:%d}-{number}", "pravda", None, fetched)
                seconds += timed(
                    lambda t=table, r=run: load_tables(
                        engine, lambda: iter((t,)), r, sources=sources, workers=workers
                    )
                )
            results.append((name, workers, label, total, seconds))
    finally:
        engine.dispose()
    return results, staging_seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000, help="articles per crawl run (default 10,000)")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--workers", type=int, nargs="+", help="worker counts to time (default: 1 and all cores)"
    )
    parser.add_argument("--append", action="store_true", help="also append the table to the docs")
    args = parser.parse_args()
    counts = args.workers or sorted({1, default_workers()})

    results = []
    staging_seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="newsetl-bench-") as tmp:
        for workers in counts:
            url = f"sqlite:///{tmp}/bench-{workers}.sqlite"
            timings, seconds = bench_engine("sqlite", url, args.articles, args.batch, workers)
            results += timings
            staging_seconds += seconds
        if args.postgres_url:
            if len(counts) > 1:
                print(
                    "--postgres-url takes one --workers count (the database must be empty)", file=sys.stderr
                )
                return 2
            timings, seconds = bench_engine(
                "postgresql", args.postgres_url, args.articles, args.batch, counts[0]
            )
            results += timings
            staging_seconds += seconds
        elif not args.sqlite_only:
            try:
                with postgres_server() as create_database:
                    for workers in counts:
                        timings, seconds = bench_engine(
                            "postgresql",
                            create_database(f"bench{workers}"),
                            args.articles,
                            args.batch,
                            workers,
                        )
                        results += timings
                        staging_seconds += seconds
            except PostgresMissing as exc:
                print(f"{exc}: pass --postgres-url or --sqlite-only", file=sys.stderr)
                return 2

    first = {(engine, w): seconds for engine, w, label, _, seconds in results if label.startswith("first")}
    rows = [
        (
            engine,
            str(workers),
            label,
            f"{count:,}",
            f"{seconds:.1f}",
            f"{count / seconds:,.0f}",
            f"{first[engine, workers] / seconds:.1f}x",
        )
        for engine, workers, label, count, seconds in results
    ]
    table = report.markdown_table(
        ("engine", "workers", "pass", "articles", "seconds", "articles/s", "speed vs first load"), rows
    )
    staged = len(results) * args.articles
    load = os.getloadavg()
    notes = (
        f"{args.articles:,} synthetic articles (about 280 words each, three editions) loaded as runs of"
        f" {args.batch:,}; each pass is a new set of runs. stage_records (the transform step's part,"
        f" not timed above) ran at {staged / staging_seconds:,.0f} articles/s. Load average at the end:"
        f" {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}."
    )
    report.publish(
        "Warehouse load, upserts in batches",
        ".venv/bin/python bench/load_warehouse.py",
        table,
        packages=("sqlalchemy", "psycopg", "pyarrow", "numpy", "py3langid"),
        notes=notes,
        doc=report.DOCS if args.append else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
