"""The typed article record: what a parser makes of a page, one line of ``items.jsonl``.

Its fields are the non-derived columns of the article schema (``transforms.schema``), in that order; a test
checks the two agree, and the JSON form below is derived from the schema's kinds. The texts derived from
the blocks (plain body text, the seed document) and the content hash are not fields: the transform step
derives them all together (``transforms.normalise``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from transforms.blocks import Block, block_from_dict, block_to_dict, blocks_plain_text
from transforms.schema import RECORD_COLUMNS, Column, Kind
from transforms.times import require_timestamp


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    url: str
    source: str
    edition: str
    language: str
    section: str | None
    headline: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    published_at: datetime | None
    modified_at: datetime | None
    collected_on: date
    fetched_at: datetime
    http_status: int
    warc_record_id: str | None
    parser: str
    blocks: tuple[Block, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def body_text(self) -> str:
        return blocks_plain_text(self.blocks)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: datetimes as ISO 8601 with their offset, dates as YYYY-MM-DD."""
        return {name: encode(getattr(self, name)) for name, encode in _ENCODERS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArticleRecord:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` naming the field that is wrong. Keys that are
        not fields (the ``seed_text`` that older crawls wrote, say) are ignored."""
        missing = sorted(c.name for c in RECORD_COLUMNS if c.name not in data and c.name != "extra")
        if missing:
            raise ValueError(f"article record is missing field(s): {', '.join(missing)}")
        try:
            return cls(**{name: decode(data.get(name)) for name, decode in _DECODERS})
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad article record for {data.get('url')!r}: {exc}") from exc


def _optional_iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


_TO_JSON: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: lambda value: value,
    Kind.INTEGER: lambda value: value,
    Kind.TIMESTAMP: _optional_iso,
    Kind.DATE: _optional_iso,
    Kind.TEXT_LIST: list,
    Kind.BLOCKS: lambda blocks: [block_to_dict(b) for b in blocks],
    Kind.JSON: lambda value: value,
}


def _timestamp(value: Any, name: str) -> datetime:
    # to_dict writes isoformat(), which fromisoformat reads straight back; anything else takes the long way.
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return require_timestamp(value, name)


_FROM_JSON: dict[Kind, Callable[[Any, str], Any]] = {
    Kind.TEXT: lambda value, _name: str(value),
    Kind.INTEGER: lambda value, _name: int(value),
    Kind.TIMESTAMP: _timestamp,
    Kind.DATE: lambda value, _name: date.fromisoformat(str(value)),
    Kind.TEXT_LIST: lambda value, _name: tuple(str(item) for item in value),
    Kind.BLOCKS: lambda value, _name: tuple(block_from_dict(b) for b in value),
    Kind.JSON: lambda value, _name: dict(value),
}


def _decoder(column: Column) -> Callable[[Any], Any]:
    """The JSON -> Python conversion of one field: a null or empty optional value is None, a missing list
    or mapping is empty, anything else is converted by the column's kind (ValueError names the field)."""
    convert, name = _FROM_JSON[column.kind], column.name
    if column.nullable:
        return lambda value: None if value is None or value == "" else convert(value, name)
    empty: Any = {} if column.kind is Kind.JSON else ()
    if column.kind in (Kind.TEXT_LIST, Kind.BLOCKS, Kind.JSON):
        return lambda value: convert(empty if value is None else value, name)
    return lambda value: convert(value, name)


# One (field, converter) pair per record column, worked out once: a record is read and written per line.
_ENCODERS = tuple((c.name, _TO_JSON[c.kind]) for c in RECORD_COLUMNS)
_DECODERS = tuple((c.name, _decoder(c)) for c in RECORD_COLUMNS)
