"""Discovery: reading RSS/Atom feeds, XML sitemaps and robots.txt ``Sitemap:`` lines into candidate
article URLs and sitemaps, and a run's date range. Which sitemaps and entries can hold a range is decided
by ``transforms.sitemap_dates``. Shared by every spider; nothing here is site-specific.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from gzip import GzipFile
from io import BytesIO

import feedparser
import lxml.etree

from transforms.times import parse_day, parse_timestamp

_GZIP_MAGIC = b"\x1f\x8b"
# /sitemap/sitemap-2023-05.xml.gz and the like: one sitemap per month of publication.
_MONTHLY_SITEMAP = re.compile(r"(\d{4})-(\d{2})\.xml(?:\.gz)?$")
# A cap on an uncompressed sitemap, so a hostile .gz cannot run on without end (sitemaps.org allows 50 MB).
MAX_SITEMAP_BYTES = 64 * 1024 * 1024


class SpiderArgumentError(ValueError):
    """A spider argument is invalid; the message names the argument and what was expected."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None
    alternates: tuple[str, ...] = ()
    # <news:news><news:publication_date> of a Google News sitemap entry.
    published: datetime | None = None


class SitemapError(ValueError):
    """A body that is not a sitemap, or one that breaks off while it is read."""


class _BoundedXml:
    """The XML of a sitemap body as a stream: gunzipped as it is read when the body is a .gz file (servers
    send those without Content-Encoding, so HTTP decompression has not touched them), never more than
    ``MAX_SITEMAP_BYTES`` of it. Streaming keeps a sitemap's memory at its compressed size plus what the
    parser holds, however many entries it lists."""

    def __init__(self, body: bytes) -> None:
        raw = BytesIO(body)
        self._stream: GzipFile | BytesIO = GzipFile(fileobj=raw) if body[:2] == _GZIP_MAGIC else raw
        self._size = 0

    def read(self, size: int = -1) -> bytes:
        try:
            chunk = self._stream.read(size if size > 0 else 64 * 1024)
        except (OSError, EOFError, struct.error, zlib.error):
            if self._size == 0:
                raise
            return b""  # a .gz cut short: keep what came before it, as Scrapy's gunzip does
        self._size += len(chunk)
        if self._size > MAX_SITEMAP_BYTES:
            raise SitemapError(f"larger than {MAX_SITEMAP_BYTES} bytes uncompressed")
        return chunk


def iter_sitemap(body: bytes) -> tuple[str, Iterator[SitemapEntry]]:
    """``(kind, entries)`` of a sitemap, read as the entries are taken: kind is ``urlset`` or
    ``sitemapindex``. Raises :class:`SitemapError` when the body is not a sitemap; taking the entries
    raises it when the body breaks off (the entries before the break have been given)."""
    # resolve_entities=False and lxml's defaults (no DTD loading, no network) keep XXE and entity bombs out.
    events = lxml.etree.iterparse(
        _BoundedXml(body),
        events=("start", "end"),
        recover=True,
        resolve_entities=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        _, root = next(events)
    except StopIteration:
        raise SitemapError("not a sitemap: no XML element") from None
    except (lxml.etree.LxmlError, OSError, EOFError, struct.error, zlib.error) as exc:
        raise SitemapError(f"not a sitemap: {exc}") from exc
    kind = _local_name(root)
    if kind not in {"urlset", "sitemapindex"}:
        raise SitemapError(f"not a sitemap: root element is <{kind}>")
    return kind, _entries(events, root)


def _entries(
    events: Iterator[tuple[str, lxml.etree._Element]], root: lxml.etree._Element
) -> Iterator[SitemapEntry]:
    depth = 1  # the root's start has been read
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth != 1:  # only the root's children are entries; their insides are read with them
                continue
            entry = _entry(element) if _local_name(element) in {"url", "sitemap"} else None
            # Every child of the root is dropped once read, whatever its name, so memory stays flat.
            element.clear()
            while element.getprevious() is not None:
                del root[0]
            if entry is not None:
                yield entry
    except (lxml.etree.LxmlError, OSError, EOFError, struct.error, zlib.error) as exc:
        raise SitemapError(f"the sitemap breaks off: {exc}") from exc


def _entry(element: lxml.etree._Element) -> SitemapEntry | None:
    loc = lastmod = published = None
    alternates: list[str] = []
    for child in element:
        name = _local_name(child)
        if name == "news":
            for part in child:
                if _local_name(part) == "publication_date":
                    published = part.text
        elif name == "link":
            if href := child.get("href"):
                alternates.append(href)
        elif name == "loc":
            loc = (child.text or "").strip()
        elif name == "lastmod":
            lastmod = child.text
    if not loc:
        return None
    # W3C datetime: a date, or a date-time with or without offset; a naive value is taken as UTC.
    return SitemapEntry(
        loc,
        parse_timestamp(lastmod, default_tz=UTC),
        tuple(alternates),
        parse_timestamp(published, default_tz=UTC),
    )


def _local_name(element: lxml.etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def read_sitemap(body: bytes) -> tuple[str, list[SitemapEntry]]:
    """:func:`iter_sitemap` with every entry taken; for small sitemaps and tests (the spider streams)."""
    kind, entries = iter_sitemap(body)
    return kind, list(entries)


def robots_sitemaps(body: bytes) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt body, in order, each once (the field name in any case, as
    RFC 9309 reads field names; a ``#`` comment ends a line)."""
    found: list[str] = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        name, colon, value = line.split("#", 1)[0].partition(":")
        value = value.strip()
        if colon and name.strip().lower() == "sitemap" and value and value not in found:
            found.append(value)
    return found


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
