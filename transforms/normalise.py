"""Article records -> rows of the staged table (``records.parquet``), as the transform step writes them.

Normalising trims the texts, lower-cases the language, drops empty and repeated tags, and puts every
timestamp in UTC. The derived columns come from the record's blocks in this one step: the plain body text,
the seed document (rendered with the source's label), the word count and the content hash. The hash leaves
out everything about *when* and *how* the page was seen (collection date, fetch time, declared modification
time, status, parser), so a re-crawl of unchanged text hashes the same. The columns and their Parquet
types are the article schema's (``transforms.schema``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from transforms.blocks import block_to_dict
from transforms.record import ArticleRecord
from transforms.schema import REJECT_COLUMNS, arrow_schema
from transforms.seed import SeedDocument, layout, render
from transforms.sources import Source

if TYPE_CHECKING:
    import pyarrow as pa


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON with non-ASCII kept: the same value always gives the same bytes."""
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
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def seed_document(record: ArticleRecord, label: str) -> SeedDocument:
    """The seed document of a record, under its source's label."""
    return SeedDocument(
        record.collected_on, record.headline.strip(), label, record.blocks, record.url.strip()
    )


def staged_row(record: ArticleRecord, label: str, *, validated: bool = False) -> dict[str, Any]:
    """One record as a staged row (plain Python values, every column of the article schema).

    ``label`` is the source's label, written in the seed document. Raises ``ValueError`` when the record
    cannot be rendered as a seed document, unless ``validated`` says that ``transforms.validate`` passed
    the record already (its rules include that one), in which case the document is not checked again.
    """
    headline = record.headline.strip()
    tags = list(dict.fromkeys(t.strip() for t in record.tags if t.strip()))
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
        "authors": authors,
        "tags": tags,
        "published_at": _utc(record.published_at),
        "modified_at": _utc(record.modified_at),
        "collected_on": record.collected_on,
        "fetched_at": _utc(record.fetched_at),
        "http_status": int(record.http_status),
        "warc_record_id": record.warc_record_id,
        "parser": record.parser,
        "blocks": blocks,
        "body_text": body,
        "seed_text": (layout if validated else render)(seed_document(record, label)),
        "content_hash": content_hash(headline, authors, tags, section, blocks),
        "word_count": len(body.split()),
        "extra": canonical_json(record.extra),
    }


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"timestamp {value.isoformat()} has no UTC offset")
    return value.astimezone(UTC)


def articles_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Staged rows as an Arrow table of the article schema."""
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=arrow_schema())


def stage_records(records: Iterable[ArticleRecord], sources: Mapping[str, Source]) -> pa.Table:
    """The staged table of ``records``, each labelled by its source in ``sources``."""
    return articles_table([staged_row(r, sources[r.source].label) for r in records])


def reject(url: str, stage: str, reason: str, payload: Any) -> dict[str, Any]:
    """A row of ``rejects.parquet``: what was turned away, where, why, and what it was."""
    return {"url": url, "stage": stage, "reason": reason, "payload": canonical_json(payload)}


def rejects_table(rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=arrow_schema(REJECT_COLUMNS))
