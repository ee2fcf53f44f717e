"""pravda.com.ua, the current design's long-form template (``/articles/``, ``/columns/``):
``article.post_article``."""

from __future__ import annotations

from datetime import date

from scrapers.parsers.pravda.base import PravdaDesign


class ArticleDesign2025(PravdaDesign):
    NAME = "pravda.article@2025"
    VALID_FROM = date(2025, 1, 1)
    VALID_UNTIL = None

    ARTICLE = "article.post_article"
    HEADLINE = "article.post_article h1.post_article_title"
    AUTHORS = "article.post_article a.post_article_author_item span.post_author_name"
    DATE = "article.post_article span.post_author_date"
    BODY = "article.post_article div.post_article_text"
    TAGS = "article.post_article div.post_news_tags a, article.post_article div.post_article_tags a"
    REMOVE = (
        "div.image-box",  # photo, its caption and its credit
        "div.post_article_photo",
        "div.read_also",
        "div.post_article_related",
    )
