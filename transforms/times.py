"""Times and days as text: ISO 8601 into datetimes, and ``YYYY-MM-DD`` days from people.

One reading for every place that takes a timestamp from text (JSON-LD and meta tags, sitemap ``lastmod``,
the known-URLs file, article records read back from ``items.jsonl``), and one for every day a person types
(command-line options, spider arguments, trigger forms).
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_timestamp(value: object, *, default_tz: tzinfo | None) -> datetime | None:
    """An ISO 8601 date or date-time as a datetime; None when ``value`` is not text or does not parse.

    Accepted: ``T`` or a space between date and time, a trailing ``Z`` or ``z``, an offset with or without a
    colon, a date alone (midnight). A value without an offset is in ``default_tz`` (the publisher's clock,
    or UTC for sitemaps); with ``default_tz=None`` it stays naive, so that a caller can refuse it.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text[-1] in "zZ":
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None and default_tz is not None:
        return parsed.replace(tzinfo=default_tz)
    return parsed


def require_timestamp(value: object, name: str, *, default_tz: tzinfo | None = None) -> datetime:
    """:func:`parse_timestamp` for a value that must be there; ``ValueError`` names ``name`` otherwise."""
    parsed = parse_timestamp(value, default_tz=default_tz)
    if parsed is None:
        raise ValueError(f"{name}={value!r} is not an ISO 8601 timestamp")
    return parsed


def parse_day(value: object, name: str | None = None) -> date:
    """A day written ``YYYY-MM-DD`` (nothing else: a person meant exactly that day); ``ValueError`` says
    what is wrong, naming the field ``name`` when given."""
    text = str(value).strip()
    if not _DAY.fullmatch(text):
        problem = "expected a date as YYYY-MM-DD"
        raise ValueError(f"{name}={value!r}: {problem}" if name else f"{value!r} is not a date ({problem})")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        where = f"{name}={value!r}:" if name else f"{value!r} is"
        raise ValueError(f"{where} not a calendar date ({exc})") from None
