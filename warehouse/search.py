"""Full-text search over headlines and bodies: one query form on both engines.

The form is "every word must occur" (case-insensitive, whole words), best matches first, ties broken by
newer publication. On SQLite it runs on the FTS5 table ``articles_fts`` (bm25, headline weighted 10:1);
on PostgreSQL on ``articles.search_vector`` (ts_rank, headline weight A over body weight B). docs/warehouse.md
shows the SQL of both for analysts who query directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

from warehouse.types import UTCDateTime

_WORD = re.compile(r"\w+")
# Bounds on LIMIT: below 1 PostgreSQL refuses it (DataError), past the engines' integers they overflow.
MAX_LIMIT = 1_000_000

_SQLITE = """
SELECT a.article_id, a.url, a.headline, a.published_at, a.source, a.edition, a.language,
       -bm25(articles_fts, 10.0, 1.0) AS score
FROM articles_fts
JOIN articles AS a ON a.article_id = articles_fts.rowid
WHERE articles_fts MATCH :query
ORDER BY score DESC, a.published_at DESC, a.article_id
LIMIT :limit
"""

_POSTGRESQL = """
SELECT a.article_id, a.url, a.headline, a.published_at, a.source, a.edition, a.language,
       ts_rank(a.search_vector, q.query) AS score
FROM articles AS a, to_tsquery('simple', :query) AS q(query)
WHERE a.search_vector @@ q.query
ORDER BY score DESC, a.published_at DESC NULLS LAST, a.article_id
LIMIT :limit
"""


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    url: str
    headline: str
    published_at: datetime | None
    source: str
    edition: str
    language: str
    score: float


def search_words(query: str) -> list[str]:
    words = _WORD.findall(query)
    if not words:
        raise ValueError(f"search query {query!r} has no words to look for")
    return words


def engine_query(dialect: str, query: str) -> tuple[str, str]:
    """The SQL and its ``:query`` argument for ``dialect`` (what the docs show analysts)."""
    words = search_words(query)
    if dialect == "sqlite":
        # Quoted FTS5 strings: each word literally, all required, no operators from user input.
        return _SQLITE, " ".join(f'"{w}"' for w in words)
    if dialect == "postgresql":
        return _POSTGRESQL, " & ".join(words)
    raise ValueError(f"full-text search is not available on {dialect}")


def check_search(query: str, limit: int) -> None:
    """Raise ValueError when the query has no words or the limit is out of range (before any SQL runs)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"search limit {limit!r}: expected a whole number from 1 to {MAX_LIMIT}")
    search_words(query)


def search_articles(engine: Engine, query: str, *, limit: int = 20) -> list[SearchHit]:
    check_search(query, limit)
    sql, argument = engine_query(engine.dialect.name, query)
    statement = text(sql).columns(published_at=UTCDateTime())
    with engine.connect() as conn:
        rows = conn.execute(statement, {"query": argument, "limit": limit}).mappings().all()
    return [
        SearchHit(
            article_id=int(r["article_id"]),
            url=r["url"],
            headline=r["headline"],
            published_at=r["published_at"],
            source=r["source"],
            edition=r["edition"],
            language=r["language"],
            score=float(r["score"]),
        )
        for r in rows
    ]
