"""What every design of pravda.com.ua (and its sister sites on the same CMS) has in common.

A design module subclasses :class:`PravdaDesign` and sets its selectors; the metadata order is shared:
JSON-LD first, then OpenGraph, then the markup, then the date in the URL.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from scrapers.parsers.metadata import (
    clean,
    jsonld_authors,
    jsonld_keywords,
    jsonld_paragraphs,
    language_tag,
    unique,
)
from scrapers.parsers.page import Page
from transforms.blocks import Block, ListBlock, Paragraph
from transforms.errors import NotAnArticle
from transforms.html_blocks import node_to_blocks
from transforms.sources import Source
from transforms.times import parse_timestamp
from transforms.urls import absolute, canonical_url, path_segments, same_site, url_date, url_section

# The site's clock: a timestamp the page gives without an offset is Kyiv time.
KYIV = ZoneInfo("Europe/Kyiv")

# The edition is the first path segment; pages without one belong to the Ukrainian edition.
EDITION_PREFIXES = {"eng": "eng", "rus": "rus"}
DEFAULT_EDITION = "ukr"
EDITION_LANGUAGES = {"eng": "en", "rus": "ru", "ukr": "uk"}

# Paragraphs that point elsewhere or credit a photo, in the three editions' wording. They sit inside the
# text as ordinary paragraphs, so they are recognised by how they start, not by a selector.
READ_ALSO_PREFIXES = (
    "read also",
    "read more",
    "see also",
    "читайте також",
    "також читайте",
    "дивіться також",
    "читайте также",
    "также читайте",
    "смотрите также",
)
PHOTO_CREDIT_PREFIXES = ("photo:", "photo by", "фото:", "фото -", "фото –", "фото —")
PHOTO_CREDIT_MAX_LENGTH = 200

# The site's ad slots and video embeds, which sit inside the article text.
AD_CONTAINERS = (
    "[data-ym-ad]",
    "div.nts-ad",
    "div.nts-video-wrapper",
    "div.advtext",
    "div.advtext_mob",
    "div.banner",
)

_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)")


class PravdaDesign:
    """One design of the site. Subclasses set the class attributes; a redesign is a new subclass."""

    NAME: ClassVar[str]
    """Parser name and version stored in every record, e.g. ``pravda.news@2025``."""
    VALID_FROM: ClassVar[date]
    VALID_UNTIL: ClassVar[date | None]
    """The period the site served this design (``None``: still served)."""

    ARTICLE: ClassVar[str]
    """Selector of the element that only this design's article pages have."""
    HEADLINE: ClassVar[str]
    AUTHORS: ClassVar[str]
    DATE: ClassVar[str]
    BODY: ClassVar[str]
    TAGS: ClassVar[str]
    REMOVE: ClassVar[tuple[str, ...]] = ()
    """The design's elements inside the body that are not text (photos, credits, related links); the
    site's :data:`AD_CONTAINERS` go too."""

    def __init__(self, page: Page, source: Source) -> None:
        self.page = page
        self.source = source
        self.ld = page.jsonld
        self.sources_used: dict[str, str] = {}
        self._canonical: str | None = None

    @classmethod
    def matches(cls, page: Page) -> bool:
        return page.first(cls.ARTICLE) is not None

    @classmethod
    def valid_on(cls, day: date) -> bool:
        return cls.VALID_FROM <= day and (cls.VALID_UNTIL is None or day <= cls.VALID_UNTIL)

    # -- fields ---------------------------------------------------------------------------------------

    def canonical_url(self) -> str:
        """The page's canonical link (or ``og:url``) on the site, else its URL; in canonical form (no
        fragment, no tracking parameters), so that one article is one row however it was linked."""
        if self._canonical is None:  # edition and section read it too
            self._canonical = canonical_url(self.page.url)
            for candidate in (self.page.canonical_link, self.page.meta.get("og:url", "")):
                url = absolute(candidate, self.page.url)
                if url and same_site(url, self.source.base_url):
                    self._canonical = canonical_url(url)
                    break
        return self._canonical

    def headline(self) -> str:
        for origin, get in (
            ("jsonld", lambda: clean(self.ld.get("headline"))),
            ("og", lambda: clean(self.page.meta.get("og:title"))),
            ("markup", lambda: self.page.text_of(self.HEADLINE)),
        ):
            value = get()
            if value:
                self.sources_used["headline"] = origin
                return value
        raise NotAnArticle("no_headline", f"{self.page.url}: no headline in JSON-LD, og:title or markup")

    def authors(self) -> tuple[str, ...]:
        og_author = clean(self.page.meta.get("article:author"))
        for origin, get in (
            ("jsonld", lambda: jsonld_authors(self.ld.get("author"))[0]),
            # article:author is often a profile URL rather than a name.
            ("og", lambda: () if og_author.startswith(("http://", "https://")) else unique([og_author])),
            ("markup", lambda: unique(self.page.texts_of(self.AUTHORS))),
        ):
            names = get()
            if names:
                self.sources_used["authors"] = origin
                return names
        return ()

    def published_at(self) -> datetime | None:
        return self._timestamp("published_at", "datePublished", "article:published_time", markup=True)

    def modified_at(self) -> datetime | None:
        return self._timestamp("modified_at", "dateModified", "article:modified_time", markup=False)

    def tags(self) -> tuple[str, ...]:
        keywords = jsonld_keywords(self.ld.get("keywords"))
        if keywords:
            self.sources_used["tags"] = "jsonld"
            return keywords
        tags = unique(self.page.texts_of(self.TAGS))
        if tags:
            self.sources_used["tags"] = "markup"
        return tags

    def edition(self) -> str:
        first = path_segments(self.canonical_url())[:1]
        return EDITION_PREFIXES.get(first[0], DEFAULT_EDITION) if first else DEFAULT_EDITION

    def language(self) -> str:
        declared = language_tag(self.ld.get("inLanguage"))
        if declared:
            return declared
        edition = self.edition()
        return self.source.editions.get(edition) or EDITION_LANGUAGES.get(edition, "uk")

    def section(self) -> str | None:
        return url_section(self.canonical_url(), EDITION_PREFIXES)

    def blocks(self) -> tuple[Block, ...]:
        body = self.page.first(self.BODY)
        remove = (*self.REMOVE, *AD_CONTAINERS)
        blocks = [] if body is None else [b for b in node_to_blocks(body, remove=remove) if keep(b)]
        if any(isinstance(block, Paragraph) for block in blocks):
            self.sources_used["body"] = "markup"
            return tuple(blocks)
        from_ld = tuple(p for p in jsonld_paragraphs(self.ld.get("articleBody")) if keep(p))
        if from_ld:
            self.sources_used["body"] = "jsonld"
            return from_ld
        if blocks:
            self.sources_used["body"] = "markup"
            return tuple(blocks)
        raise NotAnArticle("no_body", f"{self.page.url}: no text in {self.BODY} nor in JSON-LD articleBody")

    # -- helpers --------------------------------------------------------------------------------------

    def _timestamp(self, field: str, ld_key: str, og_key: str, *, markup: bool) -> datetime | None:
        found = parse_timestamp(self.ld.get(ld_key), default_tz=KYIV)
        origin = "jsonld"
        if found is None:
            found, origin = parse_timestamp(self.page.meta.get(og_key), default_tz=KYIV), "og"
        url_day = url_date(self.page.url)
        if found is None and markup and url_day is not None:
            # The design shows a time of day without the year ("8 января, 17:46"); the URL has the day.
            clock = clock_time(self.page.text_of(self.DATE))
            if clock is not None:
                found, origin = datetime.combine(url_day, clock, tzinfo=KYIV), "markup"
        if found is None and markup and url_day is not None:
            found, origin = datetime.combine(url_day, time(), tzinfo=KYIV), "url"
        if found is not None:
            self.sources_used[field] = origin
        return found

    def extra(self) -> dict[str, Any]:
        return {"design": self.NAME, "field_sources": dict(sorted(self.sources_used.items()))}


def keep(block: Block) -> bool:
    """False for the "read also" links and photo credits that the markup leaves inside the text."""
    if isinstance(block, ListBlock):
        return True
    lowered = block.text[: PHOTO_CREDIT_MAX_LENGTH + 1].casefold()  # the start is all that is read
    if lowered.startswith(READ_ALSO_PREFIXES):
        return False
    return not (lowered.startswith(PHOTO_CREDIT_PREFIXES) and len(block.text) <= PHOTO_CREDIT_MAX_LENGTH)


def clock_time(text: str) -> time | None:
    """The first ``H:MM``/``HH:MM`` time of day in ``text`` ("8 января, 17:46" -> 17:46)."""
    match = _CLOCK.search(text)
    return time(int(match.group(1)), int(match.group(2))) if match else None
