"""Page parsers: one per site design, chosen by the source's ``parser`` name and the page's markup.

``parse_page`` is the one entry point the spiders, ``newsetl parse`` and the re-parse step call. The page
is parsed once (selectolax); the site parser reads its fields from that tree, and the record is built here
the same way for every site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from scrapers.parsers import generic, pravda
from scrapers.parsers.not_article import check_fetch
from scrapers.parsers.page import Page
from scrapers.parsers.protocol import ArticleParser
from transforms.blocks import Block, Heading, ListBlock, Paragraph
from transforms.record import ArticleRecord
from transforms.seed import SeedDocument, is_heading_line, render
from transforms.sources import Source

# ``parser:`` in seeds/sources.yaml -> a function picking the site's design parser for a page.
PARSERS: dict[str, Callable[[Page, Source, datetime], ArticleParser]] = {
    "pravda": pravda.design_for,
    "generic": generic.parser_for,
}


class UnknownParser(ValueError):
    """seeds/sources.yaml names a parser that does not exist."""


def as_the_seed_reads(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """The blocks with each one-line block a heading exactly when the seed format reads it as one.

    A heading and a one-line paragraph look alike in seed text; the format tells them apart by the
    heading rule (``transforms.seed.is_heading_line``: short, no colon, no closing punctuation, not last).
    Applying the same rule here keeps ``parse(record.seed_text).blocks == record.blocks`` for every record,
    at the price of a long or colon-bearing ``h2`` being stored as a paragraph.
    """
    last = len(blocks) - 1
    out: list[Block] = []
    for index, block in enumerate(blocks):
        if isinstance(block, ListBlock):
            out.append(block)
        elif is_heading_line(block.text, is_last_block=index == last):
            out.append(block if isinstance(block, Heading) else Heading(block.text))
        else:
            out.append(block if isinstance(block, Paragraph) else Paragraph(block.text))
    return tuple(out)


class UnknownSite(ValueError):
    """No source's ``base_url`` is on the host of a URL."""


def source_for_url(url: str, sources: dict[str, Source]) -> Source:
    """The source whose ``base_url`` host is the URL's host (``www.`` or not)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if urlsplit(url).scheme not in ("http", "https") or not host:
        raise UnknownSite(f"{url!r} is not an absolute http(s) URL")
    for source in sources.values():
        if (urlsplit(source.base_url).hostname or "").removeprefix("www.") == host:
            return source
    known = ", ".join(f"{s.key} ({s.base_url})" for s in sources.values()) or "none"
    raise UnknownSite(f"no source is on the site of {url} (known sources: {known})")


def parse_page(
    html: bytes | str,
    url: str,
    *,
    source: Source,
    fetched_at: datetime,
    collected_on: date | None = None,
    http_status: int = 200,
    warc_record_id: str | None = None,
) -> ArticleRecord:
    """Parse one fetched page into an article record.

    Raises ``transforms.errors.NotAnArticle`` when the page is not an article.
    ``collected_on`` defaults to ``fetched_at``'s UTC date.
    """
    choose = PARSERS.get(source.parser)
    if choose is None:
        known = ", ".join(sorted(PARSERS))
        raise UnknownParser(f"source {source.key!r} names parser {source.parser!r}; known parsers: {known}")
    if fetched_at.tzinfo is None:
        raise ValueError(f"fetched_at must be timezone-aware, got {fetched_at!r} for {url}")
    page = Page.parse(html, url)
    check_fetch(page, http_status)
    parser = choose(page, source, fetched_at)
    collected = collected_on or fetched_at.astimezone(UTC).date()
    canonical = parser.canonical_url()
    headline = parser.headline()
    blocks = as_the_seed_reads(parser.blocks())
    seed_text = render(SeedDocument(collected, headline, source.label, blocks, canonical))
    return ArticleRecord(
        url=canonical,
        source=source.key,
        edition=parser.edition(),
        language=parser.language(),
        headline=headline,
        authors=parser.authors(),
        published_at=parser.published_at(),
        modified_at=parser.modified_at(),
        tags=parser.tags(),
        section=parser.section(),
        blocks=blocks,
        seed_text=seed_text,
        collected_on=collected,
        fetched_at=fetched_at.astimezone(UTC),
        http_status=http_status,
        warc_record_id=warc_record_id,
        parser=parser.NAME,
        extra=parser.extra(),
    )
