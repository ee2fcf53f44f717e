"""Dates as pages give them: ISO strings with or without an offset, dates in URL paths, bare clock times."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

# /2023/09/30/ or, on older pages, /2023/05/4/ (the day, sometimes the month, is not zero-padded).
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)")
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)")


def parse_iso(value: object, default_tz: tzinfo) -> datetime | None:
    """An ISO 8601 timestamp (``T`` or a space between date and time, ``Z`` allowed) or ``None``.

    A timestamp without an offset is the publisher's local time, so it gets ``default_tz``.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=default_tz)


def date_from_url(url: str) -> date | None:
    """The ``/YYYY/M/D/`` date in a URL's path, or ``None`` when it has none (or an impossible one)."""
    match = _URL_DATE.search(url)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def clock_time(text: str) -> time | None:
    """The first ``H:MM``/``HH:MM`` time of day in ``text`` ("8 января, 17:46" -> 17:46)."""
    match = _CLOCK.search(text)
    return time(int(match.group(1)), int(match.group(2))) if match else None
