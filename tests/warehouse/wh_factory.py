"""Article records for warehouse tests, built like the spiders build them, and staged rows built from them
as the transform step builds them (to break a warehouse constraint on purpose, change a staged row)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from transforms.blocks import Block, Heading, ListBlock, Paragraph
from transforms.normalise import articles_table, staged_row
from transforms.record import ArticleRecord
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.load import LoadResult, RunInfo, load_tables

LANGUAGE = {"eng": "en", "ukr": "uk", "rus": "ru"}
EDITION_PATH = {"eng": "/eng", "ukr": "", "rus": "/rus"}


def make_record(
    number: int,
    *,
    edition: str = "eng",
    headline: str | None = None,
    paragraphs: tuple[str, ...] | None = None,
    published_at: datetime | None = None,
    fetched_at: datetime | None = None,
    tags: tuple[str, ...] = ("war", "NATO"),
    authors: tuple[str, ...] = ("Staff writer",),
    url: str | None = None,
) -> ArticleRecord:
    published = published_at or datetime(2023, 9, 30, 12, 0, tzinfo=UTC) + timedelta(hours=number)
    fetched = fetched_at or datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
    url = url or (
        f"https://www.pravda.com.ua{EDITION_PATH[edition]}/news/{published:%Y/%m/%d}/{7400000 + number}/"
    )
    headline = headline or f"Article number {number} about defence industry"
    paragraphs = paragraphs or (
        f"Paragraph one of article {number} mentions ammunition and drones.",
        f"Details: the second paragraph of article {number}.",
    )
    blocks: tuple[Block, ...] = (
        *(Paragraph(p) for p in paragraphs),
        Heading("Background"),
        ListBlock((f"First point {number}", "Second point")),
    )
    collected = fetched.date()
    return ArticleRecord(
        url=url,
        source="pravda",
        edition=edition,
        language=LANGUAGE[edition],
        headline=headline,
        authors=authors,
        published_at=published.astimezone(UTC) if published.tzinfo else published,
        modified_at=None,
        tags=tags,
        section="news",
        blocks=blocks,
        collected_on=collected,
        fetched_at=fetched,
        http_status=200,
        warc_record_id=f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>",
        parser="pravda.news@2025",
    )


LABEL = "Pravda Ukraine"


def staged(record: ArticleRecord, **changes: Any) -> dict[str, Any]:
    """The staged row of a Pravda record, with ``changes`` made to it afterwards."""
    return {**staged_row(record, LABEL), **changes}


def seed_text(record: ArticleRecord) -> str:
    """The seed document the warehouse stores for a Pravda record."""
    return str(staged_row(record, LABEL)["seed_text"])


def load_rows(engine: Engine, rows: list[dict[str, Any]], run: RunInfo, **kwargs: Any) -> LoadResult:
    """Load staged rows as one chunk (``kwargs`` as ``load_tables`` takes them)."""
    table = articles_table(rows)
    return load_tables(engine, lambda: iter((table,)), run, **kwargs)


def collected(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


def write_raw(raw: Path, items: list[Any], outcomes: list[dict[str, Any]]) -> None:
    """A raw run folder as the crawl step leaves it (only the files the transform step reads)."""
    raw.mkdir(parents=True, exist_ok=True)
    lines = [
        i if isinstance(i, str) else json.dumps(i.to_dict() if isinstance(i, ArticleRecord) else i)
        for i in items
    ]
    (raw / "items.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    (raw / "outcomes.jsonl").write_text("".join(json.dumps(o) + "\n" for o in outcomes), encoding="utf-8")


def pipeline_run(
    settings: Settings,
    source: str,
    records: list[ArticleRecord],
    *,
    run_id: str = "r1",
    started_at: datetime = datetime(2024, 11, 25, tzinfo=UTC),
) -> dict[str, int]:
    """``records`` as one crawl run of ``source``, through the real transform and load steps into the
    warehouse of ``settings``; returns the load's counts."""
    from newsetl import pipeline

    sources = load_sources(DEFAULT_SOURCES_FILE)
    plan = pipeline.RunPlan.make(source, run_id, settings)
    write_raw(Path(plan.raw_url), records, [parsed(r) for r in records])
    pipeline.transform(plan, sources)
    return pipeline.load(plan, settings, sources, dag_run_id=None, started_at=started_at)


def parsed(record: ArticleRecord) -> dict[str, Any]:
    return {"url": record.url, "outcome": "parsed", "reason": "", "http_status": 200}
