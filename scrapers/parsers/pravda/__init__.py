"""The pravda.com.ua parser: a proxy that picks the design parser by the page's markup.

Each design lives in its own module with its validity dates. A redesign of the site gets a new module
beside the old ones (old pages in archives and WARCs keep their old markup), added to :data:`DESIGNS`.
"""

from __future__ import annotations

from datetime import datetime

from scrapers.parsers.page import Page
from scrapers.parsers.pravda.article_2025 import ArticleDesign2025
from scrapers.parsers.pravda.base import PravdaDesign
from scrapers.parsers.pravda.news_2025 import NewsDesign2025
from scrapers.parsers.pravda.not_article import classify_unknown
from scrapers.parsers.pravda.post_2020 import PostDesign2020
from transforms.sources import Source

# Newest first: when the markup fits more than one, the one valid on the fetch date wins, then the newest.
DESIGNS: tuple[type[PravdaDesign], ...] = (ArticleDesign2025, NewsDesign2025, PostDesign2020)


def choose_design(page: Page, fetched_at: datetime) -> type[PravdaDesign]:
    """The design whose markup the page has; raises ``NotAnArticle`` when none has."""
    candidates = [design for design in DESIGNS if design.matches(page)]
    if not candidates:
        raise classify_unknown(page)
    valid = [design for design in candidates if design.valid_on(fetched_at.date())]
    return (valid or candidates)[0]


def design_for(page: Page, source: Source, fetched_at: datetime) -> PravdaDesign:
    return choose_design(page, fetched_at)(page, source)
