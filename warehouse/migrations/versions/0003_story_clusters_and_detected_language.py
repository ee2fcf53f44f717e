"""Story clusters and detected language: ``articles.story_id``, ``.detected_language``, three views.

``story_id`` groups near-duplicate articles (a syndicated or re-posted story, across sources) under one id
(``story_signature`` keeps the MinHash signature it was computed from);
``detected_language`` is the language the text is written in, detected from the body. Both are set by the
load (warehouse/stories.py, warehouse/language.py); rows loaded before this revision stay NULL until a
later load clusters them (the views count such an article as a story of its own).

Views (each a CTE query with a stated grain; see docs/warehouse.md): v_story_articles, v_stories,
v_daily_stories. Days are UTC days.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The queries below write PUBLISHED_DAY for the UTC day of a.published_at (the engines spell it
# differently, as in 0002's DAY_UTC macro) and STORY_KEY for an article's story: an article not clustered
# yet is a story of its own, keyed by its article id (which cannot collide with 16 hex digits).
_PUBLISHED_DAY = {
    "sqlite": "date(a.published_at)",
    "postgresql": "CAST((a.published_at AT TIME ZONE 'UTC') AS DATE)",
}
_STORY_KEY = "COALESCE(a.story_id, 'article-' || CAST(a.article_id AS VARCHAR(20)))"


def _views(dialect: str) -> dict[str, str]:
    return {
        name: query.replace("PUBLISHED_DAY", _PUBLISHED_DAY[dialect]).replace("STORY_KEY", _STORY_KEY).strip()
        for name, query in _VIEWS.items()
    }


_VIEWS = {
    "v_story_articles": """
-- Grain: one row per article, with the story it belongs to and how many copies that story has.
WITH keyed AS (
    -- grain: one row per article
    SELECT a.article_id, STORY_KEY AS story_key
    FROM articles AS a
),
sizes AS (
    -- grain: one row per story
    SELECT story_key, COUNT(*) AS story_articles
    FROM keyed
    GROUP BY story_key
)
SELECT
    a.article_id, a.url, a.source, a.edition, a.language, a.detected_language, a.headline,
    a.published_at, PUBLISHED_DAY AS published_day, k.story_key AS story_id, s.story_articles
FROM articles AS a
JOIN keyed AS k ON k.article_id = a.article_id
JOIN sizes AS s ON s.story_key = k.story_key
""",
    "v_stories": """
-- Grain: one row per story (a cluster of near-duplicate articles; an unclustered article is its own).
WITH keyed AS (
    -- grain: one row per article
    SELECT STORY_KEY AS story_key, a.source, a.detected_language, a.published_at
    FROM articles AS a
)
SELECT
    story_key AS story_id,
    COUNT(*) AS articles,
    COUNT(DISTINCT source) AS sources,
    COUNT(DISTINCT detected_language) AS languages,
    MIN(published_at) AS first_published_at,
    MAX(published_at) AS last_published_at
FROM keyed
GROUP BY story_key
""",
    "v_daily_stories": """
-- Grain: one row per UTC publication day with at least one article. A story with copies on two days
-- counts on both. Articles without a publication time are not counted.
WITH dated AS (
    -- grain: one row per article that has a publication time
    SELECT PUBLISHED_DAY AS published_day, STORY_KEY AS story_key, a.source
    FROM articles AS a
    WHERE a.published_at IS NOT NULL
)
SELECT
    published_day,
    COUNT(*) AS articles,
    COUNT(DISTINCT story_key) AS stories,
    COUNT(*) - COUNT(DISTINCT story_key) AS duplicates,
    COUNT(DISTINCT source) AS sources
FROM dated
GROUP BY published_day
""",
}


def upgrade() -> None:
    op.add_column("articles", sa.Column("story_id", sa.String(length=16), nullable=True))
    op.add_column("articles", sa.Column("story_signature", sa.LargeBinary(), nullable=True))
    op.add_column("articles", sa.Column("detected_language", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_articles_story_id"), "articles", ["story_id"], unique=False)
    for name, query in _views(op.get_bind().dialect.name).items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade() -> None:
    for name in reversed(list(_views(op.get_bind().dialect.name))):
        op.execute(f"DROP VIEW {name}")
    op.drop_index(op.f("ix_articles_story_id"), table_name="articles")
    op.drop_column("articles", "detected_language")
    op.drop_column("articles", "story_signature")
    op.drop_column("articles", "story_id")
