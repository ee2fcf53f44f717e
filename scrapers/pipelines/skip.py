"""``SkipItem``: a pipeline's way to drop a record on purpose, with an outcome reason (not a failure)."""

from __future__ import annotations

from scrapy.exceptions import DropItem


class SkipItem(DropItem):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
