"""Snippet accuracy of the generic parser on trafilatura's own evaluation set, beside trafilatura alone.

The set is trafilatura's (github.com/adbar/trafilatura, Apache-2.0): about a thousand pages (news, blogs,
magazines, government and company pages, many languages) in ``tests/eval/`` and ``tests/cache/``, and
``tests/evaldata.json`` naming, per page, snippets the main text must hold ("with") and snippets it must
not ("without"). It stays out of this repository; point the script at a checkout of it:

    git clone --depth 1 https://github.com/adbar/trafilatura data/bench/trafilatura

(the default place), or pass ``--data PATH`` / set ``NEWSETL_TRAFILATURA_EVAL=PATH``. PATH is the
repository's working tree, or a bare git directory (a mirror), whose files are then read with ``git``.

Scoring is trafilatura's own (its tests/eval_common.py): text and snippets are compared after collapsing
whitespace; a "with" snippet found in the output is a true positive, missed a false negative; a "without"
snippet found is a false positive, absent a true negative; counts are summed over all pages; precision =
tp / (tp + fp), recall = tp / (tp + fn), accuracy = (tp + tn) / all, F1 = 2tp / (2tp + fp + fn). A page the
generic parser refuses (not an article, no body) counts as empty output, as does a crash.

The pages are split in two halves by a hash of their URL: "tune" is the half that changes to the parser
were checked on, "held out" the half that was only measured, so the report shows whether a gain carries over.

Run: ``.venv/bin/python bench/eval_trafilatura_set.py [--data PATH]``; ``bench/eval_generic.py
--trafilatura-eval PATH`` prints this table beside the fundus one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT / "data" / "bench" / "trafilatura"
ENV = "NEWSETL_TRAFILATURA_EVAL"
HALVES = ("tune", "held out")
# A fixed crawl time: pages without a date do not depend on when the benchmark runs.
CRAWLED_AT = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    url: str
    file: str
    with_: tuple[str, ...]
    without: tuple[str, ...]
    html: bytes

    @property
    def half(self) -> str:
        """'tune' or 'held out', fixed by the URL so that the split never depends on the set's order."""
        return HALVES[hashlib.sha256(self.url.encode()).digest()[0] % 2]


@dataclass
class Matrix:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, counts: tuple[int, int, int, int]) -> None:
        self.tp += counts[0]
        self.fp += counts[1]
        self.fn += counts[2]
        self.tn += counts[3]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


@dataclass
class SetSummary:
    name: str
    pages: int = 0
    empty: int = 0  # pages with no output (refused, nothing found, crashed)
    seconds: float = 0.0
    halves: dict[str, Matrix] = field(default_factory=lambda: {h: Matrix() for h in HALVES})
    per_page: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    @property
    def total(self) -> Matrix:
        whole = Matrix()
        for matrix in self.halves.values():
            whole.add((matrix.tp, matrix.fp, matrix.fn, matrix.tn))
        return whole


# -- the data -----------------------------------------------------------------------------------------


def data_path(given: Path | str | None = None) -> Path:
    """The checkout to read: ``given``, else $NEWSETL_TRAFILATURA_EVAL, else data/bench/trafilatura."""
    return Path(given or os.environ.get(ENV) or DEFAULT_DATA)


def _is_bare_git(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


class Checkout:
    """Files of a working tree, or of a bare git directory's HEAD (read with ``git cat-file --batch``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bare = _is_bare_git(path)
        if not self.bare and not (path / "tests" / "evaldata.json").is_file():
            raise FileNotFoundError(
                f"{path}: not a trafilatura checkout (no tests/evaldata.json, and not a bare git directory);"
                f" clone it with `git clone --depth 1 https://github.com/adbar/trafilatura {DEFAULT_DATA}`"
                f" or set {ENV}"
            )
        self._listing: set[str] = set()
        if self.bare:
            out = subprocess.run(
                ["git", f"--git-dir={path}", "ls-tree", "-r", "-z", "--name-only", "HEAD", "tests/"],
                check=True,
                capture_output=True,
            ).stdout.decode("utf-8", "surrogateescape")
            self._listing = set(out.split("\0"))

    def exists(self, name: str) -> bool:
        return name in self._listing if self.bare else (self.path / name).is_file()

    def read_many(self, names: list[str]) -> dict[str, bytes]:
        if not self.bare:
            return {name: (self.path / name).read_bytes() for name in names}
        # One git process for all files: a thousand `git show` calls take longer than the benchmark.
        request = "".join(f"HEAD:{name}\n" for name in names).encode("utf-8", "surrogateescape")
        out = subprocess.run(
            ["git", f"--git-dir={self.path}", "cat-file", "--batch"],
            input=request,
            check=True,
            capture_output=True,
        ).stdout
        found: dict[str, bytes] = {}
        position = 0
        for name in names:
            header_end = out.index(b"\n", position)
            size = int(out[position:header_end].split()[2])
            found[name] = out[header_end + 1 : header_end + 1 + size]
            position = header_end + 1 + size + 1
        return found


def load_items(path: Path | str | None = None) -> list[Item]:
    """Every annotated page of the set with its snippets, in URL order."""
    checkout = Checkout(data_path(path))
    annotations = json.loads(checkout.read_many(["tests/evaldata.json"])["tests/evaldata.json"])
    files: dict[str, str] = {}
    for url, entry in annotations.items():
        # trafilatura's resolve(): tests/cache first, then tests/eval.
        name = next(
            (
                f"tests/{d}/{entry['file']}"
                for d in ("cache", "eval")
                if checkout.exists(f"tests/{d}/{entry['file']}")
            ),
            None,
        )
        if name is None:
            raise FileNotFoundError(f"{checkout.path}: {url}: page file {entry['file']!r} not found")
        files[url] = name
    pages = checkout.read_many(sorted(set(files.values())))
    return [
        Item(
            url=url,
            file=files[url],
            with_=tuple(annotations[url]["with"]),
            without=tuple(annotations[url]["without"]),
            html=pages[files[url]],
        )
        for url in sorted(annotations)
    ]


# -- scoring ------------------------------------------------------------------------------------------


def norm(text: str) -> str:
    """Whitespace collapsed, as trafilatura's evaluation compares text."""
    return re.sub(r"\s+", " ", text).strip()


def count(item: Item, output: str) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page: snippets found in the output, by whitespace-normalised substring."""
    text = norm(output)
    tp = sum(1 for snippet in item.with_ if norm(snippet) in text)
    fp = sum(1 for snippet in item.without if norm(snippet) in text)
    return tp, fp, len(item.with_) - tp, len(item.without) - fp


def evaluate(name: str, extract: Callable[[Item], str], items: Iterable[Item]) -> SetSummary:
    summary = SetSummary(name)
    for item in items:
        started = time.perf_counter()
        try:
            output = extract(item)
        except Exception as exc:  # a crash is an empty output, as in trafilatura's own evaluation
            print(f"{name}: {item.url}: {type(exc).__name__}: {exc}", file=sys.stderr)
            output = ""
        summary.seconds += time.perf_counter() - started
        counts = count(item, output)
        summary.pages += 1
        summary.empty += not output.strip()
        summary.halves[item.half].add(counts)
        summary.per_page[item.url] = counts
    return summary


# -- the two extractors -------------------------------------------------------------------------------


def extract_generic(item: Item) -> str:
    """The generic parser's body text; a page it refuses gives no text."""
    from scrapers.parsers import parse_page
    from transforms.errors import NotAnArticle
    from transforms.sources import Source

    parts = urlsplit(item.url)
    host = parts.hostname or "example.org"
    source = Source(
        key=re.sub(r"[^a-z0-9]+", "_", host.lower()),
        label=host,
        base_url=f"{parts.scheme}://{host}",
        editions={"main": "und"},
        feeds=(),
        news_sitemaps=(),
        sitemap_indexes=(),
        parser="generic",
        enabled=True,
    )
    try:
        record = parse_page(item.html, item.url, source=source, fetched_at=CRAWLED_AT)
    except NotAnArticle:
        return ""
    return record.body_text


def extract_trafilatura(item: Item) -> str:
    """trafilatura alone, with the options bench/eval_generic.py gives it (its defaults)."""
    import trafilatura

    document = trafilatura.bare_extraction(item.html, url=item.url, with_metadata=True)
    if document is None or isinstance(document, dict):
        return ""
    return document.text or ""


EXTRACTORS: dict[str, Callable[[Item], str]] = {
    "trafilatura alone": extract_trafilatura,
    "newsetl generic": extract_generic,
}


def run(items: list[Item], only: str | None = None) -> list[SetSummary]:
    return [evaluate(name, fn, items) for name, fn in EXTRACTORS.items() if only in (None, name)]


# -- report -------------------------------------------------------------------------------------------


def table(summaries: list[SetSummary]) -> str:
    lines = [
        "| extractor | pages | empty | precision | recall | accuracy | F1 | F1 tune half | F1 held-out half"
        " | pages/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        whole = s.total
        rate = s.pages / s.seconds if s.seconds else 0.0
        lines.append(
            f"| {s.name} | {s.pages} | {s.empty} | {whole.precision:.3f} | {whole.recall:.3f}"
            f" | {whole.accuracy:.3f} | **{whole.f1:.3f}** | {s.halves['tune'].f1:.3f}"
            f" | {s.halves['held out'].f1:.3f} | {rate:.1f} |"
        )
    return "\n".join(lines)


def differences(items: list[Item], ours: SetSummary, theirs: SetSummary, limit: int) -> str:
    """The pages where the two extractors' snippet counts differ most (to study; tune half only)."""
    rows = []
    for item in items:
        if item.half != "tune":
            continue
        a, b = ours.per_page[item.url], theirs.per_page[item.url]
        gain = (a[0] - b[0]) - (a[1] - b[1])  # more snippets found, fewer unwanted ones
        if gain:
            rows.append((gain, item))
    rows.sort(key=lambda r: r[0])
    out = []
    for gain, item in rows[:limit]:
        a, b = ours.per_page[item.url], theirs.per_page[item.url]
        out.append(f"  {gain:+d} ours tp/fp {a[0]}/{a[1]} theirs {b[0]}/{b[1]}  {item.file}  {item.url}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help=f"trafilatura checkout (default ${ENV} or {DEFAULT_DATA})")
    parser.add_argument("--only", choices=sorted(EXTRACTORS), help="run one extractor")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument(
        "--diff",
        type=int,
        default=0,
        help="list N tune-half pages where the two differ, generic's losses first",
    )
    args = parser.parse_args(argv)
    items = load_items(args.data)
    if args.limit:
        items = items[: args.limit]
    summaries = run(items, args.only)
    print(table(summaries))
    if args.diff and len(summaries) == 2:
        print(differences(items, summaries[1], summaries[0], args.diff))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT))
    sys.exit(main())
