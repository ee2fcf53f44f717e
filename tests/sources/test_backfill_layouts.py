"""Backfills over the sitemap layouts of real sites (tests/site/sitemap_layouts.py, replayed): ``newsetl
ingest KEY --since D --until D`` loads exactly the articles published in a day, a month and a range that
crosses a year; a range the sitemaps cannot cover fails its checks with the reason; a source without
sitemap indexes is refused before anything is crawled; an index of thousands of parts is capped."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
import sitemap_layouts

pytestmark = pytest.mark.slow

RANGES = {
    "day": ("2025-12-15", "2025-12-15"),
    "month": ("2025-12-01", "2025-12-31"),
    "across the year": ("2025-12-20", "2026-01-10"),
}
# Ranges no sitemap of the layout can hold: before the dated children (posts, dayrange), after every
# part's lastmod (numbered).
UNCOVERED = {
    "posts": ("2024-03-01", "2024-03-31"),
    "dayrange": ("2024-03-01", "2024-03-31"),
    "numbered": ("2026-03-01", "2026-03-31"),
}


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The replay origin of the layouts' WARC, and the sources file naming the sites."""
    folder = tmp_path_factory.mktemp("layouts")
    warc = sitemap_layouts.build(folder / "site")
    sources = folder / "sources.yaml"
    sources.write_text(sitemap_layouts.SOURCES_YAML, encoding="utf-8")
    with site_fixtures.replay_process([warc]) as mirror:
        yield mirror, sources


def _ingest(layouts: tuple[str, Path], data: Path, key: str, since: str, until: str, **env: str) -> Any:
    mirror, sources = layouts
    return site_fixtures.newsetl_ingest(
        site_fixtures.quiet_env(data, NEWSETL_SOURCES_FILE=str(sources), **env),
        key,
        "--since",
        since,
        "--until",
        until,
        "--mirror",
        mirror,
        "--run-id",
        "backfill",
    )


def _loaded(data: Path, key: str) -> set[str]:
    with sqlite3.connect(data / "warehouse.sqlite") as conn:
        return {row[0] for row in conn.execute("SELECT url FROM articles WHERE source = ?", (key,))}


def _run_file(data: Path, key: str, name: str) -> list[dict[str, Any]]:
    (path,) = (data / "raw" / key).glob(f"*/{name}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("span", sorted(RANGES))
@pytest.mark.parametrize("key", ["posts", "dayrange", "numbered"])
def test_a_backfill_loads_exactly_the_articles_published_in_the_range(
    key: str, span: str, layouts: tuple[str, Path], tmp_path: Path
) -> None:
    since, until = RANGES[span]
    done = _ingest(layouts, tmp_path / "data", key, since, until)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    expected = sitemap_layouts.published_between(key, since, until)
    assert expected
    assert _loaded(tmp_path / "data", key) == expected
    outcomes = _run_file(tmp_path / "data", key, "outcomes.jsonl")
    # What the sitemaps could not rule out was fetched and judged by its page: skipped as out of range.
    for line in outcomes:
        if line["url"] not in expected:
            assert (line["outcome"], line["reason"]) == ("skipped", "out_of_range"), line
    assert {line["url"] for line in outcomes if line["outcome"] == "parsed"} == expected


def test_the_layouts_choose_children_by_url_date_lastmod_and_robots(
    layouts: tuple[str, Path], tmp_path: Path
) -> None:
    posts = _ingest(layouts, tmp_path / "posts", "posts", *RANGES["across the year"])
    assert posts.returncode == 0, posts.stderr[-3000:]
    asked = {line["url"]: line for line in _run_file(tmp_path / "posts", "posts", "discovery.jsonl")}
    base = sitemap_layouts.POSTS
    # Dated children of other months are not read; the undated pages sitemap is; robots.txt leads to the
    # yearly index the sources file does not name, and not to another host's sitemap.
    assert f"{base}/sitemaps/posts/2025/11.xml" not in asked
    assert {f"{base}/sitemaps/posts/2025/12.xml", f"{base}/sitemaps/posts/2026/01.xml"} <= set(asked)
    assert f"{base}/sitemaps/pages.xml" in asked
    robots = asked[f"{base}/robots.txt"]
    assert (robots["kind"], robots["error"], robots["entries_found"], robots["entries_in_range"]) == (
        "sitemap_index",
        "",
        3,
        1,
    )
    assert not any("static-files" in url for url in asked)

    numbered = _ingest(layouts, tmp_path / "numbered", "numbered", *RANGES["across the year"])
    assert numbered.returncode == 0, numbered.stderr[-3000:]
    asked = {line["url"]: line for line in _run_file(tmp_path / "numbered", "numbered", "discovery.jsonl")}
    base = sitemap_layouts.NUMBERED
    # Part 1 was last modified on 16 December, before the range: all of it was published before.
    assert f"{base}/sitemap_9_1.xml.gz" not in asked
    for part in (2, 3):
        line = asked[f"{base}/sitemap_9_{part}.xml.gz"]
        assert (line["kind"], line["error"]) == ("child_sitemap", "")
    assert asked[f"{base}/sitemap_posts.xml"]["entries_in_range"] == 2  # the nested index


@pytest.mark.parametrize("key", sorted(UNCOVERED))
def test_a_range_the_sitemaps_cannot_cover_fails_with_its_reason(
    key: str, layouts: tuple[str, Path], tmp_path: Path
) -> None:
    since, until = UNCOVERED[key]
    done = _ingest(layouts, tmp_path / "data", key, since, until)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"date-range run {since}..{until}: its sitemaps gave no entry in the range" in done.stderr
    assert _loaded(tmp_path / "data", key) == set()


def test_a_range_before_a_lastmod_only_site_began_fails_with_its_reason(
    layouts: tuple[str, Path], tmp_path: Path
) -> None:
    # Parts and entries dated only by a later lastmod cannot be ruled out for 2019: every page is fetched,
    # and every one was published after the range. That is a run that found nothing of its range.
    done = _ingest(layouts, tmp_path / "data", "numbered", "2019-01-01", "2019-01-31")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "date-range run 2019-01-01..2019-01-31: its sitemaps could not rule out" in done.stderr
    assert (
        "but every one was published outside the range, e.g. https://www.numbered-parts.example/"
        in done.stderr
    )
    assert _loaded(tmp_path / "data", "numbered") == set()


def test_a_range_over_a_source_without_sitemap_indexes_is_refused(
    layouts: tuple[str, Path], tmp_path: Path
) -> None:
    done = _ingest(layouts, tmp_path / "data", "feedsonly", "2025-12-01", "2025-12-31")
    assert done.returncode == 2
    assert "source 'feedsonly' has no sitemap indexes" in done.stderr
    assert "newsetl sources probe https://www.feeds-only.example" in done.stderr
    assert not (tmp_path / "data" / "raw").exists()  # refused before any crawl

    mirror, sources = layouts
    run = site_fixtures.run_scrapy(
        tmp_path / "run",
        mirror,
        "source=feedsonly",
        "since=2025-12-01",
        f"sources={sources}",
        spider="generic",
        env=site_fixtures.quiet_env(tmp_path / "scrapy-data", NEWSETL_SOURCES_FILE=str(sources)),
    )
    assert run.returncode == 2
    assert "bad spider argument: since=2025-12-01: source 'feedsonly' has no sitemap indexes" in run.log


def test_an_index_of_thousands_of_parts_is_capped(layouts: tuple[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = _ingest(layouts, data, "manyparts", "2025-12-01", "2025-12-31", NEWSETL_MAX_SITEMAP_CHILDREN="5")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # The first five parts are read (one article each); the other 2,995 are not asked for.
    assert _loaded(data, "manyparts") == {a.url for a in sitemap_layouts.MANYPARTS_ARTICLES[:5]}
    asked = {line["url"]: line for line in _run_file(data, "manyparts", "discovery.jsonl")}
    index = asked[f"{sitemap_layouts.MANYPARTS}/sitemap.xml"]
    assert index["error"].startswith("capped: more than 5 child sitemaps wanted")
    assert "NEWSETL_MAX_SITEMAP_CHILDREN=5" in index["error"]
    assert index["entries_in_range"] == 5
    assert len([line for line in asked.values() if line["kind"] == "child_sitemap"]) == 5
    (stats_file,) = (data / "raw" / "manyparts").glob("*/stats.json")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    assert stats["newsetl/discovery/capped/sitemap_children"] == 1
