"""Reading article metadata out of JSON-LD and meta tags, the same way for every site."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from transforms.text import normalize_space


def clean(value: object) -> str:
    """A JSON-LD or meta string as text: entities decoded (some CMSs escape twice), whitespace normalised."""
    return normalize_space(html.unescape(value)) if isinstance(value, str) else ""


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values in first-seen order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return tuple(seen)


def jsonld_people(value: Any) -> tuple[str, ...]:
    """The names of the ``Person`` authors in a JSON-LD ``author`` value.

    Organisations are left out on purpose: a site that names itself as the author has not named the
    person who wrote the piece, and the markup may still do so.
    """
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(clean(item))
        elif isinstance(item, dict) and item.get("@type", "Person") == "Person":
            names.append(clean(item.get("name")))
    return unique(names)


def jsonld_keywords(value: Any) -> tuple[str, ...]:
    """``keywords`` as a list, or as one comma-separated string."""
    if isinstance(value, str):
        parts: list[Any] = value.split(",")
    elif isinstance(value, list):
        parts = value
    else:
        return ()
    return unique(clean(part) for part in parts)


def language_tag(value: object) -> str:
    """The primary language subtag of a BCP 47 tag, lower-cased ("uk-UA" -> "uk"), or ``""``."""
    if not isinstance(value, str):
        return ""
    return value.strip().replace("_", "-").split("-")[0].lower()


def same_site(url: str, base_url: str) -> bool:
    """True when ``url`` is an absolute http(s) URL on ``base_url``'s host (``www.`` or not)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    base_host = urlsplit(base_url).hostname or ""
    return parts.hostname.removeprefix("www.") == base_host.removeprefix("www.")


def absolute(url: str, page_url: str) -> str:
    return urljoin(page_url, url.strip()) if url.strip() else ""
