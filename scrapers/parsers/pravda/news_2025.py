"""pravda.com.ua, the current design's news template: ``article.post_news`` (sister sites use it too)."""

from __future__ import annotations

from datetime import date

from scrapers.parsers.pravda.base import PravdaDesign


class NewsDesign2025(PravdaDesign):
    NAME = "pravda.news@2025"
    VALID_FROM = date(2025, 1, 1)
    VALID_UNTIL = None

    ARTICLE = "article.post_news"
    HEADLINE = "article.post_news h1.post_news_title"
    # The author and the time share one line: "<span class=post_news_author>Name</span> — 24 жовтня, 15:26".
    AUTHORS = "article.post_news span.post_news_author"
    DATE = "article.post_news div.post_news_date"
    BODY = "article.post_news div.post_news_text"
    TAGS = "article.post_news div.post_news_tags a"
    REMOVE = (
        "div.image-box",  # photo, its caption and its credit
        "div.post_news_photo",
        "div.read_also",
        "div.post_news_related",
    )
