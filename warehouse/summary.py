"""What a warehouse holds, in one look: what ``newsetl db summary`` prints.

The engine, the URL without its password, the schema revision, the rows of every table, and per source its
articles, their first and last publication, its last load and its latest run. Only what the warehouse
stores: the check step's verdict on a run is not stored, so it is not shown; staleness is
``v_source_freshness``'s (docs/warehouse.md). Both engines, read-only (an analyst role can run it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.engine import make_url

from warehouse import migrate
from warehouse.engine import make_engine, normalise_url
from warehouse.freshness import source_freshness
from warehouse.models import Article, Base, CrawlRun, SourceRow

# Bumped when a key of :meth:`WarehouseSummary.to_json` changes meaning or goes away (adding one does not).
JSON_VERSION = 1


@dataclass(frozen=True)
class SourceSummary:
    source: str
    label: str
    articles: int
    first_published_at: datetime | None  # earliest published_at of its articles (NULLs left out)
    last_published_at: datetime | None
    last_load_at: datetime | None  # finished_at of its latest loaded run
    last_run_id: str | None  # its latest run by started_at, loaded or not
    last_run_kind: str | None  # ingest, backfill or reparse
    last_run_status: str | None  # loading or loaded
    last_run_started_at: datetime | None
    stale: bool  # v_source_freshness.stale


@dataclass(frozen=True)
class WarehouseSummary:
    engine: str  # sqlite or postgresql
    url: str  # password masked
    revision: str
    head: str  # the latest revision this code knows
    tables: dict[str, int]  # rows per table, by table name
    sources: list[SourceSummary]

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object (docs/operations.md): timestamps ISO 8601 in UTC, absent ones null."""
        return {
            "version": JSON_VERSION,
            "engine": self.engine,
            "url": self.url,
            "revision": self.revision,
            "head": self.head,
            "at_head": self.revision == self.head,
            "tables": dict(self.tables),
            "sources": [
                {key: _json_value(value) for key, value in asdict(source).items()} for source in self.sources
            ],
        }


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def masked_url(url: str) -> str:
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def summarize(url: str) -> WarehouseSummary:
    """The summary of the warehouse at ``url``; raises ``migrate.WarehouseNotReady`` (with the same
    wording as the readers) when it is missing, never migrated or at another revision than this code's:
    the queries below assume the latest schema."""
    migrate.require_current(url)
    revision = migrate.current(url)
    assert revision is not None  # require_current checked it
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in Base.metadata.sorted_tables
            }
            sources = _sources(conn, {entry.source: entry.stale for entry in source_freshness(url)})
    finally:
        engine.dispose()
    return WarehouseSummary(
        engine=engine.dialect.name,
        url=masked_url(url),
        revision=revision,
        head=migrate.head(),
        tables=dict(sorted(tables.items())),
        sources=sources,
    )


def _sources(conn: Connection, stale: dict[str, bool]) -> list[SourceSummary]:
    articles = (
        select(
            Article.source,
            func.count().label("articles"),
            func.min(Article.published_at).label("first_published_at"),
            func.max(Article.published_at).label("last_published_at"),
        )
        .group_by(Article.source)
        .subquery()
    )
    loads = (
        select(CrawlRun.source, func.max(CrawlRun.finished_at).label("last_load_at"))
        .where(CrawlRun.status == "loaded")
        .group_by(CrawlRun.source)
        .subquery()
    )
    rows = conn.execute(
        select(
            SourceRow.source,
            SourceRow.label,
            func.coalesce(articles.c.articles, 0).label("articles"),
            articles.c.first_published_at,
            articles.c.last_published_at,
            loads.c.last_load_at,
        )
        .outerjoin(articles, articles.c.source == SourceRow.source)
        .outerjoin(loads, loads.c.source == SourceRow.source)
        .order_by(SourceRow.source)
    ).all()
    latest = _latest_runs(conn)
    summaries = []
    for row in rows:
        run = latest.get(row.source)
        summaries.append(
            SourceSummary(
                source=row.source,
                label=row.label,
                articles=int(row.articles),
                first_published_at=row.first_published_at,
                last_published_at=row.last_published_at,
                last_load_at=row.last_load_at,
                last_run_id=run.run_id if run else None,
                last_run_kind=run.kind if run else None,
                last_run_status=run.status if run else None,
                last_run_started_at=run.started_at if run else None,
                stale=stale.get(row.source, False),
            )
        )
    return summaries


def _latest_runs(conn: Connection) -> dict[str, Any]:
    """Each source's latest run by ``started_at`` (two runs started in the same instant: the greater
    run id), through the (source, started_at) index rather than by reading every run."""
    newest = (
        select(CrawlRun.source, func.max(CrawlRun.started_at).label("started_at"))
        .group_by(CrawlRun.source)
        .subquery()
    )
    rows = conn.execute(
        select(CrawlRun.source, CrawlRun.run_id, CrawlRun.kind, CrawlRun.status, CrawlRun.started_at)
        .join(newest, (newest.c.source == CrawlRun.source) & (newest.c.started_at == CrawlRun.started_at))
        .order_by(CrawlRun.source, CrawlRun.run_id)
    ).all()
    return {row.source: row for row in rows}  # the last of a tie wins: the greatest run id
