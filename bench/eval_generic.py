"""Extraction quality of the generic parser on 258 real news pages, beside trafilatura alone.

The pages are ../shared/fixtures/fundus/<cc>/<Publisher>_<YYYY_MM_DD>.html.gz with the expected output of
a per-publisher parser in <cc>/<Publisher>.json, keyed by parser version: a publisher's pages, sorted by
date, pair with its versions sorted by version number (V1, V1_1, V2…). Figures:

- body: the expected text is the summary, section headings and paragraphs; both sides become sets of
  4-word shingles (case-folded words). Per page precision = shared / extracted, recall = shared / expected
  (0 when nothing was extracted); each averaged over pages; F1 of the two averages.
- title: equal after case-folding and collapsing whitespace.
- date: the same instant within a minute (an expected time without offset is compared as wall-clock
  time); "date (day)" only asks for the same calendar day, the most trafilatura gives.
- authors: the same set of names, case-folded (both empty counts as equal).

Run: ``.venv/bin/python bench/eval_generic.py`` (``--append docs/benchmarks.md`` to record the table,
``--limit N`` for a quick look, ``--worst 10`` to list the pages that score lowest). With
``--trafilatura-eval [PATH]`` the same run also scores trafilatura's own evaluation set
(bench/eval_trafilatura_set.py) and prints both sets side by side.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from transforms.shingles import shingles

PROJECT = Path(__file__).resolve().parent.parent
FUNDUS = PROJECT.parent / "shared" / "fixtures" / "fundus"
_PAGE_NAME = re.compile(r"^(?P<publisher>.+)_(?P<day>\d{4}_\d\d_\d\d)\.html\.gz$")


@dataclass(frozen=True)
class Case:
    path: Path
    url: str
    crawled_at: datetime
    version: str
    expected: dict

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


@dataclass
class Extraction:
    title: str = ""
    published_at: datetime | None = None
    published_day: str = ""  # YYYY-MM-DD when only a day is known
    authors: tuple[str, ...] = ()
    body: str = ""
    error: str = ""


@dataclass
class PageScore:
    case: Case
    precision: float
    recall: float
    title: bool
    date: bool
    day: bool
    authors: bool


@dataclass
class Summary:
    name: str
    pages: int
    precision: float
    recall: float
    f1: float
    title: float
    date: float
    day: float
    authors: float
    seconds: float
    scores: list[PageScore]

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def load_cases(root: Path = FUNDUS) -> list[Case]:
    """Every page with its expected output; raises ``ValueError`` naming a publisher whose files disagree."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: the fundus fixtures folder is missing")
    cases = []
    for expected_file in sorted(root.glob("*/*.json")):
        publisher = expected_file.stem
        versions = json.loads(expected_file.read_text(encoding="utf-8"))
        meta = json.loads((expected_file.parent / "meta.info").read_text(encoding="utf-8"))
        pages = sorted(
            p
            for p in expected_file.parent.glob(f"{publisher}_*.html.gz")
            if (m := _PAGE_NAME.match(p.name)) and m["publisher"] == publisher
        )
        ordered = sorted(versions, key=lambda v: tuple(int(n) for n in v.removeprefix("V").split("_")))
        if len(pages) != len(ordered):
            raise ValueError(f"{expected_file}: {len(ordered)} versions but {len(pages)} pages")
        for page, version in zip(pages, ordered, strict=True):
            info = meta[page.name]
            crawled = datetime.fromisoformat(info["crawl_date"]).replace(tzinfo=UTC)
            cases.append(Case(page, info["url"], crawled, version, versions[version]))
    return cases


def expected_body(expected: dict) -> str:
    body = expected["body"]
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n".join(parts)


def _loose(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _same_date(got: datetime | None, expected: str) -> bool:
    if got is None:
        return False
    want = datetime.fromisoformat(expected)
    if want.tzinfo is None:
        return abs(got.replace(tzinfo=None) - want) < timedelta(minutes=1)
    if got.tzinfo is None:
        got = got.replace(tzinfo=UTC)
    return abs(got - want) < timedelta(minutes=1)


def _same_day(got: Extraction, expected: str) -> bool:
    want = datetime.fromisoformat(expected)
    if got.published_at is not None:
        stamp = got.published_at
        if want.tzinfo is not None and stamp.tzinfo is not None:
            stamp = stamp.astimezone(want.tzinfo)
        return stamp.date() == want.date()
    return got.published_day == want.date().isoformat()


def score(case: Case, got: Extraction) -> PageScore:
    expected = case.expected
    want, have = shingles(expected_body(expected)), shingles(got.body)
    shared = len(want & have)
    return PageScore(
        case=case,
        precision=shared / len(have) if have else 0.0,
        recall=shared / len(want) if want else 0.0,
        title=_loose(got.title) == _loose(expected.get("title") or ""),
        date=_same_date(got.published_at, expected["publishing_date"]),
        day=_same_day(got, expected["publishing_date"]),
        authors={_loose(a) for a in got.authors} == {_loose(a) for a in expected.get("authors") or []},
    )


def evaluate(name: str, extract: Callable[[Case, bytes], Extraction], cases: Iterable[Case]) -> Summary:
    cases = list(cases)
    if cases:
        # Untimed first call: imports and model loading happen once per process, not per page.
        extract(cases[0], gzip.decompress(cases[0].path.read_bytes()))
    scores = []
    seconds = 0.0
    for case in cases:
        html = gzip.decompress(case.path.read_bytes())
        started = time.perf_counter()
        got = extract(case, html)
        seconds += time.perf_counter() - started
        scores.append(score(case, got))
    n = len(scores) or 1
    precision = sum(s.precision for s in scores) / n
    recall = sum(s.recall for s in scores) / n
    return Summary(
        name=name,
        pages=len(scores),
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        title=sum(s.title for s in scores) / n,
        date=sum(s.date for s in scores) / n,
        day=sum(s.day for s in scores) / n,
        authors=sum(s.authors for s in scores) / n,
        seconds=seconds,
        scores=scores,
    )


# -- the two extractors -------------------------------------------------------------------------------


def extract_generic(case: Case, html: bytes) -> Extraction:
    """The generic parser through the same entry point the spiders use."""
    from scrapers.parsers import parse_page
    from transforms.errors import NotAnArticle
    from transforms.sources import Source

    parts = urlsplit(case.url)
    source = Source(
        key=case.path.name.split("_")[0].lower(),
        label=case.path.name.split("_")[0],
        base_url=f"{parts.scheme}://{parts.hostname}",
        editions={"main": "und"},
        feeds=(),
        news_sitemaps=(),
        sitemap_indexes=(),
        parser="generic",
        enabled=True,
    )
    try:
        record = parse_page(html, case.url, source=source, fetched_at=case.crawled_at)
    except NotAnArticle as exc:
        return Extraction(error=f"not an article: {exc}")
    return Extraction(
        title=record.headline,
        published_at=record.published_at,
        authors=record.authors,
        body=record.body_text,
    )


def extract_trafilatura(case: Case, html: bytes) -> Extraction:
    """trafilatura alone, default settings: its text and its own metadata."""
    import trafilatura

    document = trafilatura.bare_extraction(html, url=case.url, with_metadata=True)
    if document is None or isinstance(document, dict):
        return Extraction(error="nothing extracted")
    authors = tuple(a.strip() for a in (document.author or "").split(";") if a.strip())
    return Extraction(
        title=document.title or "",
        published_day=(document.date or "")[:10],
        authors=authors,
        body=document.text or "",
    )


EXTRACTORS: dict[str, Callable[[Case, bytes], Extraction]] = {
    "trafilatura alone": extract_trafilatura,
    "newsetl generic": extract_generic,
}


# -- report -------------------------------------------------------------------------------------------


def table(summaries: list[Summary]) -> str:
    lines = [
        "| extractor | pages | body precision | body recall | body F1 | title | date | date (day) | authors"
        " | pages/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        # An extractor that only ever gives a day has no time to compare.
        date = f"{s.date:.3f}" if s.date or not s.day else "n/a"
        lines.append(
            f"| {s.name} | {s.pages} | {s.precision:.3f} | {s.recall:.3f} | **{s.f1:.3f}** | {s.title:.3f}"
            f" | {date} | {s.day:.3f} | {s.authors:.3f} | {s.pages_per_second:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=FUNDUS, help="the fundus fixtures folder")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--only", choices=sorted(EXTRACTORS), help="run one extractor")
    parser.add_argument("--worst", type=int, default=0, help="list the N pages with the lowest body F1")
    parser.add_argument("--append", type=Path, help="append the table to this Markdown file")
    parser.add_argument(
        "--trafilatura-eval",
        nargs="?",
        const="",
        metavar="PATH",
        help="also score trafilatura's evaluation set (bench/eval_trafilatura_set.py) from this checkout"
        " (default $NEWSETL_TRAFILATURA_EVAL or data/bench/trafilatura) and print both sets side by side",
    )
    args = parser.parse_args(argv)
    # The shared table printer and the second set's script live beside this file.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import eval_trafilatura_set
    import report

    second = None
    if args.trafilatura_eval is not None:
        items = eval_trafilatura_set.load_items(args.trafilatura_eval or None)  # fails early when absent
        second = eval_trafilatura_set.run(items[: args.limit or None], args.only)

    cases = load_cases(args.fixtures)
    if args.limit:
        cases = cases[: args.limit]
    summaries = [evaluate(name, fn, cases) for name, fn in EXTRACTORS.items() if args.only in (None, name)]
    for summary in summaries if args.worst else ():
        print(f"\nlowest body F1, {summary.name}:")
        ranked = sorted(summary.scores, key=lambda s: _f1(s.precision, s.recall))[: args.worst]
        for s in ranked:
            print(f"  P={s.precision:.2f} R={s.recall:.2f} {s.case.name}")
    if second is None:
        report.publish(
            f"Generic extraction, {len(cases)} fundus pages, one core",
            ".venv/bin/python bench/eval_generic.py --append docs/benchmarks.md",
            table(summaries),
            packages=("trafilatura",),
            doc=args.append,
        )
        return 0
    report.publish(
        f"Generic extraction, {len(cases)} fundus pages and {second[0].pages} pages of trafilatura's"
        " evaluation set, one core",
        ".venv/bin/python bench/eval_generic.py --trafilatura-eval PATH --append docs/benchmarks.md",
        "\n\n".join(
            (
                side_by_side(summaries, second),
                "Fundus set, body as 4-word shingles:",
                table(summaries),
                "trafilatura's set, snippets found (its own scoring):",
                eval_trafilatura_set.table(second),
            )
        ),
        packages=("trafilatura",),
        doc=args.append,
    )
    return 0


def side_by_side(fundus: list[Summary], snippets: list) -> str:
    """One row per extractor: fundus body F1 and trafilatura-set snippet F1 (whole, tune and held-out)."""
    lines = [
        "| extractor | fundus body P / R / F1 | trafilatura set P / R / F1 | F1 tune half"
        " | F1 held-out half |",
        "|---|---|---|---|---|",
    ]
    by_name = {s.name: s for s in snippets}
    for f in fundus:
        s = by_name.get(f.name)
        if s is None:
            continue
        whole = s.total
        lines.append(
            f"| {f.name} | {f.precision:.3f} / {f.recall:.3f} / **{f.f1:.3f}** | {whole.precision:.3f} /"
            f" {whole.recall:.3f} / **{whole.f1:.3f}** | {s.halves['tune'].f1:.3f}"
            f" | {s.halves['held out'].f1:.3f} |"
        )
    return "\n".join(lines)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


if __name__ == "__main__":
    sys.exit(main())
