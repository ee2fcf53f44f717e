"""Rendering: article pages whose text exists only after their scripts ran, through a headless Chromium.

A source with ``render: true`` in sources.yaml has its article requests (never robots.txt, feeds or
sitemaps) sent to scrapy-playwright's download handler, which opens the page in the distribution's Chromium
(``NEWSETL_CHROMIUM``, default the first ``chromium``/``chromium-browser`` on PATH; Playwright's own browser
downloads are never used) and answers with the document as the scripts left it. The request still passes
every downloader middleware first (the outgoing-request guard, robots.txt, the WARC archive records the
rendered answer), and the mirror rewrites it as any other request.

What the page itself asks for while it renders does not pass through Scrapy, so it is held here: only
scripts, documents and XHR/fetch calls to the page's own origin (or the mirror's) are let through; images,
fonts, media, style sheets and anything on another host are aborted. A page cannot make the crawler's
browser reach another site or the local network.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import Settings as ScrapySettings

from transforms.urls import origin

logger = logging.getLogger(__name__)

RENDER_META = "playwright"  # scrapy-playwright's own switch; set only by scrapers.middlewares.fetch_options
RENDER_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
# What a rendered page may load: what writes the text. Images, fonts, media and style sheets never do.
_LOADABLE = frozenset({"document", "script", "xhr", "fetch"})
# Origins a rendered page may load from: the source's and the mirror's (set by the renderer per crawl;
# Playwright's abort hook is a plain function named in the settings, so it reads them from here).
_allowed_origins: set[str] = set()


class RenderUnavailable(RuntimeError):
    """No Chromium to render with; the message says how to get one."""


def chromium_path(configured: str = "") -> str:
    """The Chromium executable: ``configured`` when given, else the distribution's on PATH."""
    for name in (configured,) if configured else ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RenderUnavailable(
        f"a source asks for render: true, but no Chromium was found ({configured!r} is not an executable)"
        if configured
        else "a source asks for render: true, but no chromium is on PATH: install the distribution's "
        "package (apt-get install chromium) or set NEWSETL_CHROMIUM"
    )


async def abort_foreign(request: Any) -> bool:
    """scrapy-playwright's ``PLAYWRIGHT_ABORT_REQUEST`` hook: True (abort) for anything a rendered page asks
    for that does not write its text, or that is not on the source's or the mirror's origin."""
    try:
        same_origin = origin(request.url) in _allowed_origins
    except ValueError:
        same_origin = False
    return not (same_origin and request.resource_type in _LOADABLE)


class Renderer:
    """scrapy-playwright's handler, built on the first rendered request (a crawl without a rendering source
    never starts a browser) and closed with the crawl."""

    def __init__(self, crawler: Crawler, mirror: str) -> None:
        self.crawler = crawler
        self.mirror = mirror
        self.handler: Any = None
        self._starting = asyncio.Lock()

    async def download(self, request: Request, source_origin: str) -> Response:
        async with self._starting:  # two pages rendered at once start one browser
            if self.handler is None:
                handler = self._build()
                # The handler starts Playwright on the engine_started signal, which has passed when it is
                # built on the first rendered page: it is started as that signal would have.
                await handler._maybe_launch_in_thread()
                self.handler = handler
        _allowed_origins.update({source_origin, *((origin(self.mirror),) if self.mirror else ())})
        response: Response = await self.handler.download_request(request)
        return response

    def _build(self) -> Any:
        from scrapy.utils.misc import build_from_crawler, load_object

        executable = chromium_path(self.crawler.settings.get("NEWSETL_CHROMIUM") or "")
        timeout_ms = int(float(self.crawler.settings.get("DOWNLOAD_TIMEOUT") or 30) * 1000)
        # The handler reads its configuration from the crawler's settings, which are frozen by now: it gets
        # a crawler whose settings are a copy with the browser's options added.
        settings = ScrapySettings(self.crawler.settings.copy_to_dict())
        settings.update(
            {
                "PLAYWRIGHT_BROWSER_TYPE": "chromium",
                # --no-sandbox: Chromium's sandbox needs user namespaces, which containers and root lack.
                "PLAYWRIGHT_LAUNCH_OPTIONS": {
                    "executable_path": executable,
                    "headless": True,
                    "args": ["--no-sandbox"],
                },
                "PLAYWRIGHT_ABORT_REQUEST": f"{__name__}.abort_foreign",
                "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
                "PLAYWRIGHT_MAX_CONTEXTS": 1,
                "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
            },
            priority="spider",
        )
        logger.info("rendering article pages with %s", executable)
        view: Any = _SettingsView(self.crawler, settings)
        return build_from_crawler(load_object(RENDER_HANDLER), view)

    async def close(self) -> None:
        if self.handler is not None:
            await self.handler.close()
            self.handler = None


class _SettingsView:
    """A crawler as the rendering handler sees it: the real one (signals, stats, the spider) with the
    browser's settings."""

    def __init__(self, crawler: Crawler, settings: ScrapySettings) -> None:
        self._crawler = crawler
        self.settings = settings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crawler, name)
