"""Writes the crawl's Scrapy stats to ``{run dir}/stats.json`` when the spider closes."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class StatsFileExtension:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFileExtension:
        run_dir = crawler.settings.get("NEWSETL_RUN_DIR")
        if not run_dir:
            raise NotConfigured("no NEWSETL_RUN_DIR")
        extension = cls(crawler, Path(run_dir) / "stats.json")
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
        stats.setdefault("finish_reason", reason)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(
            json.dumps(stats, default=str, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
