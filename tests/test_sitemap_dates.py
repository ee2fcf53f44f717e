"""transforms/sitemap_dates.py: the dates in child sitemap URLs, and what lastmod proves about a range;
plus reading ``news:publication_date`` and robots.txt ``Sitemap:`` lines (scrapers/discovery.py)."""

from __future__ import annotations

import calendar
import gzip
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapers.discovery import read_sitemap, robots_sitemaps
from transforms.sitemap_dates import (
    entry_may_be_in_range,
    overlaps,
    range_refusal,
    sitemap_may_cover,
    sitemap_span,
)

D = date


@pytest.mark.parametrize(
    ("url", "span"),
    [
        ("https://s.example/sitemaps/posts/2025/12.xml", (D(2025, 12, 1), D(2025, 12, 31))),
        ("https://s.example/ukrainian/default/2025/11-12-11-26.xml", (D(2025, 11, 12), D(2025, 11, 26))),
        ("https://s.example/ukrainian/default/2025/12-27-01-10.xml", (D(2025, 12, 27), D(2026, 1, 10))),
        ("https://www.pravda.com.ua/sitemap/sitemap-2023-05.xml.gz", (D(2023, 5, 1), D(2023, 5, 31))),
        ("https://s.example/sitemap-2024-02.xml", (D(2024, 2, 1), D(2024, 2, 29))),
        ("https://s.example/sitemap_2025_11.xml", (D(2025, 11, 1), D(2025, 11, 30))),
        ("https://s.example/sitemap-202511.xml", (D(2025, 11, 1), D(2025, 11, 30))),
        ("https://s.example/sitemap/2025/11/30.xml", (D(2025, 11, 30), D(2025, 11, 30))),
        ("https://s.example/sitemap-2025-11-30.xml", (D(2025, 11, 30), D(2025, 11, 30))),
        ("https://s.example/sitemap-20251130.xml.gz", (D(2025, 11, 30), D(2025, 11, 30))),
        ("https://s.example/sitemaps/2025/part-3.xml", (D(2025, 1, 1), D(2025, 12, 31))),
        ("https://s.example/sitemap.xml?date=2025-11-30", (D(2025, 11, 30), D(2025, 11, 30))),
    ],
)
def test_a_date_in_a_child_url_gives_the_days_it_covers(url: str, span: tuple[date, date]) -> None:
    assert sitemap_span(url) == span


@pytest.mark.parametrize(
    "url",
    [
        "https://s.example/sitemap_9_1.xml.gz",  # numbered parts
        "https://s.example/sitemap-2001.xml",  # part 2001, not the year
        "https://s.example/sitemap-1700000000.xml",  # a timestamp
        "https://s.example/post-sitemap12.xml",
        "https://s.example/sitemap-news.xml",
        "https://s.example/sitemap-2023-13.xml.gz",  # no month 13
        "https://s.example/sitemap_index_2026.xml",
    ],
)
def test_urls_without_a_date_have_no_span(url: str) -> None:
    assert sitemap_span(url) is None


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 31)), st.sampled_from(["-", "/", "_", ""]))
def test_every_spelling_of_a_day_or_month_is_read(day: date, sep: str) -> None:
    compact_day = f"{day.year}{sep}{day.month:02d}{sep}{day.day:02d}"
    assert sitemap_span(f"https://s.example/sitemap-{compact_day}.xml") == (day, day)
    last = calendar.monthrange(day.year, day.month)[1]
    month = sitemap_span(f"https://s.example/sitemap-{day.year}{sep}{day.month:02d}.xml.gz")
    assert month == (day.replace(day=1), day.replace(day=last))


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2098, 12, 31)), st.integers(0, 40))
def test_a_day_range_under_a_year_folder_is_read(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    url = f"https://s.example/ukrainian/default/{first.year}/{first:%m-%d}-{last:%m-%d}.xml"
    assert sitemap_span(url) == (first, last)


@given(
    st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 31)),
    st.integers(0, 400),
    st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 31)),
    st.integers(0, 400),
)
def test_spans_overlap_when_they_share_a_day(start: date, length: int, since: date, days: int) -> None:
    span = (start, start + timedelta(days=length))
    until = since + timedelta(days=days)
    shared = max(span[0], since) <= min(span[1], until)
    assert overlaps(span, since, until) is shared


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def test_a_child_is_chosen_by_its_url_date_then_its_lastmod_then_read() -> None:
    since, until = D(2025, 12, 1), D(2025, 12, 31)
    # The URL's date decides, whatever the lastmod says.
    assert sitemap_may_cover("https://s.example/2025/12.xml", _at("2024-01-01"), since, until)
    assert not sitemap_may_cover("https://s.example/2025/11.xml", _at("2026-01-05"), since, until)
    # No date: a lastmod before the range means every entry was published before it.
    assert not sitemap_may_cover("https://s.example/sitemap_9_1.xml.gz", _at("2025-11-20"), since, until)
    assert sitemap_may_cover("https://s.example/sitemap_9_2.xml.gz", _at("2026-02-01"), since, until)
    # A day of slack for time zones: late on 30 November in UTC may be 1 December in Kyiv.
    assert sitemap_may_cover("https://s.example/sitemap_9_1.xml.gz", _at("2025-11-30"), since, until)
    assert sitemap_may_cover("https://s.example/sitemap_9_3.xml.gz", None, since, until)


def test_an_entry_is_kept_by_publication_date_then_url_date_then_lastmod() -> None:
    since, until = D(2025, 12, 1), D(2025, 12, 31)
    # The publication day as the site writes it (its own offset), not in UTC.
    kyiv_night = datetime.fromisoformat("2025-12-01T00:30:00+02:00")
    assert entry_may_be_in_range(kyiv_night, D(2025, 11, 30), None, since, until)
    assert not entry_may_be_in_range(_at("2025-11-30"), D(2025, 12, 5), _at("2026-01-01"), since, until)
    assert entry_may_be_in_range(None, D(2025, 12, 5), _at("2020-01-01"), since, until)
    assert not entry_may_be_in_range(None, D(2026, 1, 5), None, since, until)
    # Modified before the range: published before it. Modified after: proves nothing.
    assert not entry_may_be_in_range(None, None, _at("2025-11-20"), since, until)
    assert entry_may_be_in_range(None, None, _at("2026-03-01"), since, until)
    assert entry_may_be_in_range(None, None, None, since, until)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 3000),
    st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 1, 1)),
    st.integers(0, 400),
)
def test_an_entry_published_in_the_range_is_never_ruled_out_by_its_lastmod(
    published: datetime, edited_after: int, since: date, days: int
) -> None:
    """The rule's point: whatever the lastmod, as long as it is not before the publication."""
    until = since + timedelta(days=days)
    lastmod = published + timedelta(hours=edited_after)
    if since <= published.date() <= until:
        assert entry_may_be_in_range(None, None, lastmod, since, until)
        assert sitemap_may_cover("https://s.example/sitemap_9_1.xml.gz", lastmod, since, until)


def test_news_publication_dates_are_read_from_news_sitemaps() -> None:
    body = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://s.example/a</loc><lastmod>2026-01-05</lastmod><news:news>"
        b"<news:publication><news:name>S</news:name></news:publication>"
        b"<news:publication_date>2025-12-15T12:00:00+02:00</news:publication_date></news:news></url>"
        b"<url><loc>https://s.example/b</loc></url></urlset>"
    )
    kind, (first, second) = read_sitemap(gzip.compress(body))
    assert kind == "urlset"
    assert first.published == datetime.fromisoformat("2025-12-15T12:00:00+02:00")
    assert first.lastmod == datetime(2026, 1, 5, tzinfo=UTC)
    assert second.published is None


def test_robots_sitemap_lines() -> None:
    body = (
        b"User-agent: *\nDisallow: /admin/\n# Sitemap: https://s.example/commented.xml\n"
        b"Sitemap: https://s.example/sitemap.xml\nSITEMAP:https://s.example/news.xml # news\n"
        b"sitemap: https://s.example/sitemap.xml\nSitemap:\n"
    )
    assert robots_sitemaps(body) == ["https://s.example/sitemap.xml", "https://s.example/news.xml"]


def test_a_range_needs_sitemap_indexes() -> None:
    assert range_refusal("pravda", ("/sitemap/sitemap-archive.xml",), "https://www.pravda.com.ua") is None
    refusal = range_refusal("lviv", (), "https://www.lvivnews.example")
    assert refusal is not None
    assert "source 'lviv' has no sitemap indexes" in refusal
    assert refusal.endswith("newsetl sources probe https://www.lvivnews.example")
