"""The two real current-design pages against the reference parser's output beside them.

That output is another parser's, not truth: where newsetl deliberately differs, the difference is listed
here case by case (and explained in docs/parsers.md), so that any other difference fails.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pravda_golden import sources

from scrapers.parsers import parse_page
from transforms.blocks import ListBlock
from transforms.normalise import staged_row
from transforms.record import ArticleRecord

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "pravda" / "real"


@dataclass(frozen=True)
class RealPage:
    name: str
    url: str
    source_key: str
    parser: str
    # Reference paragraphs newsetl leaves out on purpose (matched by their start).
    not_ours: tuple[str, ...] = ()
    # Reference paragraphs newsetl turns into heading lines: reference text -> our heading.
    as_headings: dict[str, str] = field(default_factory=dict)
    # Blocks newsetl keeps that the reference drops.
    only_ours: tuple[str, ...] = ()


PAGES = [
    RealPage(
        name="pravda_rus_articles_2026_01_08",
        url="https://www.pravda.com.ua/rus/articles/2026/01/08/8015225/",
        source_key="pravda",
        parser="pravda.article@2025",
        # Teaser texts of two other articles in the "more stories" blocks after the article.
        not_ours=("Когда меняется язык", "В этом году исполнится 90 лет"),
        # The authors' bold signature closing the text.
        only_ours=("Ярослав Кузишин, Антон Зелинский, Карина Гасимова",),
    ),
    RealPage(
        name="epravda_2025_10_24",
        url="https://epravda.com.ua/tehnologiji/yak-v-ukrajini-diyatimut-limiti-dlya-gravciv-azartnih-igor-813313",
        source_key="epravda",
        parser="pravda.news@2025",
        as_headings={"Нагадаємо:": "Нагадаємо"},
    ),
]


def _parse(page: RealPage) -> ArticleRecord:
    # The sister site (tests/fixtures/pravda/sources.yaml) shares the CMS, so the same parser reads it.
    source = sources()[page.source_key]
    html = gzip.decompress((REAL / f"{page.name}.html.gz").read_bytes())
    return parse_page(html, page.url, source=source, fetched_at=datetime(2026, 1, 9, tzinfo=UTC))


def _reference(page: RealPage) -> dict:
    return json.loads((REAL / f"{page.name}.expected.json").read_text(encoding="utf-8"))["V1"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_title_authors_and_parser(page: RealPage) -> None:
    record, reference = _parse(page), _reference(page)
    assert record.headline == reference["title"]
    assert list(record.authors) == reference["authors"]
    assert record.parser == page.parser


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_publication_time_to_the_minute_with_its_offset(page: RealPage) -> None:
    record, reference = _parse(page), _reference(page)
    expected = datetime.fromisoformat(reference["publishing_date"])
    assert record.published_at is not None
    if expected.tzinfo is None:
        # The page gives Kyiv wall time without an offset; newsetl attaches Kyiv's offset of that day.
        assert record.published_at.replace(tzinfo=None) == expected
        assert record.published_at.utcoffset() is not None
    else:
        assert record.published_at == expected
        assert record.published_at.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_body_paragraphs_match_but_for_the_listed_differences(page: RealPage) -> None:
    record, reference = _parse(page), _reference(page)
    section_headings = [h for section in reference["body"]["sections"] for h in section["headline"]]
    expected = [
        page.as_headings.get(text, text)
        for section in reference["body"]["sections"]
        for text in section["paragraphs"]
        if not text.startswith(page.not_ours)
    ]
    ours = [
        block.text
        for block in record.blocks
        if not isinstance(block, ListBlock)
        and block.text not in page.only_ours
        and block.text not in section_headings
    ]
    assert ours == expected
    # The reference's section headings are lines of ours, in the same order (headings where the seed
    # format's heading rule allows; one with a colon is a paragraph line).
    lines = [block.text for block in record.blocks if not isinstance(block, ListBlock)]
    assert [text for text in lines if text in section_headings] == section_headings
    kinds = {b.text: b.kind for b in record.blocks if not isinstance(b, ListBlock)}
    assert all(kinds[text] == "heading" for text in section_headings if ":" not in text)


def test_tags_match_the_reference_topics() -> None:
    page = PAGES[0]
    assert list(_parse(page).tags) == _reference(page)["topics"]


def test_news_page_keeps_its_list_and_reads_the_rest_of_the_record() -> None:
    record = _parse(PAGES[1])
    assert [b.items for b in record.blocks if isinstance(b, ListBlock)] == [
        (
            "фінансові ліміти — визначають, яку частку місячного доходу гравець може витратити "
            "на азартні ігри;",
            "часові ліміти — тривалість участі в азартних іграх;",
            "максимальний безперервний час гри та тривалість обов'язкової перерви.",
        )
    ]
    assert record.url == PAGES[1].url + "/"  # the page's canonical link
    assert (record.edition, record.language, record.section) == ("ukr", "uk", "tehnologiji")
    assert record.tags == ("гральний бізнес", "Мінцифри")
    # The source's label from the sources file is the seed document's source line.
    assert (
        staged_row(record, sources()[record.source].label)["seed_text"].split("\n")[4] == "Економічна правда"
    )
