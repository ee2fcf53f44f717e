"""Ukrainska Pravda (pravda.com.ua) in its English, Ukrainian and Russian editions.

``scrapy crawl pravda -a edition=eng|ukr|rus|all [-a since=YYYY-MM-DD -a until=YYYY-MM-DD] -O items.jsonl``
Without a range it reads the editions' RSS feeds and the news sitemap; with one, the sitemap archive and
its monthly sitemaps. Everything else is shared with every spider (``NewsSpider``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapers.spiders.base import NewsSpider

# /eng/news/2023/05/4/7400574/, /rus/articles/2026/01/08/8015225/, /columns/2025/12/01/8009697/: the
# Ukrainian edition has no prefix; days and months may be unpadded.
ARTICLE_PATH = re.compile(
    r"^/(?:(?P<edition>eng|rus)/)?(?:news|articles|columns)/\d{4}/\d{1,2}/\d{1,2}/\d+/?$"
)
FEED_PATH = re.compile(r"^/(?:(?P<edition>eng|rus)/)?rss(?:/|$)")


class PravdaSpider(NewsSpider):
    name = "pravda"
    source_key = "pravda"

    def article_edition(self, url: str) -> str | None:
        match = ARTICLE_PATH.match(urlsplit(url).path)
        if not match:
            return None
        return match.group("edition") or "ukr"

    def feed_edition(self, feed_url: str) -> str | None:
        match = FEED_PATH.match(urlsplit(feed_url).path)
        if not match:
            return None
        return match.group("edition") or "ukr"
