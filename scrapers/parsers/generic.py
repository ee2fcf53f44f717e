"""The generic parser: any news site, from its structured metadata and a content extractor.

Fields come from the page's JSON-LD article object first, then OpenGraph and other meta tags, then a few
widespread markup conventions (``time[datetime]``, ``rel=author``, ``h1``). The body comes from trafilatura
(its HTML output, turned into blocks by the shared ``transforms.html_blocks``), then cleaned: boilerplate
lines (share, subscribe, "read more", credits) and repeats of the headline go, and when the JSON-LD
``articleBody`` is present it arbitrates which extracted blocks belong to the article. How it works and
how well it does on real pages: docs/generic-extraction.md.

The page is parsed once, by selectolax (``scrapers.parsers.page.Page``); trafilatura needs an lxml tree
of its own, so it gets the page re-serialised without scripts and styles (a third of a typical page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapers.parsers.dates import date_from_url, parse_iso
from scrapers.parsers.metadata import (
    absolute,
    clean,
    jsonld_keywords,
    language_tag,
    same_site,
    unique,
)
from scrapers.parsers.page import ARTICLE_TYPES, Page
from transforms.blocks import Block, Heading, ListBlock, Paragraph
from transforms.errors import NotAnArticle
from transforms.html_blocks import html_to_blocks
from transforms.language import detect_language
from transforms.sources import Source
from transforms.text import normalize_space

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
AUTHOR_META = ("author", "article:author", "byl", "dc.creator", "parsely-author", "sailthru.author")
TAG_META = ("news_keywords", "keywords", "article:tag", "parsely-tags", "sailthru.tags")
SECTION_META = ("article:section", "parsely-section", "section")
AUTHOR_MARKUP = (
    '[itemprop="author"] [itemprop="name"], a[rel="author"], .byline__name, .author-name, .authorname,'
    " .article-byline, .c-byline__author, .story-author a"
)

# Separators publishers put between a title and their own name ("Title | Site", "Title - Site").
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·:»]\s+")
# A journalist's initials after the name, as Swiss and German papers print them: "Ulrike Putz (puz)".
_INITIALS = re.compile(r"\s*\([a-zäöü]{2,5}\.?\)$")
_BYLINE_PREFIX = re.compile(r"^(by|von|par|di|por|door|av|af|od)\s+", re.IGNORECASE)
# Conjunctions joining co-authors in the languages of the sources ("and", "und", "et", "og", "y", "en").
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\||\b(?:and|und|et|og|och|y|en)\b)\s*", re.IGNORECASE)

# Boilerplate that content extractors keep at the edges of a body: whole short blocks that are
# instructions to the reader rather than the article. Matched on the case-folded block text.
BOILERPLATE = re.compile(
    r"^(share( this)?( with)?|follow us|sign up|subscribe|newsletter|advertisement|anzeige|werbung|"
    r"read (more|also|next)|see also|related( articles| stories)?:?|more:|more :|"
    r"got a story|for more stories|copyright|©|all rights reserved|"
    r"(photo|image|foto|bild|picture)( credit)?s?\s*[:(]|"
    r"nur angemeldete benutzer|dein kommentar|comments?\b|kommentare?\b|"
    r"click here|tap here|download (the|our) app|listen to (this|the) article|"
    r"article content|lesedauer|reading time|\d+ min(ute)?s? read|copy link|link kopieren|"
    r"ähnliche( artikel)?:?$|mehr (zum thema|themen)|das könnte sie auch interessieren|"
    r"you (may|might) also like|recommended for you|fehler gefunden|mit agenturmaterial|"
    r"dieses thema im programm|hauptinhalt$|il vous reste|la suite est réservée|"
    r"hat ihnen dieser artikel gefallen|wir freuen uns über ihr feedback|ihre meinung ist uns wichtig|"
    r"du musst dich einloggen|infos zum zitiervorschlag|auch interessant|bitte beachten:?$|"
    r"folgst du schon|mehr lesekomfort|our website is (the|your) (place|destination))",
)
BOILERPLATE_MAX_CHARS = 300
"""Longer blocks are text even when they start like boilerplate ("Comments made by the minister…")."""

EDGE_BLOCKS = 3
"""How many blocks at each end of the body are checked for datelines, bylines and credits."""
EDGE_MAX_CHARS = 80
CREDIT_MAX_CHARS = 40
"""A last block this short without a sentence's ending is a credit ("(dmk)", "Quelle: ntv.de")."""
_DATE_LINE = re.compile(
    r"\b(19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\d{4}年\d{1,2}月"
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”»’'。！？]$")

LEAD_MIN_CHARS = 60
"""A description shorter than this is a label ("Latest news"), not a lead paragraph."""

MIN_BODY_CHARS = 150
"""A body shorter than this is a teaser, a gallery caption or a video page, not an article."""

LD_SUPPORT = 0.5
"""A block stays when at least this share of its 4-word shingles occurs in the JSON-LD articleBody."""
LD_MIN_COVERAGE = 0.8
"""The JSON-LD body arbitrates only when it is the article: it covers this share of what was extracted."""
LD_EXTENDS = 1.5
"""...and it replaces the extracted body when it is this many times longer (the extractor stopped early)."""

# Elements removed before the page goes to trafilatura: they never hold article text (navigation and
# side boxes of related links included) and are most of the bytes of a modern page, so lxml has less
# to parse.
NOT_CONTENT = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "link",
    "picture source",
    "nav",
    "aside",
)

_WORD = re.compile(r"\w+")
# No-break spaces (transforms.text.NO_BREAK_SPACES) -> private-use stand-ins while trafilatura runs.
_NBSP_MARKS = {"\u00a0": "\ue000", "\u202f": "\ue001", "\u2007": "\ue002"}
_NBSP_ENTITY = re.compile(r"&(nbsp|#160|#x0*a0);", re.IGNORECASE)
_LANGUAGE_SUBTAG = re.compile(r"[a-z]{2,3}")


class GenericArticle:
    """The fields of an article page of any site (the ``ArticleParser`` protocol)."""

    NAME: ClassVar[str] = PARSER_NAME

    def __init__(self, page: Page, source: Source, fetched_at: datetime) -> None:
        self.page = page
        self.source = source
        self.fetched_at = fetched_at
        self.ld = page.jsonld or nested_article_jsonld(page)
        self.meta = page.meta
        self.sources_used: dict[str, str] = {}

    # -- fields ---------------------------------------------------------------------------------------

    def canonical_url(self) -> str:
        for candidate in (self.page.canonical_link, self.meta.get("og:url", "")):
            url = absolute(candidate, self.page.url)
            if url and same_site(url, self.source.base_url or self.page.url):
                return url
        return self.page.url

    def headline(self) -> str:
        return self._headline

    @cached_property
    def _headline(self) -> str:
        candidates: list[tuple[str, str]] = [("jsonld", clean(self.ld.get("headline")))]
        candidates += [(f"meta:{key}", clean(self.meta.get(key))) for key in HEADLINE_META]
        candidates += [("markup:h1", self.page.text_of("h1")), ("title", self.page.title)]
        for origin, value in candidates:
            value = self._strip_site_name(value)
            if value:
                self.sources_used["headline"] = origin
                return value
        raise NotAnArticle("no_headline", f"{self.page.url}: no headline in JSON-LD, meta tags, h1 or title")

    def authors(self) -> tuple[str, ...]:
        return self._authors

    @cached_property
    def _authors(self) -> tuple[str, ...]:
        """Persons named by JSON-LD, meta tags or the byline markup; an organisation only as a last resort.

        Sites often name themselves as the author in metadata while the byline names the journalist, so
        an organisation (or the site's own name) does not stop the search.
        """
        persons, organisations = _people(self.ld.get("author"))
        candidates: list[tuple[str, tuple[str, ...]]] = [("jsonld", persons)]
        for key in AUTHOR_META:
            value = clean(self.meta.get(key))
            if value and not value.startswith(("http://", "https://")):
                candidates.append((f"meta:{key}", split_authors(value)))
        candidates.append(("markup", self._byline_names()))
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

    def _byline_names(self) -> tuple[str, ...]:
        scope = self.page.first("article") or self.page.tree.body
        if scope is None:
            return ()
        texts = (normalize_space(node.text(deep=True)) for node in scope.css(AUTHOR_MARKUP))
        return unique(name for text in texts if text for name in split_authors(text))

    def _is_publisher(self, name: str) -> bool:
        """True for the site's own name, its host or an e-mail address given as an author."""
        loose = _loose(name)
        site = {_loose(clean(self.meta.get("og:site_name"))), _loose(self.source.label), _loose(self._host())}
        host_word = _loose(self._host().split(".")[0])
        return "@" in name or loose in site or (bool(host_word) and loose.replace(" ", "") == host_word)

    def published_at(self) -> datetime | None:
        return self._published_at

    @cached_property
    def _published_at(self) -> datetime | None:
        found = self._timestamp("published_at", self.ld.get("datePublished"), PUBLISHED_META)
        if found is None:
            node = self.page.first("article time[datetime], time[datetime]")
            if node is not None:
                found = parse_iso(node.attributes.get("datetime"), self._default_tz)
                self._note("published_at", "markup:time", found)
        if found is None:
            day = date_from_url(self.page.url)
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
        editions = self.source.editions
        segments = [s for s in urlsplit(self.canonical_url()).path.split("/") if s]
        if segments and segments[0] in editions:
            return segments[0]
        language = self.language()
        for key, edition_language in editions.items():
            if language_tag(edition_language) == language:
                return key
        return next(iter(editions), "")

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
    def _blocks(self) -> tuple[Block, ...]:
        # Fields read from the markup are read before the body step prunes the tree.
        authors = self.authors()
        self.published_at()
        extracted = self._extracted_blocks()
        blocks = clean_blocks(extracted, headline=self.headline(), authors=authors)
        ld_body = self.ld.get("articleBody")
        if isinstance(ld_body, str) and blocks:
            kept = filter_by_reference(blocks, ld_body)
            if kept is not blocks:
                self.sources_used["body_filter"] = "jsonld"
            blocks = kept
        origin = "trafilatura"
        from_ld = clean_blocks(paragraphs_of(ld_body), headline=self.headline(), authors=authors)
        if _char_count(blocks) < MIN_BODY_CHARS or extends(from_ld, blocks):
            # Some pages carry the whole text only in JSON-LD (the markup is filled in by JavaScript, or
            # hidden behind a "read more" the extractor cannot open).
            if _char_count(from_ld) > _char_count(blocks):
                blocks, origin = from_ld, "jsonld"
        if _char_count(blocks) < MIN_BODY_CHARS:
            raise NotAnArticle(
                "no_body",
                f"{self.page.url}: {_char_count(blocks)} characters of body text (an article has "
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
            grams = _shingles(lead)
            body = _shingles(" ".join(_block_text(b) for b in blocks))
            if grams and len(grams & body) / len(grams) >= LD_SUPPORT:
                return None  # already in the body
            if _loose(lead) in self._visible_text:
                return Paragraph(lead)
        return None

    @cached_property
    def _visible_text(self) -> str:
        root = self.page.tree.body
        return _loose(root.text(deep=True, separator=" ")) if root is not None else ""

    def _extracted_blocks(self) -> list[Block]:
        import trafilatura

        for selector in NOT_CONTENT:
            for node in self.page.tree.css(selector):
                node.decompose()
        html, protected = protect_no_break_spaces(self.page.tree.html or "")
        extracted = trafilatura.extract(
            html,
            url=self.page.url,
            output_format="html",
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            # Bold survives, so that a bold-only paragraph ("Background:") becomes a heading line, as the
            # site parsers make it through the same html_blocks step.
            include_formatting=True,
        )
        blocks = html_to_blocks(extracted) if extracted else []
        return [restore_no_break_spaces(b) for b in blocks] if protected else blocks

    @cached_property
    def _body_text(self) -> str:
        try:
            blocks = self.blocks()
        except NotAnArticle:
            return ""
        return "\n".join(_block_text(b) for b in blocks)

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
        from datetime import UTC

        for value in (self.ld.get("datePublished"), self.ld.get("dateModified"), *self.meta.values()):
            if isinstance(value, str) and re.search(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", value):
                parsed = parse_iso(value, UTC)
                if parsed is not None and parsed.tzinfo is not None and _has_offset(value):
                    return parsed.tzinfo
        return UTC

    def _timestamp(self, field: str, ld_value: object, meta_keys: Iterable[str]) -> datetime | None:
        found = parse_iso(ld_value, self._default_tz)
        if found is not None:
            self._note(field, "jsonld", found)
            return found
        for key in meta_keys:
            found = parse_iso(self.meta.get(key), self._default_tz)
            if found is not None:
                self._note(field, f"meta:{key}", found)
                return found
        return None

    def _note(self, field: str, origin: str, value: object) -> None:
        if value is not None:
            self.sources_used[field] = origin

    def _strip_site_name(self, title: str) -> str:
        """``"Headline | Site"`` -> ``"Headline"`` when the tail is the site's name."""
        site = clean(self.meta.get("og:site_name")) or self.source.label
        parts = _TITLE_SEPARATOR.split(title)
        if len(parts) > 1 and site and _loose(parts[-1]) in (_loose(site), _loose(self._host())):
            return title[: title.rfind(parts[-1])].rstrip(" |-–—·:»")
        return title

    def _host(self) -> str:
        return (urlsplit(self.page.url).hostname or "").removeprefix("www.")


def nested_article_jsonld(page: Page) -> dict[str, Any]:
    """An article object nested deeper in JSON-LD (``WebPage.mainEntity``, ``ItemPage.about``…), or ``{}``.

    ``Page`` finds top-level and ``@graph`` articles, which is where site parsers look; a generic parser
    meets every way of nesting one.
    """
    for node in page.tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(deep=True), strict=False)
        except ValueError:
            continue
        found = _find_article(data, depth=0)
        if found:
            return found
    return {}


def _find_article(data: Any, depth: int) -> dict[str, Any]:
    if depth > 6:
        return {}
    children: Iterable[Any] = ()
    if isinstance(data, dict):
        kind = data.get("@type")
        kinds = set(kind) if isinstance(kind, list) else {kind}
        if kinds & ARTICLE_TYPES:
            return data
        children = data.values()
    elif isinstance(data, list):
        children = data
    for child in children:
        found = _find_article(child, depth + 1)
        if found:
            return found
    return {}


def parser_for(page: Page, source: Source, fetched_at: datetime) -> GenericArticle:
    """The registry's hook (``parser: generic`` in sources.yaml); raises ``NotAnArticle`` for a listing."""
    article = GenericArticle(page, source, fetched_at)
    if not article.has_article_evidence() and not looks_like_article_url(page.url):
        raise NotAnArticle(
            "listing",
            f"{page.url}: no article metadata (JSON-LD article, og:type article, publication time) and the "
            "URL has no article slug or id",
        )
    return article


def looks_like_article_url(url: str) -> bool:
    """True when the URL addresses one article: a long numeric id, a date, or a slug of 3+ words.

    News CMSs address articles that way; section and tag pages are short words ("/en/news/", "/tag/war/").
    """
    path = urlsplit(url).path
    last = next((seg for seg in reversed(path.split("/")) if seg), "")
    slug = re.sub(r"\.[a-z0-9]{2,5}$", "", last, flags=re.IGNORECASE)
    return (
        bool(re.search(r"\d{5,}", path))
        or date_from_url(url) is not None
        or len(re.split(r"[-_]+", slug)) >= 3
    )


# -- block cleaning, usable on any list of blocks ---------------------------------------------------------


def clean_blocks(blocks: Iterable[Block], *, headline: str, authors: Iterable[str] = ()) -> list[Block]:
    """Drop boilerplate, repeats of the headline, repeated blocks and edge noise; keep the order."""
    seen: set[str] = set()
    head = _loose(headline)
    kept: list[Block] = []
    for position, block in enumerate(blocks):
        if isinstance(block, ListBlock):
            items = tuple(item for item in block.items if not is_boilerplate(item))
            key = _loose(" ".join(items))
            if items and key not in seen:
                seen.add(key)
                kept.append(ListBlock(items))
            continue
        key = _loose(block.text)
        if not key or key == head or key in seen or is_boilerplate(block.text):
            continue
        if position < EDGE_BLOCKS and _repeats_headline(block, key, head):
            continue  # the page's h1, often with its kicker glued on ("TopicHeadline")
        seen.add(key)
        kept.append(block)
    return trim_edges(kept, authors=authors)


def trim_edges(blocks: list[Block], *, authors: Iterable[str] = ()) -> list[Block]:
    """Take datelines, bylines and credits off the ends of the body, where extractors leave them."""
    names = {_loose(a) for a in authors}

    def noise(block: Block) -> bool:
        if isinstance(block, ListBlock) or len(block.text) > EDGE_MAX_CHARS:
            return False
        text = block.text
        if _loose(text) in names or _BYLINE_PREFIX.match(text):
            return True
        return (
            len(text.split()) <= 8 and _DATE_LINE.search(text) is not None and not _SENTENCE_END.search(text)
        )

    head = [b for b in blocks[:EDGE_BLOCKS] if not noise(b)]
    middle = blocks[EDGE_BLOCKS:-EDGE_BLOCKS] if len(blocks) > 2 * EDGE_BLOCKS else []
    tail_start = max(EDGE_BLOCKS, len(blocks) - EDGE_BLOCKS)
    tail = [b for b in blocks[tail_start:] if not noise(b)]
    kept = head + middle + tail
    while kept and (isinstance(kept[-1], Heading) or _is_credit(kept[-1])):
        # A heading with nothing after it titles a box the extractor cut off ("Related", "More").
        kept.pop()
    return kept


def _is_credit(block: Block) -> bool:
    return (
        isinstance(block, Paragraph)
        and len(block.text) <= CREDIT_MAX_CHARS
        and not _SENTENCE_END.search(block.text)
    )


def _repeats_headline(block: Block, key: str, head: str) -> bool:
    if isinstance(block, Heading):
        return _word_overlap(key, head) >= 0.5
    # A paragraph only when it is hardly longer than the headline: a lead may share many of its words.
    return len(key) <= 2 * len(head) and (head in key or _word_overlap(key, head) >= 0.6)


def _word_overlap(a: str, b: str) -> float:
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def is_boilerplate(text: str) -> bool:
    return (
        len(text) <= BOILERPLATE_MAX_CHARS and BOILERPLATE.match(text.casefold().lstrip("•-–— ")) is not None
    )


def filter_by_reference(blocks: list[Block], reference: str) -> list[Block]:
    """The blocks that the reference (JSON-LD ``articleBody``) supports; ``blocks`` itself if it can't judge.

    The reference is only trusted when it covers most of what was extracted: many sites put a summary
    or the first paragraph there, and those must not cut the body short.
    """
    ref = _shingles(reference)
    if not ref:
        return blocks
    # Block by block: shingles spanning two blocks (or a subheading) are not text either side has.
    extracted = {g for b in blocks if not isinstance(b, Heading) for g in _shingles(_block_text(b))}
    if not extracted:
        return blocks
    covered = sum(1 for s in extracted if s in ref) / len(extracted)
    if covered < LD_MIN_COVERAGE:
        return blocks
    kept: list[Block] = []
    for block in blocks:
        if isinstance(block, Heading):
            kept.append(block)  # plain-text bodies leave the subheadings out, so they cannot judge them
            continue
        grams = _shingles(_block_text(block))
        if not grams or sum(1 for g in grams if g in ref) / len(grams) >= LD_SUPPORT:
            kept.append(block)
    return kept if len(kept) != len(blocks) else blocks


def extends(reference: list[Block], blocks: list[Block]) -> bool:
    """True when ``reference`` holds what ``blocks`` hold and much more: the extractor stopped early."""
    ref = _shingles(" ".join(_block_text(b) for b in reference))
    got = _shingles(" ".join(_block_text(b) for b in blocks))
    if not ref or not got:
        return False
    return len(got & ref) / len(got) >= LD_MIN_COVERAGE and len(ref) >= LD_EXTENDS * len(got)


def protect_no_break_spaces(html: str) -> tuple[str, bool]:
    """``html`` with its no-break spaces swapped for private-use characters, and whether it was done.

    trafilatura turns no-break spaces into plain ones, but the seed format keeps them (an en dash and a
    no-break space, "10\u00a0km"). Private-use characters pass through it untouched. A page that already
    uses those characters is left as it is.
    """
    if any(mark in html for mark in _NBSP_MARKS.values()):
        return html, False
    html = _NBSP_ENTITY.sub("\u00a0", html)
    for space, mark in _NBSP_MARKS.items():
        html = html.replace(space, mark)
    return html, True


def restore_no_break_spaces(block: Block) -> Block:
    if isinstance(block, ListBlock):
        return ListBlock(tuple(_restore(item) for item in block.items))
    return type(block)(_restore(block.text))


def _restore(text: str) -> str:
    for space, mark in _NBSP_MARKS.items():
        text = text.replace(mark, space)
    return text


def paragraphs_of(text: object) -> list[Block]:
    """Plain text (JSON-LD ``articleBody``) as paragraphs: split at line breaks and tabs."""
    if not isinstance(text, str):
        return []
    import html

    parts = re.split(r"[\t\r\n]+", html.unescape(text))
    return [Paragraph(p) for p in (normalize_space(part) for part in parts) if p]


def split_authors(text: str) -> tuple[str, ...]:
    """``"By Ann Lee and Bo Chan, dpa"`` -> ``("Ann Lee", "Bo Chan", "dpa")``.

    ``"Lee, Ann"`` (two single words) is one person written surname first: ``("Ann Lee",)``.
    """
    text = _BYLINE_PREFIX.sub("", clean(text))
    parts = [normalize_space(_INITIALS.sub("", part)) for part in _AUTHOR_SPLIT.split(text)]
    parts = [part for part in parts if part]
    if len(parts) == 2 and "," in text and all(" " not in part for part in parts):
        # "Family, Given": one person written surname first, as bibliographic metadata does.
        return (f"{parts[1]} {parts[0]}",)
    return unique(parts)


def _people(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(persons, organisations) named in a JSON-LD ``author`` value; a plain string counts as a person."""
    items = value if isinstance(value, list) else [value]
    persons: list[str] = []
    organisations: list[str] = []
    for item in items:
        if isinstance(item, str):
            if not item.startswith(("http://", "https://")):
                persons.extend(split_authors(item))
        elif isinstance(item, dict):
            kind = item.get("@type", "Person")
            kinds = set(kind) if isinstance(kind, list) else {kind}
            name = clean(item.get("name")) or normalize_space(
                f"{clean(item.get('givenName'))} {clean(item.get('familyName'))}"
            )
            if not name or name.startswith(("http://", "https://")):
                continue
            if "Person" in kinds:
                persons.extend(split_authors(name))
            else:
                organisations.append(name)
    return unique(persons), unique(organisations)


def _block_text(block: Block) -> str:
    return " ".join(block.items) if isinstance(block, ListBlock) else block.text


def _char_count(blocks: Iterable[Block]) -> int:
    return sum(len(_block_text(b)) for b in blocks)


def _shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))} if words else set()


def _loose(text: str) -> str:
    """Text compared loosely: case-folded words only."""
    return " ".join(_WORD.findall(text.casefold()))


def _has_offset(value: str) -> bool:
    return bool(re.search(r"(Z|[+-]\d\d:?\d\d)$", value.strip()))
