"""The small parts of the parsers: dates, JSON-LD readers, the registry, the design choice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from scrapers.parsers import UnknownParser, parse_page
from scrapers.parsers.generic.authors import split_authors
from scrapers.parsers.metadata import jsonld_authors, jsonld_keywords, jsonld_paragraphs, language_tag
from scrapers.parsers.page import Page, decode_html
from scrapers.parsers.pravda import DESIGNS, choose_design
from scrapers.parsers.pravda.base import KYIV, clock_time, keep
from scrapers.parsers.pravda.post_2020 import PostDesign2020
from transforms.blocks import ListBlock, Paragraph
from transforms.errors import NotAnArticle
from transforms.sources import DEFAULT_SOURCES_FILE, Source, load_sources

PRAVDA = load_sources(DEFAULT_SOURCES_FILE)["pravda"]


def test_clock_time() -> None:
    assert clock_time("8 января, 17:46") == time(17, 46)
    assert clock_time("Thursday, 4 May 2023, 8:12") == time(8, 12)
    assert clock_time("no time here, 25:99") is None


def test_jsonld_authors_tells_persons_from_organisations() -> None:
    authors = [
        {"@type": "Person", "name": " Ярослав  Кузишин "},
        {"@type": "Organization", "name": "Українська правда"},
        {"name": "No Type Given"},
        {"@type": ["Person"], "givenName": "Given", "familyName": "Family"},
        "Plain Name",
        "https://www.pravda.com.ua/authors/someone/",  # a profile page, not a name
    ]
    assert jsonld_authors(authors) == (
        ("Ярослав Кузишин", "No Type Given", "Given Family", "Plain Name"),
        ("Українська правда",),
    )
    assert jsonld_authors({"@type": "Organization", "name": "Економічна правда"}) == (
        (),
        ("Економічна правда",),
    )
    # A generic page's byline field may name several people in one string.
    assert jsonld_authors("By Ann Lee and Bo Chan", split_authors) == (("Ann Lee", "Bo Chan"), ())


def test_jsonld_keywords_as_a_list_or_a_string() -> None:
    assert jsonld_keywords(["суд", "ОАСК", "Павел Вовк "]) == ("суд", "ОАСК", "Павел Вовк")
    assert jsonld_keywords("energy, power outages,,energy") == ("energy", "power outages")
    assert jsonld_keywords(None) == ()


def test_language_tag() -> None:
    assert language_tag("uk-UA") == language_tag("uk") == "uk"
    assert language_tag(None) == ""


def test_json_ld_article_body_splits_on_tabs_and_drops_noise() -> None:
    body = " \t First paragraph.\t Read also: another story\tSecond one.\r\nThird  one.\t "
    assert [p for p in jsonld_paragraphs(body) if keep(p)] == [
        Paragraph("First paragraph."),
        Paragraph("Second one."),
        Paragraph("Third one."),
    ]


def test_keep_drops_read_also_and_photo_credits_only() -> None:
    assert not keep(Paragraph("Читайте також: інша новина"))
    assert not keep(Paragraph("Photo: Getty Images"))
    assert keep(Paragraph("Photographers were at the scene."))
    assert keep(ListBlock(("Read also: kept inside a list",)))


def test_the_json_ld_article_object_is_found_among_others_and_in_a_graph() -> None:
    html = (
        '<script type="application/ld+json">{not json</script>'
        '<script type="application/ld+json">{"@type": "BreadcrumbList"}</script>'
        '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"},'
        ' {"@type": ["NewsArticle"], "headline": "Found"}]}</script>'
    )
    assert Page.parse(html, "https://www.pravda.com.ua/eng/news/2025/1/1/1/").jsonld["headline"] == "Found"


def test_designs_are_dated_and_the_valid_one_wins_when_markup_fits_several() -> None:
    assert all(d.VALID_UNTIL is None or d.VALID_FROM <= d.VALID_UNTIL for d in DESIGNS)
    assert len({d.NAME for d in DESIGNS}) == len(DESIGNS)
    # A page carrying both the old and the new news markup (a transition template).
    page = Page.parse(
        '<article class="post"><h1 class="post_title">x</h1></article><article class="post_news"></article>',
        "https://www.pravda.com.ua/eng/news/2024/12/30/7000001/",
    )
    assert choose_design(page, datetime(2024, 12, 30, tzinfo=UTC)) is PostDesign2020
    assert choose_design(page, datetime(2025, 3, 1, tzinfo=UTC)).NAME == "pravda.news@2025"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        pytest.param(
            "<html><head><title>Something</title></head><body><main><p>text</p></main></body></html>",
            "unknown_layout",
            id="an unknown layout on an article URL",
        ),
        pytest.param(
            '<article class="post_news"><h1 class="post_news_title">Title</h1>'
            '<div class="post_news_text"></div>',
            "no_body",
            id="the markup but no text",
        ),
        pytest.param(
            '<article class="post_news"><div class="post_news_text"><p>Text.</p></div></article>',
            "no_headline",
            id="no headline",
        ),
    ],
)
def test_a_page_that_is_not_a_storable_article_says_why(html: str, reason: str) -> None:
    with pytest.raises(NotAnArticle) as caught:
        parse_page(
            html,
            "https://www.pravda.com.ua/eng/news/2025/1/1/8000001/",
            source=PRAVDA,
            fetched_at=datetime(2025, 1, 2, tzinfo=UTC),
        )
    assert caught.value.reason == reason


def test_registry_errors_name_what_is_wrong() -> None:
    odd = Source("odd", "Odd", "https://odd.example", {"en": "en"}, (), (), (), "no-such-parser", True)
    with pytest.raises(UnknownParser, match="no-such-parser"):
        parse_page(
            "<p>x</p>", "https://odd.example/1/", source=odd, fetched_at=datetime(2025, 1, 1, tzinfo=UTC)
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_page("<p>x</p>", "https://www.pravda.com.ua/", source=PRAVDA, fetched_at=datetime(2025, 1, 1))


def test_fetched_at_is_stored_in_utc_and_collected_on_defaults_to_its_date() -> None:
    html = (
        '<article class="post_news"><h1 class="post_news_title">Title</h1>'
        '<div class="post_news_text"><p>Text.</p></div></article>'
    )
    kyiv_evening = datetime(2025, 1, 1, 23, 30, tzinfo=KYIV)  # already 1 January, 21:30 in UTC
    record = parse_page(
        html, "https://www.pravda.com.ua/eng/news/2025/1/1/8000001/", source=PRAVDA, fetched_at=kyiv_evening
    )
    assert record.fetched_at.utcoffset() == timedelta(0)
    assert record.collected_on == date(2025, 1, 1)
    assert record.published_at == datetime(2025, 1, 1, tzinfo=KYIV)  # only the URL's day is known
    assert record.extra["field_sources"]["published_at"] == "url"


def test_pages_in_a_declared_legacy_charset_are_decoded() -> None:
    html = '<html><head><meta charset="windows-1251"><title>Тест</title></head><body><p>Привіт</p></body>'
    page = Page.parse(html.encode("cp1251"), "https://www.pravda.com.ua/news/2004/1/1/1/")
    assert page.text_of("p") == "Привіт"
    assert decode_html(b"\xef\xbb\xbf<p>\xd0\x90</p>") == "<p>А</p>"  # UTF-8 with a BOM
    assert decode_html(b"<p>\xff</p>") == "<p>\ufffd</p>"  # undeclared and not UTF-8: replaced, not lost
