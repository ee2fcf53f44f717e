"""The article record: its JSON round trip, and its documentation table."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from transforms.blocks import Heading, ListBlock, Paragraph
from transforms.record import RECORD_FIELDS, ArticleRecord

DOC = Path(__file__).resolve().parent.parent / "docs" / "article-record.md"


def make_record() -> ArticleRecord:
    kyiv = timezone(timedelta(hours=3))
    return ArticleRecord(
        url="https://www.pravda.com.ua/eng/news/2023/09/30/7422079/",
        source="pravda",
        edition="eng",
        language="en",
        headline="Headline",
        authors=("A. Author",),
        published_at=datetime(2023, 9, 30, 13, 45, tzinfo=kyiv),
        modified_at=None,
        tags=("NATO",),
        section="news",
        blocks=(Paragraph("One."), Heading("Background"), ListBlock(("a", "b"))),
        seed_text="…",
        collected_on=date(2024, 11, 25),
        fetched_at=datetime(2024, 11, 25, 10, 0, tzinfo=UTC),
        http_status=200,
        warc_record_id="<urn:uuid:1>",
        parser="pravda.post@2020",
    )


def test_record_round_trips_through_its_json_dict() -> None:
    record = make_record()
    data = record.to_dict()
    assert data["published_at"] == "2023-09-30T13:45:00+03:00"
    assert ArticleRecord.from_dict(data) == record


def test_from_dict_names_the_missing_field() -> None:
    data = make_record().to_dict()
    del data["headline"]
    with pytest.raises(ValueError, match="headline"):
        ArticleRecord.from_dict(data)


def test_documentation_table_lists_exactly_the_record_fields() -> None:
    documented = re.findall(r"^\| `(\w+)` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert documented == list(RECORD_FIELDS)
