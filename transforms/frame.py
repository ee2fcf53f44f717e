"""Article records <-> the normalised pandas DataFrame that the transform step stages and the loader loads.

One row per article record. Columns, in order (``FRAME_COLUMNS`` holds the same descriptions):

| column | dtype | meaning |
|---|---|---|
| url | str | canonical article URL, surrounding whitespace removed |
| source | str | source key (seeds/sources.yaml) |
| edition | str | the source's edition key |
| language | str | BCP 47 language, lower-cased |
| section | str or None | site section |
| headline | str | headline, trimmed |
| authors | str | JSON array of author names, page order |
| tags | str | JSON array of tags, page order, duplicates removed |
| published_at | datetime64[us, UTC] | publication time in UTC (NaT when unknown) |
| modified_at | datetime64[us, UTC] | declared modification time in UTC (NaT when unknown) |
| collected_on | str | collection date, YYYY-MM-DD |
| fetched_at | datetime64[us, UTC] | fetch time in UTC |
| http_status | int64 | HTTP status of the parsed response |
| warc_record_id | str or None | WARC-Record-ID of the response |
| parser | str | parser name and version |
| blocks | str | JSON array of the body blocks (``block_to_dict``) |
| body_text | str | plain body text: blocks separated by a blank line |
| seed_text | str | the seed-format document |
| content_hash | str | sha256 (hex) of the content: headline, authors, tags, section and blocks |
| word_count | int64 | whitespace-separated words in body_text |
| extra | str | JSON object of parser extras |

The content hash leaves out everything about *when* and *how* the page was seen (collection date, fetch
time, declared modification time, status, parser), so a re-crawl of unchanged text hashes the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from transforms.blocks import block_from_dict, block_to_dict
from transforms.record import ArticleRecord

FRAME_COLUMNS: dict[str, str] = {
    "url": "canonical article URL",
    "source": "source key",
    "edition": "edition key",
    "language": "BCP 47 language, lower-cased",
    "section": "site section or None",
    "headline": "headline, trimmed",
    "authors": "JSON array of author names",
    "tags": "JSON array of tags, duplicates removed",
    "published_at": "publication time, UTC (NaT when unknown)",
    "modified_at": "declared modification time, UTC (NaT when unknown)",
    "collected_on": "collection date, YYYY-MM-DD",
    "fetched_at": "fetch time, UTC",
    "http_status": "HTTP status",
    "warc_record_id": "WARC-Record-ID or None",
    "parser": "parser name and version",
    "blocks": "JSON array of body blocks",
    "body_text": "plain body text",
    "seed_text": "seed-format document",
    "content_hash": "sha256 hex of headline, authors, tags, section and blocks",
    "word_count": "words in body_text",
    "extra": "JSON object of parser extras",
}
TIMESTAMP_COLUMNS = ("published_at", "modified_at", "fetched_at")
INTEGER_COLUMNS = ("http_status", "word_count")
REJECT_COLUMNS: dict[str, str] = {
    "url": "URL of the rejected page or record ('' when unknown)",
    "stage": "where it was rejected: crawl, record, validate or load",
    "reason": "why, readable",
    "payload": "JSON of what was rejected (the item, or the outcome line)",
}


def _json(value: Any) -> str:
    # Compact, key-sorted and non-ASCII kept: the same value always gives the same bytes.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(
    headline: str, authors: Iterable[str], tags: Iterable[str], section: str | None, blocks: Any
) -> str:
    document = {
        "headline": headline,
        "authors": list(authors),
        "tags": list(tags),
        "section": section,
        "blocks": blocks,
    }
    return hashlib.sha256(_json(document).encode("utf-8")).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"timestamp {value.isoformat()} has no UTC offset")
    return value.astimezone(UTC)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def record_row(record: ArticleRecord) -> dict[str, Any]:
    """One record as a frame row (plain Python values)."""
    headline = record.headline.strip()
    tags = _unique(t.strip() for t in record.tags if t.strip())
    authors = [a.strip() for a in record.authors if a.strip()]
    section = record.section.strip() if record.section and record.section.strip() else None
    blocks = [block_to_dict(b) for b in record.blocks]
    body = record.body_text
    return {
        "url": record.url.strip(),
        "source": record.source.strip(),
        "edition": record.edition.strip(),
        "language": record.language.strip().lower(),
        "section": section,
        "headline": headline,
        "authors": _json(authors),
        "tags": _json(tags),
        "published_at": _utc(record.published_at),
        "modified_at": _utc(record.modified_at),
        "collected_on": record.collected_on.isoformat(),
        "fetched_at": _utc(record.fetched_at),
        "http_status": int(record.http_status),
        "warc_record_id": record.warc_record_id,
        "parser": record.parser,
        "blocks": _json(blocks),
        "body_text": body,
        "seed_text": record.seed_text,
        "content_hash": content_hash(headline, authors, tags, section, blocks),
        "word_count": len(body.split()),
        "extra": _json(record.extra),
    }


def frame_from_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    for column in TIMESTAMP_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
    for column in INTEGER_COLUMNS:
        frame[column] = frame[column].astype("int64")
    for column in ("section", "warc_record_id"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def records_to_frame(records: Iterable[ArticleRecord]) -> pd.DataFrame:
    """The normalised frame of ``records`` (columns as documented above, in that order)."""
    return frame_from_rows([record_row(r) for r in records])


def empty_frame() -> pd.DataFrame:
    return frame_from_rows([])


def _timestamp(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def frame_to_records(frame: pd.DataFrame) -> list[ArticleRecord]:
    """Inverse of :func:`records_to_frame` (timestamps come back in UTC, text as normalised)."""
    check_frame(frame)
    records = []
    for row in frame.to_dict(orient="records"):
        fetched_at = _timestamp(row["fetched_at"])
        if fetched_at is None:
            raise ValueError(f"frame row for {row['url']!r} has no fetched_at")
        records.append(
            ArticleRecord(
                url=row["url"],
                source=row["source"],
                edition=row["edition"],
                language=row["language"],
                headline=row["headline"],
                authors=tuple(json.loads(row["authors"])),
                published_at=_timestamp(row["published_at"]),
                modified_at=_timestamp(row["modified_at"]),
                tags=tuple(json.loads(row["tags"])),
                section=row["section"],
                blocks=tuple(block_from_dict(b) for b in json.loads(row["blocks"])),
                seed_text=row["seed_text"],
                collected_on=date.fromisoformat(row["collected_on"]),
                fetched_at=fetched_at,
                http_status=int(row["http_status"]),
                warc_record_id=row["warc_record_id"],
                parser=row["parser"],
                extra=json.loads(row["extra"]),
            )
        )
    return records


def check_frame(frame: pd.DataFrame) -> None:
    """Raise ``ValueError`` naming the missing columns when ``frame`` is not a normalised record frame."""
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"not a normalised record frame: missing column(s) {', '.join(missing)}")


def rejects_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
    return frame.astype({c: object for c in REJECT_COLUMNS})


def reject(url: str, stage: str, reason: str, payload: Any) -> dict[str, Any]:
    return {"url": url, "stage": stage, "reason": reason, "payload": _json(payload)}
