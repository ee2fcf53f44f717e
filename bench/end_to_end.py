"""End to end: crawl a synthetic site of N articles, transform, and load into SQLite and PostgreSQL.

    .venv/bin/python bench/end_to_end.py [--articles 10000,100000] [--engines sqlite,postgresql]
                                         [--concurrency 16] [--no-repeat] [--append]

For each N, bench/synthetic_site.py serves N generated Pravda-like article pages on 127.0.0.1 and each step
runs as newsetl runs it (the functions of newsetl/pipeline.py, with politeness off: no delay, no
AutoThrottle, ``--concurrency`` requests at a time), each in a child process of its own so that its peak
memory (maximum RSS, including the Scrapy process the crawl step starts) and CPU time (the step's process
and its children; steadier than wall time when other work shares the machine) are its own. Then, unless
``--no-repeat``, the ingest runs again on the unchanged site and the site's request counts by type show
what the second crawl fetched (incremental cost: it should fetch no article page). Prints one table of
articles/s, CPU and peak memory per step, one of each step's peak memory at the largest size against the
smallest (the memory goal: the whole pipeline's peak at 100,000 no more than 1.2x the peak at 10,000) and
one of requests by type; ``--append`` adds them to docs/benchmarks.md.

A throwaway PostgreSQL cluster is started from the installed binaries (as the tests do) unless
``--engines sqlite``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import report  # noqa: E402
from postgres import PostgresMissing, postgres_server  # noqa: E402
from synthetic_site import date_range  # noqa: E402

SOURCE = "pravda"


# -- one step in a child process ------------------------------------------------------------------------


def run_step(step: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``step`` in this process (the child); return its result, seconds and peak RSS."""
    from newsetl import pipeline
    from transforms.settings import Settings
    from transforms.sources import load_sources

    settings = Settings.from_env()
    sources = load_sources(settings.sources_path())
    plan = pipeline.RunPlan.make(SOURCE, spec["run_id"], settings)
    started = time.perf_counter()
    if step == "crawl":
        since, until = (date.fromisoformat(d) for d in spec["range"])
        result: Any = pipeline.crawl(
            plan, settings, sources[SOURCE], since=since, until=until, log=lambda _line: None
        )
    elif step == "transform":
        result = pipeline.transform(plan, sources)
    elif step == "load":
        result = pipeline.load(plan, settings, sources, dag_run_id=None, started_at=datetime.now(UTC))
    else:
        raise ValueError(f"step {step!r}: expected crawl, transform or load")
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the scrapy process, worker processes, if any
    cpu = sum(u.ru_utime + u.ru_stime for u in (own, children))
    return {
        "result": result,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_kb": own.ru_maxrss,
        "child_rss_kb": children.ru_maxrss,
    }


def step_in_child(step: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--step", step, json.dumps(spec)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"step {step} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the site -------------------------------------------------------------------------------------------


class Site:
    """bench/synthetic_site.py in a child process."""

    def __init__(self, articles: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "synthetic_site.py"), "--articles", str(articles)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"synthetic site did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def _get(self, path: str) -> dict[str, int]:
        with urllib.request.urlopen(self.url + path, timeout=30) as answer:
            return dict(json.loads(answer.read()))

    def counts(self) -> dict[str, int]:
        return self._get("/__bench/counts")

    def reset(self) -> None:
        self._get("/__bench/reset")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# -- the benchmark --------------------------------------------------------------------------------------


@dataclass
class StepFigure:
    articles: int
    step: str
    seconds: float
    count: int
    peak_mb: float
    cpu_seconds: float | None = None

    @property
    def cpu_per_article(self) -> float:
        return 1000 * (self.cpu_seconds or 0.0) / self.count if self.count else 0.0

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def bench_size(
    articles: int, engines: dict[str, str], concurrency: int, work: Path, *, repeat: bool = True
) -> tuple[list[StepFigure], dict[str, int], dict[str, Any]]:
    from warehouse import migrate

    since, until = date_range(articles)
    data_root = work / f"n{articles}"
    env_base = {
        "NEWSETL_DATA_ROOT": str(data_root),
        "NEWSETL_DOWNLOAD_DELAY": "0",
        "NEWSETL_AUTOTHROTTLE": "0",
        "NEWSETL_RETRY_BACKOFF": "0",
        "NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
    }
    figures: list[StepFigure] = []
    site = Site(articles)
    try:
        env_base["NEWSETL_MIRROR"] = site.url
        for url in engines.values():
            migrate.upgrade(url)
        first_engine = next(iter(engines.values()))
        spec = {"run_id": f"bench-{articles}-1", "range": [since.isoformat(), until.isoformat()]}
        env = {**env_base, "NEWSETL_WAREHOUSE_URL": first_engine}
        crawl = step_in_child("crawl", spec, env)
        items = int(crawl["result"]["items"])
        figures.append(_figure(articles, "crawl (scrapy child incl.)", crawl, items))
        stage = step_in_child("transform", spec, env)
        figures.append(_figure(articles, "transform", stage, items))
        loads: dict[str, dict[str, Any]] = {}
        for name, url in engines.items():
            loads[name] = step_in_child("load", spec, {**env_base, "NEWSETL_WAREHOUSE_URL": url})
            figures.append(_figure(articles, f"load {name}", loads[name], items))
        first_load = loads[next(iter(engines))]
        steps = (crawl, stage, first_load)
        total = sum(step["seconds"] for step in steps)
        cpu = sum(step["cpu_seconds"] for step in steps)
        peak = max(f.peak_mb for f in figures)
        figures.append(StepFigure(articles, f"end to end ({next(iter(engines))})", total, items, peak, cpu))
        summary: dict[str, Any] = {
            "first_crawl": crawl["result"]["outcomes"],
            "first_load": first_load["result"],
        }
        if items != articles:
            summary["warning"] = f"{articles} articles served but {items} items crawled"
        if not repeat:
            return figures, {}, summary

        # Incremental cost: the same site again, with the warehouse's known URLs.
        site.reset()
        again = {**spec, "run_id": f"bench-{articles}-2"}
        recrawl = step_in_child("crawl", again, env)
        requests = site.counts()
        step_in_child("transform", again, env)
        reload = step_in_child("load", again, env)
        summary["second_crawl"] = recrawl["result"]["outcomes"]
        summary["second_load"] = reload["result"]
        summary["second_crawl_seconds"] = recrawl["seconds"]
    finally:
        site.close()
    return figures, requests, summary


def _figure(articles: int, step: str, measured: dict[str, Any], items: int) -> StepFigure:
    peak_kb = max(measured["rss_kb"], measured["child_rss_kb"])
    return StepFigure(articles, step, measured["seconds"], items, peak_kb / 1024, measured["cpu_seconds"])


def memory_ratios(figures: list[StepFigure]) -> list[tuple[str, float, float, float]]:
    """Each step's peak RSS at the smallest and the largest size, and their ratio."""
    sizes = sorted({f.articles for f in figures})
    by_step: dict[str, dict[int, float]] = {}
    for f in figures:
        by_step.setdefault(f.step, {})[f.articles] = f.peak_mb
    rows = []
    for step, peaks in by_step.items():
        small, large = peaks.get(sizes[0]), peaks.get(sizes[-1])
        if small and large:
            rows.append((step, small, large, large / small))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("spec", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument(
        "--articles", default="10000,100000", help="comma-separated sizes (default 10000,100000)"
    )
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--concurrency", type=int, default=16, help="requests at a time (default 16)")
    parser.add_argument("--work-dir", type=Path, help="keep the data root here instead of a temporary folder")
    parser.add_argument(
        "--no-repeat", action="store_true", help="skip the second ingest on the unchanged site"
    )
    parser.add_argument("--append", action="store_true", help="also append the tables to docs/benchmarks.md")
    parser.add_argument("--no-append", action="store_true", help=argparse.SUPPRESS)  # the default now
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, json.loads(args.spec))))
        return 0

    sizes = [int(n.replace("_", "")) for n in args.articles.split(",") if n.strip()]
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(wanted) - {"sqlite", "postgresql"}
    if unknown or not wanted:
        parser.error(f"--engines {args.engines!r}: expected sqlite, postgresql or both")
    all_figures: list[StepFigure] = []
    request_rows = []
    with ExitStack() as stack:
        work = args.work_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newsetl-e2e-")))
        work.mkdir(parents=True, exist_ok=True)
        create_database = None
        if "postgresql" in wanted:
            try:
                create_database = stack.enter_context(postgres_server())
            except PostgresMissing as exc:
                parser.error(f"{exc}: pass --engines sqlite")
        for n in sizes:
            engines: dict[str, str] = {}
            for name in wanted:
                if name == "sqlite":
                    engines[name] = f"sqlite:///{work}/n{n}-warehouse.sqlite"
                else:
                    assert create_database is not None
                    engines[name] = create_database(f"e2e_{n}")
            print(f"N = {n:,}: crawling, transforming and loading ...", flush=True)
            figures, requests, summary = bench_size(
                n, engines, args.concurrency, work, repeat=not args.no_repeat
            )
            all_figures += figures
            for figure in figures:
                print(
                    f"  {figure.step:<28} {figure.seconds:8.1f} s {figure.rate:9,.0f}/s"
                    f" {figure.cpu_per_article:6.2f} ms CPU/article {figure.peak_mb:7.0f} MB  (load average"
                    f" {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
            print(f"  {json.dumps(summary)}", flush=True)
            if args.no_repeat:
                continue
            print(f"  second ingest: requests {requests}", flush=True)
            request_rows.append(
                (
                    f"{n:,}",
                    requests.get("article page", 0),
                    requests.get("monthly sitemap", 0),
                    requests.get("sitemap index", 0),
                    requests.get("robots.txt", 0),
                    requests.get("other", 0),
                    ", ".join(f"{k} {v:,}" for k, v in sorted(summary["second_crawl"].items())),
                    ", ".join(f"{k} {v:,}" for k, v in summary["second_load"].items() if v),
                )
            )

    table = report.markdown_table(
        ("articles", "step", "seconds", "articles/s", "CPU ms/article", "peak RSS (MB)"),
        (
            (
                f"{f.articles:,}",
                f.step,
                f"{f.seconds:.1f}",
                f"{f.rate:,.0f}",
                f"{f.cpu_per_article:.2f}",
                f"{f.peak_mb:,.0f}",
            )
            for f in all_figures
        ),
    )
    ratios = memory_ratios(all_figures)
    if len(sizes) > 1 and ratios:
        table += "\n\nPeak RSS by step, the largest run against the smallest:\n\n" + report.markdown_table(
            ("step", f"{min(sizes):,} (MB)", f"{max(sizes):,} (MB)", "ratio"),
            (
                (step, f"{small:,.0f}", f"{large:,.0f}", f"{ratio:.2f}x")
                for step, small, large, ratio in ratios
            ),
        )
    requests_table = report.markdown_table(
        (
            "articles",
            "article pages",
            "monthly sitemaps",
            "sitemap index",
            "robots.txt",
            "other",
            "second crawl outcomes",
            "second load counts",
        ),
        request_rows,
    )
    notes = (
        f"Politeness off ({args.concurrency} requests at a time, no delay, no AutoThrottle); the site and"
        " the steps share the machine's cores. Peak RSS is each step's own child process (the crawl's"
        " includes the Scrapy process); CPU is the step's process and its children (the site's own is not"
        " counted); end to end is crawl + transform + the first engine's load, and its peak is the largest"
        " step's."
    )
    if request_rows:
        notes += (
            "\n\nThe ingest run again on the unchanged site (known URLs from the warehouse), requests by"
            " type:\n\n" + requests_table
        )
    report.publish(
        "End to end on a synthetic Pravda-like site",
        f".venv/bin/python bench/end_to_end.py --articles {args.articles} --engines {args.engines}"
        + (" --no-repeat" if args.no_repeat else ""),
        table,
        packages=("scrapy", "pandas", "pyarrow", "sqlalchemy", "psycopg"),
        notes=notes,
        doc=report.DOCS if args.append else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
