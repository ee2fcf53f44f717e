"""Turns the ``ArticleRecord`` into ``ArticleRecord.to_dict()`` so that ``-O items.jsonl`` writes exactly
the contract's lines (ISO timestamps with their offset, blocks as dicts). It runs last."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from transforms.record import ArticleRecord


class RecordToDictPipeline:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordToDictPipeline:
        return cls()

    def process_item(self, item: Any) -> Any:
        return item.to_dict() if isinstance(item, ArticleRecord) else item
