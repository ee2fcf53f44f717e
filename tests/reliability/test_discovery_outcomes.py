"""Every feed, news sitemap, sitemap index and child sitemap a crawl asks for ends as one line of the run's
``discovery.jsonl`` (issue 12, item 1): read fine, answered with an error status, not answered at all, not a
feed, cut short, refused before it went out.

Each crawl is the real crawl step (``newsetl.pipeline.crawl``: ``scrapy crawl`` in a child process) against a
replay server on 127.0.0.1 as the mirror, or against a port where nothing listens; the transform step
(``newsetl.pipeline.transform``) then copies the lines beside the staged records.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE, SOURCES, quiet_settings

from newsetl import pipeline
from scrapers.discovery import iter_sitemap, read_feed
from scrapers.replay import Fault, FaultPlan, ReplayServer
from scrapers.urls import on_source_host
from scrapers.warc import WarcRunWriter, iter_responses
from transforms.discovery_log import read_discovery_file
from transforms.sources import load_sources, parse_sources
from transforms.urls import url_problem

pytestmark = pytest.mark.slow

FEEDS = (f"{BASE}/eng/rss/", f"{BASE}/rss/", f"{BASE}/rus/rss/")
NEWS_SITEMAP = f"{BASE}/sitemap/sitemap-news.xml"
INDEX = f"{BASE}/sitemap/sitemap-archive.xml"
CONFIGURED = {**{feed: "feed" for feed in FEEDS}, NEWS_SITEMAP: "news_sitemap"}
XML = [("Content-Type", "application/xml")]
GZ = [("Content-Type", "application/x-gzip")]
HTML = [("Content-Type", "text/html; charset=utf-8")]
RSS = [("Content-Type", "application/rss+xml; charset=utf-8")]


def _crawl(
    tmp_path: Path,
    mirror: str,
    *,
    since: date | None = None,
    until: date | None = None,
    sources_file: Path | None = None,
    **changes: Any,
) -> tuple[dict[str, Any], pipeline.RunPlan, list[dict[str, Any]]]:
    """The crawl step for pravda against ``mirror``: its figures, its plan and its discovery lines."""
    settings = quiet_settings(tmp_path / "data", mirror, retry_times=1, **changes)
    if sources_file is not None:
        settings = replace(settings, sources_file=str(sources_file))
    source = (load_sources(sources_file) if sources_file is not None else SOURCES)["pravda"]
    plan = pipeline.RunPlan.make("pravda", "discovery", settings)
    lines: list[str] = []
    figures = pipeline.crawl(
        plan, settings, source, since=since, until=until, incremental=False, log=lines.append
    )
    figures["log"] = "\n".join(lines)
    return figures, plan, read_discovery_file(Path(plan.raw_url) / "discovery.jsonl")


def _by_url(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_url = {row["url"]: row for row in rows}
    assert len(by_url) == len(rows), f"a URL has more than one line: {rows}"
    return by_url


def _outcomes(plan: pipeline.RunPlan) -> dict[str, dict[str, Any]]:
    path = Path(plan.raw_url) / "outcomes.jsonl"
    return {line["url"]: line for line in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


# -- the fixture site -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recent_crawl(fixture_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("recent")
    with ReplayServer([fixture_site.warc]) as server:
        return (tmp, *_crawl(tmp, server.url))


def _expected_in_range(urls: list[str], outcomes: dict[str, dict[str, Any]]) -> int:
    """The distinct candidate articles among ``urls``: with an outcome, and not refused by the URL rule
    (another site, a private address) before anything was asked."""
    found = {on_source_host(url, BASE) for url in urls}
    return sum(1 for url in found if url in outcomes and url_problem(url, BASE) is None)


def test_each_configured_feed_and_news_sitemap_has_one_line(recent_crawl: Any) -> None:
    _, figures, plan, rows = recent_crawl
    by_url = _by_url(rows)
    assert {url: row["kind"] for url, row in by_url.items()} == CONFIGURED
    assert all(row["http_status"] == 200 and row["error"] == "" for row in rows), rows
    assert figures["discovery"] == {"urls": 4, "failed": 0}
    # What the crawl read, from its own archive: the entries of each body, and which were candidates.
    outcomes = _outcomes(plan)
    bodies = {r.url: r.body for r in iter_responses(Path(plan.raw_url).glob("*.warc.gz")) if r.url in by_url}
    for url in FEEDS:
        links = read_feed(bodies[url])
        assert by_url[url]["entries_found"] == len(links) > 0
        assert by_url[url]["entries_in_range"] == _expected_in_range(links, outcomes) > 0
    entries = list(iter_sitemap(bodies[NEWS_SITEMAP])[1])
    assert by_url[NEWS_SITEMAP]["entries_found"] == len(entries) > 0
    assert by_url[NEWS_SITEMAP]["entries_in_range"] == _expected_in_range([e.loc for e in entries], outcomes)
    # The offsite link of the English feed is found but not in range; every candidate is in some line.
    assert by_url[FEEDS[0]]["entries_in_range"] < by_url[FEEDS[0]]["entries_found"]
    candidates = {url for url in outcomes if url_problem(url, BASE) is None}
    assert sum(row["entries_in_range"] for row in rows) >= len(candidates)


def test_the_transform_step_copies_the_lines_to_the_staged_folder(recent_crawl: Any) -> None:
    _, _, plan, rows = recent_crawl
    figures = pipeline.transform(plan, SOURCES)
    staged = Path(plan.staged_url)
    assert read_discovery_file(staged / "discovery.jsonl") == rows
    assert (staged / "discovery.jsonl").read_text(encoding="utf-8") == (
        Path(plan.raw_url) / "discovery.jsonl"
    ).read_text(encoding="utf-8")
    assert figures["counts"]["discovery"] == {"urls": 4, "failed": 0}
    counts = json.loads((staged / "counts.json").read_text(encoding="utf-8"))
    assert counts["discovery"] == {"urls": 4, "failed": 0}


def test_a_date_range_reads_the_index_and_the_months_in_range(fixture_site: Any, tmp_path: Path) -> None:
    since, until = date(2025, 11, 20), date(2025, 12, 5)
    with ReplayServer([fixture_site.warc]) as server:
        figures, plan, rows = _crawl(tmp_path, server.url, since=since, until=until)
    by_url = _by_url(rows)
    months = {month: f"{BASE}/sitemap/sitemap-2025-{month:02d}.xml.gz" for month in (11, 12)}
    assert {url: row["kind"] for url, row in by_url.items()} == {
        INDEX: "sitemap_index",
        months[11]: "child_sitemap",
        months[12]: "child_sitemap",
    }
    # The index lists 2025-10 too, which the range does not need.
    assert by_url[INDEX] == {
        "url": INDEX,
        "kind": "sitemap_index",
        "http_status": 200,
        "error": "",
        "entries_found": 3,
        "entries_in_range": 2,
    }
    for month, url in months.items():
        articles = [a for a in fixture_site.articles if a.published.startswith(f"2025-{month:02d}-")]
        in_range = [a for a in articles if since <= date.fromisoformat(a.published) <= until]
        assert by_url[url]["http_status"] == 200 and by_url[url]["error"] == ""
        assert by_url[url]["entries_found"] == len(articles)
        assert by_url[url]["entries_in_range"] == len(in_range) > 0
    assert figures["discovery"] == {"urls": 3, "failed": 0}
    assert sum(by_url[url]["entries_in_range"] for url in months.values()) == len(_outcomes(plan))


def test_a_date_range_without_its_month_in_the_index_asks_for_no_child(
    fixture_site: Any, tmp_path: Path
) -> None:
    with ReplayServer([fixture_site.warc]) as server:
        figures, _, rows = _crawl(tmp_path, server.url, since=date(2024, 1, 1), until=date(2024, 1, 31))
    assert rows == [
        {
            "url": INDEX,
            "kind": "sitemap_index",
            "http_status": 200,
            "error": "",
            "entries_found": 3,
            "entries_in_range": 0,
        }
    ]
    assert figures["discovery"] == {"urls": 1, "failed": 0}


# -- nothing answers, or errors answer --------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("obey_robots", [True, False], ids=["robots.txt first", "no robots.txt"])
def test_nothing_listening_gives_every_discovery_url_a_connection_error(
    tmp_path: Path, obey_robots: bool
) -> None:
    mirror = f"http://127.0.0.1:{_closed_port()}"
    figures, _, rows = _crawl(tmp_path, mirror, obey_robots=obey_robots)
    by_url = _by_url(rows)
    assert {
        url: row["kind"] for url, row in by_url.items()
    } == CONFIGURED  # the source's URLs, not the mirror's
    for row in rows:
        assert row["http_status"] is None
        assert "ConnectionRefusedError" in row["error"], row
        assert (row["entries_found"], row["entries_in_range"]) == (0, 0)
        # When robots.txt cannot be had, RFC 9309 refuses the whole site, and the line says so.
        assert row["error"].startswith("robots.txt unavailable (") == obey_robots, row
        assert mirror not in row["error"]
    assert figures["discovery"] == {"urls": 4, "failed": 4}
    for url in CONFIGURED:  # the crawl's own error lines stay
        assert f"ERROR: discovery source {url} gave nothing: " in figures["log"]


def test_feeds_and_sitemaps_answering_500_are_failed_lines(fixture_site: Any, tmp_path: Path) -> None:
    plan = FaultPlan()
    for url in CONFIGURED:
        plan.add(url, Fault("status", 50, 500))
    with ReplayServer([fixture_site.warc], faults=plan) as server:
        figures, run, rows = _crawl(tmp_path, server.url)
        served = dict(plan.served)
    assert _by_url(rows).keys() == CONFIGURED.keys()
    assert all(served[url] == 2 for url in CONFIGURED)  # asked for, retried once, given up
    for row in rows:
        assert (row["http_status"], row["error"]) == (500, "HTTP 500"), row
        assert (row["entries_found"], row["entries_in_range"]) == (0, 0)
    assert figures["discovery"] == {"urls": 4, "failed": 4}
    assert figures["stats"]["newsetl/discovery/errors"] == 4
    assert f"ERROR: discovery source {FEEDS[0]} gave nothing: HTTP 500" in figures["log"]
    staged = pipeline.transform(run, SOURCES)
    assert staged["counts"]["discovery"] == {"urls": 4, "failed": 4}


# -- a hostile site: bodies that are not feeds, redirects, refusals, a sitemap cut short --------------------

GOOD = f"{BASE}/eng/news/2025/12/1/7600001/"
MOVED = f"{BASE}/eng/rss/moved.xml"
OFFSITE = "https://attacker.example/rss/"
DISALLOWED = f"{BASE}/sitemap/disallowed.xml"
CUT = f"{BASE}/sitemap/cut.xml.gz"
CUT_URLS = [f"{BASE}/eng/news/2025/12/{day}/{7600000 + day}/" for day in (1, 2, 3)]
MONTH = f"{BASE}/sitemap/sitemap-2025-12.xml.gz"
PRIVATE_CHILD = "http://127.0.0.1:9/sitemap/sitemap-2025-12.xml"
PAGE_NOT_FEED = b"<!doctype html><html><head><title>Moved</title></head><body><p>Not here</p></body></html>"


def _urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n'
    ).encode()


def _hostile_site(tmp_path: Path) -> tuple[Path, Path]:
    """The hostile WARC and a sources file whose discovery lists its feeds and sitemaps."""
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title><link>{BASE}/</link>'
        f"<description>d</description><item><title>t</title><link>{GOOD}</link></item></channel></rss>"
    ).encode()
    # Three entries, then more than the 64 MiB a sitemap may unpack to: read up to the cap, then cut short.
    cut = _urlset(CUT_URLS)[: -len(b"</urlset>\n")] + b" " * (65 * 1024 * 1024) + b"</urlset>\n"
    index_entries = [f"{BASE}/sitemap/sitemap-2025-11.xml.gz", MONTH, MONTH, PRIVATE_CHILD]
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in index_entries)
        + "</sitemapindex>\n"
    ).encode()
    month = gzip.compress(_urlset([GOOD, CUT_URLS[1], f"{BASE}/eng/news/2025/11/30/7600099/"]), mtime=0)
    responses = [
        (
            f"{BASE}/robots.txt",
            200,
            [("Content-Type", "text/plain")],
            b"User-agent: *\nDisallow: /sitemap/dis\n",
        ),
        (FEEDS[0], 200, HTML, PAGE_NOT_FEED),  # a page where the feed should be
        (FEEDS[1], 301, [("Location", MOVED)], b""),  # moved within the site: followed
        (MOVED, 200, RSS, feed),
        (FEEDS[2], 301, [("Location", OFFSITE)], b""),  # moved to another site: refused
        (NEWS_SITEMAP, 200, HTML, PAGE_NOT_FEED),
        (CUT, 200, GZ, gzip.compress(cut, mtime=0)),
        (INDEX, 200, XML, index),
        (MONTH, 200, GZ, month),
    ]
    site = tmp_path / "site"
    site.mkdir()
    with WarcRunWriter(site, "hostile", name="hostile.warc.gz") as writer:
        for url, status, headers, body in responses:
            writer.write_exchange(url, status=status, response_headers=headers, body=body)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - key: pravda\n    label: Pravda Ukraine\n    base_url: https://www.pravda.com.ua\n"
        "    editions: {eng: en, ukr: uk, rus: ru}\n    discovery:\n"
        f"      feeds: {[url.removeprefix(BASE) for url in FEEDS]}\n"
        f"      news_sitemaps: {[url.removeprefix(BASE) for url in (NEWS_SITEMAP, DISALLOWED, CUT)]}\n"
        f"      sitemap_indexes: [{INDEX.removeprefix(BASE)}]\n"
        "    parser: pravda\n    enabled: true\n",
        encoding="utf-8",
    )
    parse_sources(sources.read_text(encoding="utf-8"), str(sources))  # the file itself is right
    return site / "hostile.warc.gz", sources


def test_bodies_that_are_not_feeds_redirects_and_refusals_each_end_in_a_line(tmp_path: Path) -> None:
    warc, sources = _hostile_site(tmp_path)
    with ReplayServer([warc]) as server:
        figures, _, rows = _crawl(tmp_path, server.url, sources_file=sources)
    by_url = _by_url(rows)
    assert Counter(row["kind"] for row in rows) == {"feed": 3, "news_sitemap": 3}
    not_feed = by_url[FEEDS[0]]
    assert (not_feed["http_status"], not_feed["entries_found"]) == (200, 0)
    assert not_feed["error"].startswith("not a feed: "), not_feed
    not_sitemap = by_url[NEWS_SITEMAP]
    assert not_sitemap["http_status"] == 200 and not_sitemap["error"].startswith("not a sitemap: "), (
        not_sitemap
    )
    # The URL as asked for, not where it redirected to; read fine.
    assert by_url[FEEDS[1]] == {
        "url": FEEDS[1],
        "kind": "feed",
        "http_status": 200,
        "error": "",
        "entries_found": 1,
        "entries_in_range": 1,
    }
    offsite = by_url[FEEDS[2]]
    assert offsite["http_status"] is None and "offsite" in offsite["error"], offsite
    disallowed = by_url[DISALLOWED]
    assert disallowed["http_status"] is None and "robots.txt" in disallowed["error"], disallowed
    # Cut short after three entries: those were taken (in range), the rest was never read.
    assert by_url[CUT] == {
        "url": CUT,
        "kind": "news_sitemap",
        "http_status": 200,
        "error": "cut short: larger than 67108864 bytes uncompressed",
        "entries_found": 3,
        "entries_in_range": 3,
    }
    assert figures["discovery"] == {"urls": 6, "failed": 5}
    assert f"ERROR: discovery source {CUT} was cut short: " in figures["log"]


def test_an_index_follows_each_month_once_and_a_refused_child_is_a_line(tmp_path: Path) -> None:
    warc, sources = _hostile_site(tmp_path)
    with ReplayServer([warc]) as server:
        figures, _, rows = _crawl(
            tmp_path, server.url, sources_file=sources, since=date(2025, 12, 1), until=date(2025, 12, 31)
        )
    by_url = _by_url(rows)  # the month listed twice is asked for, and written, once
    assert by_url.keys() == {INDEX, MONTH, PRIVATE_CHILD}
    # Four entries: November is out of range, December is listed twice, the private address is refused.
    assert (by_url[INDEX]["entries_found"], by_url[INDEX]["entries_in_range"]) == (4, 2)
    assert by_url[MONTH] == {
        "url": MONTH,
        "kind": "child_sitemap",
        "http_status": 200,
        "error": "",
        "entries_found": 3,
        "entries_in_range": 2,
    }
    refused = by_url[PRIVATE_CHILD]
    assert refused["kind"] == "child_sitemap" and refused["http_status"] is None
    assert refused["error"].startswith("RefusedRequest: refused "), refused
    assert figures["discovery"] == {"urls": 3, "failed": 1}
