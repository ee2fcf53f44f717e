"""Which sitemaps and sitemap entries can hold a date range's articles: the dates written in a child
sitemap's URL (in the forms sites use), and what a ``lastmod`` proves.

The rule (docs/crawling.md, "Date ranges"): an entry is never modified before it is published, so a
``lastmod`` before the range's first day proves the entry (or every entry of a child sitemap) was published
before the range; a ``lastmod`` after the range's last day proves nothing (an old article edited later).
Whatever carries no date is read: skipping it could lose articles, reading it costs requests.

Pure functions, shared by the spiders (choosing sitemaps) and the wiring (refusing a range a source's
entry cannot serve).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

# Sites write dates in their own time zone, sitemaps' lastmod often in UTC: a day of slack keeps an entry
# last modified late on the day before ``since`` (in UTC) that was published on ``since`` (local time).
LASTMOD_SLACK = timedelta(days=1)

_YEAR = r"(?<!\d)((?:19|20)\d{2})"
# Most specific first; each needs a non-digit (or the end) on both sides, so ids and part numbers such as
# /sitemap_9_1.xml.gz or /sitemap-1700000000.xml are no dates.
# /2025/11-12-11-26.xml: the days from 11-12 to 11-26 under a year folder.
_DAY_RANGE = re.compile(_YEAR + r"/(\d{1,2})-(\d{1,2})-(\d{1,2})-(\d{1,2})(?!\d)")
# 2025-11-12, 2025/11/12, 2025_11_12, 2025.11.12 (one separator throughout) and 20251112.
_DAY = re.compile(_YEAR + r"(?:([-/_.])(\d{1,2})\2(\d{1,2})|(\d{2})(\d{2}))(?!\d)")
# 2025-11, 2025/11, 2025_11, 2025.11 and 202511.
_MONTH = re.compile(_YEAR + r"(?:[-/_.](\d{1,2})|(\d{2}))(?!\d)")
# A year as a whole path segment: /sitemaps/2025/part-3.xml, /sitemaps/2025.xml. Not a year inside a name
# (sitemap-2001.xml may be part 2001 of a numbered series).
_YEAR_FOLDER = re.compile(r"/((?:19|20)\d{2})/")
_SUFFIXES = (".xml.gz", ".xml", ".gz", ".txt")
# The outcome reason of an article parsed in a date-range run but published outside the range (skipped).
OUT_OF_RANGE = "out_of_range"


def sitemap_span(url: str) -> tuple[date, date] | None:
    """The first and last day a sitemap covers by the date in its URL (path, then query), or None when the
    URL has no date. ``/2025/12.xml`` covers December 2025; ``/2025/11-12-11-26.xml`` 12 to 26 November;
    ``sitemap-20251112.xml`` one day; a year folder alone the year."""
    parts = urlsplit(url)
    path = parts.path
    for suffix in _SUFFIXES:
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
            break
    for text in (path, parts.query):
        span = _span(text)
        if span is not None:
            return span
    return None


def _span(text: str) -> tuple[date, date] | None:
    for match in _DAY_RANGE.finditer(text):
        year, first_month, first_day, last_month, last_day = (int(g) for g in match.groups())
        first = _day(year, first_month, first_day)
        # 2025/12-20-01-03: the range runs into January of the next year.
        last = _day(year + (last_month < first_month), last_month, last_day)
        if first is not None and last is not None and first <= last:
            return first, last
    for match in _DAY.finditer(text):
        day_year, _, month, day, compact_month, compact_day = match.groups()
        found = _day(int(day_year), int(month or compact_month), int(day or compact_day))
        if found is not None:
            return found, found
    for match in _MONTH.finditer(text):
        month_year, month, compact = match.groups()
        number = int(month or compact)
        if 1 <= number <= 12:
            last_day = calendar.monthrange(int(month_year), number)[1]
            return date(int(month_year), number, 1), date(int(month_year), number, last_day)
    for match in _YEAR_FOLDER.finditer(text + "/"):
        only_year = int(match.group(1))
        return date(only_year, 1, 1), date(only_year, 12, 31)
    return None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def overlaps(span: tuple[date, date], since: date, until: date) -> bool:
    return span[0] <= until and since <= span[1]


def modified_before(lastmod: datetime, since: date) -> bool:
    """True when ``lastmod`` proves that what it dates was published before ``since`` (with
    :data:`LASTMOD_SLACK` for time zones)."""
    return lastmod.date() < since - LASTMOD_SLACK


def sitemap_may_cover(url: str, lastmod: datetime | None, since: date, until: date) -> bool:
    """Whether a child sitemap listed in an index can hold entries published in ``since..until``: by the
    dates in its URL, else by its ``lastmod`` (a child last modified before ``since`` cannot), else yes."""
    span = sitemap_span(url)
    if span is not None:
        return overlaps(span, since, until)
    if lastmod is not None:
        return not modified_before(lastmod, since)
    return True


def entry_may_be_in_range(
    published: datetime | None, url_day: date | None, lastmod: datetime | None, since: date, until: date
) -> bool:
    """Whether a sitemap entry can be an article published in ``since..until``: by its
    ``news:publication_date`` (its day as the site writes it), else the date in its URL, else its
    ``lastmod`` (before ``since``: no; after ``until``: proves nothing), else yes."""
    if published is not None:
        return since <= published.date() <= until
    if url_day is not None:
        return since <= url_day <= until
    if lastmod is not None:
        return not modified_before(lastmod, since)
    return True


def range_refusal(source_key: str, sitemap_indexes: tuple[str, ...], base_url: str) -> str | None:
    """Why a date range cannot be run for a source, or None when it can: a range is read from the source's
    sitemap indexes, and without any it would discover nothing and pass as an empty success."""
    if sitemap_indexes:
        return None
    return (
        f"source {source_key!r} has no sitemap indexes (discovery.sitemap_indexes in the sources file), so "
        f"a date range cannot be backfilled; find them with: newsetl sources probe {base_url}"
    )
