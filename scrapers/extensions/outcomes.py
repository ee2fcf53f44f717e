"""An outcome for every candidate article URL of a crawl (``outcomes.jsonl`` in the run folder).

The spider reports what it decides itself (a URL skipped, a fetch that failed, a page that is not an
article) through :meth:`OutcomeTracker.record`; this extension adds what Scrapy's signals tell (an item
scraped, dropped by a pipeline or broken in one), and when the spider closes gives every requested URL
still without an outcome a ``failed`` one, so that nothing discovered vanishes. It also keeps, in a Scrapy
JOBDIR, the list of requested URLs, so that a crawl resumed after a kill can ask again for what the killed
process lost.

It owns the run's ``discovery.jsonl`` too (:class:`scrapers.discovery_log.DiscoveryLog`, ``discovery``):
the spider writes a line for each feed or sitemap it asked for, and the signals here end the requests that
never reach the spider (dropped as duplicates, a callback that raised, the crawl closing first).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.python.failure import Failure

from scrapers.discovery_log import TOKEN_KEY, DiscoveryLog
from scrapers.middlewares.fetch_options import FETCHED_WITH
from scrapers.outcomes import OutcomeLog, RequestedLog
from scrapers.pipelines.skip import SkipItem
from transforms.discovery_log import FILE_NAME as DISCOVERY_FILE

logger = logging.getLogger(__name__)


class OutcomeTracker(OutcomeLog):
    """The run's outcome log (``record``, ``has``), fed by the spider and by Scrapy's signals."""

    def __init__(self, crawler: Crawler, run_dir: Path, jobdir: Path | None) -> None:
        super().__init__(run_dir / "outcomes.jsonl")
        self.crawler = crawler
        self.requested_log = RequestedLog(jobdir / "newsetl-requested.txt") if jobdir else None
        self.requested: set[str] = set()
        self.discovery = DiscoveryLog(run_dir / DISCOVERY_FILE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutcomeTracker:
        run_dir = crawler.settings.get("NEWSETL_RUN_DIR")
        if not run_dir:
            raise NotConfigured("no NEWSETL_RUN_DIR to write outcomes.jsonl to")
        jobdir = crawler.settings.get("JOBDIR")
        tracker = cls(crawler, Path(run_dir), Path(jobdir) if jobdir else None)
        crawler.signals.connect(tracker.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(tracker.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(tracker.item_error, signal=signals.item_error)
        crawler.signals.connect(tracker.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(tracker.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(tracker.spider_error, signal=signals.spider_error)
        return tracker

    # -- what the spider tells --------------------------------------------------------------------------

    def requesting(self, url: str, edition: str) -> None:
        """``url`` (of ``edition``) is about to be requested: it must end with an outcome."""
        self.requested.add(url)
        if self.requested_log is not None:
            self.requested_log.add(url, edition)

    def was_requested(self, url: str) -> bool:
        return url in self.requested

    def lost_requests(self) -> list[tuple[str, str]]:
        """``(url, edition)`` of the article requests of an earlier process of this JOBDIR that have no
        outcome.

        A process killed with SIGKILL loses the requests it had taken from the JOBDIR queue but not yet
        answered, while Scrapy's duplicate filter still remembers them; the spider asks for them again.
        One that was still queued comes twice, and its second record is dropped as a duplicate."""
        if self.requested_log is None:
            return []
        lost = [(u, e) for u, e in self.requested_log.previous.items() if not self.has(u)]
        if lost:
            logger.warning(
                "requesting %d URLs again that a previous process left without an outcome", len(lost)
            )
        return lost

    # -- what the signals tell --------------------------------------------------------------------------

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        # By now the item is the exported dict (RecordToDictPipeline runs last).
        record_url = item.get("url") if isinstance(item, dict) else getattr(item, "url", None)
        discovered = response.meta.get("discovered_url", response.url)
        self.record(
            discovered,
            "parsed",
            "",
            response.status,
            record_url=record_url,
            fetched_with=response.meta.get(FETCHED_WITH),
        )

    def item_dropped(self, item: Any, response: Response, exception: Exception, spider: Spider) -> None:
        url = response.meta.get("discovered_url", response.url)
        if isinstance(exception, SkipItem):
            if exception.reason == "duplicate" and self.has(url):
                return  # the same URL fetched twice (see lost_requests): its first outcome stands
            self.record(url, "skipped", exception.reason, response.status)
        else:
            self.record(url, "failed", f"dropped: {exception}", response.status)

    def item_error(self, item: Any, response: Response, spider: Spider, failure: Failure) -> None:
        url = response.meta.get("discovered_url", response.url)
        self.record(url, "failed", f"pipeline error: {failure.value!r}", response.status)

    def request_dropped(self, request: Request, spider: Spider) -> None:
        if TOKEN_KEY in request.meta:  # the scheduler's duplicate filter: the same feed or sitemap again
            self.discovery.dropped(request.meta)

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        # A discovery callback that raised (a bug) must still end its feed or sitemap in a line.
        if TOKEN_KEY in response.meta:
            fetch = self.discovery.fetch(response.meta)
            fetch.http_status = response.status
            self.discovery.finish(fetch, f"spider error: {type(failure.value).__name__}: {failure.value}")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # A request that never reached a callback or errback (the crawl was stopped early, or Scrapy
        # dropped it) still needs an outcome: nothing discovered may vanish.
        if self.requested_log is not None:
            self.requested.update(self.requested_log.previous)
            self.requested_log.close()
        for url in sorted(self.requested):
            if not self.has(url):
                self.record(url, "failed", f"no response: the crawl ended ({reason}) before it was fetched")
        stats = self.crawler.stats
        if stats is not None:
            for line in self.latest.values():
                stats.inc_value(f"newsetl/outcome/{line['outcome']}")
                if line["outcome"] == "skipped":
                    stats.inc_value(f"newsetl/skipped/{line['reason']}")
        self.discovery.close(reason)
        self.close()
