"""Golden files: every stored page of the manifest parses to exactly its stored expectation.

After a deliberate change, ``.venv/bin/python tests/parsers/regenerate.py`` rewrites the expectations.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pravda_golden import GoldenPage, golden_pages, parse_golden, sources

from scrapers.parsers import parse_page
from transforms.blocks import Heading, ListBlock
from transforms.errors import NotAnArticle
from transforms.record import ArticleRecord
from transforms.seed import parse as parse_seed

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = ROOT / "seeds" / "000_fca3a0f034b59467.txt"
PAGES = golden_pages()
KNOWN = sources()


def _page(name: str) -> GoldenPage:
    return next(page for page in PAGES if page.file == name)


def _record(name: str) -> ArticleRecord:
    return ArticleRecord.from_dict(parse_golden(_page(name), KNOWN))


def _seed_text(name: str) -> str:
    """The seed document the pipeline stores for the page (parse_golden derives it as the transform does)."""
    return str(parse_golden(_page(name), KNOWN)["seed_text"])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p.file).name)
def test_page_parses_to_its_golden_expectation(page: GoldenPage) -> None:
    expected = json.loads(page.expected_path.read_text(encoding="utf-8"))
    got = parse_golden(page, KNOWN)
    # Field by field first, so that a failure names the field; then the whole thing.
    for key in sorted(set(expected) | set(got)):
        assert got.get(key) == expected.get(key), f"{page.file}: {key} differs (regenerate.py if intended)"
    assert got == expected


def test_every_stored_page_is_in_the_manifest() -> None:
    listed = {Path(page.file).name for page in PAGES}
    stored = {path.name for path in PAGES[0].path.parent.glob("*.html")}
    assert stored <= listed


@pytest.mark.parametrize(
    "page", [p for p in PAGES if not Path(p.file).name.startswith("not_article")], ids=str
)
def test_the_seed_text_reads_back_as_the_records_blocks(page: GoldenPage) -> None:
    parsed = parse_golden(page, KNOWN)
    record = ArticleRecord.from_dict(parsed)
    document = parse_seed(parsed["seed_text"])
    assert document.blocks == record.blocks
    assert (document.headline, document.url, document.collected_on) == (
        record.headline,
        record.url,
        record.collected_on,
    )


def test_the_seed_article_gives_the_seed_document_byte_for_byte() -> None:
    record = _record("eng_news_2023_09_30_7422079.html")
    assert _seed_text("eng_news_2023_09_30_7422079.html").encode("utf-8") == SEED.read_bytes()
    assert record.collected_on == date(2024, 11, 25)
    assert record.parser == "pravda.post@2020"


def test_the_seed_article_record_fields() -> None:
    record = _record("eng_news_2023_09_30_7422079.html")
    assert record.url == "https://www.pravda.com.ua/eng/news/2023/09/30/7422079/"
    assert (record.source, record.edition, record.language, record.section) == ("pravda", "eng", "en", "news")
    assert record.published_at == datetime.fromisoformat("2023-09-30T13:45:00+03:00")
    assert record.modified_at == datetime.fromisoformat("2023-09-30T14:02:00+03:00")
    assert record.tags == ("NATO", "Jens Stoltenberg", "weapons")
    # The seed text parses back to the very blocks of the record.
    assert parse_seed(_seed_text("eng_news_2023_09_30_7422079.html")).blocks == record.blocks


def test_ads_photos_read_also_and_related_news_stay_out_of_the_body() -> None:
    for name in ("eng_news_2023_09_30_7422079.html", "eng_news_2025_10_24_8003452.html"):
        body = _record(name).body_text
        for noise in ("Advertisement", "Read also", "Photo:", "Related news", "Video of the day", "Tweet"):
            assert noise not in body, f"{name}: {noise!r} leaked into the body"


def test_section_labels_and_the_background_list_are_kept() -> None:
    record = _record("eng_news_2025_10_24_8003452.html")
    starts = [b.text.split(":")[0] for b in record.blocks if not isinstance(b, ListBlock)]
    assert {"Source", "Details", "Quote"} <= set(starts)
    background = [i for i, b in enumerate(record.blocks) if b == Heading("Background")]
    assert len(background) == 1
    after = record.blocks[background[0] + 1]
    assert isinstance(after, ListBlock) and len(after.items) == 2


def test_opengraph_is_the_fallback_when_there_is_no_json_ld() -> None:
    record = _record("ukr_news_2023_09_30_7422079.html")
    assert (record.edition, record.language) == ("ukr", "uk")
    assert record.published_at == datetime.fromisoformat("2023-09-30T13:20:00+03:00")
    assert record.extra["field_sources"]["published_at"] == "og"
    # article:author is a profile URL there, not a name: the markup's byline is used instead.
    assert record.authors == ("Українська правда",)
    assert record.tags == ("НАТО", "Єнс Столтенберг")


def test_the_markup_time_and_the_unpadded_url_date_make_the_publication_time() -> None:
    record = _record("eng_news_2023_05_4_7400574.html")
    assert record.published_at == datetime.fromisoformat("2023-05-04T08:12:00+03:00")
    assert record.extra["field_sources"]["published_at"] == "markup"
    assert record.modified_at is None


def test_the_body_falls_back_to_json_ld_article_body() -> None:
    record = _record("eng_news_2025_11_12_8005710_jsonld_body.html")
    assert record.extra["field_sources"]["body"] == "jsonld"
    assert len(record.blocks) == 5
    assert record.blocks[1].kind == "paragraph"
    assert record.body_text.startswith("Ukraine’s Energy Ministry says power outage schedules")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not_article_bot_challenge.html", "bot_challenge"),
        ("not_article_404.html", "error_page"),
        ("not_article_listing.html", "listing"),
    ],
)
def test_non_article_pages_are_reported_with_their_reason(name: str, reason: str) -> None:
    page = _page(name)
    with pytest.raises(NotAnArticle) as caught:
        parse_page(
            page.html(),
            page.url,
            source=KNOWN["pravda"],
            fetched_at=datetime(2025, 11, 12, 12, tzinfo=UTC),
            http_status=page.http_status,
        )
    assert caught.value.reason == reason
    assert page.url in caught.value.detail


@pytest.mark.parametrize(
    ("name", "reason"),
    [("not_article_404.html", "error_page"), ("not_article_bot_challenge.html", "bot_challenge")],
)
def test_a_page_that_is_not_an_article_is_told_by_its_markup_even_with_status_200(
    name: str, reason: str
) -> None:
    page = _page(name)
    with pytest.raises(NotAnArticle) as caught:
        parse_page(
            page.html(), page.url, source=KNOWN["pravda"], fetched_at=datetime(2025, 11, 12, tzinfo=UTC)
        )
    assert caught.value.reason == reason
