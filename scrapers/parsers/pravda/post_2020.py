"""pravda.com.ua, the 2020-2024 design: ``article.post``, one template for news and publications."""

from __future__ import annotations

from datetime import date

from scrapers.parsers.pravda.base import PravdaDesign


class PostDesign2020(PravdaDesign):
    NAME = "pravda.post@2020"
    VALID_FROM = date(2020, 1, 1)
    VALID_UNTIL = date(2024, 12, 31)

    ARTICLE = "article.post"
    HEADLINE = "article.post h1.post_title"
    AUTHORS = "article.post span.post_author"
    DATE = "article.post div.post_time"
    BODY = "article.post div.block_post > div.post_text"
    TAGS = "article.post span.post_tags_item a"
    REMOVE = (
        "div.image-box",  # photo, its caption and its credit
        "div.post_photo",
        "div.post_news_photo",
        "div.read_also",
        "div.post_related",
    )
