"""The fields of an article page of any site, read by the generic parser.

Fields come from the page's JSON-LD article object first, then OpenGraph and other meta tags, then a few
widespread markup conventions (``time[datetime]``, ``rel=author``); the headline is chosen among the ``h1``,
meta tags, JSON-LD and ``<title>`` by agreement (``headline``). The body comes from
trafilatura (``extraction``), then is cleaned (``cleaning``): boilerplate lines and repeats of the headline
go, and when the JSON-LD ``articleBody`` is present it arbitrates which extracted blocks belong to the
article. How it works and how well it does on real pages: docs/generic-extraction.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from typing import Any, ClassVar

from selectolax.lexbor import LexborHTMLParser

from scrapers.parsers.generic.authors import AUTHOR_META, byline_names, split_authors
from scrapers.parsers.generic.cleaning import (
    LD_SUPPORT,
    char_count,
    clean_blocks,
    drop_links,
    extends,
    filter_by_reference,
)
from scrapers.parsers.generic.extraction import extract_blocks, link_texts, pruned_copy, visible_text
from scrapers.parsers.generic.headline import H1, Candidate, choose_headline, visible_h1
from scrapers.parsers.metadata import (
    clean,
    jsonld_authors,
    jsonld_keywords,
    jsonld_paragraphs,
    language_tag,
    unique,
)
from scrapers.parsers.page import Page
from transforms.blocks import Block, Paragraph, block_plain_text
from transforms.errors import NotAnArticle
from transforms.language import detect_language
from transforms.shingles import loose, shingles
from transforms.sources import Source
from transforms.times import parse_timestamp
from transforms.urls import absolute, canonical_url, same_site, site_host, url_date

PARSER_NAME = "generic@2026"

# Meta keys (lower-cased ``property``/``name``/``itemprop``), best first, for each field.
HEADLINE_META = ("og:title", "twitter:title", "headline", "dc.title")
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
)
TAG_META = ("news_keywords", "keywords", "article:tag", "parsely-tags", "sailthru.tags")
SECTION_META = ("article:section", "parsely-section", "section")
LEAD_MIN_CHARS = 60
"""A description shorter than this is a label ("Latest news"), not a lead paragraph."""

MIN_BODY_CHARS = 150
"""A body shorter than this is a teaser, a gallery caption or a video page, not an article."""

_LANGUAGE_SUBTAG = re.compile(r"[a-z]{2,3}")


class GenericArticle:
    """The fields of an article page of any site (the ``ArticleParser`` protocol)."""

    NAME: ClassVar[str] = PARSER_NAME

    def __init__(self, page: Page, source: Source, fetched_at: datetime) -> None:
        self.page = page
        self.source = source
        self.fetched_at = fetched_at
        self.ld = page.jsonld or page.jsonld_article(nested=True)
        self.meta = page.meta
        self.sources_used: dict[str, str] = {}

    # -- fields ---------------------------------------------------------------------------------------

    def canonical_url(self) -> str:
        """The canonical link (or ``og:url``) on the site, else the page's URL; in canonical form (no
        fragment, no tracking parameters), so that one article is one row however it was linked."""
        for candidate in (self.page.canonical_link, self.meta.get("og:url", "")):
            url = absolute(candidate, self.page.url)
            if url and same_site(url, self.source.base_url or self.page.url):
                return canonical_url(url)
        return canonical_url(self.page.url)

    def headline(self) -> str:
        return self._headline

    @cached_property
    def _headline(self) -> str:
        """The headline a reader sees, chosen by agreement among the h1, meta tags, JSON-LD and title
        (``headline.choose_headline``); ``sources_used["headline"]`` names the source whose text it is."""
        sites = self._site_names()
        candidates = [Candidate(H1, visible_h1(self.page.tree, sites))]
        candidates.append(Candidate("jsonld", clean(self.ld.get("headline"))))
        candidates += [Candidate(f"meta:{key}", clean(self.meta.get(key))) for key in HEADLINE_META]
        candidates.append(Candidate("title", self.page.title))
        chosen = choose_headline(candidates, sites)
        if chosen is None:
            raise NotAnArticle(
                "no_headline", f"{self.page.url}: no headline in JSON-LD, meta tags, h1 or title"
            )
        self.sources_used["headline"] = chosen.origin
        return chosen.text

    def authors(self) -> tuple[str, ...]:
        return self._authors

    @cached_property
    def _authors(self) -> tuple[str, ...]:
        """Persons named by JSON-LD, meta tags or the byline markup; an organisation only as a last resort.

        Sites often name themselves as the author in metadata while the byline names the journalist, so
        an organisation (or the site's own name) does not stop the search.
        """
        persons, organisations = jsonld_authors(self.ld.get("author"), split_authors)
        candidates: list[tuple[str, tuple[str, ...]]] = [("jsonld", persons)]
        for key in AUTHOR_META:
            value = clean(self.meta.get(key))
            if value and not value.startswith(("http://", "https://")):
                candidates.append((f"meta:{key}", split_authors(value)))
        candidates.append(("markup", byline_names(self.page)))
        candidates.append(("jsonld:organization", organisations))
        # First a person other than the site itself; failing that the site's own name, which is what the
        # page says about who wrote it.
        for keep in (lambda name: not self._is_publisher(name), lambda name: "@" not in name):
            for origin, names in candidates:
                names = tuple(n for n in names if keep(n))
                if names:
                    self.sources_used["authors"] = origin
                    return names
        return ()

    def _is_publisher(self, name: str) -> bool:
        """True for the site's own name, its host or an e-mail address given as an author."""
        host = site_host(self.page.url)
        words = loose(name)
        site = {loose(clean(self.meta.get("og:site_name"))), loose(self.source.label), loose(host)}
        host_word = loose(host.split(".")[0])
        return "@" in name or words in site or (bool(host_word) and words.replace(" ", "") == host_word)

    def published_at(self) -> datetime | None:
        return self._published_at

    @cached_property
    def _published_at(self) -> datetime | None:
        found = self._timestamp("published_at", self.ld.get("datePublished"), PUBLISHED_META)
        if found is None:
            node = self.page.first("article time[datetime], time[datetime]")
            if node is not None:
                found = parse_timestamp(node.attributes.get("datetime"), default_tz=self._default_tz)
                self._note("published_at", "markup:time", found)
        if found is None:
            day = url_date(self.page.url)
            if day is not None:
                found = datetime(day.year, day.month, day.day, tzinfo=self._default_tz)
                self._note("published_at", "url", found)
        return found

    def modified_at(self) -> datetime | None:
        return self._timestamp("modified_at", self.ld.get("dateModified"), MODIFIED_META)

    def tags(self) -> tuple[str, ...]:
        keywords = jsonld_keywords(self.ld.get("keywords"))
        if keywords:
            return keywords
        for key in TAG_META:
            if key == "article:tag":
                # One meta element per tag, so the first-wins dict of meta tags holds only one of them.
                values = [
                    n.attributes.get("content") or ""
                    for n in self.page.tree.css('meta[property="article:tag"]')
                ]
                found = unique(clean(v) for v in values)
            else:
                found = jsonld_keywords(self.meta.get(key))
            if found:
                return found
        return ()

    def edition(self) -> str:
        """The edition whose key is the URL's first path segment, else the one in the text's language."""
        return self.source.edition_for(self.canonical_url(), self.language())

    def language(self) -> str:
        return self._language[0]

    @cached_property
    def _language(self) -> tuple[str, dict[str, Any]]:
        declared = self._declared_language()
        guess = detect_language(self._body_text, hint=declared or None)
        self.sources_used["language"] = "text" if guess.from_text else ("declared" if declared else "none")
        details = {"declared": declared or None, "detected_confidence": round(guess.confidence, 3)}
        return language_tag(guess.code), details

    def section(self) -> str | None:
        value = self.ld.get("articleSection")
        if isinstance(value, list):
            value = value[0] if value else None
        section = clean(value)
        if not section:
            section = next((clean(self.meta.get(k)) for k in SECTION_META if clean(self.meta.get(k))), "")
        return section or None

    def blocks(self) -> tuple[Block, ...]:
        return self._blocks

    def extra(self) -> dict[str, Any]:
        return {
            "design": "generic",
            "field_sources": dict(sorted(self.sources_used.items())),
            "language": self._language[1],
        }

    def has_article_evidence(self) -> bool:
        """The page says it is an article: a JSON-LD article, ``og:type`` article, or a publication time."""
        return (
            bool(self.ld)
            or "article" in self.meta.get("og:type", "").lower()
            or self.published_at() is not None
        )

    # -- body -----------------------------------------------------------------------------------------

    @cached_property
    def _pruned(self) -> LexborHTMLParser:
        """The page without the elements that never hold article text, for the extractor and the check
        that a lead is visible."""
        return pruned_copy(self.page.tree)

    @cached_property
    def _blocks(self) -> tuple[Block, ...]:
        authors = self.authors()
        extracted = extract_blocks(self._pruned, self.page.url)
        people = tuple(a for a in authors if not self._is_publisher(a))
        cleaned = clean_blocks(extracted, headline=self.headline(), authors=authors, people=people)
        blocks = drop_links(cleaned, self._links)
        ld_body = self.ld.get("articleBody")
        if isinstance(ld_body, str) and blocks:
            kept = filter_by_reference(blocks, ld_body)
            if kept is not blocks:
                self.sources_used["body_filter"] = "jsonld"
            blocks = kept
        origin = "trafilatura"
        from_ld = clean_blocks(jsonld_paragraphs(ld_body), headline=self.headline(), authors=authors)
        if char_count(blocks) < MIN_BODY_CHARS or extends(from_ld, blocks):
            # Some pages carry the whole text only in JSON-LD (the markup is filled in by JavaScript, or
            # hidden behind a "read more" the extractor cannot open).
            if char_count(from_ld) > char_count(blocks):
                blocks, origin = from_ld, "jsonld"
        if char_count(blocks) < MIN_BODY_CHARS:
            raise NotAnArticle(
                "no_body",
                f"{self.page.url}: {char_count(blocks)} characters of body text (an article has "
                f"at least {MIN_BODY_CHARS})",
            )
        lead = self._visible_lead(blocks)
        if lead is not None:
            blocks.insert(0, lead)
            self.sources_used["lead"] = "meta:description"
        self.sources_used["body"] = origin
        return tuple(blocks)

    def _visible_lead(self, blocks: list[Block]) -> Paragraph | None:
        """The page's standfirst when the extractor left it out, else None.

        Extractors often skip the lead paragraph set in its own element above the text. The description
        in the metadata is that lead on most news sites; it is added only when the page also shows it
        (so a search-engine summary never becomes article text) and the body does not already hold it.
        """
        descriptions = (
            self.meta.get("og:description"),
            self.ld.get("description"),
            self.meta.get("description"),
        )
        for value in descriptions:
            lead = clean(value)
            if len(lead) < LEAD_MIN_CHARS:
                continue
            grams = shingles(lead)
            body = shingles(" ".join(block_plain_text(b) for b in blocks))
            if grams and len(grams & body) / len(grams) >= LD_SUPPORT:
                return None  # already in the body
            if loose(lead) in self._visible_text:
                return Paragraph(lead)
        return None

    @cached_property
    def _links(self) -> set[str]:
        return link_texts(self._pruned, self.page.url)

    @cached_property
    def _visible_text(self) -> str:
        return visible_text(self._pruned)

    @cached_property
    def _body_text(self) -> str:
        try:
            blocks = self.blocks()
        except NotAnArticle:
            return ""
        return "\n".join(block_plain_text(b) for b in blocks)

    # -- helpers --------------------------------------------------------------------------------------

    def _declared_language(self) -> str:
        root = self.page.first("html")
        for value in (
            self.ld.get("inLanguage"),
            root.attributes.get("lang") if root is not None else None,
            self.meta.get("og:locale"),
            self.meta.get("language"),
            self.meta.get("content-language"),
        ):
            tag = language_tag(value)
            if tag and _LANGUAGE_SUBTAG.fullmatch(tag):  # pages also say "x-default", "*" or "English"
                return tag
        return ""

    @cached_property
    def _default_tz(self) -> tzinfo:
        """The offset for a timestamp given without one: the page's other timestamps', else UTC."""
        for value in (self.ld.get("datePublished"), self.ld.get("dateModified"), *self.meta.values()):
            if isinstance(value, str) and re.search(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", value):
                parsed = parse_timestamp(value, default_tz=UTC)
                if parsed is not None and parsed.tzinfo is not None and _has_offset(value):
                    return parsed.tzinfo
        return UTC

    def _timestamp(self, field: str, ld_value: object, meta_keys: Iterable[str]) -> datetime | None:
        found = parse_timestamp(ld_value, default_tz=self._default_tz)
        if found is not None:
            self._note(field, "jsonld", found)
            return found
        for key in meta_keys:
            found = parse_timestamp(self.meta.get(key), default_tz=self._default_tz)
            if found is not None:
                self._note(field, f"meta:{key}", found)
                return found
        return None

    def _note(self, field: str, origin: str, value: object) -> None:
        if value is not None:
            self.sources_used[field] = origin

    def _site_names(self) -> tuple[str, ...]:
        """The names a title's tail may give the site by: ``og:site_name``, the source's label, the host
        with and without ``www.``."""
        host = site_host(self.page.url)
        bare = host.removeprefix("www.")
        return (clean(self.meta.get("og:site_name")), self.source.label, host, bare)


def _has_offset(value: str) -> bool:
    return bool(re.search(r"(Z|[+-]\d\d:?\d\d)$", value.strip()))
