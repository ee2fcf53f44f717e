"""Analyst views and full-text search over headline and body.

Views (each a CTE query with a stated grain; see docs/warehouse.md): v_latest_articles, v_article_tags,
v_daily_counts, v_crawl_health, v_article_history, v_quarantine. Days are UTC days.

Search: on SQLite an external-content FTS5 table ``articles_fts`` kept in sync with ``articles`` by
triggers (updates only when headline or body change, so refreshing last_seen_at leaves the index alone);
on PostgreSQL a generated ``search_vector`` tsvector column with a GIN index. Both use language-neutral
tokenising (FTS5 unicode61 without diacritic folding, PostgreSQL's 'simple' configuration) because the
sources publish in English, Ukrainian and Russian side by side.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The only engine differences in the views are two macros, written DAY_UTC(col) and
# SECONDS_BETWEEN(start, end) in the queries below: a UTC timestamp's day, and a duration in seconds.
_MACROS = {
    "sqlite": {
        "DAY_UTC": r"date(\1)",
        "SECONDS_BETWEEN": r"CAST(ROUND((julianday(\2) - julianday(\1)) * 86400.0) AS INTEGER)",
    },
    "postgresql": {
        "DAY_UTC": r"CAST((\1 AT TIME ZONE 'UTC') AS DATE)",
        "SECONDS_BETWEEN": r"CAST(ROUND(EXTRACT(EPOCH FROM (\2 - \1))) AS INTEGER)",
    },
}
_MACRO_CALL = {
    "DAY_UTC": re.compile(r"DAY_UTC\(([\w.]+)\)"),
    "SECONDS_BETWEEN": re.compile(r"SECONDS_BETWEEN\(([\w.]+), ([\w.]+)\)"),
}


def _views(dialect: str) -> dict[str, str]:
    views = {}
    for name, query in _VIEWS.items():
        for macro, pattern in _MACRO_CALL.items():
            query = pattern.sub(_MACROS[dialect][macro], query)
        views[name] = query.strip()
    return views


_VIEWS = {
    "v_latest_articles": """
-- Grain: one row per article (canonical URL), showing its latest content.
WITH version_counts AS (
    -- grain: one row per article
    SELECT article_id, COUNT(*) AS version_count
    FROM article_versions
    GROUP BY article_id
)
SELECT
    a.article_id, a.url, a.source, s.label AS source_label, a.edition, a.language, a.section,
    a.headline, a.authors, a.published_at, DAY_UTC(a.published_at) AS published_day,
    a.modified_at, a.collected_on, a.first_seen_at, a.last_seen_at, a.word_count, a.content_hash,
    a.current_version, vc.version_count, a.last_run_id, a.body_text
FROM articles AS a
JOIN sources AS s ON s.source = a.source
JOIN version_counts AS vc ON vc.article_id = a.article_id
""",
    "v_article_tags": """
-- Grain: one row per (article, tag) of the article's latest content.
WITH tagged AS (
    SELECT at.article_id, t.name AS tag
    FROM article_tags AS at
    JOIN tags AS t ON t.tag_id = at.tag_id
)
SELECT a.article_id, a.url, a.source, a.edition, a.language, tagged.tag
FROM tagged
JOIN articles AS a ON a.article_id = tagged.article_id
""",
    "v_daily_counts": """
-- Grain: one row per (UTC publication day, source, edition, language) with at least one article.
-- Articles without a publication time are not counted here.
WITH dated AS (
    -- grain: one row per article that has a publication time
    SELECT DAY_UTC(published_at) AS published_day, source, edition, language, word_count
    FROM articles
    WHERE published_at IS NOT NULL
)
SELECT
    published_day, source, edition, language,
    COUNT(*) AS articles,
    SUM(word_count) AS words
FROM dated
GROUP BY published_day, source, edition, language
""",
    "v_crawl_health": """
-- Grain: one row per crawl run.
WITH runs AS (
    SELECT
        r.*,
        r.inserted + r.updated + r.unchanged AS loaded
    FROM crawl_runs AS r
)
SELECT
    run_id, source, dag_run_id, status, started_at, finished_at,
    SECONDS_BETWEEN(started_at, finished_at) AS duration_seconds,
    discovered, inserted, updated, unchanged, quarantined, skipped, failed, loaded,
    CASE WHEN discovered = 0 THEN NULL
         ELSE ROUND(CAST(100.0 * loaded / discovered AS NUMERIC), 1) END AS loaded_pct,
    CASE WHEN discovered = 0 THEN NULL
         ELSE ROUND(CAST(100.0 * failed / discovered AS NUMERIC), 1) END AS failed_pct
FROM runs
""",
    "v_article_history": """
-- Grain: one row per article version (every distinct content an article has had).
WITH versions AS (
    SELECT
        v.*,
        LAG(v.content_hash) OVER (PARTITION BY v.article_id ORDER BY v.version) AS previous_hash,
        LAG(v.word_count) OVER (PARTITION BY v.article_id ORDER BY v.version) AS previous_word_count
    FROM article_versions AS v
)
SELECT
    a.article_id, a.url, a.source, a.edition, v.version,
    CASE WHEN v.version = a.current_version THEN 1 ELSE 0 END AS is_current,
    v.content_hash, v.previous_hash, v.headline, v.word_count,
    v.word_count - v.previous_word_count AS word_count_change,
    v.published_at, v.modified_at, v.seen_at, v.run_id, r.dag_run_id
FROM versions AS v
JOIN articles AS a ON a.article_id = v.article_id
JOIN crawl_runs AS r ON r.run_id = v.run_id
""",
    "v_quarantine": """
-- Grain: one row per rejected page or record per run (and stage and reason).
WITH rejected AS (
    SELECT q.quarantine_id, q.run_id, q.url, q.stage, q.reason, q.payload
    FROM quarantine AS q
)
SELECT rejected.quarantine_id, rejected.run_id, r.source, r.dag_run_id, r.started_at,
       rejected.url, rejected.stage, rejected.reason, rejected.payload
FROM rejected
JOIN crawl_runs AS r ON r.run_id = rejected.run_id
""",
}


_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "headline, body_text, content='articles', content_rowid='article_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER articles_fts_after_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, headline, body_text) "
    "VALUES (new.article_id, new.headline, new.body_text); END",
    "CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, headline, body_text) "
    "VALUES ('delete', old.article_id, old.headline, old.body_text); END",
    "CREATE TRIGGER articles_fts_after_update AFTER UPDATE OF headline, body_text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, headline, body_text) "
    "VALUES ('delete', old.article_id, old.headline, old.body_text); "
    "INSERT INTO articles_fts(rowid, headline, body_text) "
    "VALUES (new.article_id, new.headline, new.body_text); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
)

_POSTGRESQL_SEARCH = (
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, headline), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_text), 'B')) STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_SEARCH if dialect == "sqlite" else _POSTGRESQL_SEARCH:
        op.execute(statement)
    for name, query in _views(dialect).items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in reversed(list(_views(dialect))):
        op.execute(f"DROP VIEW {name}")
    if dialect == "sqlite":
        for action in ("update", "delete", "insert"):
            op.execute(f"DROP TRIGGER articles_fts_after_{action}")
        op.execute("DROP TABLE articles_fts")
    else:
        op.execute("DROP INDEX ix_articles_search_vector")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")
