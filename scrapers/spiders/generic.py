"""Any source of seeds/sources.yaml, from its configuration alone.

``scrapy crawl generic -a source=KEY [-a edition=…] [-a since=… -a until=…] -O items.jsonl``
Discovery (feeds, news sitemaps, sitemap indexes), politeness, the WARC archive, the mirror, known-URL
skipping and outcomes are the shared ``NewsSpider``'s; this spider only decides which discovered URLs are
articles and of which edition, from the source's entry:

- an article URL is one on the source's host whose path matches ``article_pattern`` when the entry has
  one, else one that looks like a single article (a long numeric id, a date, or a slug of 3+ words: the
  generic parser's own test);
- its edition is the edition whose key is the path's first segment (``/en/…``), else the source's first.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from scrapers.discovery import SpiderArgumentError
from scrapers.parsers.generic import looks_like_article_url
from scrapers.spiders.base import NewsSpider
from transforms.urls import path_segments


class GenericSpider(NewsSpider):
    name = "generic"

    def __init__(self, *args: Any, source: str | None = None, **kwargs: Any) -> None:
        if not source:
            raise SpiderArgumentError("source: missing; run it as scrapy crawl generic -a source=KEY")
        super().__init__(*args, source=source, **kwargs)

    def _configure(self, sources_file: str) -> None:
        super()._configure(sources_file)
        pattern = self.source.article_pattern
        self.article_path = re.compile(pattern) if pattern else None

    def article_edition(self, url: str) -> str | None:
        path = urlsplit(url).path
        if self.article_path is not None:
            if not self.article_path.search(path):
                return None
        elif not looks_like_article_url(url):
            return None
        segments = path_segments(url)
        return (
            segments[0]
            if segments and segments[0] in self.source.editions
            else next(iter(self.source.editions))
        )
