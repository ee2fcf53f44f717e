"""The generic spider over the replayed fixture site: every configured generic source crawls its feed and
yields its two articles, and a source added at runtime as one YAML entry is crawled through ``run_crawl``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import site_fixtures

from scrapers.crawl import SpiderArguments, run_crawl, spider_for
from scrapers.replay import ReplayServer
from scrapers.warc import WarcRunWriter
from transforms.normalise import staged_row
from transforms.record import ArticleRecord
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

SOURCES = load_sources(DEFAULT_SOURCES_FILE)

other_sources = sys.modules["other_sources"]
pytestmark = pytest.mark.slow

GENERIC_KEYS = sorted(spec.key for spec in other_sources.SPECS)


@pytest.fixture(scope="module")
def mirror(fixture_site: Any) -> Any:
    with ReplayServer([fixture_site.warc]) as server:
        yield server.url


def test_every_enabled_generic_source_has_fixtures() -> None:
    sources = load_sources(DEFAULT_SOURCES_FILE)
    generic = {key for key, s in sources.items() if s.enabled and s.parser == "generic"}
    assert generic == set(GENERIC_KEYS)
    for spec in other_sources.SPECS:
        source = sources[spec.key]
        assert source.base_url == spec.base and spec.feed in source.feeds
        assert spider_for(source) == ("generic", ["-a", f"source={spec.key}"])


@pytest.mark.parametrize("key", GENERIC_KEYS)
def test_scrapy_crawl_generic_yields_the_sources_articles(
    key: str, mirror: str, fixture_site: Any, tmp_path: Path
) -> None:
    run = site_fixtures.run_scrapy(tmp_path / "run", mirror, f"source={key}", spider="generic")
    assert run.returncode == 0, run.log[-3000:]
    expected = {a.url: a for a in fixture_site.other_articles if a.source == key}
    assert len(expected) == 2
    items = {item["url"]: item for item in run.items}
    assert set(items) == set(expected)
    for url, item in items.items():
        assert item["source"] == key
        assert item["headline"] == expected[url].headline
        assert item["published_at"].startswith(expected[url].published)
        assert (item["edition"], item["language"]) == ("en", "en")
        assert item["parser"].startswith("generic@")
        seed_text = staged_row(ArticleRecord.from_dict(item), SOURCES[key].label)["seed_text"]
        assert "Read also" not in seed_text and "Share on" not in seed_text
        assert seed_text.endswith("\n" + url)
    outcomes = run.outcomes
    assert {u for u, o in outcomes.items() if o["outcome"] == "parsed"} == set(expected)
    # The feed's link to a section page is not an article URL: counted, never fetched.
    assert all(not u.endswith("/news/") for u in outcomes)
    assert run.stats["newsetl/discovery/not_article_url"] >= 1
    # The archive holds the feed and the pages under their real URLs (robots.txt is fetched before them).
    assert run.warcs


def test_the_generic_spider_needs_a_source(mirror: str, tmp_path: Path) -> None:
    run = site_fixtures.run_scrapy(tmp_path / "run", mirror, spider="generic")
    assert run.returncode == 2
    assert "source: missing" in run.log


LVIV = "https://www.lvivnews.example"
LVIV_ENTRY = """
  - key: lvivnews
    label: Lviv News
    base_url: https://www.lvivnews.example
    editions:
      en: en
    discovery:
      feeds:
        - /en/rss.xml
    parser: generic
    enabled: true
"""


def _lviv_site(out: Path) -> Path:
    """A site no spider or test knows about: robots.txt, a feed and one article page."""
    spec = other_sources.SiteSpec(
        "lvivnews",
        "Lviv News",
        LVIV,
        "/en/rss.xml",
        "rss",
        "story-body",
        True,
        (
            other_sources.Story(
                "/en/city/tram-line-to-sykhiv-reopens-after-repairs/",
                "Tram line to Sykhiv reopens after repairs",
                "2025-12-14T10:00:00+02:00",
                "City Desk",
                "City",
                (
                    "The tram line between the city centre and the Sykhiv district reopened on Sunday after "
                    "three months of repairs to the tracks and the overhead wires.",
                    "The city transport company said the trams would run every seven minutes at rush hour "
                    "and that the temporary bus route along the same streets would close on Monday.",
                    "Repair works on the bridge near the railway station continue, so the line still ends "
                    "one stop short of its old terminus until the end of January.",
                ),
            ),
        ),
    )
    story = spec.stories[0]
    article_url = other_sources.article_url(spec, story)
    with WarcRunWriter(out, "lviv", name="lviv.warc.gz", info={"software": "newsetl tests"}) as writer:
        for url, body, kind in (
            (f"{LVIV}/robots.txt", other_sources.ROBOTS_TXT.encode(), "text/plain"),
            (LVIV + spec.feed, other_sources.feed_xml(spec), "application/rss+xml"),
            (article_url, other_sources.page_html(spec, story).encode(), "text/html"),
        ):
            writer.write_exchange(
                url, status=200, response_headers=[("Content-Type", f"{kind}; charset=utf-8")], body=body
            )
    return out / "lviv.warc.gz"


def test_a_source_added_as_one_yaml_entry_is_crawled(tmp_path: Path) -> None:
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(DEFAULT_SOURCES_FILE.read_text(encoding="utf-8") + LVIV_ENTRY, encoding="utf-8")
    warc = _lviv_site(tmp_path / "site")
    env = site_fixtures.quiet_env(tmp_path / "data", NEWSETL_SOURCES_FILE=str(sources_file))
    settings = Settings.from_env(env)
    assert settings.sources_file == str(sources_file)
    with ReplayServer([warc]) as server:
        result = run_crawl(
            load_sources(settings.sources_path())["lvivnews"],
            str(tmp_path / "raw"),
            SpiderArguments(mirror=server.url),
            settings=settings,
            log=lambda line: None,
        )
    assert result.items == 1
    assert result.outcomes == {"parsed": 1}
    (item,) = [json.loads(line) for line in (tmp_path / "raw" / "items.jsonl").read_text().splitlines()]
    assert item["url"] == f"{LVIV}/en/city/tram-line-to-sykhiv-reopens-after-repairs/"
    assert item["source"] == "lvivnews" and item["headline"] == "Tram line to Sykhiv reopens after repairs"
    # The entry's label is the seed document's source line.
    lviv = load_sources(sources_file)["lvivnews"]
    assert staged_row(ArticleRecord.from_dict(item), lviv.label)["seed_text"].split("\n")[4] == "Lviv News"
    assert "generic: editions en" in (tmp_path / "raw" / "crawl.log").read_text(encoding="utf-8")


def test_generic_crawl_skips_known_urls_and_archives(mirror: str, fixture_site: Any, tmp_path: Path) -> None:
    from scrapers.warc import iter_responses

    articles = sorted(a.url for a in fixture_site.other_articles if a.source == "nv")
    known = tmp_path / "known.tsv"
    known.write_text(f"{articles[0]}\t\n", encoding="utf-8")
    run = site_fixtures.run_scrapy(tmp_path / "run", mirror, "source=nv", f"known={known}", spider="generic")
    assert run.returncode == 0, run.log[-3000:]
    assert [item["url"] for item in run.items] == [articles[1]]
    assert run.outcomes[articles[0]]["outcome"] == "skipped"
    assert run.outcomes[articles[0]]["reason"] == "known_unchanged"
    # The WARC holds what was fetched, under the real URLs: robots.txt, the feed and the one new page.
    archived = {r.url for r in iter_responses(run.warcs)}
    assert {"https://english.nv.ua/robots.txt", "https://english.nv.ua/rss/all.xml", articles[1]} <= archived
    assert articles[0] not in archived
