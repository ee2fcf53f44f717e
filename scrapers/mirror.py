"""The mirror download handler: fetch from a replay origin while everything above sees the real URLs.

With ``NEWSETL_MIRROR`` (or the spider argument ``mirror=``) set, a request for
``https://www.pravda.com.ua/eng/rss/`` is sent to ``{mirror}/eng/rss/`` with the real origin in the
``X-Newsetl-Origin`` header, and the response comes back under the real URL. Because the rewrite happens
in the download handler, robots.txt, retries, redirects, the WARC archive, the downloader's per-domain
slots and the items all work on real URLs. Without a mirror, requests go straight to the inner handler
(scrapy-impersonate's, which is plain Scrapy HTTP unless the request's meta names a browser: see
``scrapers/middlewares/fetch_options.py``; a request marked for rendering goes to the headless Chromium of
``scrapers/render.py``), and a response from a private address to a request the guard marked
``PUBLIC_PEER`` is refused (a name that resolved to a public address for the guard and to a private one
for the connection).
"""

from __future__ import annotations

from typing import Any

from curl_cffi.const import CurlECode
from curl_cffi.requests.exceptions import DNSError as CurlDNSError
from curl_cffi.requests.exceptions import RequestException as CurlRequestError
from curl_cffi.requests.exceptions import Timeout as CurlTimeout
from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object

from scrapers.middlewares.fetch_options import IMPERSONATE_META
from scrapers.middlewares.guard import PUBLIC_PEER, RefusedRequest
from scrapers.render import RENDER_META, Renderer
from scrapers.urls import ORIGIN_HEADER, mirror_url
from transforms.urls import origin

# scrapy-impersonate's handler fetches as a browser when a request's meta says so, else as Scrapy's own.
DEFAULT_INNER_HANDLER = "scrapy_impersonate.ImpersonateDownloadHandler"


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
        self.renderer = Renderer(crawler, self.mirror)
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")

    async def _fetch(self, request: Request, source_origin: str) -> Response:
        if request.meta.get(RENDER_META):
            return await self.renderer.download(request, source_origin)
        if not request.meta.get(IMPERSONATE_META):
            response: Response = await self.inner.download_request(request)
            return response
        return await self._impersonated(request)

    async def _impersonated(self, request: Request) -> Response:
        """A browser-fingerprinted fetch (curl_cffi) under the same size cap as Scrapy's own: libcurl stops
        a body over it, and its errors become the exceptions Scrapy's retries and outcomes know."""
        maxsize = int(request.meta.get("download_maxsize", self.maxsize))
        timeout = float(request.meta.get("download_timeout", self.timeout))
        curl_options = dict(request.meta.get("impersonate_curl_options") or {})
        if maxsize:
            curl_options["MAXFILESIZE_LARGE"] = maxsize
        if timeout:
            # The whole fetch, as Scrapy's DOWNLOAD_TIMEOUT: scrapy-impersonate passes no timeout, and
            # curl_cffi's own is a low-speed limit that a server dripping a byte a second never trips.
            curl_options["TIMEOUT_MS"] = int(timeout * 1000)
        request.meta["impersonate_curl_options"] = curl_options
        try:
            response: Response = await self.inner.download_request(request)
        except CurlRequestError as exc:
            if exc.code == CurlECode.FILESIZE_EXCEEDED:
                raise DownloadCancelledError(_over_cap(None, maxsize, request)) from exc
            raise _scrapy_error(exc) from exc
        if maxsize and len(response.body) > maxsize:  # a compressed body that grew past the cap
            raise DownloadCancelledError(_over_cap(len(response.body), maxsize, request))
        return response

    async def close(self) -> None:
        await self.renderer.close()
        closing = getattr(self.inner, "close", None)
        if closing is not None:
            result = closing()
            if hasattr(result, "__await__"):
                await result

    async def download_request(self, request: Request) -> Response:
        if not self.mirror:
            response: Response = await self._fetch(request, origin(request.url))
            # Through a proxy the peer is the proxy, which the operator configured (it may well be private).
            peer = None if request.meta.get("proxy") else response.ip_address
            if request.meta.get(PUBLIC_PEER) and peer is not None and not peer.is_global:
                raise RefusedRequest(request.url, "private_address")
            return response
        headers = request.headers.copy()
        headers[ORIGIN_HEADER] = origin(request.url)
        proxied = request.replace(url=mirror_url(request.url, self.mirror), headers=headers)
        response = await self._fetch(proxied, origin(request.url))
        return response.replace(url=request.url, request=request)


def _over_cap(size: int | None, maxsize: int, request: Request) -> str:
    """Scrapy's words for a body over the cap (the outcomes and tests read them), naming the setting: libcurl
    counts the body as it is decoded, so a small compressed answer can be what went over."""
    received = f"{size} bytes" if size is not None else f"more than {maxsize} bytes"
    return (
        f"Cancelling download: received {received}, larger than download max size ({maxsize}) in request "
        f"{request} (exceeded DOWNLOAD_MAXSIZE, counted after decompression)"
    )


def _scrapy_error(exc: CurlRequestError) -> Exception:
    """libcurl's error as the Scrapy exception of the same failure, so retries, their stats and the
    outcomes read the same whichever client fetched."""
    if isinstance(exc, CurlTimeout):
        return DownloadTimeoutError(str(exc))
    if isinstance(exc, CurlDNSError):
        return CannotResolveHostError(str(exc))
    if exc.code == CurlECode.COULDNT_CONNECT:
        # Scrapy's own client says "Connection refused"; the checks and operators read that.
        return DownloadConnectionRefusedError(f"Connection refused: {exc}")
    if exc.code == CurlECode.PARTIAL_FILE:  # a body shorter than its Content-Length
        return ResponseDataLossError(str(exc))
    return DownloadFailedError(str(exc))
