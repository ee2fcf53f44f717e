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


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if name is None:
        return True
    if type_ == "table" and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False
    if type_ == "column" and name == SEARCH_COLUMN:
        return False
    if type_ == "index" and name == SEARCH_INDEX:
        return False
    return name not in VIEW_NAMES
