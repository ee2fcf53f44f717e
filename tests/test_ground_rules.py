"""The URL, time and source rules every layer shares: transforms.urls, .times and .sources."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scrapers.parsers.pravda.base import KYIV
from transforms.sources import UnknownSite, load_sources, source_for_url
from transforms.times import parse_day, parse_timestamp, require_timestamp
from transforms.urls import canonical_url, is_private_host, same_site, url_date, url_section

SOURCES = load_sources("seeds/sources.yaml")


def test_canonical_url_drops_fragments_and_tracking_but_keeps_the_path() -> None:
    assert (
        canonical_url("HTTPS://WWW.Pravda.com.ua/eng/news/2023/05/4/7400574/?utm_source=x&id=3#comments")
        == "https://www.pravda.com.ua/eng/news/2023/05/4/7400574/?id=3"
    )
    assert canonical_url("https://www.pravda.com.ua") == "https://www.pravda.com.ua/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.pravda.com.ua/eng/news/2023/05/4/7400574/", date(2023, 5, 4)),
        ("https://www.pravda.com.ua/news/2025/12/01/8009697/", date(2025, 12, 1)),
        ("https://www.pravda.com.ua/rus/articles/2026/1/8/8015225/", date(2026, 1, 8)),
        ("https://www.pravda.com.ua/eng/news/2023/02/30/1/", None),  # no such day
        ("https://www.pravda.com.ua/news/2025/13/01/8009697/", None),  # no such month
        ("https://www.pravda.com.ua/eng/rss/", None),
        ("https://example.com/item/1234/5/6/", None),  # a four-digit id, not a year
        ("https://example.com/a/?from=/2023/09/30/", None),  # only the path counts
        ("https://example.com/2023/13/01/x/2023/09/30/", date(2023, 9, 30)),  # the first valid one
    ],
)
def test_url_date(url: str, expected: date | None) -> None:
    assert url_date(url) == expected


def test_url_section_skips_an_edition_prefix_and_takes_a_plain_word() -> None:
    assert url_section("https://www.pravda.com.ua/eng/news/2023/09/30/7422079/", ("eng", "rus")) == "news"
    assert url_section("https://www.pravda.com.ua/columns/2025/12/01/8009697/", ("eng",)) == "columns"
    assert url_section("https://kyivindependent.com/some-story-slug/", ()) is None
    assert url_section("https://www.pravda.com.ua/eng/", ("eng",)) is None


def test_same_site_ignores_www_and_needs_an_absolute_url() -> None:
    assert same_site("https://pravda.com.ua/eng/news/1/", "https://www.pravda.com.ua")
    assert not same_site("http://127.0.0.1:8080/eng/news/1/", "https://www.pravda.com.ua")
    assert not same_site("/eng/news/1/", "https://www.pravda.com.ua")


def test_source_for_url_matches_the_host_with_or_without_www() -> None:
    assert source_for_url("https://pravda.com.ua/eng/news/2023/09/30/7422079/", SOURCES).key == "pravda"
    with pytest.raises(UnknownSite, match="no source is on the site"):
        source_for_url("https://example.org/a/", SOURCES)
    with pytest.raises(UnknownSite, match="not an absolute http"):
        source_for_url("www.pravda.com.ua/eng/", SOURCES)


def test_editions_are_selected_and_told_apart_in_one_place() -> None:
    pravda = SOURCES["pravda"]
    assert pravda.select_editions([]) == pravda.select_editions(["all"]) == ("eng", "ukr", "rus")
    assert pravda.select_editions(["rus", " eng", "rus"]) == ("rus", "eng")
    with pytest.raises(
        ValueError, match="unknown edition klingon of pravda; expected one of eng, ukr, rus or all"
    ):
        pravda.select_editions(["eng", "klingon"])
    assert pravda.edition_for("https://www.pravda.com.ua/eng/news/1/", "uk") == "eng"  # the path decides
    assert pravda.edition_for("https://www.pravda.com.ua/news/1/", "ru-UA") == "rus"  # then the language
    assert pravda.edition_for("https://www.pravda.com.ua/news/1/", "und") == "eng"  # then the first


def test_timestamps_keep_their_offset_and_take_the_default_zone_without_one() -> None:
    assert parse_timestamp("2026-01-08T17:46:00+02:00", default_tz=KYIV) == datetime(
        2026, 1, 8, 17, 46, tzinfo=timezone(timedelta(hours=2))
    )
    naive = parse_timestamp("2025-10-24 15:26:00", default_tz=KYIV)
    assert naive is not None and naive.utcoffset() == timedelta(hours=3)  # summer time that day
    for z in ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00z"):
        assert parse_timestamp(z, default_tz=KYIV) == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_timestamp("2023-05-04", default_tz=UTC) == datetime(2023, 5, 4, tzinfo=UTC)  # a date alone
    assert parse_timestamp("2023-05-04 10:00:00", default_tz=None) == datetime(2023, 5, 4, 10)  # stays naive
    for bad in ("yesterday", "", None, 20230504):
        assert parse_timestamp(bad, default_tz=UTC) is None
    with pytest.raises(ValueError, match="fetched_at='soon' is not an ISO 8601 timestamp"):
        require_timestamp("soon", "fetched_at")


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("169.254.169.254", True),
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("[::1]", True),
        ("localhost", True),
        ("www.pravda.com.ua", False),
        ("8.8.8.8", False),
    ],
)
def test_private_hosts(host: str, private: bool) -> None:
    assert is_private_host(host) is private


def test_days_people_type_are_read_strictly_and_the_error_names_the_field() -> None:
    assert parse_day(" 2025-12-01 ", "since") == date(2025, 12, 1)
    with pytest.raises(ValueError, match=r"since='20251201': expected a date as YYYY-MM-DD"):
        parse_day("20251201", "since")  # Python would read it; a person may have meant something else
    with pytest.raises(ValueError, match=r"until='2025-02-30': not a calendar date"):
        parse_day("2025-02-30", "until")
    with pytest.raises(ValueError, match=r"^'yesterday' is not a date \(expected a date as YYYY-MM-DD\)$"):
        parse_day("yesterday")
