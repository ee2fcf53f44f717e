"""Load throughput of the warehouse: 10,000 synthetic articles, first load and reload, on each engine.

    .venv/bin/python bench/load_warehouse.py [--articles N] [--postgres-url URL] [--sqlite-only]

Without --postgres-url a throwaway PostgreSQL cluster is started from the installed binaries (as the
tests do). Prints articles/s for: the first load (all inserts), the reload of the same batch (a no-op),
and a second run in which 10% of the articles changed and the rest are unchanged. Building the frame
from records is timed apart, as it belongs to the transform step.
"""

from __future__ import annotations

import argparse
import importlib.util
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

from transforms.blocks import Heading, ListBlock, Paragraph  # noqa: E402
from transforms.frame import records_to_frame  # noqa: E402
from transforms.record import ArticleRecord  # noqa: E402
from transforms.seed import SeedDocument, render  # noqa: E402
from transforms.sources import load_sources  # noqa: E402
from warehouse import migrate  # noqa: E402
from warehouse.engine import make_engine  # noqa: E402
from warehouse.load import RunInfo, load_frame  # noqa: E402

WORDS = (
    "defence ukraine missile drone kyiv forces attack minister president government region city military "
    "energy grid power support partners sanctions frontline report according said reported official "
    "statement weapons ammunition allies negotiations economy budget parliament law court police"
).split()
EDITIONS = {"eng": ("en", "/eng"), "ukr": ("uk", ""), "rus": ("ru", "/rus")}


def synthetic(count: int, seed: int = 7) -> list[ArticleRecord]:
    rng = random.Random(seed)
    collected = date(2024, 11, 25)
    fetched = datetime(2024, 11, 25, 8, tzinfo=UTC)
    records = []
    for i in range(count):
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
                seed_text=render(SeedDocument(collected, headline, "Pravda Ukraine", blocks, url)),
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


def bench_engine(name: str, url: str, records: list[ArticleRecord]) -> list[tuple[str, str, int, float]]:
    sources = load_sources()
    migrate.upgrade(url)
    engine = make_engine(url)
    frame = records_to_frame(records)
    later = datetime(2024, 11, 26, 8, tzinfo=UTC)
    second = [
        replace(r, fetched_at=later, headline=r.headline + " (updated)")
        if i % 10 == 0
        else replace(r, fetched_at=later)
        for i, r in enumerate(records)
    ]
    second_frame = records_to_frame(second)
    run1 = RunInfo("bench-1", "pravda", None, datetime(2024, 11, 25, 8, tzinfo=UTC))
    run2 = RunInfo("bench-2", "pravda", None, later)
    results = []
    try:
        for label, frame_, run in (
            ("first load (inserts)", frame, run1),
            ("reload, same batch", frame, run1),
            ("next run: 10% changed", second_frame, run2),
        ):
            seconds = timed(lambda f=frame_, r=run: load_frame(engine, f, r, sources=sources))
            results.append((name, label, len(frame_), seconds))
    finally:
        engine.dispose()
    return results


def _conftest():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("newsetl_test_conftest", ROOT / "tests" / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    records = synthetic(args.articles)
    made = time.perf_counter() - start
    frame_seconds = timed(lambda: records_to_frame(records))
    print(
        f"{args.articles} synthetic articles made in {made:.1f} s; records_to_frame: "
        f"{args.articles / frame_seconds:,.0f} articles/s"
    )

    results = []
    with tempfile.TemporaryDirectory(prefix="newsetl-bench-") as tmp:
        results += bench_engine("sqlite", f"sqlite:///{tmp}/bench.sqlite", records)
        if args.postgres_url:
            results += bench_engine("postgresql", args.postgres_url, records)
        elif not args.sqlite_only:
            conftest = _conftest()
            bin_dir = conftest.find_bin_dir()
            if bin_dir is None:
                print("PostgreSQL binaries not found: pass --postgres-url or --sqlite-only", file=sys.stderr)
                return 2
            with conftest.throwaway_cluster(bin_dir) as server:
                url = conftest.create_database(server, "bench")
                results += bench_engine("postgresql", url, records)

    print(f"\n{'engine':<11} {'step':<24} {'articles':>8} {'seconds':>8} {'articles/s':>11}")
    for engine, label, count, seconds in results:
        print(f"{engine:<11} {label:<24} {count:>8} {seconds:>8.2f} {count / seconds:>11,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
