"""Headline choice of the generic parser on the 258 fundus pages: exact match with the expected title,
for the choice by agreement (``generic.headline``) and the rule it replaced, side by side in one run.

- "first found" (the earlier rule): the first of JSON-LD ``headline``, ``og:title``, ``twitter:title``,
  ``headline``, ``dc.title`` meta, the first ``h1`` and ``<title>`` that has text, with a trailing site name
  cut when it is ``og:site_name``, the source's label or the host;
- "by agreement" (now): what ``GenericArticle.headline()`` returns.

Exact match is the benchmark's (bench/eval_generic.py): equal after NFKC, case-folding and collapsing
whitespace. The expected titles are the Fundus project's per-publisher parsers' output, not what a reader
sees: some take the visible headline, some ``og:title``, some the JSON-LD one. The script also counts the
pages where the expected title is a JSON-LD headline that the page's ``h1`` and ``og:title`` agree against
(the case the issue asks never to pick).

Run: ``.venv/bin/python bench/eval_headlines.py`` (``--show`` lists every page the two rules score
differently, ``--append docs/benchmarks.md`` records the table).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from scrapers.parsers.generic.fields import HEADLINE_META, GenericArticle
from scrapers.parsers.generic.headline import visible_h1
from scrapers.parsers.metadata import clean
from scrapers.parsers.page import Page
from transforms.errors import NotAnArticle
from transforms.shingles import loose
from transforms.sources import Source
from transforms.urls import site_host

BENCH = Path(__file__).resolve().parent
FETCHED = datetime(2025, 12, 1, tzinfo=UTC)
_OLD_SEPARATOR = re.compile(r"\s+[|\-–—·:»]\s+")


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_generic", BENCH / "eval_generic.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def source_for(case_name: str, url: str) -> Source:
    """The source eval_generic.py gives a page: keyed and labelled by its publisher."""
    publisher = Path(case_name).name.split("_")[0]
    parts = urlsplit(url)
    return Source(
        key=publisher.lower(),
        label=publisher,
        base_url=f"{parts.scheme}://{parts.hostname}",
        editions={"main": "und"},
        feeds=(),
        news_sitemaps=(),
        sitemap_indexes=(),
        parser="generic",
        enabled=True,
    )


def first_found(page: Page, source: Source) -> str:
    """The earlier headline rule (the first candidate found), restated for comparison."""
    ld = page.jsonld or page.jsonld_article(nested=True)
    values = [clean(ld.get("headline"))] + [clean(page.meta.get(key)) for key in HEADLINE_META]
    values += [page.text_of("h1"), page.title]
    site = clean(page.meta.get("og:site_name")) or source.label
    for value in values:
        parts = _OLD_SEPARATOR.split(value)
        if len(parts) > 1 and site and loose(parts[-1]) in (loose(site), loose(site_host(page.url))):
            value = value[: value.rfind(parts[-1])].rstrip(" |-–—·:»")
        if value:
            return value
    return ""


def by_agreement(page: Page, source: Source) -> tuple[str, str]:
    article = GenericArticle(page, source, FETCHED)
    try:
        return article.headline(), article.sources_used.get("headline", "")
    except NotAnArticle:
        return "", ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="list the pages the two rules score differently")
    parser.add_argument("--append", type=Path, help="append the table to this Markdown file")
    args = parser.parse_args(argv)

    bench = load_bench()
    cases = bench.load_cases()
    old_hits = new_hits = seo_expected = 0
    origins: dict[str, int] = {}
    for case in cases:
        page = Page.parse(gzip.decompress(case.path.read_bytes()), case.url)
        source = source_for(case.name, case.url)
        want = bench._loose(case.expected.get("title") or "")
        old = first_found(page, source)
        new, origin = by_agreement(page, source)
        old_hit, new_hit = bench._loose(old) == want, bench._loose(new) == want
        old_hits += old_hit
        new_hits += new_hit
        if new_hit:
            origins[origin] = origins.get(origin, 0) + 1
        ld = loose(clean((page.jsonld or page.jsonld_article(nested=True)).get("headline")))
        h1 = loose(visible_h1(page.tree, (source.label,)))
        og = loose(clean(page.meta.get("og:title")))
        if ld and loose(want) == ld and h1 and h1 == og and h1 != ld:
            seo_expected += 1
        if args.show and old_hit != new_hit:
            print(f"{'gained' if new_hit else 'lost  '} {case.name}\n  expected {want!r}\n  before   {old!r}")
            print(f"  now      {new!r} ({origin})")
    n = len(cases)
    sys.path.insert(0, str(BENCH))
    import report

    table = report.markdown_table(
        ("headline rule", "pages", "exact match", "share"),
        [
            ("first found (before)", n, old_hits, f"{old_hits / n:.3f}"),
            ("by agreement (now)", n, new_hits, f"{new_hits / n:.3f}"),
        ],
    )
    notes = (
        f"\n\nPages whose expected title is the JSON-LD headline while the h1 and og:title agree on another: "
        f"{seo_expected}.\nSources named for the matching headlines now: "
        + ", ".join(f"{origin} {count}" for origin, count in sorted(origins.items(), key=lambda kv: -kv[1]))
    )
    report.publish(
        f"Headline choice, {n} fundus pages",
        ".venv/bin/python bench/eval_headlines.py --append docs/benchmarks.md",
        table + notes,
        doc=args.append,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
