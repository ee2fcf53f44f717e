"""Page parsers: one per site design, chosen by the source's ``parser`` name and the page's markup.

``parse_page`` is the one entry point the spiders, ``newsetl parse`` and the re-parse step call. The page
is parsed once (selectolax); the site parser reads its fields from that tree, and the record is built here
the same way for every site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

from scrapers.parsers import bounds, generic, pravda
from scrapers.parsers.not_article import check_fetch
from scrapers.parsers.page import Page
from scrapers.parsers.protocol import ArticleParser
from transforms.errors import NotAnArticle
from transforms.record import ArticleRecord
from transforms.seed import as_read
from transforms.sources import Source

# ``parser:`` in seeds/sources.yaml -> a function picking the site's design parser for a page.
PARSERS: dict[str, Callable[[Page, Source, datetime], ArticleParser]] = {
    "pravda": pravda.design_for,
    "generic": generic.parser_for,
}


class UnknownParser(ValueError):
    """seeds/sources.yaml names a parser that does not exist."""


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

    Raises ``transforms.errors.NotAnArticle`` when the page is not an article, and when it costs more than
    ``scrapers.parsers.bounds`` allows: markup nested too deep (``too_deep``), a parse over the CPU budget
    (``too_slow``). ``collected_on`` defaults to ``fetched_at``'s UTC date.
    """
    choose = PARSERS.get(source.parser)
    if choose is None:
        known = ", ".join(sorted(PARSERS))
        raise UnknownParser(f"source {source.key!r} names parser {source.parser!r}; known parsers: {known}")
    if fetched_at.tzinfo is None:
        raise ValueError(f"fetched_at must be timezone-aware, got {fetched_at!r} for {url}")
    try:
        with bounds.cpu_budget(bounds.PAGE_CPU_SECONDS):
            return _record(
                Page.parse(html, url),
                choose,
                source=source,
                fetched_at=fetched_at,
                collected_on=collected_on,
                http_status=http_status,
                warc_record_id=warc_record_id,
            )
    except bounds.PageTooSlow as exc:
        raise NotAnArticle("too_slow", f"{url}: parsing took {exc}; not parsed") from None


def _record(
    page: Page,
    choose: Callable[[Page, Source, datetime], ArticleParser],
    *,
    source: Source,
    fetched_at: datetime,
    collected_on: date | None,
    http_status: int,
    warc_record_id: str | None,
) -> ArticleRecord:
    check_fetch(page, http_status)
    parser = choose(page, source, fetched_at)
    record = ArticleRecord(
        url=parser.canonical_url(),
        source=source.key,
        edition=parser.edition(),
        language=parser.language(),
        headline=parser.headline(),
        authors=parser.authors(),
        published_at=parser.published_at(),
        modified_at=parser.modified_at(),
        tags=parser.tags(),
        section=parser.section(),
        # A one-line block is a heading exactly when the seed format reads it as one.
        blocks=as_read(parser.blocks()),
        collected_on=collected_on or fetched_at.astimezone(UTC).date(),
        fetched_at=fetched_at.astimezone(UTC),
        http_status=http_status,
        warc_record_id=warc_record_id,
        parser=parser.NAME,
        extra=parser.extra(),  # last: it says where the fields above came from
    )
    if page.skipped:  # what of the page was not read, and why
        return replace(record, extra={**record.extra, "skipped": list(page.skipped)})
    return record
