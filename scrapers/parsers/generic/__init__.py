"""The generic parser: any news site, from its structured metadata and a content extractor.

``fields`` reads an article's fields, ``authors`` its bylines, ``extraction`` its body with trafilatura and
``cleaning`` the body's blocks; this module is the registry's hook and the test of what an article's URL
looks like. How it works and how well it does on real pages: docs/generic-extraction.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from scrapers.parsers.generic.fields import PARSER_NAME, GenericArticle
from scrapers.parsers.page import Page
from transforms.errors import NotAnArticle
from transforms.sources import Source
from transforms.urls import url_date

__all__ = ["PARSER_NAME", "GenericArticle", "looks_like_article_url", "parser_for"]


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
    return bool(re.search(r"\d{5,}", path)) or url_date(url) is not None or len(re.split(r"[-_]+", slug)) >= 3
