"""The warehouse tables as typed SQLAlchemy 2 models.

The schema is changed only through Alembic migrations (``warehouse/migrations``); a test compares these
models with the migrated database and fails when they drift apart, and another checks the columns that
``articles`` and ``article_versions`` take from the article schema (``transforms.schema``) against both.
Analyst views and the full-text index are engine-specific SQL and live in the migrations only (see
docs/warehouse.md). Timestamps are UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from transforms.schema import HASH_LENGTH, HEADLINE_MAX, KEY_MAX, PARSER_MAX, URL_MAX
from warehouse.types import UTCDateTime

# Named constraints make migrations reproducible on both engines (and let downgrades drop them by name).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

STORY_ID_LENGTH = 16  # transforms.near_duplicates.story_id_for: 16 hex digits


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SourceRow(Base):
    """One row per source in seeds/sources.yaml that has been loaded."""

    __tablename__ = "sources"

    source: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    base_url: Mapped[str | None] = mapped_column(Text)
    # Hours the source may go without a new article before v_source_freshness calls it stale; kept in step
    # with sources.yaml by the load step.
    max_quiet_hours: Mapped[int] = mapped_column(Integer, server_default="24")


class CrawlRun(Base):
    """One row per crawl run (one source, one run id), with the outcome of every discovered URL counted."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(
            "discovered = inserted + updated + unchanged + quarantined + skipped + failed",
            name="counts_add_up",
        ),
        CheckConstraint("status IN ('loading', 'loaded')", name="status"),
        Index(None, "source", "started_at"),
    )

    run_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    source: Mapped[str] = mapped_column(ForeignKey("sources.source"))
    dag_run_id: Mapped[str | None] = mapped_column(String(250))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    discovered: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # What the run was (newsetl.pipeline.RUN_KINDS: ingest, backfill, reparse) and its date range, if any.
    kind: Mapped[str] = mapped_column(String(16), server_default="ingest")
    range_since: Mapped[date | None] = mapped_column(Date)
    range_until: Mapped[date | None] = mapped_column(Date)
    # Feeds and sitemaps the run asked for, and how many of them failed (rows of discovery_fetches).
    discovery_urls: Mapped[int] = mapped_column(Integer, server_default="0")
    discovery_failed: Mapped[int] = mapped_column(Integer, server_default="0")
    # The part of ``skipped`` the warehouse already held unchanged (not fetched again): a healthy skip.
    known_unchanged: Mapped[int] = mapped_column(Integer, server_default="0")


class DiscoveryFetch(Base):
    """One feed, news sitemap, sitemap index or child sitemap a run asked for, and what came of it
    (transforms/discovery_log.py: one row per line of the run's discovery.jsonl, in line order)."""

    __tablename__ = "discovery_fetches"
    __table_args__ = (
        CheckConstraint("kind IN ('feed', 'news_sitemap', 'sitemap_index', 'child_sitemap')", name="kind"),
    )

    run_id: Mapped[str] = mapped_column(ForeignKey("crawl_runs.run_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(ForeignKey("sources.source"))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(KEY_MAX))
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)  # '' when the body was read as a feed or sitemap
    entries_found: Mapped[int] = mapped_column(Integer)
    entries_in_range: Mapped[int] = mapped_column(Integer)


class Article(Base):
    """One row per canonical URL, holding its latest content."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("word_count >= 0", name="word_count"),
        CheckConstraint("current_version >= 1", name="current_version"),
        CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"),
        Index(None, "source", "published_at"),
        Index(None, "published_at"),
    )

    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX), unique=True)
    source: Mapped[str] = mapped_column(ForeignKey("sources.source"))
    edition: Mapped[str] = mapped_column(String(KEY_MAX))
    language: Mapped[str] = mapped_column(String(KEY_MAX))
    section: Mapped[str | None] = mapped_column(String(KEY_MAX))
    headline: Mapped[str] = mapped_column(String(HEADLINE_MAX))
    authors: Mapped[str] = mapped_column(Text)  # JSON array of names, page order
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    collected_on: Mapped[date] = mapped_column(Date)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    body_text: Mapped[str] = mapped_column(Text)
    seed_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    word_count: Mapped[int] = mapped_column(Integer)
    current_version: Mapped[int] = mapped_column(Integer)
    parser: Mapped[str] = mapped_column(String(PARSER_MAX))
    last_run_id: Mapped[str] = mapped_column(ForeignKey("crawl_runs.run_id"))
    # Set by the load (warehouse/stories.py): the story this article is a copy of, shared by near-duplicates
    # across sources; NULL until a load has clustered it.
    story_id: Mapped[str | None] = mapped_column(String(STORY_ID_LENGTH), index=True)
    # The MinHash signature the story id was computed from, kept so later loads need not compute it again.
    story_signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set by the load (warehouse/text_facts.py): the language the text itself is in, whatever the page said.
    detected_language: Mapped[str | None] = mapped_column(String(KEY_MAX))


class StoryBand(Base):
    """The story clustering's index: one row per LSH band key of an article's signature
    (``transforms.near_duplicates.band_keys``), with the UTC day of the article's anchor (published_at,
    else first_seen_at) as days since 1970-01-01. The load finds an article's candidate copies by band and
    day (warehouse/stories.py), so the cost per article does not grow with the warehouse."""

    __tablename__ = "story_bands"
    __table_args__ = (Index(None, "band", "day"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    band: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[int] = mapped_column(Integer)


class ArticleVersion(Base):
    """Every distinct content an article has had, numbered from 1, with when and in which run it was seen."""

    __tablename__ = "article_versions"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    headline: Mapped[str] = mapped_column(String(HEADLINE_MAX))
    authors: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)  # JSON array, as the tags of that content
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    body_text: Mapped[str] = mapped_column(Text)
    seed_text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[str] = mapped_column(ForeignKey("crawl_runs.run_id"), index=True)


class Tag(Base):
    __tablename__ = "tags"

    tag_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(HEADLINE_MAX), unique=True)


class ArticleTag(Base):
    """The tags of an article's latest content."""

    __tablename__ = "article_tags"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.tag_id"), primary_key=True, index=True)


class Quarantine(Base):
    """A rejected page or record, kept with why it was rejected and what it was."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("run_id", "url", "stage", "reason"),)

    quarantine_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("crawl_runs.run_id"))
    url: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(KEY_MAX))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
