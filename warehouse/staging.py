"""The loader's temporary staging tables: a batch is bulk-inserted here, then moved with set-based SQL.

The batch table's data columns are the staged columns the load reads (``BATCH_COLUMNS``, from the article
schema in ``transforms.schema``). The tables are session-local temporary tables (dropped at commit on
PostgreSQL, dropped by the loader on SQLite), so concurrent loads never see each other's batches and
nothing of them reaches a dump.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Date, Index, Integer, MetaData, Table, Text
from sqlalchemy.types import TypeEngine

from transforms.schema import ARTICLE_COLUMNS, Kind
from transforms.schema import Column as SchemaColumn
from warehouse.types import UTCDateTime

BATCH_COLUMNS: tuple[SchemaColumn, ...] = tuple(
    c for c in ARTICLE_COLUMNS if c.stored or c.name == "fetched_at"
)
"""The staged columns the load reads: those the warehouse keeps, and the fetch time (its seen-times)."""


def staging_type(kind: Kind) -> TypeEngine[Any]:
    """The staging column type of a schema kind (a text list travels as its JSON text)."""
    types: dict[Kind, TypeEngine[Any]] = {
        Kind.TEXT: Text(),
        Kind.TEXT_LIST: Text(),
        Kind.INTEGER: Integer(),
        Kind.TIMESTAMP: UTCDateTime(),
        Kind.DATE: Date(),
    }
    return types[kind]


staging_metadata = MetaData()


def _temporary(name: str, *columns: Column[Any]) -> Table:
    return Table(name, staging_metadata, *columns, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


batch = _temporary(
    "newsetl_load_batch",
    Column("row_no", Integer, primary_key=True, autoincrement=False),
    *(Column(c.name, staging_type(c.kind)) for c in BATCH_COLUMNS),
    Column("payload", Text),
    # Filled in by the loader's statements:
    Column("reject_reason", Text),
    Column("article_id", Integer),
    Column("action", Text),
)

batch_tags = _temporary(
    "newsetl_load_tags",
    Column("row_no", Integer),
    Column("position", Integer),
    Column("tag", Text),
)

batch_rejects = _temporary(
    "newsetl_load_rejects",
    Column("row_no", Integer, primary_key=True, autoincrement=False),
    Column("url", Text),
    Column("stage", Text),
    Column("reason", Text),
    Column("payload", Text),
)

# The loader's statements look batch rows up by URL (duplicates), by article (updates) and tags by row.
Index("newsetl_load_batch_url", batch.c.url)
Index("newsetl_load_batch_article", batch.c.article_id)
Index("newsetl_load_tags_row", batch_tags.c.row_no)

STAGING_TABLES = (batch, batch_tags, batch_rejects)
