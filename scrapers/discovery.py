"""Discovery: reading RSS/Atom feeds and XML sitemaps into candidate article URLs, and choosing the
monthly sitemaps that cover a date range. Shared by every spider; nothing here is site-specific.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import feedparser
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from transforms.times import parse_day, parse_timestamp

_GZIP_MAGIC = b"\x1f\x8b"
# /sitemap/sitemap-2023-05.xml.gz and the like: one sitemap per month of publication.
_MONTHLY_SITEMAP = re.compile(r"(\d{4})-(\d{2})\.xml(?:\.gz)?$")
# A cap on an uncompressed sitemap, so a hostile .gz cannot exhaust memory.
MAX_SITEMAP_BYTES = 64 * 1024 * 1024


class SpiderArgumentError(ValueError):
    """A spider argument is invalid; the message names the argument and what was expected."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None
    alternates: tuple[str, ...] = ()


def sitemap_body(body: bytes) -> bytes:
    """The XML of a sitemap response: gunzipped when the body is a .gz file (servers send those without
    Content-Encoding, so HTTP decompression has not touched them)."""
    if body[:2] == _GZIP_MAGIC:
        return gunzip(body, max_size=MAX_SITEMAP_BYTES)
    return body


def read_sitemap(body: bytes) -> tuple[str, list[SitemapEntry]]:
    """``(kind, entries)`` of a sitemap: kind is ``urlset`` or ``sitemapindex``.

    Raises ValueError when the body is not a sitemap at all."""
    xml = sitemap_body(body)
    try:
        sitemap = Sitemap(xml)
    except Exception as exc:  # lxml raises several types on garbage; all mean "not a sitemap"
        raise ValueError(f"not a sitemap: {exc}") from exc
    if sitemap.type not in {"urlset", "sitemapindex"}:
        raise ValueError(f"not a sitemap: root element is <{sitemap.type}>")
    entries = [
        SitemapEntry(
            loc=item["loc"],
            # W3C datetime: a date, or a date-time with or without offset; a naive value is taken as UTC.
            lastmod=parse_timestamp(item.get("lastmod"), default_tz=UTC),
            alternates=tuple(item.get("alternate", ())),
        )
        for item in sitemap
        if item.get("loc")
    ]
    return sitemap.type, entries


def read_feed(body: bytes) -> list[str]:
    """The entry links of an RSS or Atom feed. Raises ValueError when the body is not a feed."""
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.feed):
        raise ValueError(f"not a feed: {parsed.get('bozo_exception') or 'no entries and no channel'}")
    return [str(entry["link"]) for entry in parsed.entries if entry.get("link")]


def sitemap_month(url: str) -> tuple[int, int] | None:
    """``(year, month)`` of a monthly sitemap URL, or None for other sitemaps."""
    match = _MONTHLY_SITEMAP.search(url)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 else None


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of publication dates."""

    since: date
    until: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.since <= day <= self.until

    def months(self) -> Iterator[tuple[int, int]]:
        year, month = self.since.year, self.since.month
        while (year, month) <= (self.until.year, self.until.month):
            yield year, month
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def covers_month(self, year_month: tuple[int, int]) -> bool:
        return (self.since.year, self.since.month) <= year_month <= (self.until.year, self.until.month)

    @classmethod
    def from_args(
        cls, since: str | None, until: str | None, *, today: date | None = None
    ) -> DateRange | None:
        """The range given by the ``since``/``until`` spider arguments, or None when neither is given.

        ``since`` alone runs to today; ``until`` needs ``since``."""
        if not since and not until:
            return None
        if not since:
            raise SpiderArgumentError(f"until={until!r} needs since=YYYY-MM-DD as well")
        start = _arg_date("since", since)
        end = _arg_date("until", until) if until else (today or datetime.now(UTC).date())
        if end < start:
            raise SpiderArgumentError(f"until={end.isoformat()} is before since={start.isoformat()}")
        return cls(start, end)


def _arg_date(name: str, value: str) -> date:
    try:
        return parse_day(value, name)
    except ValueError as exc:
        raise SpiderArgumentError(str(exc)) from None
