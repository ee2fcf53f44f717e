"""Unbounded discovery through the real crawl (issue 14, faults 4, 5 and 11): a sitemap of 857,925 URLs, more
URLs across sitemaps than a run should hold, a sitemap index that always points to a deeper one, and a
robots.txt that answers 503 or nothing.

Each site is served from 127.0.0.1 by the replay server as the crawl's mirror (``scrapy crawl pravda`` in a
child process, with a sources file whose discovery lists the hostile sitemaps). The bounds are set through
the ``NEWSETL_*`` environment, as an operator sets them. Nothing here asserts time: the caps are checked by
counting what was taken and what was asked for.
"""

from __future__ import annotations

import gzip
import itertools
import tracemalloc
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from conftest import BASE, builder, record_figures

from scrapers.discovery import SitemapEntry
from scrapers.replay import Fault, FaultPlan, ReplayServer
from scrapers.warc import WarcRunWriter
from transforms.sources import parse_sources

pytestmark = pytest.mark.slow

# The attack's sitemap: 857,925 article URLs, 2.2 MiB as gzip and 62 MiB of XML, under both the 8 MiB
# response cap and the 64 MiB decompression cap.
HUGE_URLS = 857_925
HUGE = f"{BASE}/sitemap/huge.xml.gz"
ENDLESS = f"{BASE}/sitemap/endless.xml"
ENDLESS_RECORDED = 40  # levels recorded; a crawler without a depth limit follows every one of them
ROBOTS = f"{BASE}/robots.txt"
FEED = f"{BASE}/eng/rss/"
NEWS_SITEMAP = f"{BASE}/sitemap/sitemap-news.xml"
GOOD = builder.article_url("eng", "news", 2025, 12, 1, 7600001)
XML = [("Content-Type", "application/xml")]
GZ = [("Content-Type", "application/x-gzip")]

SCENARIO = "unbounded discovery (sitemap caps, index depth, robots 5xx)"
FIGURES: Counter[str] = Counter()


def _figures(**add: int) -> None:
    FIGURES.update(add)
    record_figures(SCENARIO, **{name: FIGURES[name] for name in ("faulted", "refused", "lost", "duplicated")})


def _article_urls(first_id: int, count: int) -> list[str]:
    return [f"{BASE}/eng/news/2025/12/1/{first_id + i}/" for i in range(count)]


def _urlset(urls: list[str]) -> bytes:
    entries = b"".join(b"<url><loc>%s</loc></url>\n" % url.encode() for url in urls)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + b"</urlset>\n"
    )


def _index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{url.replace('&', '&amp;')}</loc></sitemap>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n'
    ).encode()


@pytest.fixture(scope="module")
def huge_sitemap() -> bytes:
    body = gzip.compress(_urlset(_article_urls(7_000_000, HUGE_URLS)), compresslevel=6, mtime=0)
    assert 2 * 1024 * 1024 < len(body) < 8 * 1024 * 1024  # the attack's size, under the response cap
    return body


def _crawl(
    tmp_path: Path,
    responses: list[tuple[str, int, list[tuple[str, str]], bytes]],
    *,
    feeds: tuple[str, ...] = (),
    news_sitemaps: tuple[str, ...] = (),
    faults: dict[str, Fault] | None = None,
    **env: str,
) -> tuple[site_fixtures.CrawlRun, dict[str, int]]:
    """The pravda spider over ``responses`` (served by a replay mirror), discovering only through the given
    feeds and news sitemaps; returns the run and how often each URL was asked for."""
    site = tmp_path / "site"
    site.mkdir()
    with WarcRunWriter(site, "bounds", name="bounds.warc.gz") as writer:
        for url, status, headers, body in responses:
            writer.write_exchange(url, status=status, response_headers=headers, body=body)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - key: pravda\n    label: Pravda Ukraine\n    base_url: https://www.pravda.com.ua\n"
        "    editions: {eng: en, ukr: uk, rus: ru}\n    discovery:\n"
        f"      feeds: {list(feeds)}\n      news_sitemaps: {list(news_sitemaps)}\n"
        "    parser: pravda\n    enabled: true\n",
        encoding="utf-8",
    )
    parse_sources(sources.read_text(encoding="utf-8"), str(sources))  # the file itself is right
    plan = FaultPlan()
    for where, fault in (faults or {}).items():
        plan.add(where, fault)
    run_dir = tmp_path / "run"
    quiet = site_fixtures.quiet_env(tmp_path / "data", NEWSETL_RETRY_TIMES="1", **env)
    with ReplayServer([site / "bounds.warc.gz"], faults=plan) as server:
        # CLOSESPIDER_PAGECOUNT only ends a crawl that took what it should not have (today's main) in
        # reasonable time; a bounded crawl stays far below it.
        run = site_fixtures.run_scrapy(
            run_dir, server.url, f"sources={sources}", env=quiet, settings={"CLOSESPIDER_PAGECOUNT": "3000"}
        )
        served = dict(server.faults.served)
    assert run.returncode == 0, run.log[-3000:]
    return run, served


def _requested_articles(served: dict[str, int]) -> set[str]:
    return {url for url in served if "/news/" in url}


def test_reading_a_huge_sitemap_holds_only_what_is_taken(huge_sitemap: bytes) -> None:
    """The sitemap is gunzipped and parsed as its entries are taken: the first thousand of 857,925 cost no
    more memory than a small sitemap would, where reading it whole held its 62 MiB of XML."""
    from scrapers.discovery import iter_sitemap  # here, so the crawl tests also run against older code

    tracemalloc.start()
    try:
        kind, entries = iter_sitemap(huge_sitemap)
        first = list(itertools.islice(entries, 1000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kind == "urlset"
    assert [e.loc for e in first] == _article_urls(7_000_000, 1000)
    assert peak < 8 * 1024 * 1024, f"taking 1000 entries held {peak / 2**20:.1f} MiB"


def test_entities_in_a_streamed_sitemap_are_never_expanded() -> None:
    """What held before the reader streamed must still hold: no external entity is read, no entity bomb
    grows."""
    from scrapers.discovery import read_sitemap

    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>&x;</loc></url><url><loc>" + GOOD.encode() + b"</loc></url></urlset>"
    )
    assert read_sitemap(xxe) == ("urlset", [SitemapEntry(GOOD, None)])
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs += f'<!ENTITY {level} "{f"&{previous};" * 10}">'.encode()
    laughs += b"]><urlset><url><loc>&i;</loc></url></urlset>"
    kind, entries = read_sitemap(laughs)
    assert kind == "urlset" and sum(len(e.loc) for e in entries) < 100


def test_a_huge_sitemap_is_read_only_up_to_its_cap(tmp_path: Path, huge_sitemap: bytes) -> None:
    run, served = _crawl(
        tmp_path, [(HUGE, 200, GZ, huge_sitemap)], news_sitemaps=(HUGE,), NEWSETL_MAX_SITEMAP_URLS="200"
    )
    outcomes = run.outcomes
    assert len(outcomes) == 200  # exactly the cap: taken in order, the first 200
    assert set(outcomes) == set(_article_urls(7_000_000, 200))
    assert len(_requested_articles(served)) <= 200
    assert run.stats["newsetl/discovered"] == 200
    assert run.stats["newsetl/discovery/capped/sitemap_urls"] == 1
    assert f"discovery source {HUGE} lists more than 200 URLs" in run.log
    assert "(NEWSETL_MAX_SITEMAP_URLS=200)" in run.log
    _figures(faulted=1, refused=HUGE_URLS - len(outcomes), lost=0, duplicated=0)


def test_a_run_takes_no_more_urls_than_its_cap(tmp_path: Path) -> None:
    first, second = _article_urls(7_100_000, 5000), _article_urls(7_200_000, 5000)
    one, two = f"{BASE}/sitemap/one.xml", f"{BASE}/sitemap/two.xml.gz"
    run, served = _crawl(
        tmp_path,
        [(one, 200, XML, _urlset(first)), (two, 200, GZ, gzip.compress(_urlset(second), mtime=0))],
        news_sitemaps=(one, two),
        NEWSETL_MAX_RUN_URLS="300",
    )
    outcomes = run.outcomes
    assert len(outcomes) == 300 == run.stats["newsetl/discovered"]
    assert set(outcomes) <= set(first) | set(second)
    assert len(_requested_articles(served)) <= 300
    assert run.stats["newsetl/discovery/capped/run_urls"] >= 1
    assert "(NEWSETL_MAX_RUN_URLS=300)" in run.log
    _figures(faulted=1, refused=len(first) + len(second) - len(outcomes))


def test_an_endless_sitemap_index_stops_at_the_depth_limit(tmp_path: Path) -> None:
    levels = [f"{ENDLESS}?n={n}" for n in range(ENDLESS_RECORDED + 1)]
    responses = [(levels[n], 200, XML, _index([levels[n + 1]])) for n in range(ENDLESS_RECORDED)]
    run, served = _crawl(tmp_path, responses, news_sitemaps=(levels[0],))  # the default depth limit, 3
    asked = sorted((url for url in served if url.startswith(ENDLESS)), key=levels.index)
    assert asked == levels[:4]  # the configured index and three levels below it
    assert all(served[url] == 1 for url in asked)
    assert run.stats["newsetl/discovery/capped/sitemap_depth"] == 1
    assert f"sitemap index {levels[3]} is 3 levels below a configured sitemap" in run.log
    assert "(NEWSETL_MAX_SITEMAP_DEPTH=3)" in run.log
    _figures(faulted=1, refused=1)


def _small_site() -> list[tuple[str, int, list[tuple[str, str]], bytes]]:
    """A feed and a news sitemap, each listing one good article."""
    template = builder.TEMPLATES["post_2020"]
    page = builder.variant_html(template, GOOD, f"{template.headline} (№7600001)", date(2025, 12, 1), 7600001)
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>feed</title>'
        f"<link>{BASE}/</link><description>d</description><item><title>t</title><link>{GOOD}</link></item>"
        "</channel></rss>\n"
    ).encode()
    return [
        (FEED, 200, [("Content-Type", "application/rss+xml; charset=utf-8")], feed),
        (NEWS_SITEMAP, 200, XML, _urlset([GOOD])),
        (GOOD, 200, [("Content-Type", "text/html; charset=utf-8")], str(page).encode()),
    ]


@pytest.mark.parametrize(
    ("fault", "why"),
    [(Fault("status", 100, 503), "HTTP 503"), (Fault("reset", 100), "DownloadFailedError")],
    ids=["503", "no answer"],
)
def test_robots_txt_unavailable_disallows_the_whole_site(tmp_path: Path, fault: Fault, why: str) -> None:
    run, served = _crawl(
        tmp_path, _small_site(), feeds=(FEED,), news_sitemaps=(NEWS_SITEMAP,), faults={"/robots.txt": fault}
    )
    assert served == {ROBOTS: 2}  # robots.txt and its one retry (NEWSETL_RETRY_TIMES=1), nothing else
    assert run.items == []
    assert run.outcomes == {
        url: {"url": url, "outcome": "skipped", "reason": "robots_unavailable", "http_status": None}
        for url in (FEED, NEWS_SITEMAP)
    }
    assert run.stats["newsetl/discovered"] == 2
    assert run.stats["robotstxt/unavailable"] == 1
    said = [line for line in run.log.splitlines() if "robots.txt of www.pravda.com.ua unavailable (" in line]
    assert len(said) == 1 and why in said[0], said
    _figures(faulted=1, refused=len(run.outcomes))


@pytest.mark.parametrize(
    "robots",
    [None, (ROBOTS, 403, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /\n")],
    ids=["404", "403 with rules in its body"],
)
def test_robots_txt_4xx_allows_the_crawl(tmp_path: Path, robots: Any) -> None:
    """No robots.txt (4xx): no rules, whatever the error page says."""
    run, served = _crawl(
        tmp_path,
        [*_small_site(), *([robots] if robots else [])],
        feeds=(FEED,),
        news_sitemaps=(NEWS_SITEMAP,),
    )
    assert served.keys() == {ROBOTS, FEED, NEWS_SITEMAP, GOOD}
    assert run.outcomes[GOOD]["outcome"] == "parsed"
    assert [item["url"] for item in run.items] == [GOOD]
    _figures(lost=0 if run.outcomes[GOOD]["outcome"] == "parsed" else 1)
