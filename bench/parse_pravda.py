"""Pages per second of the Pravda parsers on one core, beside trafilatura.extract on the same pages.

    .venv/bin/python bench/parse_pravda.py [--seconds 3]

The pages are the article pages of the golden set (tests/fixtures/pravda/pages/manifest.json): the two
real current-design pages and the fixture pages. The process is pinned to one CPU. The two tools take
turns in short rounds (``--rounds`` of them within about ``--seconds`` each) and the best round of each
counts, so that other load on the machine slows both alike rather than skewing the ratio. Prints a
table; the speed goal is 10x trafilatura.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from scrapers.parsers import parse_page
from transforms.sources import Source, load_sources

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pravda" / "pages"
EXTRA_SOURCES = ROOT / "tests" / "fixtures" / "pravda" / "sources.yaml"


def load_pages() -> list[tuple[str, str, Source, bytes]]:
    sources = {**load_sources(), **load_sources(EXTRA_SOURCES)}
    manifest = json.loads((PAGES / "manifest.json").read_text(encoding="utf-8"))
    pages = []
    for name, entry in manifest.items():
        if entry["http_status"] != 200 or Path(name).name.startswith("not_article"):
            continue
        data = (PAGES / name).read_bytes()
        html = gzip.decompress(data) if name.endswith(".gz") else data
        pages.append((Path(name).name, entry["url"], sources[entry["source"]], html))
    return pages


def rate(run_once: Callable[[], None], n_pages: int, seconds: float) -> float:
    """Pages/s running ``run_once`` (one pass over the pages) for about ``seconds``."""
    passes, start = 0, time.perf_counter()
    while True:
        run_once()
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return passes * n_pages / elapsed


def best_rates(
    first: Callable[[], None], second: Callable[[], None], n_pages: int, seconds: float, rounds: int
) -> tuple[float, float]:
    """The best pages/s of each of two runs, measured in alternating rounds."""
    first(), second()  # warm-up: imports, caches
    best = [0.0, 0.0]
    for _ in range(rounds):
        best[0] = max(best[0], rate(first, n_pages, seconds / rounds))
        best[1] = max(best[1], rate(second, n_pages, seconds / rounds))
    return best[0], best[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="time per tool and page set (default 5)")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds (default 10)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import trafilatura

    pages = load_pages()
    fetched = datetime(2026, 1, 9, tzinfo=UTC)
    texts = [html.decode("utf-8") for _, _, _, html in pages]

    def ours(subset: list[int]) -> Callable[[], None]:
        def run() -> None:
            for i in subset:
                _, url, source, html = pages[i]
                parse_page(html, url, source=source, fetched_at=fetched)

        return run

    def theirs(subset: list[int]) -> Callable[[], None]:
        def run() -> None:
            for i in subset:
                trafilatura.extract(texts[i], url=pages[i][1])

        return run

    real = [i for i, page in enumerate(pages) if page[0].endswith(".gz")]
    groups = {"real pages": real, "all pages": list(range(len(pages)))}
    print(f"{len(pages)} article pages ({len(real)} real); one core; best of {args.rounds} rounds\n")
    print(f"{'pages':<11} {'avg KB':>7} {'newsetl pages/s':>16} {'trafilatura pages/s':>20} {'speed-up':>9}")
    for label, subset in groups.items():
        kb = sum(len(pages[i][3]) for i in subset) / len(subset) / 1024
        ours_rate, theirs_rate = best_rates(
            ours(subset), theirs(subset), len(subset), args.seconds, args.rounds
        )
        print(
            f"{label:<11} {kb:>7.0f} {ours_rate:>16.0f} {theirs_rate:>20.1f} {ours_rate / theirs_rate:>8.1f}x"
        )


if __name__ == "__main__":
    main()
