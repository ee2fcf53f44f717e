"""Article or listing by content: a page without article metadata and without an
article URL is an article when its content is one long text with few links, and a listing when its text
is teaser cards. Made-up pages, the project's fixture listings and the 258 fundus articles."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from scrapers.parsers import parse_page
from transforms.errors import NotAnArticle
from transforms.record import ArticleRecord
from transforms.sources import Source

ROOT = Path(__file__).resolve().parents[2]
FETCHED = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
SOURCE = Source(
    key="gazette",
    label="Harbour Gazette",
    base_url="https://gazette.example",
    editions={"en": "en"},
    feeds=(),
    news_sitemaps=(),
    sitemap_indexes=(),
    parser="generic",
    enabled=True,
)
# URLs without a slug, a long id or a date, as the issue found them on real sites.
SLUGLESS = ("https://gazette.example/article/3834/1", "https://gazette.example/news/news_view.html?idx=8576")

PARAGRAPHS = (
    "The harbour authority said on Monday that the new ferry terminal would open to passengers in March, "
    "three months later than planned, after inspectors found faults in the boarding bridges.",
    "Contractors will replace the hydraulic systems of both bridges at their own cost, according to the "
    "authority, which added that the delay would not change the total budget of the project.",
    "Ferry operators said they would keep using the old terminal until then, although its waiting hall is "
    "too small for the summer season and has no shelter for passengers queuing with cars.",
    "Local businesses near the new terminal, which opened cafes and a bicycle rental in expectation of the "
    "first passengers, asked the city for a reduction of their rent until the terminal opens.",
)


def article_page() -> str:
    """An article as a plain CMS serves it: no JSON-LD, no meta tags, no time element; menus and links."""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour Gazette</title></head><body>
<div class="top"><a href="/">Harbour Gazette</a> <a href="/news/">News</a> <a href="/sport/">Sport</a></div>
<div class="content"><h1>Ferry terminal opening delayed until March</h1><div class="date">01.12.2025</div>
<div class="text">{body}<p>See also: <a href="/article/3830/1">Harbour budget approved</a></p></div></div>
<div class="bottom"><a href="/about/">About</a> <a href="/contact/">Contact</a></div></body></html>"""


def listing_page() -> str:
    """A section page: a column of teaser cards, each a headline link and a summary."""
    cards = "".join(
        f'<div class="item"><h2><a href="/article/{3800 + i}/1">Story number {i} from the harbour</a></h2>'
        f'<p class="lead">{text}</p></div>'
        for i, text in enumerate(PARAGRAPHS * 2)
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>News - Harbour Gazette</title></head><body>
<div class="top"><a href="/">Harbour Gazette</a></div><h1>News</h1>
<div class="list">{cards}</div></body></html>"""


def parse(html: str, url: str) -> ArticleRecord:
    return parse_page(html, url, source=SOURCE, fetched_at=FETCHED)


@pytest.mark.parametrize("url", SLUGLESS)
def test_an_article_without_metadata_or_slug_is_read_by_its_content(url: str) -> None:
    record = parse(article_page(), url)
    assert record.headline == "Ferry terminal opening delayed until March"
    assert record.body_text.startswith(PARAGRAPHS[0])


@pytest.mark.parametrize("url", SLUGLESS)
def test_a_listing_of_teaser_cards_is_refused(url: str) -> None:
    with pytest.raises(NotAnArticle) as caught:
        parse(listing_page(), url)
    assert caught.value.reason == "listing"
    assert url in caught.value.detail
    assert "teaser cards" in caught.value.detail  # what the content said


def test_a_short_text_is_no_evidence_of_an_article() -> None:
    from scrapers.parsers.generic.page_kind import MIN_ARTICLE_CHARS

    short = article_page().replace("".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:]), "")
    assert len(PARAGRAPHS[0]) < MIN_ARTICLE_CHARS
    with pytest.raises(NotAnArticle) as caught:
        parse(short, SLUGLESS[0])
    assert caught.value.reason == "listing"


# -- the project's fixture listings and articles ------------------------------------------------------------


def load_bench() -> ModuleType:
    path = ROOT / "bench" / "eval_page_kind.py"
    spec = importlib.util.spec_from_file_location("eval_page_kind", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench()


def refused(bench: ModuleType, samples: list, variant: str) -> list[str]:
    """The names of the samples the generic parser refuses as listings, read as ``variant``."""
    names = []
    for number, sample in enumerate(samples, start=1):
        url, html = bench.VARIANTS[variant](sample, number)
        if bench.new_rule_refuses(bench.Page.parse(html, url), url):
            names.append(sample.name)
    return names


@pytest.mark.parametrize("variant", ["as published", "slugless URL, metadata removed"])
def test_fixture_listings_are_still_refused(bench: ModuleType, variant: str) -> None:
    listings = [s for s in bench.fixture_samples() if not s.article]
    names = {s.name for s in listings}
    assert "not_article_listing.html" in names
    assert "not_article_listing.html" in refused(bench, listings, variant)
    if variant != "as published":  # as published, the fixture site's listing has an article URL
        assert sorted(refused(bench, listings, variant)) == sorted(names)


def test_fixture_articles_are_accepted(bench: ModuleType) -> None:
    articles = [s for s in bench.fixture_samples() if s.article]
    assert len(articles) >= 20
    assert refused(bench, articles, "as published") == []
    # Without metadata and slug, only the page whose text is only in its JSON-LD has nothing left to read.
    assert refused(bench, articles, "slugless URL, metadata removed") == [
        "eng_news_2025_11_12_8005710_jsonld_body.html"
    ]


@pytest.mark.parametrize("layout", ["teaser cards", "headline list", "intro and cards"])
def test_made_up_listings_of_real_teasers_are_refused(bench: ModuleType, layout: str) -> None:
    teasers = [
        (f"/article/{i}/1", f"Headline of story {i} about the harbour and the ferries", text)
        for i, text in enumerate(PARAGRAPHS * 3)
    ]
    html = bench.listing_html(layout, teasers)
    with pytest.raises(NotAnArticle) as caught:
        parse(html, "https://gazette.example/section/1/")
    assert caught.value.reason == "listing"


# -- the fundus articles ------------------------------------------------------------------------------

# Measured with bench/eval_page_kind.py: of the 258 fundus articles read with a slugless URL and without
# JSON-LD and meta tags, the metadata-or-URL rule alone refuses 124; with the content test, 1 (a page whose
# text is written by JavaScript: nothing to read).
MAX_FUNDUS_REFUSED = 1


@pytest.mark.slow
def test_fundus_articles_without_metadata_or_slug_are_accepted(bench: ModuleType) -> None:
    fundus = bench.fundus_samples()
    assert len(fundus) == 258
    names = refused(bench, fundus, "slugless URL, metadata removed")
    assert len(names) <= MAX_FUNDUS_REFUSED, names
    assert refused(bench, fundus, "as published") == []
