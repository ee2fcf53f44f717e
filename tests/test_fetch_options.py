"""Fetching through bot walls: per-source impersonation and the 403/challenge -> impersonation retry, through
real scrapy-impersonate (curl_cffi) and a real ``scrapy crawl`` against a local site that refuses clients
that do not look like a browser (tests/site/fingerprint_server.py: it judges headers, not TLS)."""

from __future__ import annotations

from pathlib import Path

import fingerprint_server
import pytest
import site_fixtures

from scrapers.parsers import PARSERS
from transforms.sources import read_sources

pytestmark = pytest.mark.slow

SITE = "https://www.walled-news.example"
ARTICLES = {
    "/news/harbour-reopens-after-storm-repairs": "Harbour reopens after storm repairs",
    "/news/school-year-extended-by-two-weeks": "School year extended by two weeks",
}


def _article(headline: str) -> bytes:
    text = "".join(
        f"<p>{headline} — paragraph {n}: the regional authorities said on Monday that the work planned for "
        f"the winter months had been finished ahead of time, and that residents would be told of the next "
        f"steps at a public meeting later this week.</p>"
        for n in range(1, 4)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{headline}</title>'
        f'<meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="2025-12-09T10:00:00+02:00"></head>'
        f"<body><article><h1>{headline}</h1>{text}</article></body></html>"
    ).encode()


def _site(**wall: object) -> fingerprint_server.WalledSite:
    feed = site_fixtures.rss_feed([SITE + path for path in ARTICLES], site=SITE + "/")
    pages = {
        "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
        "/feed.xml": ("application/rss+xml", feed),
        **{path: ("text/html; charset=utf-8", _article(headline)) for path, headline in ARTICLES.items()},
    }
    return fingerprint_server.WalledSite(pages, **wall)  # type: ignore[arg-type]


def _crawl(
    tmp_path: Path, site: fingerprint_server.WalledSite, impersonate: str | None
) -> site_fixtures.CrawlRun:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"""sources:
  - key: walled
    label: Walled News
    base_url: {SITE}
    editions: {{en: en}}
    discovery: {{feeds: [/feed.xml]}}
    parser: generic
{f"    impersonate: {impersonate}" if impersonate else ""}
""",
        encoding="utf-8",
    )
    with fingerprint_server.serve(site) as origin:
        return site_fixtures.run_scrapy(
            tmp_path / "run", origin, "source=walled", f"sources={sources}", spider="generic"
        )


def _outcomes(run: site_fixtures.CrawlRun) -> dict[str, tuple[str, str, str | None]]:
    return {
        url.removeprefix(SITE): (line["outcome"], line["reason"], line.get("fetched_with"))
        for url, line in run.outcomes.items()
    }


def test_a_source_that_impersonates_chrome_gets_through_on_the_first_try(tmp_path: Path) -> None:
    site = _site()  # every path behind the wall, robots.txt and the feed included
    run = _crawl(tmp_path, site, "chrome")
    assert run.returncode == 0, run.log[-3000:]
    assert {item["headline"] for item in run.items} == set(ARTICLES.values())
    assert _outcomes(run) == {path: ("parsed", "", "impersonate:chrome") for path in ARTICLES}
    # Every request looked like a browser: nothing was refused and asked for again.
    assert site.asked and all(browser for _, browser in site.asked)
    assert len([path for path, _ in site.asked if path in ARTICLES]) == 2


def test_a_plain_source_refused_with_403_is_asked_again_as_a_browser(tmp_path: Path) -> None:
    site = _site(walled=set(ARTICLES))
    run = _crawl(tmp_path, site, None)
    assert run.returncode == 0, run.log[-3000:]
    assert {item["headline"] for item in run.items} == set(ARTICLES.values())
    assert _outcomes(run) == {path: ("parsed", "", "impersonate:chrome after 403") for path in ARTICLES}
    for path in ARTICLES:  # once plain (refused), once as a browser
        assert [browser for asked, browser in site.asked if asked == path] == [False, True]
    # The feed and robots.txt were not behind the wall: fetched once, plainly.
    assert [browser for asked, browser in site.asked if asked == "/feed.xml"] == [False]


def test_a_challenge_page_is_asked_again_as_a_browser(tmp_path: Path) -> None:
    site = _site(walled=set(ARTICLES), refusal="challenge")
    run = _crawl(tmp_path, site, None)
    assert run.returncode == 0, run.log[-3000:]
    assert {item["headline"] for item in run.items} == set(ARTICLES.values())
    assert _outcomes(run) == {path: ("parsed", "", "impersonate:chrome after challenge") for path in ARTICLES}


def test_a_wall_nothing_gets_through_ends_failed_with_both_refusals(tmp_path: Path) -> None:
    site = _site(walled=set(ARTICLES), refuse_browsers=True)
    run = _crawl(tmp_path, site, None)
    assert run.returncode == 0, run.log[-3000:]
    assert run.items == []
    reason = "HTTP 403 (refused as plain HTTP, 403, and again as chrome)"
    assert _outcomes(run) == {path: ("failed", reason, "impersonate:chrome after 403") for path in ARTICLES}


def test_a_challenge_nothing_gets_through_is_a_bot_challenge(tmp_path: Path) -> None:
    site = _site(walled=set(ARTICLES), refusal="challenge", refuse_browsers=True)
    run = _crawl(tmp_path, site, None)
    assert run.items == []
    assert _outcomes(run) == {
        path: ("not_article", "bot_challenge", "impersonate:chrome after challenge") for path in ARTICLES
    }


def test_an_unknown_browser_is_a_problem_of_that_source_alone(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"""sources:
  - key: walled
    label: Walled News
    base_url: {SITE}
    editions: {{en: en}}
    discovery: {{feeds: [/feed.xml]}}
    parser: generic
    impersonate: netscape4
  - key: other
    label: Other News
    base_url: https://www.other-news.example
    editions: {{en: en}}
    discovery: {{feeds: [/feed.xml]}}
    parser: generic
    impersonate: safari
""",
        encoding="utf-8",
    )
    registry = read_sources(sources, PARSERS)
    assert set(registry.sources) == {"other"} and registry.sources["other"].impersonate == "safari"
    assert "impersonate" in str(registry.problems["walled"])
    assert "netscape4" in str(registry.problems["walled"])


def test_a_browser_name_curl_cffi_does_not_know_stops_the_spider(tmp_path: Path) -> None:
    # chrome999 has the form of a browser name, so the file check passes; the spider knows curl_cffi's list.
    run = _crawl(tmp_path, _site(), "chrome999")
    assert run.returncode == 2, run.log[-3000:]
    assert "impersonate 'chrome999' is not a browser scrapy-impersonate offers" in run.log
