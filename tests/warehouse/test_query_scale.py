"""The analysts' queries at scale (migration 0006): the redefined views and the rewritten example questions
give the answers of their old forms, the query indexes exist and are used, and the revision migrates up and
down. Speed itself is bench/million_warehouse.py's to measure, not a test's."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, text
from wh_docs import examples
from wh_docs_data import load_docs_fixture
from wh_factory import make_record

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_records
from warehouse.migrations import versions
from warehouse.schema_objects import QUERY_INDEXES

REVISION = Path(versions.__file__).parent / "0006_analyst_queries_at_scale.py"

# The example questions before they were rewritten to read an index (numbers as in docs/warehouse.md).
OLD_EXAMPLES = {
    8: """
SELECT tag, COUNT(*) AS articles
FROM v_article_tags
GROUP BY tag
ORDER BY articles DESC, tag
LIMIT 3
""",
    13: """
SELECT detected_language, language, COUNT(*) AS articles
FROM v_story_articles
GROUP BY detected_language, language
ORDER BY articles DESC, detected_language
""",
}


def revision_0006() -> ModuleType:
    spec = importlib.util.spec_from_file_location("revision_0006_under_test", REVISION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(engine: Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(query))]


def comparable(result: list[tuple[Any, ...]]) -> list[tuple[str, ...]]:
    """Rows as sortable text (NULLs and mixed types included), in a fixed order."""
    return sorted(tuple("NULL" if v is None else str(v) for v in row) for row in result)


@pytest.fixture
def varied_engine(engine: Engine) -> Engine:
    """The docs' fixture warehouse plus what it lacks: an article with three versions, one without a
    publication time, and copies in one story next to an article without a story id."""
    load_docs_fixture(engine)
    sources = load_sources(DEFAULT_SOURCES_FILE)
    published = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    body = ("Shelling hit the river port at dawn and damaged three warehouses near the grain terminal.",)
    for number, text_change in enumerate(("", " Updated.", " Updated again with the toll.")):
        fetched = datetime(2024, 12, 1 + number, 8, 0, tzinfo=UTC)
        records = [
            make_record(101, paragraphs=(f"First version of a story that will change.{text_change}",),
                        published_at=published, fetched_at=fetched),
            replace(make_record(102, fetched_at=fetched), published_at=None),
            make_record(103, paragraphs=body, published_at=published, fetched_at=fetched),
            make_record(104, edition="ukr", paragraphs=body, published_at=published, fetched_at=fetched),
            make_record(105, published_at=published, fetched_at=fetched),
        ]  # fmt: skip
        run = RunInfo(f"pravda-scale-{number}", "pravda", None, fetched)
        load_records(engine, records, run, sources=sources)
    # The views count an article without a story id (not clustered yet) as a story of its own.
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET story_id = NULL WHERE url = :url"), {"url": records[-1].url})
    return engine


def test_the_fixture_has_what_the_comparisons_need(varied_engine: Engine) -> None:
    [(versions_,)] = rows(varied_engine, "SELECT MAX(current_version) FROM articles")
    [(undated,)] = rows(varied_engine, "SELECT COUNT(*) FROM articles WHERE published_at IS NULL")
    [(clustered, unclustered)] = rows(
        varied_engine,
        "SELECT COUNT(story_id), COUNT(*) - COUNT(story_id) FROM articles WHERE published_at IS NOT NULL",
    )
    assert versions_ == 3 and undated == 1
    assert clustered >= 2 and unclustered >= 1


@pytest.mark.parametrize(
    "view", ["v_latest_articles", "v_article_history", "v_daily_stories", "v_source_freshness"]
)
def test_each_redefined_view_answers_as_its_old_definition(varied_engine: Engine, view: str) -> None:
    old = revision_0006()._previous_views(varied_engine.dialect.name)[view]
    # hours_since_new_article depends on the clock: every other column must match exactly.
    columns = "*"
    if view == "v_source_freshness":
        columns = "source, label, last_successful_run_at, last_new_article_at, max_quiet_hours, stale"
    now = rows(varied_engine, f"SELECT {columns} FROM {view}")
    before = rows(varied_engine, f"SELECT {columns} FROM ({old}) AS old_definition")
    assert now and comparable(now) == comparable(before)


@pytest.mark.parametrize("number", sorted(OLD_EXAMPLES))
def test_each_rewritten_example_answers_as_its_old_form(varied_engine: Engine, number: int) -> None:
    [example] = [e for e in examples() if e.number == number]
    now = rows(varied_engine, example.query_for(varied_engine.dialect.name))
    assert now and now == rows(varied_engine, OLD_EXAMPLES[number])


def index_names(engine: Engine) -> set[str]:
    # From the catalogues: SQLAlchemy's reflection skips expression indexes.
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    return {name for (name,) in rows(engine, query)}


def test_the_revision_adds_the_query_indexes_and_its_downgrade_restores_the_old_views(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        assert set(QUERY_INDEXES) <= index_names(engine)
        assert set(QUERY_INDEXES) == set(revision_0006()._INDEXES)
        migrate.downgrade(empty_url, "0005")
        assert not set(QUERY_INDEXES) & index_names(engine)
        old = revision_0006()._previous_views(engine.dialect.name)
        for view in old:  # the old definition is back: same columns, and it runs
            rows(engine, f"SELECT * FROM {view}")
        history = rows(engine, "SELECT COUNT(*) FROM v_latest_articles")
        assert history == [(0,)]
        migrate.upgrade(empty_url)
        assert set(QUERY_INDEXES) <= index_names(engine)
    finally:
        engine.dispose()


# What each query's plan must read, on SQLite (its planner picks the index on any data) and on
# PostgreSQL with sequential and bitmap scans off (on a handful of rows it would rightly read the table).
PLANS = {
    "SELECT * FROM v_daily_counts": "ix_articles_daily_counts",
    "SELECT * FROM v_daily_stories": "ix_articles_daily_stories",
    # either index that starts with the UTC day serves a question about one day
    "SELECT url, headline FROM v_latest_articles WHERE edition = 'eng' AND published_day = '2023-09-30'": (
        "ix_articles_daily_"
    ),
    "SELECT url FROM v_latest_articles WHERE version_count > 1 ORDER BY url": "ix_articles_changed",
    "SELECT edition, language, COUNT(*), AVG(word_count) FROM v_latest_articles GROUP BY edition, language": (
        "ix_articles_edition_counts"
    ),
    "SELECT detected_language, language, COUNT(*) FROM articles GROUP BY detected_language, language": (
        "ix_articles_detected_language"
    ),
    "SELECT version, headline FROM v_article_history WHERE url = 'https://example.org/x'": "article_versions",
}


@pytest.mark.parametrize("query", list(PLANS))
def test_the_documented_questions_read_the_query_indexes(varied_engine: Engine, query: str) -> None:
    with varied_engine.connect() as conn:
        if varied_engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}"))
        else:
            # Vacuumed, the visibility map lets index-only scans skip the table, as on a real warehouse.
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = " ".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {query}"))
    assert PLANS[query] in plan
    # The history of one URL is found by index, not by a pass over every version.
    if "v_article_history" in query and varied_engine.dialect.name == "sqlite":
        assert "SCAN v" not in plan and "SCAN article_versions" not in plan
