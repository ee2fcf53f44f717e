"""Writes the crawl's Scrapy stats to ``{run dir}/stats.json`` when the spider closes."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import signals
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
        # engine_stopped comes after every spider_closed handler has added its figures.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(
            json.dumps(stats, default=str, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
