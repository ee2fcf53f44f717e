"""How a source's requests are fetched: plain HTTP, as a browser (scrapy-impersonate), or rendered.

- ``impersonate: chrome`` in a source's entry (else ``NEWSETL_IMPERSONATE``) gives every request of the
  source (robots.txt, feeds, sitemaps, articles) that browser's TLS and HTTP/2 fingerprint and headers.
- An article fetched by plain HTTP that is answered 403, or with a bot-challenge page, is asked for once
  more as a browser (``chrome``); the outcome line says which fetch it came from (``fetched_with``). A
  second refusal is the page's outcome as usual (``failed`` HTTP 403, or ``not_article`` bot_challenge),
  its reason saying both fetches were refused.
- ``render: true`` sends the source's article requests to the headless Chromium (``scrapers/render.py``).

Which download handler honours these is the mirror handler's business (``scrapers/mirror.py``); this
middleware only says, in the request's meta, how each request should go.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from scrapers.parsers.not_article import CHALLENGE_MARKUP, CHALLENGE_TITLES
from scrapers.render import RENDER_META

logger = logging.getLogger(__name__)

IMPERSONATE_META = "impersonate"  # scrapy-impersonate's own key
FETCHED_WITH = "newsetl_fetched_with"
# The browser a refused plain request is retried as, when its source names none.
RETRY_BROWSER = "chrome"
REFUSED_STATUS = 403
_RETRIED = "newsetl_impersonation_retry"
BROWSER_OWN_HEADERS = (b"User-Agent", b"Accept", b"Accept-Language")


def _challenged(response: Response) -> bool:
    """A bot-protection page, by the checks every parser shares (scrapers/parsers/not_article.py)."""
    if not isinstance(response, TextResponse):
        return False
    try:
        title = " ".join(response.css("title::text").getall()).strip()
        return bool(CHALLENGE_TITLES.fullmatch(title)) or bool(response.css(CHALLENGE_MARKUP))
    except (ValueError, AttributeError):  # not HTML after all
        return False


class FetchOptionsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.default_browser = crawler.settings.get("NEWSETL_IMPERSONATE") or ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchOptionsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        # Scrapy 2.13+ no longer passes the spider to middlewares; the crawler knows it.
        source = getattr(spider or self.crawler.spider, "source", None)
        browser = getattr(source, "impersonate", None) or self.default_browser
        if browser and IMPERSONATE_META not in request.meta:
            request.meta[IMPERSONATE_META] = browser
        if request.meta.get(IMPERSONATE_META):
            # A browser sends its own User-Agent and Accept headers; Scrapy's (set by the middlewares before
            # this one) would override curl_cffi's and give the crawler away.
            for header in BROWSER_OWN_HEADERS:
                request.headers.pop(header, None)
        article = "discovered_url" in request.meta
        if article and getattr(source, "render", False):
            request.meta[RENDER_META] = True
            request.meta[FETCHED_WITH] = "render"
        elif request.meta.get(IMPERSONATE_META) and FETCHED_WITH not in request.meta:
            request.meta[FETCHED_WITH] = f"impersonate:{request.meta[IMPERSONATE_META]}"

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        # Only an article fetched by plain HTTP is asked for again; a browser's or a rendered fetch stands.
        meta = request.meta
        if "discovered_url" not in meta or meta.get(IMPERSONATE_META) or meta.get(RENDER_META):
            return response
        if response.status == REFUSED_STATUS:
            refusal = f"after {REFUSED_STATUS}"
        elif response.status == 200 and _challenged(response):
            refusal = "after challenge"
        else:
            return response
        # A plain request the site refused: once more as a browser, the refusal kept for the outcome.
        logger.info(
            "%s refused a plain request (%s): asking again as %s", request.url, refusal, RETRY_BROWSER
        )
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsetl/fetch/impersonation_retries")
        retry: dict[str, Any] = {
            **meta,
            IMPERSONATE_META: RETRY_BROWSER,
            FETCHED_WITH: f"impersonate:{RETRY_BROWSER} {refusal}",
            _RETRIED: refusal,
        }
        return request.replace(meta=retry, dont_filter=True)


@lru_cache(maxsize=1)
def impersonation_browsers() -> frozenset[str]:
    """The browser names a source's ``impersonate`` may take: curl_cffi's fingerprints and its aliases for
    the latest of each browser (chrome, safari, firefox, edge…)."""
    from curl_cffi.requests import BrowserType
    from curl_cffi.requests.impersonate import REAL_TARGET_MAP

    return frozenset({browser.value for browser in BrowserType} | set(REAL_TARGET_MAP))


def both_refused(meta: dict[str, Any]) -> str:
    """The words an outcome's reason gains when a page was refused as plain HTTP and again as a browser."""
    refusal = meta.get(_RETRIED)
    if not refusal:
        return ""
    browser = meta.get(IMPERSONATE_META)
    return f" (refused as plain HTTP, {refusal.removeprefix('after ')}, and again as {browser})"
