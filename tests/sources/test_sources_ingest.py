"""Generic sources through the whole pipeline (``newsetl ingest``: crawl, transform, load, checks) from the
replayed fixture site into one SQLite warehouse: the wire report that two outlets carried becomes one
story, and each article's text language is stored. (Each source's crawl alone: test_generic_crawl.py.)"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from sqlalchemy import create_engine, text

other_sources = sys.modules["other_sources"]
pytestmark = pytest.mark.slow


# The two outlets that carry the wire report, and one that does not.
KEYS = ("interfax", "kyivindependent", "ukrinform")


def test_the_wire_report_two_sources_carried_is_one_story(fixture_site: Any, tmp_path: Path) -> None:
    data_root = tmp_path / "data"
    env = {**site_fixtures.quiet_env(data_root), "COLUMNS": "120"}
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        for key in KEYS:
            done = site_fixtures.newsetl_ingest(env, key, "--mirror", mirror, "--run-id", f"{key}-1")
            assert done.returncode == 0, done.stdout + done.stderr

    engine = create_engine(f"sqlite:///{data_root / 'warehouse.sqlite'}")
    try:
        with engine.connect() as conn:
            articles = conn.execute(
                text("SELECT url, source, story_id, story_articles, detected_language FROM v_story_articles")
            ).all()
            runs = dict(conn.execute(text("SELECT source, inserted FROM crawl_runs")).all())
            daily = conn.execute(
                text(
                    "SELECT articles, stories, duplicates, sources FROM v_daily_stories"
                    " WHERE published_day = '2025-12-01'"
                )
            ).one()
    finally:
        engine.dispose()

    expected = {a.url: a.source for a in fixture_site.other_articles if a.source in KEYS}
    assert {url: source for url, source, *_ in articles} == expected
    assert runs == {key: 2 for key in KEYS}
    assert {language for *_, language in articles} == {"en"}
    wire = [
        other_sources.article_url(spec, story)
        for spec in other_sources.SPECS
        for story in spec.stories
        if other_sources.WIRE_REPORT[0] in story.paragraphs
    ]
    assert len(wire) == 2
    stories = {url: story for url, _, story, _, _ in articles}
    sizes = {url: size for url, _, _, size, _ in articles}
    assert stories[wire[0]] == stories[wire[1]]
    assert all(sizes[url] == 2 for url in wire)
    assert sum(1 for url in stories if sizes[url] == 1) == len(expected) - 2
    assert len(set(stories.values())) == len(expected) - 1
    # Both copies were published on 1 December: two articles, one story.
    assert tuple(daily) == (2, 1, 1, 2)
