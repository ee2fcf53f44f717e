"""The article record: its fields are the schema's record columns, and its JSON form round-trips."""

from __future__ import annotations

import typing
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from transforms.blocks import Heading, ListBlock, Paragraph
from transforms.record import ArticleRecord
from transforms.schema import RECORD_COLUMNS, Kind

# The Python type of a record field, by the schema's kind and nullability.
PYTHON_TYPES = {
    Kind.TEXT: "str",
    Kind.INTEGER: "int",
    Kind.TIMESTAMP: "datetime",
    Kind.DATE: "date",
    Kind.TEXT_LIST: "tuple[str, ...]",
    Kind.BLOCKS: "tuple[Block, ...]",
    Kind.JSON: "dict[str, Any]",
}


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
        collected_on=date(2024, 11, 25),
        fetched_at=datetime(2024, 11, 25, 10, 0, tzinfo=UTC),
        http_status=200,
        warc_record_id="<urn:uuid:1>",
        parser="pravda.post@2020",
    )


def test_the_records_fields_are_the_schemas_record_columns_with_their_types() -> None:
    hints = {f.name: f.type for f in fields(ArticleRecord)}
    assert list(hints) == [c.name for c in RECORD_COLUMNS]
    for column in RECORD_COLUMNS:
        expected = PYTHON_TYPES[column.kind] + (" | None" if column.nullable else "")
        assert hints[column.name] == expected, column.name
    typing.get_type_hints(ArticleRecord)  # and the annotations resolve


def test_record_round_trips_through_its_json_dict() -> None:
    record = make_record()
    data = record.to_dict()
    assert data["published_at"] == "2023-09-30T13:45:00+03:00"
    assert data["blocks"][2] == {"kind": "list", "items": ["a", "b"]}
    assert list(data) == [c.name for c in RECORD_COLUMNS]
    assert ArticleRecord.from_dict(data) == record
    # A line an older crawl wrote, with the seed text it then carried, still reads.
    assert ArticleRecord.from_dict({**data, "seed_text": "…"}) == record


def test_from_dict_names_the_missing_or_wrong_field() -> None:
    data = make_record().to_dict()
    del data["headline"]
    with pytest.raises(ValueError, match="missing field.s.: headline"):
        ArticleRecord.from_dict(data)
    with pytest.raises(ValueError, match="fetched_at='yesterday' is not an ISO 8601 timestamp"):
        ArticleRecord.from_dict({**make_record().to_dict(), "fetched_at": "yesterday"})
