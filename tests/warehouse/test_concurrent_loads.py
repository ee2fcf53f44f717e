"""Two loads at once (two Celery workers) must not fail on the rows they both add: the sources registry."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, _ensure_sources

SOURCES = load_sources(DEFAULT_SOURCES_FILE)


def _run(run_id: str) -> RunInfo:
    return RunInfo(
        run_id=run_id, source="pravda", dag_run_id=None, started_at=datetime(2025, 1, 1, tzinfo=UTC)
    )


@pytest.fixture
def pg_engine(fresh_pg_url: str) -> Iterator[Engine]:
    # PostgreSQL only: SQLite takes one writer at a time, so there a second load waits for the first commit.
    migrate.upgrade(fresh_pg_url)
    engine = make_engine(fresh_pg_url)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_a_second_load_adding_the_same_sources_waits_and_adds_nothing(pg_engine: Engine) -> None:
    engine = pg_engine
    first = engine.connect()
    first_tx = first.begin()
    _ensure_sources(first, SOURCES, _run("a"))  # rows inserted, not committed yet
    failure: list[BaseException] = []

    def second_load() -> None:
        try:
            with engine.begin() as conn:  # blocks on the first load's uncommitted keys
                _ensure_sources(conn, SOURCES, _run("b"))
        except BaseException as exc:  # reported by the assertion below
            failure.append(exc)

    worker = threading.Thread(target=second_load)
    worker.start()
    worker.join(timeout=2)
    assert worker.is_alive(), "the second load should wait for the first one's uncommitted sources rows"
    first_tx.commit()
    first.close()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert failure == []
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM sources")).scalar_one()
    assert count == len(SOURCES)
