"""The article schema: every column of an article, defined once.

An article travels in three forms. The parser makes an :class:`~transforms.record.ArticleRecord` (a line
of ``items.jsonl``); the transform step normalises it into a row of the staged table
(``records.parquet``: the record's columns plus the ones derived from it); the load step copies the staged
columns the warehouse keeps into ``articles`` and ``article_versions``. Everything that lists columns is
derived from :data:`ARTICLE_COLUMNS`: the record's JSON form, the Parquet schema, the loader's staging
table and SQL column lists. A test checks the warehouse models, the migrated database and the
documentation tables (docs/article-record.md, docs/warehouse.md) against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# Lengths the warehouse columns allow. The loader quarantines a longer value rather than failing the batch.
URL_MAX = 2048
KEY_MAX = 64
HEADLINE_MAX = 1000
PARSER_MAX = 2 * KEY_MAX
HASH_LENGTH = 64  # sha256, hex

ARTICLES = "articles"
VERSIONS = "article_versions"
"""The warehouse tables that keep staged columns under their own names (``Column.stored``)."""


class Kind(Enum):
    """What a column holds, and so how each form writes it."""

    TEXT = "text"
    INTEGER = "integer"
    TIMESTAMP = "timestamp"
    """Timezone-aware; in UTC from the staged table on."""
    DATE = "date"
    TEXT_LIST = "text list"
    """A tuple of strings in a record, a list in JSON and Parquet, a JSON array in the warehouse."""
    BLOCKS = "blocks"
    """The body: a tuple of blocks in a record, a list of ``{kind, text | items}`` in JSON and Parquet."""
    JSON = "json"
    """A free-form mapping: a dict in a record and in JSON, JSON text in Parquet."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str
    nullable: bool = False
    derived: bool = False
    """Computed by the transform step from the record's columns, not a field of the record."""
    stored: tuple[str, ...] = ()
    """The warehouse tables that keep the column under this name."""
    max_length: int | None = None
    """The longest text the warehouse column takes."""


ARTICLE_COLUMNS: tuple[Column, ...] = (
    Column(
        "url",
        Kind.TEXT,
        "canonical article URL on the real site (never the mirror's address)",
        stored=(ARTICLES,),
        max_length=URL_MAX,
    ),
    Column(
        "source",
        Kind.TEXT,
        "source key from `seeds/sources.yaml`, e.g. `pravda`",
        stored=(ARTICLES,),
        max_length=KEY_MAX,
    ),
    Column(
        "edition",
        Kind.TEXT,
        "the source's edition, e.g. `eng`, `ukr`, `rus`",
        stored=(ARTICLES,),
        max_length=KEY_MAX,
    ),
    Column(
        "language",
        Kind.TEXT,
        "BCP 47 language of the text, e.g. `en`, `uk`, `ru` (lower case once staged)",
        stored=(ARTICLES,),
        max_length=KEY_MAX,
    ),
    Column(
        "section",
        Kind.TEXT,
        "the site section (`news`, `articles`, `columns`, …)",
        nullable=True,
        stored=(ARTICLES,),
        max_length=KEY_MAX,
    ),
    Column(
        "headline",
        Kind.TEXT,
        "the article's headline as published",
        stored=(ARTICLES, VERSIONS),
        max_length=HEADLINE_MAX,
    ),
    Column(
        "authors",
        Kind.TEXT_LIST,
        "author names, in page order; empty when the page names none",
        stored=(ARTICLES, VERSIONS),
    ),
    Column(
        "tags",
        Kind.TEXT_LIST,
        "the page's tags or keywords, in page order (repeats removed once staged)",
        stored=(VERSIONS,),
    ),
    Column(
        "published_at",
        Kind.TIMESTAMP,
        "publication time, with the offset the page gave (UTC once staged)",
        nullable=True,
        stored=(ARTICLES, VERSIONS),
    ),
    Column(
        "modified_at",
        Kind.TIMESTAMP,
        "last modification time the page declares (UTC once staged)",
        nullable=True,
        stored=(ARTICLES, VERSIONS),
    ),
    Column(
        "collected_on",
        Kind.DATE,
        "the date the article was collected (the seed document's bullet date)",
        stored=(ARTICLES,),
    ),
    Column("fetched_at", Kind.TIMESTAMP, "when the page was fetched, in UTC"),
    Column("http_status", Kind.INTEGER, "HTTP status of the response the record was parsed from"),
    Column(
        "warc_record_id",
        Kind.TEXT,
        "`WARC-Record-ID` of that response in the run's raw archive",
        nullable=True,
    ),
    Column(
        "parser",
        Kind.TEXT,
        "name and version of the parser that produced the record, e.g. `pravda.news@2025`",
        stored=(ARTICLES,),
        max_length=PARSER_MAX,
    ),
    Column("blocks", Kind.BLOCKS, "the body as paragraphs, headings and lists (see docs/seed-format.md)"),
    Column(
        "body_text",
        Kind.TEXT,
        "the body as plain text: blocks separated by a blank line, list items by a line break",
        derived=True,
        stored=(ARTICLES, VERSIONS),
    ),
    Column(
        "seed_text",
        Kind.TEXT,
        "the seed-format document, rendered from the same blocks with the source's label",
        derived=True,
        stored=(ARTICLES, VERSIONS),
    ),
    Column(
        "content_hash",
        Kind.TEXT,
        "sha256 (hex) of headline, authors, tags, section and blocks: what a new version is judged by",
        derived=True,
        stored=(ARTICLES, VERSIONS),
        max_length=HASH_LENGTH,
    ),
    Column(
        "word_count",
        Kind.INTEGER,
        "whitespace-separated words in `body_text`",
        derived=True,
        stored=(ARTICLES, VERSIONS),
    ),
    Column("extra", Kind.JSON, "anything a parser knows beyond the fields above (kept, not relied on)"),
)

RECORD_COLUMNS: tuple[Column, ...] = tuple(c for c in ARTICLE_COLUMNS if not c.derived)
"""The fields of an article record, in order."""

COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in ARTICLE_COLUMNS}

REJECT_COLUMNS: tuple[Column, ...] = (
    Column("url", Kind.TEXT, "URL of the rejected page or record (`''` when unknown)"),
    Column("stage", Kind.TEXT, "where it was rejected: `crawl`, `record`, `validate` or `load`"),
    Column("reason", Kind.TEXT, "why, readable"),
    Column("payload", Kind.TEXT, "JSON of what was rejected (the item, or the outcome line)"),
)
"""The staged ``rejects.parquet``: what the transform step turned away, for the warehouse's quarantine."""


def stored_columns(table: str) -> tuple[Column, ...]:
    """The staged columns that ``table`` (:data:`ARTICLES` or :data:`VERSIONS`) keeps, in schema order."""
    return tuple(c for c in ARTICLE_COLUMNS if table in c.stored)


def arrow_type(kind: Kind) -> pa.DataType:
    import pyarrow as pa

    if kind is Kind.BLOCKS:
        block = pa.struct([("kind", pa.string()), ("text", pa.string()), ("items", pa.list_(pa.string()))])
        return pa.list_(block)
    return {
        Kind.TEXT: pa.string(),
        Kind.INTEGER: pa.int64(),
        Kind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
        Kind.DATE: pa.date32(),
        Kind.TEXT_LIST: pa.list_(pa.string()),
        Kind.JSON: pa.string(),
    }[kind]


@cache
def arrow_schema(columns: tuple[Column, ...] = ARTICLE_COLUMNS) -> pa.Schema:
    """The Parquet schema of a staged table of ``columns`` (the articles' by default)."""
    import pyarrow as pa

    return pa.schema([pa.field(c.name, arrow_type(c.kind), nullable=c.nullable) for c in columns])


def documentation_table(columns: tuple[Column, ...]) -> str:
    """The Markdown table of ``columns`` as docs/article-record.md shows it (a test compares them)."""
    lines = ["| column | kind | meaning |", "|---|---|---|"]
    for column in columns:
        kind = column.kind.value + (" or null" if column.nullable else "")
        lines.append(f"| `{column.name}` | {kind} | {column.doc} |")
    return "\n".join(lines)
