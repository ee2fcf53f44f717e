"""Article or listing: how often the generic parser turns a page away, on real articles and fixture listings.

Every page goes through ``scrapers.parsers.generic.parser_for`` (the registry's hook) and is counted as
refused when it raises ``NotAnArticle("listing")``. Two rules are counted side by side:

- "metadata or URL": the earlier rule (article metadata, or an article slug, id or date in the
  URL), which is still the first test;
- "+ content": that rule, and for the pages it refuses the content test of ``generic.page_kind``.

The 258 fundus articles (``../shared/fixtures/fundus``) are real articles, so every refusal is an error.
They are read four ways: as published; with their URL replaced by one without slug, id or date
(``https://HOST/article/N/1``); with their metadata removed (JSON-LD blocks and ``<meta>`` tags); and both.
The fixture pages are the project's own: article pages (tests/fixtures/pravda, the generic sources of
tests/site/other_sources.py) that must be accepted and listing pages that must be refused, also read under
a slugless URL without metadata.

Run: ``.venv/bin/python bench/eval_page_kind.py`` (``--append docs/benchmarks.md`` to record the tables,
``--show`` to list the refused fundus pages with what their content said).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape as html_escape
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from scrapers.parsers.generic import article_content_signs, parser_for
from scrapers.parsers.generic.fields import GenericArticle
from scrapers.parsers.page import Page, decode_html
from transforms.errors import NotAnArticle
from transforms.sources import Source

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pravda"
FETCHED = datetime(2025, 12, 1, tzinfo=UTC)

_JSONLD = re.compile(r"<script[^>]*application/ld\+json[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)


def generic_source(url: str) -> Source:
    """A generic source for the page's host, as sources.yaml would name it."""
    host = urlsplit(url).hostname or ""
    return Source(
        key=host,
        label=host,
        base_url=f"https://{host}",
        editions={"main": "und"},
        feeds=(),
        news_sitemaps=(),
        sitemap_indexes=(),
        parser="generic",
        enabled=True,
    )


def strip_metadata(html: str) -> str:
    """The page without its JSON-LD blocks and ``<meta>`` tags (what a CMS without SEO plugins serves)."""
    return _META.sub("", _JSONLD.sub("", html))


def slugless(url: str, number: int) -> str:
    """The page's URL made one without slug, id or date: ``https://HOST/article/N/1``."""
    return f"https://{urlsplit(url).hostname}/article/{number}/1"


@dataclass(frozen=True)
class Sample:
    name: str
    url: str
    html: str
    article: bool  # what the page is


def old_rule_refuses(page: Page, url: str) -> bool:
    from scrapers.parsers.generic import looks_like_article_url

    article = GenericArticle(page, generic_source(url), FETCHED)
    return not article.has_article_evidence() and not looks_like_article_url(url)


def new_rule_refuses(page: Page, url: str) -> bool:
    try:
        parser_for(page, generic_source(url), FETCHED)
    except NotAnArticle as exc:
        if exc.reason == "listing":
            return True
        raise
    return False


Variant = Callable[[Sample, int], tuple[str, str]]


def count(samples: list[Sample], variant: Variant) -> tuple[int, int, int, list[tuple[str, str]]]:
    """Refused by the old rule, by the new rule, by the content test alone (whatever the metadata and URL
    say), and the new rule's refusals with what the content said."""
    old = new = content = 0
    refused = []
    for number, sample in enumerate(samples, start=1):
        url, html = variant(sample, number)
        page = Page.parse(html, url)
        old += old_rule_refuses(page, url)
        signs = article_content_signs(GenericArticle(Page.parse(html, url), generic_source(url), FETCHED))
        content += not signs.article
        if new_rule_refuses(page, url):
            new += 1
            refused.append((sample.name, signs.describe()))
    return old, new, content, refused


COLUMNS = ("refused: metadata or URL (before)", "refused: + content (now)", "refused by content alone")
VARIANTS: dict[str, Variant] = {
    "as published": lambda s, n: (s.url, s.html),
    "slugless URL": lambda s, n: (slugless(s.url, n), s.html),
    "metadata removed": lambda s, n: (s.url, strip_metadata(s.html)),
    "slugless URL, metadata removed": lambda s, n: (slugless(s.url, n), strip_metadata(s.html)),
}


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def fundus_samples() -> list[Sample]:
    bench = _module(BENCH / "eval_generic.py")
    return [
        Sample(case.name, case.url, decode_html(gzip.decompress(case.path.read_bytes())), True)
        for case in bench.load_cases()
    ]


def fixture_samples() -> list[Sample]:
    """The project's fixture articles and listings."""
    sys.path.insert(0, str(ROOT / "tests" / "site"))
    import build_site
    import other_sources

    manifest = json.loads((FIXTURES / "pages" / "manifest.json").read_text(encoding="utf-8"))
    samples = []
    for name, entry in manifest.items():
        path = FIXTURES / "pages" / name
        data = path.read_bytes()
        html = decode_html(gzip.decompress(data) if path.suffix == ".gz" else data)
        if entry.get("http_status", 200) != 200 or "bot_challenge" in name:
            continue
        samples.append(Sample(Path(name).name, entry["url"], html, "listing" not in name))
    for spec in other_sources.SPECS:
        for story in spec.stories:
            url = other_sources.article_url(spec, story)
            samples.append(Sample(url, url, other_sources.page_html(spec, story), True))
    listing = (
        build_site.TEMPLATES["post_2020"].html().split("<article", 1)[0]
        + "<div class='news_list'>News list</div></body></html>"
    )
    samples.append(Sample("fixture site NOT_ARTICLE_URL", build_site.NOT_ARTICLE_URL, listing, False))
    return samples


# -- made-up listings, from the fundus articles' own headlines and first paragraphs ----------------------

LISTING_LAYOUTS = ("teaser cards", "headline list", "excerpts", "intro and cards")


def listing_html(layout: str, teasers: list[tuple[str, str, str]], site: str = "Example News") -> str:
    """A listing page of one of :data:`LISTING_LAYOUTS`; ``teasers`` are ``(href, headline, summary)``.

    "teaser cards": a headline link and a summary per card (a section page); "headline list": linked
    headlines with a time (a "latest news" column); "excerpts": a blog's home page, each post's first two
    paragraphs and a "Read more" link; "intro and cards": a tag page with a paragraph about the topic above
    its cards.
    """
    esc = html_escape
    if layout == "teaser cards":
        items = "".join(
            f'<article class="teaser"><h2 class="teaser__title"><a href="{esc(h)}">{esc(t)}</a></h2>'
            f'<p class="teaser__summary">{esc(s)}</p></article>'
            for h, t, s in teasers
        )
        main = f'<h1>World</h1><div class="teasers">{items}</div>'
    elif layout == "headline list":
        items = "".join(
            f'<li class="news-item"><time>{10 + i % 12}:{i % 6}0</time> <a href="{esc(h)}">{esc(t)}</a></li>'
            for i, (h, t, _) in enumerate(teasers)
        )
        main = f'<h1>Latest news</h1><ul class="news-list">{items}</ul>'
    elif layout == "excerpts":
        items = "".join(
            f'<div class="post"><h2><a href="{esc(h)}">{esc(t)}</a></h2><p>{esc(s)}</p>'
            f'<p>{esc(s[: len(s) // 2])}</p><a class="more" href="{esc(h)}">Read more</a></div>'
            for h, t, s in teasers[:6]
        )
        main = f'<div class="posts">{items}</div>'
    elif layout == "intro and cards":
        intro = " ".join(s for _, _, s in teasers[:2])
        items = "".join(
            f'<div class="card card--small"><a href="{esc(h)}"><h3>{esc(t)}</h3></a>'
            f"<p>{esc(s[:160])}</p></div>"
            for h, t, s in teasers[2:]
        )
        main = f'<h1>Topic</h1><p class="topic-intro">{esc(intro)}</p><div class="cards">{items}</div>'
    else:
        raise ValueError(f"{layout!r}: not a listing layout; known: {', '.join(LISTING_LAYOUTS)}")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(site)}</title></head>'
        f'<body><header><a class="logo" href="/">{esc(site)}</a><nav><a href="/world/">World</a> '
        f'<a href="/sport/">Sport</a></nav></header><main>{main}</main>'
        f"<footer>&copy; {esc(site)}</footer></body></html>"
    )


def made_up_listings(fundus: list[Sample], per_layout: int = 10) -> list[Sample]:
    """``per_layout`` listings of each layout, each of 12 teasers taken from fundus articles in turn."""
    bench = _module(BENCH / "eval_generic.py")
    teasers = []
    for case in bench.load_cases():
        summary = next((p for p in bench.expected_body(case.expected).split("\n") if len(p) > 120), "")
        if summary and case.expected.get("title"):
            teasers.append((urlsplit(case.url).path, case.expected["title"], summary[:400]))
    samples = []
    for layout in LISTING_LAYOUTS:
        for n in range(per_layout):
            chosen = [teasers[(n * 12 + i) % len(teasers)] for i in range(12)]
            url = f"https://news.example/section/{n}/"
            samples.append(Sample(f"{layout} {n}", url, listing_html(layout, chosen), False))
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--append", type=Path, help="append the tables to this Markdown file")
    parser.add_argument("--show", action="store_true", help="list the refused fundus pages")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BENCH))
    import report

    fundus = fundus_samples()
    rows = []
    for label, variant in VARIANTS.items():
        old, new, content, refused = count(fundus, variant)
        rows.append((label, len(fundus), old, new, content))
        if args.show:
            for name, signs in refused:
                print(f"  {label}: refused {name}: {signs}")
    fundus_table = report.markdown_table(("fundus articles read", "pages", *COLUMNS), rows)

    fixtures = fixture_samples()
    rows = []
    for label in ("as published", "slugless URL, metadata removed"):
        for kind, wanted in (("articles", True), ("listings", False)):
            group = [s for s in fixtures if s.article is wanted]
            old, new, content, refused = count(group, VARIANTS[label])
            rows.append((f"{kind}, {label}", len(group), old, new, content))
            if args.show:
                for name, signs in refused:
                    print(f"  fixture {kind}, {label}: refused {name}: {signs}")
    fixture_table = report.markdown_table(("fixture pages read", "pages", *COLUMNS), rows)
    rows = []
    listings = made_up_listings(fundus)
    for layout in LISTING_LAYOUTS:
        group = [s for s in listings if s.name.startswith(layout)]
        old, new, content, _ = count(group, VARIANTS["as published"])
        rows.append((layout, len(group), old, new, content))
    listing_table = report.markdown_table(("made-up listings (fundus teasers)", "pages", *COLUMNS), rows)
    report.publish(
        "Article or listing: pages the generic parser refuses",
        ".venv/bin/python bench/eval_page_kind.py --append docs/benchmarks.md",
        "\n\n".join((fundus_table, fixture_table, listing_table)),
        doc=args.append,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
