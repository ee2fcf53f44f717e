"""Validation rules for article records: each failure is one readable reason.

A record with any failure is rejected (quarantined with all its reasons) instead of loaded. The rules are
about what the warehouse promises analysts: a real http(s) URL, a headline and a body, a plausible
publication time, a source, edition and language that the source registry knows, and a seed document
that can be written from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from transforms import seed
from transforms.normalise import seed_document
from transforms.record import ArticleRecord
from transforms.sources import Source
from transforms.urls import URL_PROBLEMS, url_problem

# Nothing on the web before this counts as a news article's publication time.
EARLIEST_PUBLICATION = datetime(1990, 1, 1, tzinfo=UTC)
# Sites put publication times slightly ahead (time zones, scheduled posts); more than this is a bad date.
FUTURE_TOLERANCE = timedelta(days=1)
REPLACEMENT_CHARACTER = "\ufffd"
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_SPACE = re.compile(r"\s")  # in a str pattern, exactly the characters str.isspace() holds for


def validate_record(record: ArticleRecord, sources: Mapping[str, Source]) -> list[str]:
    """Every rule ``record`` breaks, as readable reasons (empty when it is valid)."""
    reasons: list[str] = []
    reasons += _url(record.url, sources.get(record.source))
    reasons += _source(record, sources)
    if not record.headline.strip():
        reasons.append("headline is empty")
    body = record.body_text
    if not body.strip():
        reasons.append("body is empty (no paragraph, heading or list with text)")
    reasons += _times(record)
    reasons += _undecodable(record.headline, body)
    if not 200 <= record.http_status <= 299:
        reasons.append(f"http_status {record.http_status} is not a success (200-299)")
    if not reasons:
        # Every rule above holds, so the seed document is written from real values: a failure here is
        # something the format cannot carry (a line break in the headline, a block that reads as a list).
        try:
            seed.validate(seed_document(record, sources[record.source].label))
        except ValueError as exc:
            reasons.append(str(exc))
    return reasons


def _url(url: str, source: Source | None) -> list[str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [f"url {url!r} is not an http(s) URL with a host"]
    if _SPACE.search(url.strip()):
        return [f"url {url!r} contains whitespace"]
    # The crawl's own URL rule: a record must not name a URL the crawler would have refused to fetch.
    problem = url_problem(url.strip(), source.base_url) if source is not None else None
    if source is not None and problem is not None:
        return [f"url {url!r} {URL_PROBLEMS[problem]} (source {source.key}: {source.base_url})"]
    return []


def _source(record: ArticleRecord, sources: Mapping[str, Source]) -> list[str]:
    source = sources.get(record.source)
    if source is None:
        known = ", ".join(sorted(sources)) or "none"
        return [f"source {record.source!r} is not in the source registry (known: {known})"]
    reasons = []
    language = record.language.strip().lower()
    if record.edition not in source.editions:
        editions = ", ".join(sorted(source.editions))
        reasons.append(f"edition {record.edition!r} is not one of {source.key}'s editions ({editions})")
    if not _LANGUAGE_TAG.match(language):
        reasons.append(f"language {record.language!r} is not a BCP 47 language tag")
    elif language.split("-")[0] not in {lang.lower().split("-")[0] for lang in source.editions.values()}:
        languages = ", ".join(sorted(set(source.editions.values())))
        reasons.append(f"language {record.language!r} is not one {source.key} publishes in ({languages})")
    return reasons


def _undecodable(headline: str, body: str) -> list[str]:
    # U+FFFD is what a decoder writes for bytes that are not valid in the charset it was told: the page's
    # bytes did not match its declared charset (windows-1251 served as UTF-8), so the text is not the
    # article's. Storing it would put unreadable text in front of analysts; quarantine says why instead.
    count = headline.count(REPLACEMENT_CHARACTER) + body.count(REPLACEMENT_CHARACTER)
    if not count:
        return []
    return [f"text holds {count} U+FFFD replacement characters: the page's bytes do not match its charset"]


def _times(record: ArticleRecord) -> list[str]:
    reasons = []
    if record.fetched_at.tzinfo is None:
        reasons.append(f"fetched_at {record.fetched_at.isoformat()} has no UTC offset")
        return reasons
    for name in ("published_at", "modified_at"):
        value: datetime | None = getattr(record, name)
        if value is None:
            continue
        if value.tzinfo is None:
            reasons.append(f"{name} {value.isoformat()} has no UTC offset")
        elif value < EARLIEST_PUBLICATION:
            reasons.append(f"{name} {value.isoformat()} is before {EARLIEST_PUBLICATION.date().isoformat()}")
        elif value > record.fetched_at + FUTURE_TOLERANCE:
            reasons.append(
                f"{name} {value.isoformat()} is more than a day after the page was fetched "
                f"({record.fetched_at.isoformat()})"
            )
    return reasons
