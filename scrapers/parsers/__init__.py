"""Page parsers: one per site design, chosen by the source's ``parser`` name and the page's markup.

``parse_page`` is the one entry point the spiders, ``newsetl parse`` and the re-parse step call.
"""

from __future__ import annotations

from datetime import date, datetime

from transforms.record import ArticleRecord
from transforms.sources import Source


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
    raise NotImplementedError("the Pravda parsers land with the parser work")
