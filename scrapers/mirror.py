"""The mirror download handler: fetch from a replay origin while everything above sees the real URLs.

With ``NEWSETL_MIRROR`` (or the spider argument ``mirror=``) set, a request for
``https://www.pravda.com.ua/eng/rss/`` is sent to ``{mirror}/eng/rss/`` with the real origin in the
``X-Newsetl-Origin`` header, and the response comes back under the real URL. Because the rewrite happens
in the download handler, robots.txt, retries, redirects, the WARC archive, the downloader's per-domain
slots and the items all work on real URLs. Without a mirror, requests go straight to the inner handler
(plain Scrapy HTTP, or scrapy-impersonate when ``NEWSETL_IMPERSONATE`` is set), and a response from a
private address to a request the guard marked ``PUBLIC_PEER`` is refused (a name that resolved to a public
address for the guard and to a private one for the connection).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object

from scrapers.middlewares.guard import PUBLIC_PEER, RefusedRequest
from scrapers.urls import ORIGIN_HEADER, mirror_url
from transforms.urls import origin

DEFAULT_INNER_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
IMPERSONATE_HANDLER = "scrapy_impersonate.ImpersonateDownloadHandler"


class MirrorDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        inner: Any = build_from_crawler(
            load_object(settings.get("NEWSETL_INNER_DOWNLOAD_HANDLER") or DEFAULT_INNER_HANDLER), crawler
        )
        self.inner = inner
        self.mirror = (settings.get("NEWSETL_MIRROR") or "").rstrip("/")
        self.impersonate = settings.get("NEWSETL_IMPERSONATE") or ""

    async def download_request(self, request: Request) -> Response:
        if self.impersonate and "impersonate" not in request.meta:
            # scrapy-impersonate only switches a request to a browser fingerprint when its meta says so.
            request.meta["impersonate"] = self.impersonate
        if not self.mirror:
            response: Response = await self.inner.download_request(request)
            # Through a proxy the peer is the proxy, which the operator configured (it may well be private).
            peer = None if request.meta.get("proxy") else response.ip_address
            if request.meta.get(PUBLIC_PEER) and peer is not None and not peer.is_global:
                raise RefusedRequest(request.url, "private_address")
            return response
        headers = request.headers.copy()
        headers[ORIGIN_HEADER] = origin(request.url)
        proxied = request.replace(url=mirror_url(request.url, self.mirror), headers=headers)
        response = await self.inner.download_request(proxied)
        return response.replace(url=request.url, request=request)

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result
