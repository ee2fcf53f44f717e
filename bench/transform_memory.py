"""Peak memory and speed of the transform step alone, at several run sizes, without crawling a site.

    .venv/bin/python bench/transform_memory.py [--articles 10000,50000] [--no-append]

Writes ``items.jsonl`` and ``outcomes.jsonl`` of N synthetic articles (bench/load_warehouse.py's, about
280 words each) into a raw run folder, then runs ``transforms.stage.stage_run`` on it in a child process
of its own, so that the peak RSS is the step's alone. The memory goal is that the step's peak does not
grow with the run (50,000 articles no more than 1.2x the peak at 10,000).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]

import report  # noqa: E402

WRITE_CHUNK = 2000


def write_raw(raw: Path, articles: int) -> None:
    """A raw run folder of ``articles`` parsed articles, generated a chunk at a time."""
    from load_warehouse import synthetic

    raw.mkdir(parents=True)
    with (raw / "items.jsonl").open("w", encoding="utf-8") as items:
        with (raw / "outcomes.jsonl").open("w", encoding="utf-8") as outcomes:
            for start in range(0, articles, WRITE_CHUNK):
                for record in synthetic(min(WRITE_CHUNK, articles - start), start=start):
                    # The synthetic dates run years ahead; each page is fetched an hour after it was
                    # published, so that validation keeps every one.
                    record = replace(record, fetched_at=record.published_at + timedelta(hours=1))
                    items.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
                    outcome = {"url": record.url, "outcome": "parsed", "reason": None, "http_status": 200}
                    outcomes.write(json.dumps(outcome) + "\n")


def stage_in_this_process(raw: str, staged: str) -> None:
    from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
    from transforms.stage import stage_run

    sources = load_sources(DEFAULT_SOURCES_FILE)
    started = time.perf_counter()
    result = stage_run(raw, staged, run_id="bench", sources=sources)
    seconds = time.perf_counter() - started
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_kb": rss_kb, "records": result.counts["records"]}))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", default="10000,50000", help="comma-separated run sizes")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to the docs")
    parser.add_argument("--child", nargs=2, metavar=("RAW", "STAGED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stage_in_this_process(*args.child)
        return 0

    sizes = [int(n) for n in args.articles.split(",")]
    rows = []
    peaks = {}
    for articles in sizes:
        with tempfile.TemporaryDirectory(prefix="newsetl-bench-stage-") as tmp:
            raw = Path(tmp) / "raw"
            write_raw(raw, articles)
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(raw), str(Path(tmp) / "staged")],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                return 1
            figure = json.loads(done.stdout.strip().splitlines()[-1])
        if figure["records"] != articles:
            print(f"{articles} articles staged as {figure['records']} records", file=sys.stderr)
            return 1
        peaks[articles] = figure["rss_kb"] / 1024
        rows.append(
            (
                f"{articles:,}",
                f"{figure['seconds']:.1f}",
                f"{articles / figure['seconds']:,.0f}",
                f"{peaks[articles]:,.0f}",
                f"{peaks[articles] / peaks[sizes[0]]:.2f}x",
            )
        )
    table = report.markdown_table(
        ("articles", "seconds", "articles/s", "peak RSS (MB)", f"peak vs {sizes[0]:,}"), rows
    )
    report.publish(
        "Transform step alone, peak memory by run size",
        ".venv/bin/python bench/transform_memory.py",
        table,
        packages=("pandas", "pyarrow"),
        notes="Synthetic articles (about 280 words each) staged from a local raw folder, each size in a"
        " child process of its own; peak RSS is that process's.",
        doc=None if args.no_append else report.DOCS,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
