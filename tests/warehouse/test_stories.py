"""Story clusters and detected language, set by the load, on both engines: constructed near-copies of one
story across sources share a story id, a different story on the same event does not, and the views count
unique stories per day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import other_sources
from sqlalchemy import Engine, text
from wh_factory import make_record

from transforms.near_duplicates import BANDS, THRESHOLD, similarity
from transforms.record import ArticleRecord
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.load import RunInfo, load_records
from warehouse.stories import cluster_text, index_all

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
DAY = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)

# The wire report of the fixture site's generic sources (tests/site/other_sources.py), two paragraphs
# longer.
STORY = (
    *other_sources.WIRE_REPORT,
    "Rail operators said that two passenger trains to Kyiv were delayed by up to three hours overnight and "
    "that diesel locomotives had been sent to pull them through the section without power.",
    "The port authority said grain terminals resumed loading by midday, and that no ships or crews were "
    "harmed, although windows were blown out in an administrative building near the berths.",
)
HEADLINE = "Power restored to 180,000 households in Odesa region after night attack"
# The same event, written independently: same names and places, different sentences.
OTHER = (
    "Russian drones and missiles struck energy facilities in southern Ukraine overnight, officials in Odesa "
    "said, and emergency crews worked until morning to put out fires at two substations.",
    "Residents of several districts of the city reported hearing explosions shortly after midnight, as air "
    "raid sirens sounded across the region for almost four hours.",
    "The governor urged people to charge their phones and power banks while electricity was available and "
    "said that water pumping stations had been switched to backup generators.",
)


def _record(
    source: str, number: int, headline: str, paragraphs: tuple[str, ...], **kw: object
) -> ArticleRecord:
    base = make_record(number, headline=headline, paragraphs=paragraphs, published_at=DAY, fetched_at=DAY)
    url = f"{SOURCES[source].base_url}/news/{number}-odesa-power/"
    return replace(base, source=source, url=url, **kw)  # type: ignore[arg-type]


COPIES = {
    "ukrinform": _record("ukrinform", 1, HEADLINE, STORY),
    # An edited headline.
    "interfax": _record("interfax", 2, "Energy ministry: crews reconnect Odesa region", STORY),
    # The last paragraph trimmed.
    "unian": _record("unian", 3, HEADLINE, STORY[:-1]),
    # A promo line added at the end.
    "nv": _record(
        "nv", 4, HEADLINE, (*STORY, "Subscribe to our channels to follow the news from the front.")
    ),
}
DIFFERENT = _record("kyivpost", 5, "Drones hit Odesa substations overnight", OTHER)


def _load(engine: Engine, records: list[ArticleRecord], run_id: str, source: str) -> None:
    load_records(engine, records, RunInfo(run_id, source, None, DAY), sources=SOURCES)


def _stories(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT source, story_id FROM v_story_articles")).all())


def test_the_constructed_copies_are_near_duplicates_by_the_documented_threshold() -> None:
    texts = {source: cluster_text(r.headline, r.body_text) for source, r in COPIES.items()}
    other = cluster_text(DIFFERENT.headline, DIFFERENT.body_text)
    for source, copy in texts.items():
        assert similarity(texts["ukrinform"], copy) >= THRESHOLD, source
        assert similarity(other, copy) < 0.1, source


def test_near_copies_across_sources_share_a_story_and_the_daily_view_counts_it_once(engine: Engine) -> None:
    for source, record in COPIES.items():
        _load(engine, [record], f"{source}-1", source)
    _load(engine, [DIFFERENT], "kyivpost-1", "kyivpost")

    stories = _stories(engine)
    assert len({stories[s] for s in COPIES}) == 1
    story = stories["ukrinform"]
    assert stories["kyivpost"] != story
    assert len(story) == 16  # a real story id, not an unclustered article's own key
    with engine.connect() as conn:
        daily = conn.execute(text("SELECT * FROM v_daily_stories")).mappings().all()
        sizes = dict(conn.execute(text("SELECT story_id, articles FROM v_stories")).all())
        in_story = conn.execute(
            text("SELECT story_articles FROM v_story_articles WHERE source = 'unian'")
        ).scalar_one()
    assert [
        (str(d["published_day"]), d["articles"], d["stories"], d["duplicates"], d["sources"]) for d in daily
    ] == [("2025-12-01", 5, 2, 3, 5)]
    assert sorted(sizes.values()) == [1, 4] and sizes[story] == 4
    assert in_story == 4


def test_story_ids_are_stable_across_reloads_and_later_copies(engine: Engine) -> None:
    _load(engine, [COPIES["ukrinform"], DIFFERENT], "mixed-1", "ukrinform")
    first = _stories(engine)
    # The same batch again writes nothing; a copy seen later joins the existing story.
    _load(engine, [COPIES["ukrinform"], DIFFERENT], "mixed-1", "ukrinform")
    assert _stories(engine) == first
    later = replace(
        COPIES["interfax"], fetched_at=DAY + timedelta(days=1), collected_on=(DAY + timedelta(days=1)).date()
    )
    _load(engine, [later], "interfax-2", "interfax")
    after = _stories(engine)
    assert after["interfax"] == after["ukrinform"] == first["ukrinform"]
    assert after["kyivpost"] == first["kyivpost"]


def test_an_article_rewritten_into_another_story_leaves_its_old_cluster(engine: Engine) -> None:
    _load(engine, [COPIES["ukrinform"], COPIES["interfax"]], "pair-1", "ukrinform")
    assert len(set(_stories(engine).values())) == 1
    rewritten = replace(
        _record("interfax", 2, DIFFERENT.headline, OTHER),
        fetched_at=DAY + timedelta(hours=5),
    )
    _load(engine, [rewritten], "interfax-2", "interfax")
    stories = _stories(engine)
    assert stories["interfax"] != stories["ukrinform"]


def test_detected_language_is_what_the_text_is_in(engine: Engine) -> None:
    english = COPIES["ukrinform"]
    # Declared English, written in Ukrainian: a mixed-language source mislabelling a page.
    ukrainian = _record(
        "unian",
        7,
        "Енергетики відновили світло в Одеській області",
        (
            "Ремонтні бригади повернули електропостачання понад 180 тисячам родин в Одеській області після "
            "нічної атаки, повідомило міністерство енергетики в понеділок.",
            "За даними відомства, сили протиповітряної оборони збили більшість дронів над морем.",
        ),
    )
    _load(engine, [english, ukrainian], "lang-1", "unian")
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                text("SELECT source, language || '/' || detected_language FROM v_story_articles")
            ).all()
        )
    assert rows == {"ukrinform": "en/en", "unian": "en/uk"}


def test_signatures_are_kept_and_rows_without_one_get_it_from_the_migrations_indexing(engine: Engine) -> None:
    _load(engine, [COPIES["ukrinform"]], "sig-1", "ukrinform")
    with engine.begin() as conn:
        (stored,) = conn.execute(text("SELECT story_signature FROM articles")).scalars().all()
        assert len(bytes(stored)) == 512
        assert conn.execute(text("SELECT COUNT(*) FROM story_bands")).scalar_one() == BANDS
        # As a row loaded before signatures, bands and story ids were kept; the 0005 migration indexes it.
        conn.execute(text("UPDATE articles SET story_signature = NULL, story_id = NULL"))
        conn.execute(text("DELETE FROM story_bands"))
        index_all(conn)
    _load(engine, [COPIES["interfax"]], "sig-2", "interfax")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT story_signature, story_id FROM articles ORDER BY url")).all()
        bands = conn.execute(text("SELECT COUNT(*) FROM story_bands")).scalar_one()
    assert [len(bytes(signature)) for signature, _ in rows] == [512, 512]
    assert bytes(rows[1][0]) == bytes(stored)  # the same text gives the same signature
    assert rows[0][1] == rows[1][1] is not None
    assert bands == 2 * BANDS
