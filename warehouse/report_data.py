"""What the analysts' HTML report shows, read from the warehouse's views (both engines).

Two periods, because a warehouse's articles and its runs need not share dates (a backfill loads old news
today): the articles' period is the ``days`` days ending at the latest publication day the warehouse holds,
the runs' period the ``days`` days ending at the start of its latest run. Each query returns plain rows;
newsetl/report.py draws them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Date, Integer, Numeric, Text, bindparam, text

from warehouse.types import UTCDateTime

STORIES_SHOWN = 15
TAGS_SHOWN = 20
MAX_DAYS = 36_500  # a century


@dataclass(frozen=True)
class Story:
    story_id: str
    headline: str
    articles: int
    sources: list[str]
    first_published_at: datetime | None


@dataclass
class ReportData:
    days: int
    articles_until: date | None  # the latest publication day (None: no article has a publication time)
    runs_until: date | None  # the day of the latest run's start (None: no run)
    # (day, source, articles)
    articles_per_day: list[tuple[date, str, int]] = field(default_factory=list)
    # (day, source, discovered, loaded, failed, quarantined), runs summed by the UTC day they started
    crawl_health: list[tuple[date, str, int, int, int, int]] = field(default_factory=list)
    # (source, hours since new article or None, max_quiet_hours, stale)
    freshness: list[tuple[str, float | None, int, bool]] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)

    @property
    def articles_since(self) -> date | None:
        return None if self.articles_until is None else self.articles_until - timedelta(days=self.days - 1)

    @property
    def runs_since(self) -> date | None:
        return None if self.runs_until is None else self.runs_until - timedelta(days=self.days - 1)


def report_data(conn: Connection, days: int) -> ReportData:
    """Everything the report shows, for the two periods of ``days`` days (see the module docstring)."""
    if days < 1:
        raise ValueError(f"--days must be at least 1, got {days}")
    if days > MAX_DAYS:  # beyond it the period's first day falls before year 1
        raise ValueError(f"--days must be at most {MAX_DAYS}, got {days}")
    latest_day = conn.execute(
        text("SELECT max(published_day) AS day FROM v_daily_counts").columns(day=Date())
    ).scalar()
    latest_run = conn.execute(
        text("SELECT max(started_at) AS started FROM crawl_runs").columns(started=UTCDateTime())
    ).scalar()
    data = ReportData(
        days=days,
        articles_until=latest_day,
        runs_until=latest_run.astimezone(UTC).date() if latest_run else None,
    )
    if data.articles_since is not None:
        _articles(conn, data, data.articles_since)
    if data.runs_since is not None:
        _crawl_health(conn, data, data.runs_since)
    _freshness(conn, data)
    return data


def _articles(conn: Connection, data: ReportData, since: date) -> None:
    day = bindparam("since", since, type_=Date())
    counts = text(
        "SELECT published_day, source, sum(articles) AS articles FROM v_daily_counts "
        "WHERE published_day >= :since GROUP BY published_day, source ORDER BY published_day, source"
    ).bindparams(day)
    rows = conn.execute(counts.columns(published_day=Date(), source=Text(), articles=Integer()))
    data.articles_per_day = [(row.published_day, row.source, int(row.articles)) for row in rows]

    copies = text(
        "SELECT story_id, source, headline, published_at FROM v_story_articles "
        "WHERE published_day >= :since ORDER BY published_at, article_id"
    ).bindparams(day)
    by_story: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(copies.columns(published_at=UTCDateTime())):
        by_story[row.story_id].append(row)
    ranked = sorted(
        by_story.items(), key=lambda item: (-len({r.source for r in item[1]}), -len(item[1]), item[0])
    )
    data.stories = [
        Story(
            story_id=story_id,
            headline=str(copies_[0].headline),
            articles=len(copies_),
            sources=sorted({str(r.source) for r in copies_}),
            first_published_at=copies_[0].published_at,
        )
        for story_id, copies_ in ranked[:STORIES_SHOWN]
    ]

    tags = text(
        "SELECT t.tag, count(*) AS articles FROM v_article_tags t "
        "JOIN articles a ON a.article_id = t.article_id "
        "WHERE a.published_at >= :start GROUP BY t.tag ORDER BY count(*) DESC, t.tag"
    ).bindparams(bindparam("start", datetime.combine(since, datetime.min.time(), UTC), type_=UTCDateTime()))
    data.tags = [(str(r.tag), int(r.articles)) for r in conn.execute(tags).fetchmany(TAGS_SHOWN)]


def _crawl_health(conn: Connection, data: ReportData, since: date) -> None:
    runs = text(
        "SELECT source, started_at, discovered, loaded, failed, quarantined FROM v_crawl_health "
        "WHERE started_at >= :start"
    ).bindparams(bindparam("start", datetime.combine(since, datetime.min.time(), UTC), type_=UTCDateTime()))
    totals: Counter[tuple[date, str, str]] = Counter()
    for row in conn.execute(runs.columns(started_at=UTCDateTime())):
        key = (row.started_at.astimezone(UTC).date(), str(row.source))
        for name in ("discovered", "loaded", "failed", "quarantined"):
            totals[(*key, name)] += int(getattr(row, name) or 0)
    keys = sorted({(day, source) for day, source, _ in totals})
    data.crawl_health = [
        (
            day,
            source,
            totals[(day, source, "discovered")],
            totals[(day, source, "loaded")],
            totals[(day, source, "failed")],
            totals[(day, source, "quarantined")],
        )
        for day, source in keys
    ]


def _freshness(conn: Connection, data: ReportData) -> None:
    rows = conn.execute(
        text(
            "SELECT source, hours_since_new_article, max_quiet_hours, stale FROM v_source_freshness "
            "ORDER BY source"
        ).columns(hours_since_new_article=Numeric())
    )
    data.freshness = [
        (
            str(row.source),
            None if row.hours_since_new_article is None else float(row.hours_since_new_article),
            int(row.max_quiet_hours),
            bool(row.stale),
        )
        for row in rows
    ]
