"""The analysts' export, read from the warehouse: which days a set of runs touched, their seed documents
by day, and the snapshot of the latest articles.

A partition of the export is a set of crawl runs: the days to write are the days (publication day in UTC,
or collected day when there is none) of the articles those runs inserted, changed or confirmed, and, for a
changed article, of its previous version too, so that an article whose date moved leaves no stale copy in
its old day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, Connection, and_, bindparam, or_, select

from warehouse.models import Article, ArticleVersion
from warehouse.seeds import seed_texts, stored_seeds, write_seed_files

if TYPE_CHECKING:
    import pandas as pd


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


def latest_articles(conn: Connection) -> pd.DataFrame:
    """The ``v_latest_articles`` view, one row per article, by article id."""
    import pandas as pd

    frame: Any = pd.read_sql("SELECT * FROM v_latest_articles ORDER BY article_id", conn)
    return frame
