"""The outgoing-request guard: the last word on where any request of a crawl may go.

Feeds, sitemaps, redirects and canonical links are judged where they are read (``consider``, the redirect
policy), but by then a URL is still the page's text; this downloader middleware sees every request as
Scrapy will fetch it (``request.url`` after Scrapy's own normalisation, which reads ``\\`` as ``/``), the
feeds and sitemaps, robots.txt, Scrapy's own redirects and the spider's ``dont_filter`` requests included.
A request passes when ``transforms.urls.url_problem`` finds nothing against the spider's source: an
http(s) URL on the source's scheme, host (or its ``www.`` twin) and port, without userinfo or a backslash.

Private addresses: a source whose configured host is itself private (a test site on 127.0.0.1) may be
fetched, because the operator put it there, not a page. Otherwise, without a mirror, the host's name is
resolved through the crawl's own resolver (Scrapy's cache, which the download then reuses) and a private,
loopback, link-local or reserved answer is refused; the mirror handler checks the address the response
actually came from as well (``PUBLIC_PEER``). With a mirror, every request goes to the mirror, an address
the operator configured, so names are not resolved (tests work offline this way).

A refusal raises :class:`RefusedRequest` (an ``IgnoreRequest``: nothing was sent, nothing is archived);
the spider's errback turns it into a ``skipped`` outcome with the reason, and the crawl's stats count
``newsetl/refused/<reason>``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future

from transforms.urls import URL_PROBLEMS, ip_literal, is_private_host, url_problem

logger = logging.getLogger(__name__)

# request.meta key: the response must come from a public address (see MirrorDownloadHandler).
PUBLIC_PEER = "newsetl_public_peer"


class RefusedRequest(IgnoreRequest):
    """A request the guard did not let out; ``reason`` is a key of ``transforms.urls.URL_PROBLEMS``."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url}: it {URL_PROBLEMS[reason]} ({reason})")
        self.url = url
        self.reason = reason


def request_problem(url: str, origin: str | None) -> str | None:
    """Why a request for ``url`` (as Scrapy will fetch it) may not go out for a source whose base URL is
    ``origin``; a spider without a source (``scrapy fetch``) gets the part of the rule that needs none."""
    if origin is not None:
        return url_problem(url, origin)
    problem = url_problem(url, url)
    if problem is None and is_private_host(urlsplit(url).hostname or ""):
        return "private_address"
    return problem


class OutgoingRequestGuard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.resolved: dict[str, bool] = {}  # host name -> whether it resolved to a private address

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutgoingRequestGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        source = getattr(self.crawler.spider, "source", None)
        origin = source.base_url if source is not None else None
        reason = request_problem(request.url, origin)
        if reason is None and self._resolves_names(origin):
            host = urlsplit(request.url).hostname or ""
            if ip_literal(host) is None:
                if await self._resolves_private(host):
                    reason = "private_address"
                else:
                    request.meta[PUBLIC_PEER] = True
        if reason is not None:
            self.refuse(request.url, reason)

    def refuse(self, url: str, reason: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newsetl/refused/{reason}")
        logger.warning("refused to request %s: %s", url, reason)
        raise RefusedRequest(url, reason)

    def _resolves_names(self, origin: str | None) -> bool:
        """Whether hosts must be resolved and their addresses checked: not behind a mirror (the mirror is
        where the connection goes), and not for a source the operator configured on a private host."""
        if self.crawler.settings.get("NEWSETL_MIRROR"):
            return False
        return origin is None or not is_private_host(urlsplit(origin).hostname or "")

    async def _resolves_private(self, host: str) -> bool:
        if host not in self.resolved:
            from twisted.internet import reactor
            from twisted.internet.error import DNSLookupError

            try:
                # The reactor's resolver is the one Scrapy installed (DNS_RESOLVER, cached): the download
                # connects to the address checked here.
                address = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
            except DNSLookupError:
                return False  # the download fails the same way, with the usual outcome
            self.resolved[host] = is_private_host(str(address))
        return self.resolved[host]
