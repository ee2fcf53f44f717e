"""The redirect policy (scrapers/redirects.py), live in the spiders and on recorded redirects in re-parse."""

from __future__ import annotations

import pytest

from scrapers.redirects import MAX_REDIRECTS, next_hop
from scrapers.reparse import follow_recorded
from scrapers.urls import on_source_host
from scrapers.warc import RecordedResponse

HOST = "www.pravda.com.ua"
BASE = f"https://{HOST}"


def _hop(url: str, location: str | None, hops: int = 1) -> tuple[str | None, str, str]:
    hop = next_hop(
        url,
        location,
        hops,
        source_host=HOST,
        normalise=lambda u: on_source_host(u, BASE),
        source_origin=BASE,
    )
    return hop.target, hop.outcome, hop.reason


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("/eng/news/2025/12/9/7500105/", (f"{BASE}/eng/news/2025/12/9/7500105/", "", "")),
        # The bare domain is the source's own host; tracking parameters and fragments go.
        ("https://pravda.com.ua/eng/news/1/?utm_source=x#top", (f"{BASE}/eng/news/1/", "", "")),
        # A link of the source's host written with http:// is asked for as the source's https page.
        ("http://www.pravda.com.ua/eng/news/1/", (f"{BASE}/eng/news/1/", "", "")),
        ("http://pravda.com.ua/eng/news/1/", (f"{BASE}/eng/news/1/", "", "")),
        # Another port of the source's host is another origin.
        ("https://www.pravda.com.ua:8443/eng/news/1/", (None, "skipped", "offsite")),
        ("http://www.pravda.com.ua:80/eng/news/1/", (None, "skipped", "offsite")),
        ("https://www.example.org/elsewhere/", (None, "skipped", "offsite")),
        ("http://169.254.169.254/latest/meta-data/", (None, "skipped", "private_address")),
        (None, (None, "failed", "redirect without a Location header")),
    ],
)
def test_a_redirect_is_followed_only_on_the_sources_own_host(location: str | None, expected: tuple) -> None:
    assert _hop(f"{BASE}/eng/news/2025/12/15/7500905/", location) == expected


def test_a_chain_longer_than_the_limit_fails() -> None:
    url = f"{BASE}/eng/news/1/"
    assert _hop(url, url, hops=MAX_REDIRECTS)[0] == url
    assert _hop(url, url, hops=MAX_REDIRECTS + 1) == (
        None,
        "failed",
        f"too many redirects (more than {MAX_REDIRECTS})",
    )


def _recorded(url: str, status: int = 200, location: str | None = None) -> RecordedResponse:
    headers = [("Location", location)] if location else []
    return RecordedResponse(
        url, status, "", headers, b"<html></html>", f"<urn:{url}>", "2025-12-31T00:00:00Z"
    )


def test_re_parse_follows_recorded_redirects_by_the_same_policy() -> None:
    page = _recorded(f"{BASE}/eng/news/2/")
    moved = _recorded(f"{BASE}/eng/news/1/", 301, "/eng/news/2/")
    away = _recorded(f"{BASE}/eng/news/3/", 302, "https://www.example.org/x/")
    lost = _recorded(f"{BASE}/eng/news/4/", 301, "/eng/news/never-recorded/")
    loop = _recorded(f"{BASE}/eng/news/5/", 301, "/eng/news/5/")
    archive = {r.url: r for r in (page, moved, away, lost, loop)}
    assert follow_recorded(moved, archive, BASE) == (page, "", "")
    assert follow_recorded(page, archive, BASE) == (page, "", "")
    assert follow_recorded(away, archive, BASE) == (None, "skipped", "offsite")
    assert follow_recorded(lost, archive, BASE) == (
        None,
        "failed",
        f"redirect target {BASE}/eng/news/never-recorded/ is not in the archive",
    )
    assert follow_recorded(loop, archive, BASE) == (
        None,
        "failed",
        f"too many redirects (more than {MAX_REDIRECTS})",
    )
