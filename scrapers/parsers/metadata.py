"""Reading article metadata out of JSON-LD and meta tags, the same way for every site."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any

from transforms.blocks import Paragraph
from transforms.text import normalize_space

_TAB_OR_NEWLINE = re.compile(r"[\t\r\n]+")


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


def _one_name(name: str) -> tuple[str, ...]:
    return (name,)


def jsonld_authors(
    value: Any, split: Callable[[str], Iterable[str]] = _one_name
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(persons, organisations)`` named in a JSON-LD ``author`` value, each in order without repeats.

    A plain string or an object without ``@type`` counts as a person; an object's name is its ``name``, or
    its ``givenName`` and ``familyName``. Values that are URLs (profile pages) are not names. ``split``
    turns one person's name field into names (a byline "Ann Lee and Bo Chan" into two, say).
    """
    items = value if isinstance(value, list) else [value]
    persons: list[str] = []
    organisations: list[str] = []
    for item in items:
        if isinstance(item, str):
            name = clean(item)
            kinds = {"Person"}
        elif isinstance(item, dict):
            kind = item.get("@type", "Person")
            kinds = set(kind) if isinstance(kind, list) else {kind}
            name = clean(item.get("name")) or normalize_space(
                f"{clean(item.get('givenName'))} {clean(item.get('familyName'))}"
            )
        else:
            continue
        if not name or name.startswith(("http://", "https://")):
            continue
        if "Person" in kinds:
            persons.extend(split(name))
        else:
            organisations.append(name)
    return unique(persons), unique(organisations)


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


def jsonld_paragraphs(value: object) -> list[Paragraph]:
    """A JSON-LD ``articleBody`` (plain text) as paragraphs: sites separate them with tabs or line breaks.

    Entities do slip into it, so they are decoded; unlike :func:`clean` the separators are kept until the
    text is split."""
    if not isinstance(value, str):
        return []
    parts = (normalize_space(part) for part in _TAB_OR_NEWLINE.split(html.unescape(value)))
    return [Paragraph(part) for part in parts if part]
