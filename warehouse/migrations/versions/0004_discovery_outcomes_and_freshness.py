"""Discovery outcomes, run kinds and source freshness: ``discovery_fetches``, new ``crawl_runs`` and
``sources`` columns, views v_discovery and v_source_freshness, and v_crawl_health redefined.

- ``discovery_fetches``: one row per feed, news sitemap, sitemap index and child sitemap a run asked for
  (``{staged}/discovery.jsonl``, transforms/discovery_log.py), with its HTTP status or error and entries.
- ``crawl_runs``: the run's ``kind`` (ingest, backfill, reparse) and date range, how many discovery URLs it
  asked for and how many failed, and ``known_unchanged`` (the part of ``skipped`` the warehouse already held
  unchanged).
- ``sources.max_quiet_hours``: how long the source may go without a new article before it is stale.
- ``v_crawl_health.loaded_pct`` now counts ``known_unchanged`` as healthy:
  ``100 * (inserted + updated + unchanged + known_unchanged) / discovered``.

Views (each a CTE query with a stated grain; see docs/warehouse.md). Rows loaded before this revision get
kind 'ingest' and 0 discovery URLs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The engine differences, written as macros in the queries below: SECONDS_BETWEEN as in 0002, and
# HOURS_SINCE_LAST_NEW, the hours from the source's newest first_seen_at to now.
_MACROS = {
    "sqlite": {
        "SECONDS_BETWEEN": (
            "CAST(ROUND((julianday(finished_at) - julianday(started_at)) * 86400.0) AS INTEGER)"
        ),
        "HOURS_SINCE_LAST_NEW": "((julianday('now') - julianday(n.last_new_article_at)) * 24.0)",
        "ROUND_1": "ROUND(hours, 1)",
    },
    "postgresql": {
        "SECONDS_BETWEEN": "CAST(ROUND(EXTRACT(EPOCH FROM (finished_at - started_at))) AS INTEGER)",
        "HOURS_SINCE_LAST_NEW": "(EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP - n.last_new_article_at)) / 3600.0)",
        "ROUND_1": "ROUND(CAST(hours AS NUMERIC), 1)",
    },
}

_CRAWL_HEALTH = """
-- Grain: one row per crawl run. URLs skipped as known_unchanged (the warehouse holds them unchanged, so
-- they were not fetched again) count as healthy: loaded_pct = 100 * (loaded + known_unchanged) / discovered.
WITH runs AS (
    SELECT
        r.*,
        r.inserted + r.updated + r.unchanged AS loaded
    FROM crawl_runs AS r
)
SELECT
    run_id, source, dag_run_id, kind, range_since, range_until, status, started_at, finished_at,
    SECONDS_BETWEEN AS duration_seconds,
    discovery_urls, discovery_failed,
    discovered, inserted, updated, unchanged, quarantined, skipped, known_unchanged, failed, loaded,
    CASE WHEN discovered = 0 THEN NULL
         ELSE ROUND(CAST(100.0 * (loaded + known_unchanged) / discovered AS NUMERIC), 1) END AS loaded_pct,
    CASE WHEN discovered = 0 THEN NULL
         ELSE ROUND(CAST(100.0 * failed / discovered AS NUMERIC), 1) END AS failed_pct
FROM runs
"""

# v_crawl_health as 0002 defined it, restored by the downgrade.
_OLD_CRAWL_HEALTH = """
-- Grain: one row per crawl run.
WITH runs AS (
    SELECT
        r.*,
        r.inserted + r.updated + r.unchanged AS loaded
    FROM crawl_runs AS r
)
SELECT
    run_id, source, dag_run_id, status, started_at, finished_at,
    SECONDS_BETWEEN AS duration_seconds,
    discovered, inserted, updated, unchanged, quarantined, skipped, failed, loaded,
    CASE WHEN discovered = 0 THEN NULL
         ELSE ROUND(CAST(100.0 * loaded / discovered AS NUMERIC), 1) END AS loaded_pct,
    CASE WHEN discovered = 0 THEN NULL
         ELSE ROUND(CAST(100.0 * failed / discovered AS NUMERIC), 1) END AS failed_pct
FROM runs
"""

_NEW_VIEWS = {
    "v_discovery": """
-- Grain: one row per discovery URL (feed, news sitemap, sitemap index, child sitemap) a run asked for.
WITH fetches AS (
    SELECT d.*, CASE WHEN d.error <> '' THEN 1 ELSE 0 END AS failed
    FROM discovery_fetches AS d
)
SELECT
    f.run_id, f.seq, f.source, r.kind AS run_kind, r.dag_run_id, r.started_at,
    f.url, f.kind, f.http_status, f.error, f.failed, f.entries_found, f.entries_in_range
FROM fetches AS f
JOIN crawl_runs AS r ON r.run_id = f.run_id
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
    -- grain: one row per source with an article
    SELECT source, MAX(first_seen_at) AS last_new_article_at
    FROM articles
    GROUP BY source
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


def _sql(query: str, dialect: str) -> str:
    for macro, replacement in _MACROS[dialect].items():
        query = query.replace(macro, replacement)
    return query.strip()


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW v_crawl_health")
    op.add_column("sources", sa.Column("max_quiet_hours", sa.Integer(), server_default="24", nullable=False))
    for column in (
        sa.Column("kind", sa.String(length=16), server_default="ingest", nullable=False),
        sa.Column("range_since", sa.Date(), nullable=True),
        sa.Column("range_until", sa.Date(), nullable=True),
        sa.Column("discovery_urls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("discovery_failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("known_unchanged", sa.Integer(), server_default="0", nullable=False),
    ):
        op.add_column("crawl_runs", column)
    op.create_table(
        "discovery_fetches",
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("entries_found", sa.Integer(), nullable=False),
        sa.Column("entries_in_range", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('feed', 'news_sitemap', 'sitemap_index', 'child_sitemap')",
            name=op.f("ck_discovery_fetches_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.run_id"], name=op.f("fk_discovery_fetches_run_id_crawl_runs")
        ),
        sa.ForeignKeyConstraint(
            ["source"], ["sources.source"], name=op.f("fk_discovery_fetches_source_sources")
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f("pk_discovery_fetches")),
    )
    op.execute(f"CREATE VIEW v_crawl_health AS {_sql(_CRAWL_HEALTH, dialect)}")
    for name, query in _NEW_VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {_sql(query, dialect)}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in reversed(list(_NEW_VIEWS)):
        op.execute(f"DROP VIEW {name}")
    op.execute("DROP VIEW v_crawl_health")
    op.drop_table("discovery_fetches")
    for name in (
        "known_unchanged",
        "discovery_failed",
        "discovery_urls",
        "range_until",
        "range_since",
        "kind",
    ):
        op.drop_column("crawl_runs", name)
    op.drop_column("sources", "max_quiet_hours")
    op.execute(f"CREATE VIEW v_crawl_health AS {_sql(_OLD_CRAWL_HEALTH, dialect)}")
