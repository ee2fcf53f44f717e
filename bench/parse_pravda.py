"""Extraction on Pravda pages, side by side in one run: pages/s on one core and body F1 of four extractors.

    .venv/bin/python bench/parse_pravda.py [--seconds 5] [--rounds 10] [--fundus-python PATH] [--no-append]

Extractors: the Pravda parser (``parse_page`` with the source's own parser), the generic parser (the same
entry point with ``parser: generic``), trafilatura.extract alone, and Fundus's Ukrainska Pravda parser.
Fundus pins older lxml and curl-cffi than newsetl's lock, so it runs in a virtualenv of its own (made on
first use under data/bench/fundus-venv with uv, or pass ``--fundus-python``), in a child process pinned to
the same core; it is skipped, and the table says so, when that environment cannot be made.

Pages: the article pages of the golden set (tests/fixtures/pravda/pages/manifest.json). Speed: the
in-process extractors take turns in short rounds and the best round of each counts, so other load on the
machine slows them alike. Body F1 uses bench/eval_generic.py's metric (4-word shingles, precision and
recall averaged over pages, F1 of the averages) against two references: the independent expected output
beside the two real pages (tests/fixtures/pravda/real/*.expected.json, Fundus's own test data), and the
golden files of all pages (tests/fixtures/pravda/expected/, newsetl's expectations).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import report  # noqa: E402
from eval_generic import expected_body  # noqa: E402

from scrapers.parsers import parse_page  # noqa: E402
from transforms.errors import NotAnArticle  # noqa: E402
from transforms.shingles import shingles  # noqa: E402
from transforms.sources import DEFAULT_SOURCES_FILE, Source, load_sources  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "pravda" / "pages"
GOLDEN = ROOT / "tests" / "fixtures" / "pravda" / "expected"
EXTRA_SOURCES = ROOT / "tests" / "fixtures" / "pravda" / "sources.yaml"
FUNDUS_VENV = ROOT / "data" / "bench" / "fundus-venv"
# fundus 0.5.7 imports a name that curl-cffi 0.14 removed.
FUNDUS_REQUIREMENTS = ("fundus==0.5.7", "curl-cffi<0.14")


@dataclasses.dataclass(frozen=True)
class Page:
    path: Path
    url: str
    source: Source
    fetched: str
    html: bytes

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def real_reference(self) -> Path | None:
        """The independent expected output, for the real pages only."""
        candidate = self.path.with_name(self.path.name.removesuffix(".html.gz") + ".expected.json")
        return candidate if self.path.name.endswith(".gz") and candidate.exists() else None

    @property
    def golden(self) -> Path:
        return GOLDEN / (self.path.name.removesuffix(".gz").removesuffix(".html") + ".json")


def load_pages() -> list[Page]:
    sources = {**load_sources(DEFAULT_SOURCES_FILE), **load_sources(EXTRA_SOURCES)}
    manifest = json.loads((PAGES / "manifest.json").read_text(encoding="utf-8"))
    pages = []
    for name, entry in manifest.items():
        if entry["http_status"] != 200 or Path(name).name.startswith("not_article"):
            continue
        path = (PAGES / name).resolve()
        data = path.read_bytes()
        html = gzip.decompress(data) if name.endswith(".gz") else data
        pages.append(Page(path, entry["url"], sources[entry["source"]], entry["fetched"], html))
    return pages


def golden_body(path: Path) -> str:
    parts: list[str] = []
    for block in json.loads(path.read_text(encoding="utf-8"))["blocks"]:
        parts += block["items"] if block["kind"] == "list" else [block["text"]]
    return "\n".join(parts)


def body_f1(bodies: list[str], references: list[str]) -> tuple[float, float, float]:
    """(precision, recall, F1) as in bench/eval_generic.py: per-page P and R averaged, F1 of the averages."""
    precision = recall = 0.0
    for got, want in zip(bodies, references, strict=True):
        have, need = shingles(got), shingles(want)
        shared = len(have & need)
        precision += shared / len(have) if have else 0.0
        recall += shared / len(need) if need else 0.0
    n = len(bodies) or 1
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def rate(run_once: Callable[[], None], n_pages: int, seconds: float) -> float:
    """Pages/s running ``run_once`` (one pass over the pages) for about ``seconds``."""
    passes, start = 0, time.perf_counter()
    while True:
        run_once()
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return passes * n_pages / elapsed


def best_rates(runs: dict[str, Callable[[], None]], n_pages: int, seconds: float, rounds: int) -> dict:
    """The best pages/s of each run, measured in alternating rounds after one untimed warm-up pass."""
    for run in runs.values():
        run()
    best = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for name, run in runs.items():
            best[name] = max(best[name], rate(run, n_pages, seconds / rounds))
    return best


def fundus_python(given: str | None) -> Path | None:
    if given:
        return Path(given)
    python = FUNDUS_VENV / "bin" / "python"
    if python.exists():
        return python
    uv = ROOT / ".venv" / "bin" / "uv"
    try:
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(FUNDUS_VENV)], check=True)
        subprocess.run(
            [str(uv), "pip", "install", "--quiet", "--python", str(python), *FUNDUS_REQUIREMENTS], check=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"fundus environment could not be made in {FUNDUS_VENV}: {exc}", file=sys.stderr)
        return None
    return python


def run_fundus(python: Path, pages: list[Page], seconds: float, rounds: int) -> tuple[list[str], float]:
    listing = [{"path": str(p.path), "url": p.url, "crawled": p.fetched} for p in pages]
    done = subprocess.run(
        [str(python), str(BENCH / "fundus_pravda.py"), str(seconds), str(rounds)],
        input=json.dumps(listing),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{python} bench/fundus_pravda.py failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    return result["bodies"], result["pages_per_second"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per extractor (default 5)")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds (default 10)")
    parser.add_argument("--fundus-python", help="a Python with fundus installed")
    parser.add_argument("--no-fundus", action="store_true", help="leave Fundus out")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to the docs")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import trafilatura

    pages = load_pages()
    texts = [p.html.decode("utf-8") for p in pages]
    fetched = datetime(2026, 1, 9, tzinfo=UTC)
    generic_sources = [dataclasses.replace(p.source, parser="generic") for p in pages]

    def pravda_body(i: int) -> str:
        return parse_page(pages[i].html, pages[i].url, source=pages[i].source, fetched_at=fetched).body_text

    def generic_body(i: int) -> str:
        try:
            page = pages[i]
            return parse_page(page.html, page.url, source=generic_sources[i], fetched_at=fetched).body_text
        except NotAnArticle:
            return ""

    def trafilatura_body(i: int) -> str:
        return trafilatura.extract(texts[i], url=pages[i].url) or ""

    extractors = {"newsetl Pravda parser": pravda_body, "newsetl generic": generic_body}
    extractors["trafilatura alone"] = trafilatura_body

    def whole_pass(fn: Callable[[int], str]) -> Callable[[], None]:
        def run() -> None:
            for i in range(len(pages)):
                fn(i)

        return run

    bodies = {name: [fn(i) for i in range(len(pages))] for name, fn in extractors.items()}
    speeds = best_rates(
        {name: whole_pass(fn) for name, fn in extractors.items()}, len(pages), args.seconds, args.rounds
    )
    fundus_note = ""
    python = None if args.no_fundus else fundus_python(args.fundus_python)
    if python is not None:
        bodies["Fundus Pravda parser"], speeds["Fundus Pravda parser"] = run_fundus(
            python, pages, args.seconds, args.rounds
        )
        fundus_version = subprocess.run(
            [str(python), "-c", "from importlib.metadata import version; print(version('fundus'))"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        where = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
        fundus_note = f" Fundus {fundus_version} ran in its own virtualenv ({where}), after the others."
    else:
        fundus_note = " Fundus was not run (no environment with it)."

    real = [i for i, p in enumerate(pages) if p.real_reference is not None]
    real_refs = [expected_body(json.loads(pages[i].real_reference.read_text("utf-8"))["V1"]) for i in real]  # type: ignore[union-attr]
    golden_refs = [golden_body(p.golden) for p in pages]
    trafilatura_speed = speeds["trafilatura alone"]
    rows = []
    for name, texts_ in bodies.items():
        _, _, f1_real = body_f1([texts_[i] for i in real], real_refs)
        p_all, r_all, f1_all = body_f1(texts_, golden_refs)
        rows.append(
            (
                name,
                f"{speeds[name]:,.0f}" if speeds[name] >= 100 else f"{speeds[name]:.1f}",
                f"{speeds[name] / trafilatura_speed:.1f}x",
                f"{f1_real:.3f}",
                f"{p_all:.3f} / {r_all:.3f} / **{f1_all:.3f}**",
            )
        )
    kb = sum(len(p.html) for p in pages) / len(pages) / 1024
    table = report.markdown_table(
        (
            "extractor",
            "pages/s (one core)",
            "vs trafilatura",
            f"body F1, {len(real)} real pages vs their independent expected output",
            f"body P / R / F1, all {len(pages)} pages vs golden files",
        ),
        rows,
    )
    notes = (
        f"{len(pages)} article pages of the golden set, {kb:.0f} KB on average; best of {args.rounds}"
        f" alternating rounds, {args.seconds:g} s per extractor.{fundus_note} The golden files are"
        " newsetl's own expectations, so the independent column is the fairer quality comparison."
    )
    report.publish(
        "Extraction on Pravda pages: speed and body F1",
        ".venv/bin/python bench/parse_pravda.py",
        table,
        packages=("trafilatura", "selectolax", "lxml"),
        notes=notes,
        doc=None if args.no_append else report.DOCS,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
