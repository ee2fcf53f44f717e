"""The analysts' export, read from the warehouse: which days a set of runs touched, their seed documents
by day, and the typed article rows (one per article, its latest content).

A partition of the export is a set of crawl runs: the days to write are the days (publication day in UTC,
or collected day when there is none) of the articles those runs inserted, changed or confirmed, and, for a
changed article, of its previous version too, so that an article whose date moved leaves no stale copy in
its old day.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import BindParameter, Connection, and_, bindparam, or_, select

from warehouse.models import Article, ArticleVersion, SourceRow
from warehouse.seeds import seed_texts, stored_seeds, write_seed_files


def touched_days(conn: Connection, run_ids: Iterable[str]) -> list[date]:
    """The days of the articles that the runs ``run_ids`` stored or confirmed (see the module docstring)."""
    ids = sorted(set(run_ids))
    if not ids:
        return []
    runs: BindParameter[str] = bindparam("runs", ids, expanding=True)
    versions = select(ArticleVersion.article_id).where(ArticleVersion.run_id.in_(runs))
    current = select(Article.published_at, Article.collected_on).where(
        or_(Article.last_run_id.in_(runs), Article.article_id.in_(versions))
    )
    # The version a run replaced: one less than the version the run wrote.
    replaced = ArticleVersion.__table__.alias("replaced")
    written = ArticleVersion.__table__.alias("written")
    previous = (
        select(replaced.c.published_at, Article.collected_on)
        .join(written, and_(written.c.article_id == replaced.c.article_id, written.c.run_id.in_(runs)))
        .join(Article, Article.article_id == replaced.c.article_id)
        .where(replaced.c.version == written.c.version - 1)
    )
    days: set[date] = set()
    for query in (current, previous):
        for published, collected in conn.execute(query):
            days.add(_day(published, collected))
    return sorted(days)


def _day(published: datetime | None, collected: date) -> date:
    return published.astimezone(UTC).date() if published is not None else collected


def write_seed_days(
    conn: Connection,
    out_dir: Path,
    *,
    days: Iterable[date] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> dict[date, int]:
    """Write ``out_dir/{YYYY-MM-DD}/NNN_{hash}.txt`` for the articles of ``days`` (or of every day from
    ``since`` to ``until``), with one query; returns how many documents each day got (every day of
    ``days`` is listed, with 0 when it has no article)."""
    counts = dict.fromkeys(sorted(set(days)), 0) if days is not None else {}
    seeds = stored_seeds(conn, days=days, since=since, until=until)
    for day, group in groupby(seed_texts(conn, seeds), key=lambda pair: pair[0].day):
        counts[day] = len(write_seed_files(out_dir / day.isoformat(), group))
    return dict(sorted(counts.items()))


STREAM_ROWS = 1000


def source_keys(conn: Connection) -> list[str]:
    """The keys of the sources the warehouse holds (its ``sources`` table), sorted."""
    return sorted(conn.scalars(select(SourceRow.source)))


def typed_articles(
    conn: Connection,
    *,
    since: date | None = None,
    until: date | None = None,
    sources: Collection[str] = (),
) -> Iterator[dict[str, Any]]:
    """One row per article with its latest content, as Python values (aware UTC datetimes, dates, lists of
    authors and tags), ordered by source, publication time and article id; read while ``conn`` is open.

    ``since`` and ``until`` (inclusive) are UTC publication days: with either, articles without a
    publication time are left out. ``sources`` (empty: all) keeps those source keys.

    Read from the tables rather than ``v_latest_articles``: the models' ``UTCDateTime`` gives aware
    datetimes on both engines, where the view's columns come back from SQLite as text. The tags are those
    of the current version, in page order (the same set ``v_article_tags`` lists).
    """
    current = ArticleVersion.__table__.alias("current")
    query = (
        select(
            Article.article_id,
            Article.url,
            Article.source,
            Article.edition,
            Article.language,
            Article.detected_language,
            Article.section,
            Article.headline,
            Article.authors,
            current.c.tags,
            Article.published_at,
            Article.modified_at,
            Article.collected_on,
            Article.first_seen_at,
            Article.last_seen_at,
            Article.word_count,
            Article.current_version,
            Article.story_id,
            Article.content_hash,
            Article.parser,
            Article.body_text,
        )
        .join(
            current,
            and_(current.c.article_id == Article.article_id, current.c.version == Article.current_version),
        )
        .order_by(Article.source, Article.published_at, Article.article_id)
    )
    if since is not None:
        query = query.where(Article.published_at >= datetime.combine(since, time(), UTC))
    if until is not None:
        query = query.where(Article.published_at < datetime.combine(until + timedelta(days=1), time(), UTC))
    if sources:
        keys: BindParameter[str] = bindparam("sources", sorted(set(sources)), expanding=True)
        query = query.where(Article.source.in_(keys))
    # Streamed (a server-side cursor on PostgreSQL): the bodies of every article need not fit in memory.
    for row in conn.execution_options(yield_per=STREAM_ROWS).execute(query).mappings():
        item = dict(row)
        item["authors"] = json.loads(item["authors"])
        item["tags"] = json.loads(item["tags"])
        yield item
