"""Retries with exponential backoff that honour ``Retry-After`` (429 and 503 answers).

Scrapy's RetryMiddleware decides whether to retry (429, 5xx, timeouts, connection errors, up to
RETRY_TIMES); this subclass only waits before handing the retry back: ``NEWSETL_RETRY_BACKOFF`` seconds,
doubled per attempt, or the server's Retry-After when longer, never more than ``NEWSETL_RETRY_MAX_DELAY``.
Waiting here holds back only the retried request, not the rest of the crawl.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.response import response_status_message


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """The wait before retry number ``attempt`` (1 for the first retry)."""
    delay = base * (2 ** max(0, attempt - 1)) if base > 0 else 0.0
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.backoff = crawler.settings.getfloat("NEWSETL_RETRY_BACKOFF", 1.0)
        middleware.max_delay = crawler.settings.getfloat("NEWSETL_RETRY_MAX_DELAY", 120.0)
        return middleware

    backoff: float
    max_delay: float

    async def _wait(self, retry: Request, retry_after: float | None) -> None:
        delay = backoff_delay(
            int(retry.meta.get("retry_times", 1)), self.backoff, self.max_delay, retry_after
        )
        if delay > 0:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newsetl/retry/waits")
            await asyncio.sleep(delay)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        header = response.headers.get("Retry-After")
        await self._wait(retry, retry_after_seconds(header.decode("latin-1") if header else None))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(retry, None)
        return retry
