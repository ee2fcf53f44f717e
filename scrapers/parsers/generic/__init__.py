"""The generic parser: any news site, from its structured metadata and a content extractor.

``fields`` reads an article's fields, ``headline`` chooses the headline a reader sees, ``authors`` reads its
bylines, ``extraction`` its body with trafilatura and ``cleaning`` the body's blocks; ``page_kind`` tells an
article from a listing by its content. This module is the registry's hook and the test of what an article's
URL looks like. How it works and how well it does on real pages: docs/generic-extraction.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from scrapers.parsers.generic.fields import PARSER_NAME, GenericArticle
from scrapers.parsers.generic.page_kind import ContentSigns, content_signs
from scrapers.parsers.page import Page
from transforms.blocks import block_plain_text
from transforms.errors import NotAnArticle
from transforms.sources import Source
from transforms.urls import url_date

__all__ = ["PARSER_NAME", "GenericArticle", "article_content_signs", "looks_like_article_url", "parser_for"]


def parser_for(page: Page, source: Source, fetched_at: datetime) -> GenericArticle:
    """The registry's hook (``parser: generic`` in sources.yaml); raises ``NotAnArticle`` for a listing.

    A page is an article when its metadata or its URL says so, else when its content does
    (``page_kind``: a long text, few links, not a column of teaser cards).
    """
    article = GenericArticle(page, source, fetched_at)
    if article.has_article_evidence() or looks_like_article_url(page.url):
        return article
    signs = article_content_signs(article)
    if not signs.article:
        raise NotAnArticle(
            "listing",
            f"{page.url}: no article metadata (JSON-LD article, og:type article, publication time), the "
            f"URL has no article slug or id, and the content is not one article ({signs.describe()})",
        )
    return article


def article_content_signs(article: GenericArticle) -> ContentSigns:
    """What the page's content says: its body as the parser extracts it (none when it cannot) and the
    teaser cards of its tree without navigation and side boxes (the tree the body is extracted from)."""
    try:
        body = [block_plain_text(block) for block in article.blocks()]
    except NotAnArticle:
        body = []
    return content_signs(article._pruned, body)


def looks_like_article_url(url: str) -> bool:
    """True when the URL addresses one article: a long numeric id, a date, or a slug of 3+ words.

    News CMSs address articles that way; section and tag pages are short words ("/en/news/", "/tag/war/").
    """
    path = urlsplit(url).path
    last = next((seg for seg in reversed(path.split("/")) if seg), "")
    slug = re.sub(r"\.[a-z0-9]{2,5}$", "", last, flags=re.IGNORECASE)
    return bool(re.search(r"\d{5,}", path)) or url_date(url) is not None or len(re.split(r"[-_]+", slug)) >= 3
