"""Schema objects that exist only in the migrations, not in the models: views and the full-text index.

Alembic's model/database comparison must ignore them (``include_object``), and the views are listed here
once so that migrations, grants and docs tests agree on their names.
"""

from __future__ import annotations

from typing import Any

VIEW_NAMES: tuple[str, ...] = (
    "v_latest_articles",
    "v_article_tags",
    "v_daily_counts",
    "v_crawl_health",
    "v_article_history",
    "v_quarantine",
    "v_story_articles",
    "v_stories",
    "v_daily_stories",
    "v_discovery",
    "v_source_freshness",
)

# SQLite FTS5 keeps its index in shadow tables named after the virtual table.
FTS_TABLE = "articles_fts"
# PostgreSQL keeps the search vector in a generated column of articles with a GIN index.
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_articles_search_vector"
# Indexes for the analysts' queries (migration 0006), some on expressions the models cannot spell alike on
# both engines (the UTC day of published_at); they live in the migrations only.
QUERY_INDEXES: tuple[str, ...] = (
    "ix_articles_daily_counts",
    "ix_articles_daily_stories",
    "ix_articles_edition_counts",
    "ix_articles_detected_language",
    "ix_articles_freshness",
    "ix_articles_changed",
)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if name is None:
        return True
    if type_ == "table" and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False
    if type_ == "column" and name == SEARCH_COLUMN:
        return False
    if type_ == "index" and (name == SEARCH_INDEX or name in QUERY_INDEXES):
        return False
    return name not in VIEW_NAMES
