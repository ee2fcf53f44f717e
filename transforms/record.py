"""The typed article record: defined once here, produced by the spiders, stored by the warehouse.

Every field is documented in docs/article-record.md; a test checks that the table there and the
dataclass below list the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from transforms.blocks import Block, block_from_dict, block_to_dict, blocks_plain_text


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    url: str
    source: str
    edition: str
    language: str
    headline: str
    authors: tuple[str, ...]
    published_at: datetime | None
    modified_at: datetime | None
    tags: tuple[str, ...]
    section: str | None
    blocks: tuple[Block, ...]
    seed_text: str
    collected_on: date
    fetched_at: datetime
    http_status: int
    warc_record_id: str | None
    parser: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def body_text(self) -> str:
        return blocks_plain_text(self.blocks)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: datetimes as ISO 8601 with their offset, dates as YYYY-MM-DD."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "blocks":
                value = [block_to_dict(b) for b in value]
            elif isinstance(value, datetime | date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleRecord:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` naming the field that is wrong."""
        names = {f.name for f in fields(cls)}
        missing = sorted(names - set(data) - {"extra"})
        if missing:
            raise ValueError(f"article record is missing field(s): {', '.join(missing)}")
        try:
            return cls(
                url=str(data["url"]),
                source=str(data["source"]),
                edition=str(data["edition"]),
                language=str(data["language"]),
                headline=str(data["headline"]),
                authors=tuple(str(a) for a in data["authors"] or ()),
                published_at=_datetime_or_none(data["published_at"], "published_at"),
                modified_at=_datetime_or_none(data["modified_at"], "modified_at"),
                tags=tuple(str(t) for t in data["tags"] or ()),
                section=None if data["section"] is None else str(data["section"]),
                blocks=tuple(block_from_dict(b) for b in data["blocks"] or ()),
                seed_text=str(data["seed_text"]),
                collected_on=date.fromisoformat(str(data["collected_on"])),
                fetched_at=_datetime(data["fetched_at"], "fetched_at"),
                http_status=int(data["http_status"]),
                warc_record_id=None if data["warc_record_id"] is None else str(data["warc_record_id"]),
                parser=str(data["parser"]),
                extra=dict(data.get("extra") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad article record for {data.get('url')!r}: {exc}") from exc


def _datetime(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name}={value!r} is not an ISO 8601 timestamp") from None


def _datetime_or_none(value: Any, name: str) -> datetime | None:
    return None if value is None or value == "" else _datetime(value, name)


RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ArticleRecord))
