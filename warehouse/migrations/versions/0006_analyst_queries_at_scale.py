"""Analyst queries at a million articles: indexes for the documented questions, and four views redefined
so that a filter reaches the tables' indexes instead of running after a pass over every row.

Same answers, cheaper plans (tests/warehouse/test_query_scale.py compares each with its old definition):

- ``v_latest_articles.version_count`` is ``articles.current_version``: the loader numbers an article's
  versions 1, 2, … and sets current_version to the last, so the count per article needs no pass over
  ``article_versions`` (the old form grouped all of it before any filter).
- ``v_article_history`` finds the previous version by its number (version - 1, the same numbering) with an
  index lookup, instead of a window over every version: a filter on ``url`` or ``run_id`` now reads a few
  rows.
- ``v_daily_stories`` counts stories as distinct story ids plus the unclustered articles (each its own
  story, keyed ``article-N``, which no 16-hex-digit story id equals), so it groups plain columns a covering
  index holds.
- ``v_source_freshness`` finds each source's newest article with one index lookup per source.

Indexes (the models do not list them; schema_objects.QUERY_INDEXES), each holding every column its queries
read, in the order they group by, so that the engines answer from the index alone: the UTC publication day
with source, edition, language and word count (``v_daily_counts``, and questions about one day), the day with
story and source (``v_daily_stories``), edition and language with word count and source (counts per
edition), detected and declared language, source with first_seen_at (freshness), and the URLs of articles
with more than one version (a partial index: articles that changed, in URL order).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The UTC day of published_at, spelt exactly as the views spell it, so the engines match an index on it.
_DAY = {
    "sqlite": "date(published_at)",
    "postgresql": "CAST((published_at AT TIME ZONE 'UTC') AS DATE)",
}

# name -> (table, indexed expressions with DAY for the UTC day, WHERE of a partial index or "");
# kept in sync with schema_objects.QUERY_INDEXES.
_INDEXES = {
    "ix_articles_daily_counts": ("articles", "DAY, source, edition, language, word_count, published_at", ""),
    "ix_articles_daily_stories": ("articles", "DAY, story_id, source, published_at", ""),
    "ix_articles_edition_counts": ("articles", "edition, language, word_count, source", ""),
    "ix_articles_detected_language": ("articles", "detected_language, language", ""),
    "ix_articles_freshness": ("articles", "source, first_seen_at", ""),
    "ix_articles_changed": ("articles", "url", "current_version > 1"),
}

_VIEWS = {
    "v_latest_articles": """
-- Grain: one row per article (canonical URL), showing its latest content. version_count: its versions
-- are numbered 1, 2, … and current_version is the last, so it is the number of versions.
SELECT
    a.article_id, a.url, a.source, s.label AS source_label, a.edition, a.language, a.section,
    a.headline, a.authors, a.published_at, DAY_OF(a.published_at) AS published_day,
    a.modified_at, a.collected_on, a.first_seen_at, a.last_seen_at, a.word_count, a.content_hash,
    a.current_version, a.current_version AS version_count, a.last_run_id, a.body_text
FROM articles AS a
JOIN sources AS s ON s.source = a.source
""",
    "v_article_history": """
-- Grain: one row per article version (every distinct content an article has had). The previous version
-- is the one numbered one less (versions are numbered 1, 2, … per article).
SELECT
    a.article_id, a.url, a.source, a.edition, v.version,
    CASE WHEN v.version = a.current_version THEN 1 ELSE 0 END AS is_current,
    v.content_hash, p.content_hash AS previous_hash, v.headline, v.word_count,
    v.word_count - p.word_count AS word_count_change,
    v.published_at, v.modified_at, v.seen_at, v.run_id, r.dag_run_id
FROM article_versions AS v
JOIN articles AS a ON a.article_id = v.article_id
JOIN crawl_runs AS r ON r.run_id = v.run_id
LEFT JOIN article_versions AS p ON p.article_id = v.article_id AND p.version = v.version - 1
""",
    "v_daily_stories": """
-- Grain: one row per UTC publication day with at least one article. A story with copies on two days
-- counts on both. Articles without a publication time are not counted. An article without a story id is
-- a story of its own: stories = distinct story ids + articles without one.
WITH dated AS (
    -- grain: one row per article that has a publication time
    SELECT DAY_OF(a.published_at) AS published_day, a.story_id, a.source
    FROM articles AS a
    WHERE a.published_at IS NOT NULL
)
SELECT
    published_day,
    COUNT(*) AS articles,
    COUNT(DISTINCT story_id) + COUNT(*) - COUNT(story_id) AS stories,
    COUNT(story_id) - COUNT(DISTINCT story_id) AS duplicates,
    COUNT(DISTINCT source) AS sources
FROM dated
GROUP BY published_day
""",
    "v_source_freshness": """
-- Grain: one row per source. last_successful_run_at: the latest loaded ingest or backfill run whose discovery
-- did not all fail; last_new_article_at: the latest first_seen_at of the source's articles. A source is
-- stale when it has been crawled and has no article, or none first seen within max_quiet_hours.
WITH crawled AS (
    -- grain: one row per source with an ingest or backfill run
    SELECT
        source,
        -- a run whose discovery URLs all failed is not a successful run, whatever it loaded
        MAX(CASE WHEN status = 'loaded' AND NOT (discovery_urls > 0 AND discovery_failed = discovery_urls)
                 THEN started_at END) AS last_successful_run_at
    FROM crawl_runs
    WHERE kind IN ('ingest', 'backfill')
    GROUP BY source
),
newest AS (
    -- grain: one row per source (NULL when it has no article): one index lookup each
    SELECT s.source, (SELECT MAX(a.first_seen_at) FROM articles AS a WHERE a.source = s.source)
        AS last_new_article_at
    FROM sources AS s
),
ages AS (
    -- grain: one row per source
    SELECT
        s.source, s.label, s.max_quiet_hours, c.source AS crawled_source, c.last_successful_run_at,
        n.last_new_article_at, HOURS_SINCE_LAST_NEW AS hours
    FROM sources AS s
    LEFT JOIN crawled AS c ON c.source = s.source
    LEFT JOIN newest AS n ON n.source = s.source
)
SELECT
    source, label, last_successful_run_at, last_new_article_at, ROUND_1 AS hours_since_new_article,
    max_quiet_hours,
    CASE WHEN crawled_source IS NULL THEN 0
         WHEN hours IS NULL OR hours > max_quiet_hours THEN 1
         ELSE 0 END AS stale
FROM ages
""",
}


def _revision(filename: str) -> ModuleType:
    """An earlier revision's module (file names start with digits, so no import statement reaches them)."""
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(f"_newsetl_revision_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _previous_views(dialect: str) -> dict[str, str]:
    """The definitions this revision replaces, as the revisions that made them wrote them."""
    r0002 = _revision("0002_analyst_views_and_search.py")._views(dialect)
    r0003 = _revision("0003_story_clusters_and_detected_language.py")._views(dialect)
    r0004 = _revision("0004_discovery_outcomes_and_freshness.py")
    return {
        "v_latest_articles": r0002["v_latest_articles"],
        "v_article_history": r0002["v_article_history"],
        "v_daily_stories": r0003["v_daily_stories"],
        "v_source_freshness": r0004._sql(r0004._NEW_VIEWS["v_source_freshness"], dialect),
    }


def _views(dialect: str) -> dict[str, str]:
    macros = dict(_revision("0004_discovery_outcomes_and_freshness.py")._MACROS[dialect])
    views = {}
    for name, query in _VIEWS.items():
        query = query.replace(
            "DAY_OF(a.published_at)", _DAY[dialect].replace("published_at", "a.published_at")
        )
        for macro, replacement in macros.items():
            query = query.replace(macro, replacement)
        views[name] = query.strip()
    return views


def _replace_views(views: dict[str, str]) -> None:
    for name, query in views.items():
        op.execute(f"DROP VIEW {name}")
        op.execute(f"CREATE VIEW {name} AS {query}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, (table, columns, where) in _INDEXES.items():
        indexed = columns.replace("DAY", "(" + _DAY[dialect] + ")")
        op.execute(f"CREATE INDEX {name} ON {table} ({indexed})" + (f" WHERE {where}" if where else ""))
    _replace_views(_views(dialect))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _replace_views(_previous_views(dialect))
    for name in reversed(list(_INDEXES)):
        op.execute(f"DROP INDEX {name}")
