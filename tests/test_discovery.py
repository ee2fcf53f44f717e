"""Discovery helpers: mirror URLs, date ranges, sitemaps, feeds, known URLs, Pravda's URL rules."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scrapers.discovery import (
    DateRange,
    SpiderArgumentError,
    read_feed,
    read_sitemap,
    sitemap_month,
)
from scrapers.known import KnownUrls
from scrapers.spiders.pravda import ARTICLE_PATH, FEED_PATH
from scrapers.urls import mirror_url, validate_mirror

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
<url><loc>https://www.pravda.com.ua/news/2023/05/4/7400574/</loc><lastmod>2023-05-04T10:00:00+03:00</lastmod>
<xhtml:link rel="alternate" hreflang="en" href="https://www.pravda.com.ua/eng/news/2023/05/4/7400574/"/></url>
<url><loc>https://www.pravda.com.ua/eng/news/2023/05/5/7400600/</loc><lastmod>2023-05-05</lastmod></url>
</urlset>"""


def test_mirror_url_keeps_path_and_query_and_validates_the_origin() -> None:
    assert mirror_url("https://www.pravda.com.ua/eng/rss/?a=1", "http://127.0.0.1:8765") == (
        "http://127.0.0.1:8765/eng/rss/?a=1"
    )
    assert validate_mirror("http://127.0.0.1:8765/") == "http://127.0.0.1:8765"
    with pytest.raises(ValueError, match="mirror='127.0.0.1:8765': expected an origin"):
        validate_mirror("127.0.0.1:8765")


def test_date_range_arguments() -> None:
    assert DateRange.from_args(None, None) is None
    dr = DateRange.from_args("2025-11-27", "2026-01-03")
    assert dr is not None and date(2025, 12, 31) in dr and date(2026, 1, 4) not in dr
    assert list(dr.months()) == [(2025, 11), (2025, 12), (2026, 1)]
    assert dr.covers_month((2025, 12)) and not dr.covers_month((2025, 10))
    assert DateRange.from_args("2025-11-27", None, today=date(2025, 12, 2)) == DateRange(
        date(2025, 11, 27), date(2025, 12, 2)
    )
    with pytest.raises(SpiderArgumentError, match="until=2025-01-01 is before since=2025-02-01"):
        DateRange.from_args("2025-02-01", "2025-01-01")
    with pytest.raises(SpiderArgumentError, match="since='2025-2-1': expected a date as YYYY-MM-DD"):
        DateRange.from_args("2025-2-1", None)
    with pytest.raises(SpiderArgumentError, match="until='2025-02-30': not a calendar date"):
        DateRange.from_args("2025-02-01", "2025-02-30")


def test_sitemap_month() -> None:
    assert sitemap_month("https://www.pravda.com.ua/sitemap/sitemap-2023-05.xml.gz") == (2023, 5)
    assert sitemap_month("https://www.pravda.com.ua/sitemap/sitemap-news.xml") is None
    assert sitemap_month("https://www.pravda.com.ua/sitemap/sitemap-2023-13.xml.gz") is None


@pytest.mark.parametrize("compress", [False, True])
def test_read_sitemap_gives_locations_lastmods_and_alternates(compress: bool) -> None:
    kind, entries = read_sitemap(gzip.compress(URLSET) if compress else URLSET)
    assert kind == "urlset"
    assert [e.loc for e in entries] == [
        "https://www.pravda.com.ua/news/2023/05/4/7400574/",
        "https://www.pravda.com.ua/eng/news/2023/05/5/7400600/",
    ]
    assert entries[0].alternates == ("https://www.pravda.com.ua/eng/news/2023/05/4/7400574/",)
    assert entries[0].lastmod == datetime(2023, 5, 4, 10, tzinfo=timezone(timedelta(hours=3)))
    assert entries[1].lastmod == datetime(2023, 5, 5, tzinfo=UTC)


def test_read_sitemap_index_and_garbage() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://www.pravda.com.ua/sitemap/sitemap-2023-05.xml.gz</loc></sitemap></sitemapindex>"""
    kind, entries = read_sitemap(index)
    assert kind == "sitemapindex" and entries[0].lastmod is None
    with pytest.raises(ValueError, match="not a sitemap"):
        read_sitemap(b"<html><body>Access denied</body></html>")


def test_read_feed() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>UP</title>
    <item><title>A</title><link>https://www.pravda.com.ua/eng/news/2025/12/1/1/</link>
    <pubDate>Mon, 01 Dec 2025 10:00:00 +0200</pubDate></item>
    <item><title>no link</title></item></channel></rss>"""
    assert read_feed(rss) == ["https://www.pravda.com.ua/eng/news/2025/12/1/1/"]
    with pytest.raises(ValueError, match="not a feed"):
        read_feed(b"\x00\x01 not xml at all")


def test_known_urls_from_tsv_and_items(tmp_path) -> None:
    tsv = tmp_path / "known.tsv"
    tsv.write_text(
        "https://www.pravda.com.ua/eng/news/2025/12/1/1/\t2025-12-01T12:00:00+02:00\n"
        "https://www.pravda.com.ua/eng/news/2025/12/1/2/\t\n",
        encoding="utf-8",
    )
    known = KnownUrls.load(tsv)
    one, two, new = (f"https://www.pravda.com.ua/eng/news/2025/12/1/{i}/" for i in (1, 2, 3))
    stored = datetime(2025, 12, 1, 10, tzinfo=UTC)
    assert known.skip_reason(one, stored) == "known_unchanged"  # same instant, other offset
    assert known.skip_reason(one, stored + timedelta(minutes=1)) is None  # changed since
    assert known.skip_reason(one, None) == "known_unchanged"  # no lastmod: no evidence of a change
    assert known.skip_reason(two, stored) == "known_unchanged"  # nothing stored to compare with
    assert known.skip_reason(new, None) is None
    assert one + "#x" in known

    items = tmp_path / "items.jsonl"
    items.write_text(f'{{"url": "{one}", "modified_at": null}}\n', encoding="utf-8")
    assert KnownUrls.load(items).modified == {one: None}
    assert len(KnownUrls.load("")) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not a url\t\n", r"known.tsv:2: expected 'url<TAB>modified_at'"),
        (
            "https://x.example/a/\tlast tuesday\n",
            r"known.tsv:2: modified time 'last tuesday' is not ISO 8601",
        ),
        ('{"modified_at": null}\n', r"known.tsv:2: an items.jsonl line needs a 'url' string"),
    ],
)
def test_known_urls_bad_lines_name_the_file_and_line(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "known.tsv"
    path.write_text("https://x.example/ok/\t\n" + text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        KnownUrls.load(path)
    with pytest.raises(ValueError, match="no such file"):
        KnownUrls.load(tmp_path / "missing.tsv")


@pytest.mark.parametrize(
    ("path", "edition"),
    [
        ("/eng/news/2023/05/4/7400574/", "eng"),
        ("/rus/articles/2026/01/08/8015225/", "rus"),
        ("/columns/2025/12/01/8009697/", None),
        ("/news/2025/12/01/8009697/", None),
        ("/eng/tags/nato/", "-"),
        ("/eng/news/", "-"),
    ],
)
def test_pravda_article_paths(path: str, edition: str | None) -> None:
    match = ARTICLE_PATH.match(path)
    if edition == "-":
        assert match is None
    else:
        assert match is not None and match.group("edition") == edition


def test_pravda_feed_paths() -> None:
    assert FEED_PATH.match("/eng/rss/").group("edition") == "eng"  # type: ignore[union-attr]
    assert FEED_PATH.match("/rss/view_news/").group("edition") is None  # type: ignore[union-attr]
    assert FEED_PATH.match("/eng/news/") is None
