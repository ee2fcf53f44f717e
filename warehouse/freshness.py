"""Which sources have gone quiet: ``v_source_freshness`` as Python objects, for the freshness check.

A source is stale when it has been crawled (an ingest or backfill run) and no article of it was first seen
within its ``max_quiet_hours`` (sources.yaml, default 24), or none ever was. "Last new article" is the
latest ``first_seen_at`` of the source's articles (the fetch time of the first record of a URL the
warehouse did not hold); "last successful run" the start of the latest loaded ingest or backfill run whose
discovery URLs did not all fail. The view computes both against the database's clock (docs/warehouse.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import column, select, table

from warehouse.engine import make_engine
from warehouse.types import UTCDateTime


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    label: str
    last_successful_run_at: datetime | None
    last_new_article_at: datetime | None
    hours_since_new_article: float | None
    max_quiet_hours: int
    stale: bool

    def describe(self) -> str:
        """One line for a log or an alert: how long the source has been quiet, and its limit."""
        limit = f"max_quiet_hours {self.max_quiet_hours}"
        if self.last_new_article_at is None:
            head = f"source {self.source!r}: no article loaded yet ({limit})"
        else:
            head = (
                f"source {self.source!r}: no new article for {self.hours_since_new_article:g} h ({limit}); "
                f"last new article {_shown(self.last_new_article_at)}"
            )
        return f"{head}; last successful run {_shown(self.last_successful_run_at)}"


def _shown(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "none"


_VIEW = table(
    "v_source_freshness",
    column("source"),
    column("label"),
    column("last_successful_run_at", UTCDateTime()),
    column("last_new_article_at", UTCDateTime()),
    column("hours_since_new_article"),
    column("max_quiet_hours"),
    column("stale"),
)


def source_freshness(engine_url: str, sources: Iterable[str] | None = None) -> list[SourceFreshness]:
    """Every source's freshness (or those of ``sources``; keys the warehouse has no row for are left
    out: nothing was loaded for them yet), ordered by source key."""
    query = select(_VIEW).order_by(_VIEW.c.source)
    if sources is not None:
        query = query.where(_VIEW.c.source.in_(list(sources)))
    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
    finally:
        engine.dispose()
    return [
        SourceFreshness(
            source=str(row["source"]),
            label=str(row["label"]),
            last_successful_run_at=row["last_successful_run_at"],
            last_new_article_at=row["last_new_article_at"],
            hours_since_new_article=(
                None if row["hours_since_new_article"] is None else float(row["hours_since_new_article"])
            ),
            max_quiet_hours=int(row["max_quiet_hours"]),
            stale=bool(row["stale"]),
        )
        for row in rows
    ]


def stale_sources(engine_url: str, sources: Iterable[str] | None = None) -> list[SourceFreshness]:
    """The stale ones of :func:`source_freshness`."""
    return [entry for entry in source_freshness(engine_url, sources) if entry.stale]
