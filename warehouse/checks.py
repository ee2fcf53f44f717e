"""Data-quality checks on one loaded crawl run: what the ``check`` task of the DAGs runs.

Each check returns readable failure lines (empty when it passes), naming the run, the figures and a few
example URLs, so that the failed task's message alone tells the operator what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, or_, select

from warehouse.engine import make_engine
from warehouse.models import Article, ArticleVersion, CrawlRun

# Above this share of quarantined articles among the fetched ones, the parsers or the site have changed.
MAX_QUARANTINE_RATIO = 0.5
# ...judged only on enough pages: an incremental run that fetched two new pages, one of them a listing
# page, says nothing about the parsers.
MIN_FETCHED_FOR_RATIO = 10
# Nothing the sources publish predates this; an earlier date is a parsing error.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
# A publication time may run ahead of the load by a time-zone mistake at most.
FUTURE_SLACK = timedelta(days=1)
EXAMPLES = 3

_COUNTS = ("inserted", "updated", "unchanged", "quarantined", "skipped", "failed")


def run_checks(
    engine_url: str,
    run_id: str,
    *,
    max_quarantine_ratio: float = MAX_QUARANTINE_RATIO,
    min_fetched_for_ratio: int = MIN_FETCHED_FOR_RATIO,
) -> list[str]:
    """Every failed check of run ``run_id`` as a readable line; an empty list means the run is good."""
    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(CrawlRun.__table__).where(CrawlRun.run_id == run_id)).mappings().first()
            if row is None:
                return [f"run {run_id!r}: no crawl_runs row (was the load step run?)"]
            run = {str(key): value for key, value in row.items()}
            failures = _counts(run)
            failures += _empty_fields(conn, run_id)
            failures += _implausible_dates(conn, run_id, run["finished_at"] or run["started_at"])
            failures += _quarantine_ratio(run, max_quarantine_ratio, min_fetched_for_ratio)
            return failures
    finally:
        engine.dispose()


def _counts(run: Mapping[str, Any]) -> list[str]:
    failures = []
    if run["status"] != "loaded":
        failures.append(f"run {run['run_id']!r}: status is {run['status']!r}, not 'loaded'")
    parts = {name: int(run[name]) for name in _COUNTS}
    if int(run["discovered"]) != sum(parts.values()):
        listed = " + ".join(f"{name} {value}" for name, value in parts.items())
        failures.append(
            f"run {run['run_id']!r}: counts do not add up: discovered {run['discovered']} != {listed}"
            f" = {sum(parts.values())}"
        )
    return failures


def _run_articles(run_id: str) -> ColumnElement[bool]:
    """Articles whose current content this run stored or confirmed."""
    stored = select(ArticleVersion.article_id).where(ArticleVersion.run_id == run_id)
    return or_(Article.last_run_id == run_id, Article.article_id.in_(stored))


def _examples(conn: Connection, condition: ColumnElement[bool]) -> tuple[int, list[str]]:
    count = conn.execute(select(func.count()).select_from(Article).where(condition)).scalar_one()
    urls = conn.execute(select(Article.url).where(condition).order_by(Article.url).limit(EXAMPLES)).scalars()
    return int(count), list(urls)


def _empty_fields(conn: Connection, run_id: str) -> list[str]:
    failures = []
    for label, column in (("headline", Article.headline), ("body", Article.body_text)):
        count, urls = _examples(conn, _run_articles(run_id) & (func.trim(column) == ""))
        if count:
            failures.append(
                f"run {run_id!r}: {count} article(s) with an empty {label}, e.g. {', '.join(urls)}"
            )
    return failures


def _implausible_dates(conn: Connection, run_id: str, loaded_at: datetime) -> list[str]:
    latest = _aware(loaded_at) + FUTURE_SLACK
    failures = []
    for label, condition in (
        (f"published after {latest.isoformat()}", Article.published_at > latest),
        (
            f"published before {EARLIEST_PLAUSIBLE.date().isoformat()}",
            Article.published_at < EARLIEST_PLAUSIBLE,
        ),
    ):
        count, urls = _examples(conn, _run_articles(run_id) & condition)
        if count:
            failures.append(f"run {run_id!r}: {count} article(s) {label}, e.g. {', '.join(urls)}")
    return failures


def _quarantine_ratio(run: Mapping[str, Any], limit: float, min_fetched: int) -> list[str]:
    fetched = sum(int(run[name]) for name in ("inserted", "updated", "unchanged", "quarantined"))
    if not fetched or fetched < min_fetched:
        return []
    ratio = int(run["quarantined"]) / fetched
    if ratio > limit:
        return [
            f"run {run['run_id']!r}: {run['quarantined']} of {fetched} fetched articles quarantined"
            f" ({ratio:.0%}, limit {limit:.0%}); see the quarantine table for the reasons"
        ]
    return []


def _aware(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
