"""Writes every response (robots.txt, feeds, sitemaps, pages, error statuses) and every failed request
to the run's WARC file, and puts the response's WARC-Record-ID into ``request.meta["warc_record_id"]``.

It sits next to the download handler (order 950), so it sees each attempt of a retried request and the
body exactly as received, before HTTP decompression.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from scrapers.warc import Headers, WarcRunWriter, repair_warc

logger = logging.getLogger(__name__)


def _headers(raw: object) -> Headers:
    out: Headers = []
    for name, values in raw.items():  # type: ignore[attr-defined]
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


class WarcArchiveMiddleware:
    def __init__(self, crawler: Crawler, run_dir: Path) -> None:
        self.crawler = crawler
        self.run_dir = run_dir
        self.writer: WarcRunWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        run_dir = crawler.settings.get("NEWSETL_RUN_DIR")
        if not run_dir or not crawler.settings.getbool("NEWSETL_WARC_ENABLED", True):
            raise NotConfigured("no NEWSETL_RUN_DIR to write the WARC archive to")
        middleware = cls(crawler, Path(run_dir))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self) -> None:
        # A crawl resumed after a kill may find a file whose last record was cut short.
        for path in sorted(self.run_dir.glob("*.warc.gz")):
            removed = repair_warc(path)
            if removed:
                logger.warning("repaired %s: dropped a %d-byte incomplete record", path, removed)
        spider_name = self.crawler.spider.name if self.crawler.spider else "crawl"
        self.writer = WarcRunWriter(
            self.run_dir,
            spider_name,
            info={"software": "newsetl", "spider": spider_name, "format": "WARC/1.1"},
            background=True,
        )
        logger.info("writing the raw archive to %s", self.writer.path)

    def spider_closed(self) -> None:
        if self.writer is not None:
            self.writer.close()  # first: it waits for the records still queued, whose bytes count
            self._count()

    def _count(self) -> None:
        if self.writer is not None and self.crawler.stats is not None:
            self.crawler.stats.set_value("newsetl/warc/records", self.writer.records)
            self.crawler.stats.set_value("newsetl/warc/bytes", self.writer.bytes)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.writer is None:
            return response
        record_id = self.writer.write_exchange(
            response.url,
            method=request.method,
            request_headers=_headers(request.headers),
            request_body=request.body,
            status=response.status,
            response_headers=_headers(response.headers),
            body=response.body,
        )
        request.meta["warc_record_id"] = record_id
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # IgnoreRequest (robots.txt, say) means nothing was sent: there is nothing to archive.
        if self.writer is not None and not isinstance(exception, IgnoreRequest):
            self.writer.write_error(
                request.url, f"{type(exception).__name__}: {exception}", method=request.method
            )
        return None
