"""robots.txt for every request, including those that arrive while robots.txt is still being fetched, and
read as RFC 9309 says when the site does not give it.

Scrapy's ``RobotsTxtMiddleware`` keeps a Deferred per site while robots.txt downloads, and each waiting
request awaits it. Awaiting a Deferred hands its result to the first waiter only; every later waiter gets
``None``, which the middleware reads as "no robots.txt, allow everything". The first requests of a crawl
(the feeds, the sitemaps, the URLs a resumed crawl asks for again) all wait together, so all but one of them
went out unchecked. This subclass reads the parser the download settled on instead of the awaited value.

RFC 9309 (2.3.1): a 4xx answer means there are no rules (allow all); a 5xx answer or no answer at all (after
the crawl's retries) means the site could not say, and the crawler MUST assume complete disallow. Scrapy
parsed any answer's body as rules and allowed everything on a network error, so a site answering 503 was
crawled anyway. Here such a site is refused for the rest of the run: every request to it raises
:class:`RobotsUnavailable`, which the spider records as ``skipped``/``robots_unavailable``. 429 counts as
unreachable too (RFC 9309 leaves it to the crawler; a site asking to slow down is not one to crawl).
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

ROBOTS_UNAVAILABLE = "robots_unavailable"


class RobotsUnavailable(IgnoreRequest):
    """A request refused because its site's robots.txt answered 5xx or 429, or not at all."""

    reason = ROBOTS_UNAVAILABLE


class SettledRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # netloc -> why its robots.txt could not be had; those sites are refused for the whole run.
        self.unavailable: dict[str, str] = {}

    async def robot_parser(self, request: Request) -> RobotParser | None:
        awaited = await super().robot_parser(request)
        # By the time the wait ends, _parse_robots (or _robots_error) has stored the parser (or None for a
        # robots.txt that could not be fetched) in place of the Deferred.
        settled = self._parsers.get(urlparse_cached(request).netloc, awaited)
        return awaited if isinstance(settled, Deferred) else settled

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.unavailable:
            self._stats.inc_value("robotstxt/forbidden_unavailable")
            raise RobotsUnavailable(
                f"robots.txt unavailable ({self.unavailable[netloc]}): RFC 9309 disallows all of {netloc}"
            )
        super().process_request_2(rp, request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500 or response.status == 429:
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._refuse_site(netloc, f"HTTP {response.status}")
            return
        if response.status >= 400:
            # No robots.txt: no rules. The body is an error page, not rules to read.
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        # An IgnoreRequest is the crawl's own refusal of robots.txt (the outgoing-request guard), which
        # then refuses the site's other requests with its own reason; anything else is the site not
        # answering.
        if not isinstance(exc, IgnoreRequest):
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            self._refuse_site(netloc, f"{type(exc).__name__}: {exc}".rstrip(": "))
            return
        super()._robots_error(exc, netloc)

    def _refuse_site(self, netloc: str, why: str) -> None:
        self.unavailable[netloc] = why
        self._stats.inc_value("robotstxt/unavailable")
        logger.error(
            "robots.txt of %s unavailable (%s): nothing more is fetched from it in this run (RFC 9309)",
            netloc,
            why,
        )
        waiting = self._parsers.get(netloc)
        self._parsers[netloc] = None
        if isinstance(waiting, Deferred):
            waiting.callback(None)
