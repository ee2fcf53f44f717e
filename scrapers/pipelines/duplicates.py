"""Drops a second record with the same canonical URL within a run (two discovered URLs that are one
article, e.g. its canonical link points elsewhere); the URL's outcome becomes ``skipped``/``duplicate``."""

from __future__ import annotations

from scrapy.crawler import Crawler

from scrapers.pipelines.skip import SkipItem
from transforms.record import ArticleRecord


class DuplicateRecordPipeline:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DuplicateRecordPipeline:
        return cls()

    def process_item(self, item: ArticleRecord) -> ArticleRecord:
        if item.url in self.seen:
            raise SkipItem("duplicate", f"another discovered URL already gave {item.url}")
        self.seen.add(item.url)
        return item
