"""The small, fixed warehouse that docs/warehouse.md's example answers are computed on.

Two runs of the pravda source: the first loads the reference seed document and six articles in three
editions (one rejected page, two skipped, one failed); the second a day later sees one article changed,
one unchanged, one new, and one record that breaks a constraint. A third run, of another source, re-posts
one of the first run's articles with a promo line added: a copy of the same story.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from wh_factory import load_rows, make_record, staged

from transforms.blocks import Paragraph
from transforms.seed import parse
from transforms.seed_records import document_record
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.load import RunInfo, load_records

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_fca3a0f034b59467.txt"
DAY1 = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
DAY2 = datetime(2024, 11, 26, 8, 0, tzinfo=UTC)


def load_docs_fixture(engine: Engine) -> None:
    sources = load_sources(DEFAULT_SOURCES_FILE)
    reference = document_record(parse(SEED.read_text(encoding="utf-8")), sources["pravda"])
    eng = [
        make_record(1, headline="Drones attack Kyiv overnight", tags=("war", "drones"), fetched_at=DAY1),
        make_record(2, headline="Parliament passes the budget", tags=("politics",), fetched_at=DAY1),
        make_record(
            3,
            headline="Air defence downs missiles",
            tags=("war",),
            published_at=datetime(2023, 10, 1, 6, 30, tzinfo=UTC),
            fetched_at=DAY1,
        ),
    ]
    ukr = [
        make_record(4, edition="ukr", headline="Сили оборони збили ракети", tags=("війна",), fetched_at=DAY1),
        make_record(
            5,
            edition="ukr",
            headline="Рада ухвалила бюджет",
            tags=("політика",),
            published_at=datetime(2023, 10, 1, 9, 0, tzinfo=UTC),
            fetched_at=DAY1,
        ),
    ]
    rus = [make_record(6, edition="rus", headline="Дроны атаковали Киев", tags=("война",), fetched_at=DAY1)]
    first = [reference, *eng, *ukr, *rus]
    not_article = [
        {
            "url": "https://www.pravda.com.ua/eng/news/",
            "stage": "crawl",
            "reason": "not an article: listing",
            "payload": '{"outcome": "not_article"}',
        }
    ]
    load_records(
        engine,
        first,
        RunInfo("pravda-2024-11-25", "pravda", "scheduled__2024-11-25T08:00:00+00:00", DAY1),
        rejects=not_article,
        skipped=2,
        failed=1,
        sources=sources,
    )

    changed = replace(
        eng[0],
        headline="Drones and missiles attack Kyiv overnight",
        fetched_at=DAY2,
        collected_on=DAY2.date(),
        tags=("war", "drones", "missiles"),
    )
    unchanged = replace(eng[1], fetched_at=DAY2, collected_on=DAY2.date())
    new = make_record(
        7,
        headline="Defence industry forum opens",
        tags=("industry",),
        published_at=datetime(2023, 10, 2, 7, 0, tzinfo=UTC),
        fetched_at=DAY2,
    )
    # A staged row that breaks a warehouse constraint, as only a hand-made file could carry.
    bad = staged(make_record(8, fetched_at=DAY2), url="ftp://www.pravda.com.ua/eng/news/8/")
    load_rows(
        engine,
        [*(staged(r) for r in (changed, unchanged, new)), bad],
        RunInfo("pravda-2024-11-26", "pravda", "scheduled__2024-11-26T08:00:00+00:00", DAY2),
        sources=sources,
    )

    # The budget story re-posted by another outlet an hour later, with its own URL and a promo line.
    repost = replace(
        eng[1],
        url="https://kyivindependent.com/parliament-passes-the-budget/",
        source="kyivindependent",
        edition="en",
        tags=("parliament",),
        blocks=(*eng[1].blocks, Paragraph("Support independent journalism: become a member today.")),
        fetched_at=DAY2 + timedelta(hours=1),
        collected_on=DAY2.date(),
    )
    load_records(
        engine,
        [repost],
        RunInfo("kyivindependent-2024-11-26", "kyivindependent", None, DAY2 + timedelta(hours=1)),
        sources=sources,
    )
