"""Seed-format documents as article records (what ``newsetl seed import`` loads).

The source is the registry entry whose label is the document's source label, or failing that whose site is
the URL's. The edition is the URL's first path segment when that names an edition, otherwise the edition
whose language the text is in; the section is the URL's first plain-word segment. The publication date
comes from the URL's path when it has one (midnight UTC: the time of day is not in a seed document), and
the collected date from the bullet line, which also stands for the fetch time. A record made here renders
back to the same document (``transforms.normalise``), so an import followed by an export gives the same
bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time

from transforms.blocks import blocks_plain_text
from transforms.language import detect_language
from transforms.record import ArticleRecord
from transforms.seed import SeedDocument
from transforms.sources import Source, UnknownSite, source_for_url
from transforms.urls import url_date, url_section

IMPORT_PARSER = "seed-import"


def document_source(doc: SeedDocument, sources: Mapping[str, Source]) -> Source | None:
    """The source a document belongs to, or None when no source has its label or its site."""
    for source in sources.values():
        if source.label == doc.source_label:
            return source
    try:
        return source_for_url(doc.url, sources)
    except UnknownSite:
        return None


def document_record(doc: SeedDocument, source: Source) -> ArticleRecord:
    """The article record a seed document stands for (see the module docstring for each field)."""
    languages = tuple(sorted({lang.split("-")[0] for lang in source.editions.values()}))
    text = f"{doc.headline}\n{blocks_plain_text(doc.blocks)}"
    edition = source.edition_for(doc.url, detect_language(text, candidates=languages).code)
    published = url_date(doc.url)
    return ArticleRecord(
        url=doc.url,
        source=source.key,
        edition=edition,
        language=source.editions[edition],
        headline=doc.headline,
        authors=(),
        published_at=datetime.combine(published, time(), UTC) if published else None,
        modified_at=None,
        tags=(),
        section=url_section(doc.url, source.editions),
        blocks=doc.blocks,
        collected_on=doc.collected_on,
        fetched_at=datetime.combine(doc.collected_on, time(), UTC),
        http_status=200,
        warc_record_id=None,
        parser=IMPORT_PARSER,
    )
