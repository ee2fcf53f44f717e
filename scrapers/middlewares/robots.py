"""robots.txt for every request, including those that arrive while robots.txt is still being fetched.

Scrapy's ``RobotsTxtMiddleware`` keeps a Deferred per site while robots.txt downloads, and each waiting
request awaits it. Awaiting a Deferred hands its result to the first waiter only; every later waiter gets
``None``, which the middleware reads as "no robots.txt, allow everything". The first requests of a crawl
(the feeds, the sitemaps, the URLs a resumed crawl asks for again) all wait together, so all but one of them
went out unchecked. This subclass reads the parser the download settled on instead of the awaited value.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class SettledRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        awaited = await super().robot_parser(request)
        # By the time the wait ends, _parse_robots (or _robots_error) has stored the parser (or None for a
        # robots.txt that could not be fetched) in place of the Deferred.
        settled = self._parsers.get(urlparse_cached(request).netloc, awaited)
        return awaited if isinstance(settled, Deferred) else settled
