"""Re-parse of an archive, side by side in one run: the bare parser, and re-parse -> transform -> load.

    .venv/bin/python bench/reparse_archive.py [--articles 100000] [--per-run 10000] [--workers N]
                                              [--engines sqlite,postgresql] [--append]

Writes a synthetic archive of N articles as crawls leave it: raw run folders of ``--per-run`` articles
each, with one ``.warc.gz`` file (written by the crawl's own WARC writer) and ``outcomes.jsonl``, the pages
made by bench/synthetic_site.py's page functions (no crawl). Then times, on the same pages:

* the bare parser (``parse_page``, one core, in this process): pages/s;
* ``newsetl reparse``'s steps (newsetl.pipeline: reparse, transform, load; the check is not timed) into a
  fresh SQLite warehouse and a fresh PostgreSQL database (a throwaway cluster, as bench/postgres.py starts),
  with one worker and with ``--workers`` (default: the cores, at most 8): articles/s of each step and end
  to end, and the end-to-end rate's ratio to the bare parser's.

Prints one table; ``--append`` also appends it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import report  # noqa: E402
from synthetic_site import Generator, article  # noqa: E402

from newsetl import pipeline  # noqa: E402
from scrapers.parsers import parse_page  # noqa: E402
from scrapers.warc import WarcRunWriter  # noqa: E402
from transforms.outcomes import outcome_line  # noqa: E402
from transforms.settings import Settings  # noqa: E402
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources  # noqa: E402
from transforms.workers import default_workers  # noqa: E402

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
HEADERS = [("Content-Type", "text/html; charset=utf-8")]


def write_archive(source_root: Path, count: int, per_run: int) -> None:
    """``count`` article pages in run folders of ``per_run``, as crawls leave them (WARC, outcomes)."""
    site = Generator(count)
    for first in range(0, count, per_run):
        folder = source_root / f"pravda_crawl_{first // per_run:04d}"
        with (
            WarcRunWriter(folder, "pravda") as warc,
            (folder / "outcomes.jsonl").open("w", encoding="utf-8") as outcomes,
        ):
            for number in range(first, min(count, first + per_run)):
                url = article(number).url
                warc.write_exchange(url, status=200, response_headers=HEADERS, body=site.page(number))
                line = outcome_line(url, "parsed", "", 200, url, None)
                outcomes.write(json.dumps(line, ensure_ascii=False) + "\n")


def bare_parser(count: int) -> float:
    """Pages/s of ``parse_page`` alone on the archive's pages (bodies made beforehand, not timed)."""
    site = Generator(count)
    source = SOURCES["pravda"]
    fetched = datetime.now(UTC)
    pages = [(article(n).url, site.page(n).decode("utf-8")) for n in range(count)]
    started = time.perf_counter()
    for url, html in pages:
        parse_page(html, url, source=source, fetched_at=fetched, http_status=200, warc_record_id="<urn:x>")
    return count / (time.perf_counter() - started)


@dataclass(frozen=True)
class Run:
    engine: str
    workers: int
    reparse: float
    transform: float
    load: float
    articles: int

    @property
    def total(self) -> float:
        return self.reparse + self.transform + self.load


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def reparse_run(data_root: Path, engine: str, url: str, workers: int, count: int) -> Run:
    from warehouse import migrate

    settings = replace(
        Settings.from_env({"NEWSETL_DATA_ROOT": str(data_root), "NEWSETL_WAREHOUSE_URL": url}),
        workers=workers,
    )
    migrate.upgrade(url)
    plan = pipeline.RunPlan.make("pravda", f"reparse_{engine}_{workers}", settings, kind="reparse")
    source = SOURCES["pravda"]
    figures: dict[str, object] = {}

    def reparse() -> None:
        figures.update(pipeline.reparse(plan, settings, source, workers=workers, log=lambda line: None))

    def load() -> None:
        counts = pipeline.load(plan, settings, SOURCES, dag_run_id=None, started_at=datetime.now(UTC))
        if counts.get("inserted") != count:
            raise SystemExit(f"load into {engine} inserted {counts.get('inserted')} of {count}: {counts}")

    run = Run(
        engine,
        workers,
        timed(reparse),
        timed(lambda: pipeline.transform(plan, SOURCES)),
        timed(load),
        count,
    )
    print(f"  {engine}, {workers} worker(s): {figures.get('shards')} shard(s), {run.total:.1f} s", flush=True)
    shutil.rmtree(data_root / "raw" / "pravda" / plan.run_id, ignore_errors=True)
    shutil.rmtree(data_root / "staged", ignore_errors=True)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the archive (100000)")
    parser.add_argument("--per-run", type=int, default=10_000, help="articles per crawl run folder (10000)")
    parser.add_argument("--workers", type=int, default=default_workers(), help="the pooled runs' workers")
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--append", action="store_true", help="also append the table to docs/benchmarks.md")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if args.articles < 1 or args.per_run < 1 or args.workers < 1:
        parser.error("--articles, --per-run and --workers must be at least 1")
    if unknown := set(engines) - {"sqlite", "postgresql"}:
        parser.error(f"--engines: unknown {', '.join(sorted(unknown))}; expected sqlite and/or postgresql")

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="newsetl-bench-reparse-") as tmp:
        data_root = Path(tmp) / "data"
        print(f"writing an archive of {args.articles} articles…", flush=True)
        written = timed(lambda: write_archive(data_root / "raw" / "pravda", args.articles, args.per_run))
        print(f"  {written:.1f} s; timing the bare parser…", flush=True)
        parser_rate = bare_parser(args.articles)
        print(f"  {parser_rate:.0f} pages/s", flush=True)
        counts = sorted({1, args.workers})
        for engine in engines:
            for workers in counts:
                if engine == "sqlite":
                    url = f"sqlite:///{Path(tmp) / f'warehouse-{workers}.sqlite'}"
                    runs.append(reparse_run(data_root, engine, url, workers, args.articles))
                else:
                    from postgres import postgres_server

                    with postgres_server() as create:
                        url = create(f"bench_reparse_{workers}")
                        runs.append(reparse_run(data_root, engine, url, workers, args.articles))

    rows = [("bare parser (parse_page, 1 core)", "1", "", "", "", f"{parser_rate:,.0f}", "1.00")]
    for run in runs:
        end_to_end = run.articles / run.total
        rows.append(
            (
                f"re-parse -> transform -> load {run.engine}",
                str(run.workers),
                f"{run.articles / run.reparse:,.0f}",
                f"{run.articles / run.transform:,.0f}",
                f"{run.articles / run.load:,.0f}",
                f"{end_to_end:,.0f}",
                f"{end_to_end / parser_rate:.2f}",
            )
        )
    table = report.markdown_table(
        ("step", "workers", "re-parse/s", "transform/s", "load/s", "end to end/s", "ratio to parser"), rows
    )
    report.publish(
        f"Re-parse of an archive of {args.articles:,} articles",
        f".venv/bin/python bench/reparse_archive.py --articles {args.articles} --workers {args.workers}",
        table,
        packages=("fastwarc", "warcio", "lxml", "SQLAlchemy", "psycopg"),
        notes=(
            f"Articles per second of each step and end to end (WARC -> parse -> transform -> load; the check "
            f"is not timed); run folders of {args.per_run:,} articles, one WARC file each; "
            f"{os.cpu_count()} cores."
        ),
        doc=report.DOCS if args.append else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
