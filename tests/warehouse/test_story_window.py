"""Story clusters by each article's own date, on both engines: no story spans more than WINDOW of anchor
time (published_at, else first_seen_at), however wide the batch; copies within the window still join;
candidates come from the (band, day) index; the 0005 migration cuts stories that spanned more."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text
from wh_factory import make_record

from transforms.record import ArticleRecord
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.load import RunInfo, load_records
from warehouse.stories import WINDOW, _candidates

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
START = datetime(2023, 9, 30, 12, tzinfo=UTC)
FETCHED = datetime(2026, 1, 10, 8, tzinfo=UTC)
PARAGRAPHS = (
    "NATO Secretary General said allies would keep supplying air defence systems to Ukraine through the "
    "winter, after a night of missile and drone attacks on power stations in several regions.",
    "Speaking in Kyiv, he said the alliance had agreed to speed up deliveries of interceptors and spare "
    "parts, and that partners were ready to help repair the damaged energy grid before the cold months.",
    "Officials in the capital said rolling blackouts would continue for several days while engineers "
    "reconnected substations and transformers hit in the attacks.",
)
OTHER = (
    "A court in Lviv sentenced two men for selling forged exemption papers to people seeking to avoid the "
    "draft, prosecutors said on Tuesday, after an investigation that lasted more than a year.",
    "The scheme charged up to five thousand dollars for each certificate, according to the indictment.",
)

# Day offsets of copies of one text in one backfill batch: a pair, a chain of copies two days apart
# (linked pairwise, spanning eight days) and a copy years later.
PAIR = (0, 1)
CHAIN = (400, 402, 404, 406, 408)
YEARS_LATER = (800,)


def _copy(number: int, day: int, paragraphs: tuple[str, ...] = PARAGRAPHS) -> ArticleRecord:
    published = START + timedelta(days=day, hours=number % 5)
    record = make_record(number, paragraphs=paragraphs, published_at=published, fetched_at=FETCHED)
    return replace(record, headline="NATO to keep air defence coming through the winter")


def _batch() -> list[ArticleRecord]:
    days = (*PAIR, *CHAIN, *YEARS_LATER)
    return [
        *(_copy(number, day) for number, day in enumerate(days)),
        _copy(50, 0, OTHER),
    ]


def _load(engine: Engine, records: list[ArticleRecord], run_id: str) -> None:
    run = RunInfo(run_id, "pravda", None, FETCHED, kind="backfill")
    load_records(engine, records, run, sources=SOURCES)


def _stories(engine: Engine) -> list[tuple[int, ...]]:
    """Each story as the sorted day offsets of its copies."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT story_id, published_at FROM v_story_articles")).all()
    by_story: dict[str, list[int]] = {}
    for story_id, published in rows:
        when = published if isinstance(published, datetime) else datetime.fromisoformat(str(published))
        by_story.setdefault(story_id, []).append((when.replace(tzinfo=UTC) - START).days)
    return sorted(tuple(sorted(days)) for days in by_story.values())


def _spans(engine: Engine) -> list[timedelta]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT first_published_at, last_published_at FROM v_stories")).all()

    def parse(value: object) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

    return [parse(last) - parse(first) for first, last in rows]


EXPECTED = sorted([(0,), (0, 1), (400, 402), (404, 406), (408,), (800,)])


def test_a_backfill_batch_spanning_years_gives_no_story_wider_than_the_window(engine: Engine) -> None:
    _load(engine, _batch(), "backfill-1")
    assert max(_spans(engine)) <= WINDOW
    # The pair is one story (the different text of day 0 is another); the chain is cut where it would
    # exceed the window; the copy years later is a story of its own.
    assert _stories(engine) == EXPECTED


def test_copies_loaded_one_run_at_a_time_give_the_same_stories(engine: Engine) -> None:
    for number, record in enumerate(_batch()):
        _load(engine, [record], f"daily-{number}")
    assert max(_spans(engine)) <= WINDOW
    assert _stories(engine) == EXPECTED


def test_candidates_come_from_the_band_index_within_the_window_of_the_articles_own_day(
    engine: Engine,
) -> None:
    _load(engine, _batch(), "backfill-1")
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT url, article_id FROM articles")).all())
        days = {r.url: (r.published_at - START).days for r in _batch() if r.published_at}
        first = next(url for url, day in days.items() if day == 0 and "7400000/" in url)
        found = _candidates(conn, [ids[first]])
    # Copies of the same text share band keys; only those within the window's days are candidates.
    assert {url for url, article_id in ids.items() if article_id in found} == {
        url for url, day in days.items() if day in PAIR and "7400050/" not in url
    }


def test_the_migration_cuts_stories_that_spanned_more_than_the_window(
    warehouse_url: str, engine: Engine
) -> None:
    _load(engine, _batch(), "backfill-1")
    with engine.begin() as conn:
        # As an earlier version clustered them: every copy of the text in one story, across years.
        conn.execute(text("UPDATE articles SET story_id = 'aaaaaaaaaaaaaaaa' WHERE url NOT LIKE '%7400050/'"))
    assert max(_spans(engine)) > WINDOW
    engine.dispose()
    migrate.downgrade(warehouse_url, "0004")
    migrate.upgrade(warehouse_url)
    assert max(_spans(engine)) <= WINDOW
    assert _stories(engine) == EXPECTED
    with engine.connect() as conn:
        kept = (
            conn.execute(text("SELECT published_at FROM articles WHERE story_id = 'aaaaaaaaaaaaaaaa'"))
            .scalars()
            .all()
        )
    # The earliest part keeps the story's id.
    assert len(kept) == 2
