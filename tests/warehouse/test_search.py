from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from wh_factory import make_record

from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_records
from warehouse.search import search_articles

SOURCES = load_sources(DEFAULT_SOURCES_FILE)


def _load(engine: Engine, records: list, run_id: str) -> None:
    run = RunInfo(run_id, "pravda", None, datetime(2024, 11, 25, tzinfo=UTC))
    load_records(engine, records, run, sources=SOURCES)


def test_search_finds_articles_with_every_word_and_follows_updates(engine: Engine) -> None:
    nato = make_record(
        1, headline="NATO Secretary General on defence capabilities", paragraphs=("Ammunition is short.",)
    )
    drones = make_record(2, headline="Drones over Kyiv", paragraphs=("Air defence shot down drones.",))
    ukrainian = make_record(
        3, edition="ukr", headline="Сили оборони знищили дрони", paragraphs=("Дрони летіли.",)
    )
    _load(engine, [nato, drones, ukrainian], "r1")

    assert [h.url for h in search_articles(engine, "secretary")] == [nato.url]
    assert {h.url for h in search_articles(engine, "defence")} == {nato.url, drones.url}
    # Every word must occur; case does not matter; a headline match ranks above a body-only match.
    assert [h.url for h in search_articles(engine, "DEFENCE drones")] == [drones.url]
    assert [h.url for h in search_articles(engine, "дрони")] == [ukrainian.url]
    assert [h.url for h in search_articles(engine, "ammunition")] == [nato.url]
    assert search_articles(engine, "zeppelin") == []
    # Quotes and operators are taken as plain words, never as query syntax.
    assert [h.url for h in search_articles(engine, 'secretary" OR "drones')] == []

    _load(engine, [replace(nato, headline="Alliance chief on industry")], "r2")
    assert search_articles(engine, "secretary") == []
    assert [h.url for h in search_articles(engine, "alliance")] == [nato.url]


def test_search_without_words_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match=r"search query '\?!' has no words"):
        search_articles(engine, "?!")


def test_sqlite_full_text_index_stays_consistent(tmp_path: Path) -> None:
    # FTS5 keeps its own index, so check it; PostgreSQL computes its vector in a generated column.
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    _load(engine, [make_record(i) for i in range(5)], "r1")
    _load(engine, [replace(make_record(i), headline=f"Edited {i}") for i in range(3)], "r2")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)"))
        assert (
            conn.execute(text("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'edited'")).scalar()
            == 3
        )
