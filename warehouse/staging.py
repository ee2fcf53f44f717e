"""The loader's temporary staging tables: a batch is bulk-inserted here, then moved with set-based SQL.

They are session-local temporary tables (dropped at commit on PostgreSQL, dropped by the loader on
SQLite), so concurrent loads never see each other's batches and nothing of them reaches a dump.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, MetaData, Table, Text

from warehouse.types import UTCDateTime

staging_metadata = MetaData()


def _temporary(name: str, *columns: Column) -> Table:
    return Table(name, staging_metadata, *columns, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


batch = _temporary(
    "newsetl_load_batch",
    Column("row_no", Integer, primary_key=True, autoincrement=False),
    Column("url", Text),
    Column("source", Text),
    Column("edition", Text),
    Column("language", Text),
    Column("section", Text),
    Column("headline", Text),
    Column("authors", Text),
    Column("tags", Text),
    Column("published_at", UTCDateTime()),
    Column("modified_at", UTCDateTime()),
    Column("collected_on", Date),
    Column("fetched_at", UTCDateTime()),
    Column("parser", Text),
    Column("body_text", Text),
    Column("seed_text", Text),
    Column("content_hash", Text),
    Column("word_count", Integer),
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
