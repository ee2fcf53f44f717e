"""``scrapy crawl probe -a site=URL -a out=FILE``: what a news site offers for discovery, and how its pages
parse, for ``newsetl sources probe`` (which runs it in a child process and reads ``out``).

It asks for robots.txt (its ``Sitemap:`` lines), ``/sitemap.xml``, ``/sitemap_index.xml`` and the home page
(its ``<link rel="alternate">`` RSS and Atom feeds), then each feed and sitemap found, and the children of
each sitemap index one level down. When that is done (the engine goes idle), it fetches a few candidate
articles (``samples``, default 5) from the feeds and sitemaps and parses them with the generic parser and
a provisional source. Every request goes through the crawl's own machinery: the outgoing-request guard
(only the site's scheme, host and port), robots.txt, the size and time bounds, the WARC middleware and the
mirror (``-a mirror=``). ``out`` gets the findings as JSON (``scrapers/probe.py`` reads them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scrapers import probe
from scrapers.discovery import SitemapError, SpiderArgumentError, read_feed
from scrapers.parsers import parse_page
from scrapers.parsers.page import Page, decode_html
from scrapers.rundir import resolve_run_dir
from scrapers.urls import on_source_host, validate_mirror
from transforms.errors import NotAnArticle
from transforms.sources import Source
from transforms.urls import URL_PROBLEMS, absolute, host_of, origin, url_problem

logger = logging.getLogger(__name__)


class ProbeSpider(Spider):
    name = "probe"

    def __init__(
        self,
        *args: Any,
        site: str = "",
        out: str = "",
        samples: str = str(probe.DEFAULT_SAMPLES),
        mirror: str | None = None,
        run_dir: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        try:
            problem = url_problem(site, origin(site)) if site else "not_http"
        except ValueError:  # "http://[::1/"
            problem = "not_http"
        if problem is not None:
            raise SpiderArgumentError(f"site={site!r}: {URL_PROBLEMS[problem]}")
        if not out:
            raise SpiderArgumentError("out: missing; the file the findings are written to")
        try:
            self.sample_count = int(samples)
            self.mirror = validate_mirror(mirror) if mirror else ""
        except ValueError as exc:
            raise SpiderArgumentError(f"samples={samples!r} or mirror={mirror!r}: {exc}") from None
        self.site = site
        self.out = Path(out)
        self.run_dir_arg = run_dir
        # The provisional source: the guard keeps every request on its origin, the parser reads pages as its.
        self.source = Source(
            key="probe",
            label="probe",
            base_url=origin(site),
            editions={"und": "und"},
            feeds=(),
            news_sitemaps=(),
            sitemap_indexes=(),
            parser="generic",
            enabled=False,
        )
        self.allowed_domains = [host_of(site).removeprefix("www.")]
        self.home_url = on_source_host(site, self.source.base_url)
        self.asked: set[str] = set()
        self.found: dict[str, Any] = {
            "site": site,
            "origin": self.source.base_url,
            "probed_at": datetime.now(UTC).isoformat(),
            "home": {"url": self.home_url},
            "robots": {"url": self.absolute("/robots.txt")},
            "feeds": [],
            "sitemaps": [],
            "refused": [],
            "samples": [],
        }
        self.sampling = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ProbeSpider:
        try:
            spider: ProbeSpider = super().from_crawler(crawler, *args, **kwargs)
        except SpiderArgumentError as exc:
            logger.critical("bad spider argument: %s", exc)
            raise SystemExit(2) from None
        run_dir = resolve_run_dir(crawler.settings, spider.name, spider.run_dir_arg)
        run_dir.mkdir(parents=True, exist_ok=True)
        crawler.settings.set("NEWSETL_RUN_DIR", str(run_dir), priority="spider")
        if spider.mirror:
            crawler.settings.set("NEWSETL_MIRROR", spider.mirror, priority="spider")
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    def absolute(self, path_or_url: str) -> str:
        return on_source_host(absolute(path_or_url, self.source.base_url + "/"), self.source.base_url)

    # -- requests --------------------------------------------------------------------------------------

    def _ask(self, url: str, callback: Any, found_in: str, **meta: Any) -> Iterator[Request]:
        """A request for ``url`` (found in ``found_in``), once, when it is on the site's origin; otherwise
        the URL is noted as refused with the reason (a hostile robots.txt, feed or sitemap names anything)."""
        try:
            url = on_source_host(url, self.source.base_url)
        except ValueError:
            pass
        problem = url_problem(url, self.source.base_url)
        if problem is not None:
            self.found["refused"].append({"url": url, "found_in": found_in, "reason": problem})
            return
        if url in self.asked:
            return
        self.asked.add(url)
        yield Request(
            url,
            callback=callback,
            errback=self.failed,
            dont_filter=True,
            meta={"probe_found_in": found_in, "allow_offsite": True, **meta},
        )

    async def start(self) -> AsyncIterator[Any]:
        for request in (
            *self._ask(self.absolute("/robots.txt"), self.parse_robots, "probe", dont_obey_robotstxt=True),
            *self._ask(self.home_url, self.parse_home, "probe"),
            *self._ask(self.absolute("/sitemap.xml"), self.parse_sitemap, "guess"),
            *self._ask(self.absolute("/sitemap_index.xml"), self.parse_sitemap, "guess"),
        ):
            yield request

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        status: int | None = None
        if failure.check(HttpError):
            status = int(failure.value.response.status)  # type: ignore[union-attr]
            reason = f"HTTP {status}"
        else:
            reason = f"{failure.type.__name__ if failure.type else 'Error'}: {failure.value}"
        mirror = self.crawler.settings.get("NEWSETL_MIRROR")
        if mirror:  # name the site, not the replay server
            reason = reason.replace(mirror, self.source.base_url)
        callback = getattr(request.callback, "__name__", "")
        row = {"url": request.url, "found_in": request.meta.get("probe_found_in", ""), "status": status}
        if callback == "parse_robots":
            self.found["robots"].update(status=status, error=reason)
        elif callback == "parse_home":
            self.found["home"].update(status=status, error=reason)
        elif callback == "parse_feed":
            self.found["feeds"].append({**row, "error": reason})
        elif callback == "parse_sitemap":
            depth = int(request.meta.get("probe_depth", 0))
            self.found["sitemaps"].append({**row, "depth": depth, "error": reason})
        else:
            self.found["samples"].append({**row, "outcome": "failed", "reason": reason})

    # -- discovery -------------------------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        text = response.body[: probe.MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        sitemaps = probe.robots_sitemaps(text)
        self.found["robots"].update(status=response.status, sitemaps=sitemaps)
        for url in sitemaps:
            yield from self._ask(url, self.parse_sitemap, "robots.txt")

    def parse_home(self, response: Response) -> Iterator[Request]:
        home = self.found["home"]
        home["status"] = response.status
        if not isinstance(response, TextResponse):
            home["error"] = "not HTML"
            return
        html = decode_html(response.body)
        try:
            page = Page.parse(html, response.url)
        except NotAnArticle as exc:
            home["error"] = exc.reason
            return
        home.update(probe.home_facts(page))
        home["page_kind"] = self._kind_of(html, response)
        for url in home["feed_links"]:
            yield from self._ask(url, self.parse_feed, "home page")

    def parse_feed(self, response: Response) -> None:
        row: dict[str, Any] = {
            "url": response.url,
            "found_in": response.meta.get("probe_found_in", ""),
            "status": response.status,
        }
        try:
            links = read_feed(response.body)
        except ValueError as exc:
            row["error"] = str(exc)
        else:
            row.update(kind="atom" if b"<feed" in response.body[:2048] else "rss", entries=len(links))
            row["urls"] = links[: probe.MAX_URLS_KEPT]
            self._refused(row["urls"], response.url)
        self.found["feeds"].append(row)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        depth = int(response.meta.get("probe_depth", 0))
        row: dict[str, Any] = {
            "url": response.url,
            "found_in": response.meta.get("probe_found_in", ""),
            "status": response.status,
            "depth": depth,
        }
        try:
            row.update(probe.sitemap_facts(response.body, response.url, datetime.now(UTC)))
        except SitemapError as exc:
            row["error"] = str(exc)
        self.found["sitemaps"].append(row)
        self._refused(row.get("urls") or row.get("children") or [], response.url)
        if row.get("kind") == "sitemapindex" and depth == 0:
            # One level down, to see how the children are named and what they hold.
            for child in probe.children_to_follow(row["children"]):
                yield from self._ask(child, self.parse_sitemap, response.url, probe_depth=1)

    def _refused(self, urls: list[str], found_in: str) -> None:
        """Note the first URLs a feed or sitemap lists that are not the site's to fetch (hostile input)."""
        for url, reason in probe.refused_urls(urls, self.source.base_url)[:5]:
            self.found["refused"].append({"url": url, "found_in": found_in, "reason": reason})

    # -- samples ---------------------------------------------------------------------------------------

    def idle(self) -> None:
        """Discovery is over: fetch the sample articles once, then let the spider close."""
        if self.sampling:
            return
        self.sampling = True
        candidates = probe.sample_candidates(self.found, self.source.base_url, self.home_url)
        scheduled = False
        for url, found_in in candidates[: self.sample_count]:
            for request in self._ask(url, self.parse_sample, found_in):
                self.crawler.engine.crawl(request)
                scheduled = True
        if scheduled:
            raise DontCloseSpider

    def parse_sample(self, response: Response) -> None:
        row: dict[str, Any] = {
            "url": response.url,
            "found_in": response.meta.get("probe_found_in", ""),
            "status": response.status,
        }
        if not isinstance(response, TextResponse):
            row.update(outcome="not_article", reason="not_html")
        else:
            html = decode_html(response.body)
            try:
                record = parse_page(
                    html, response.url, source=self.source, fetched_at=datetime.now(UTC), http_status=200
                )
            except NotAnArticle as exc:
                row.update(outcome="not_article", reason=exc.reason)
            except Exception as exc:  # a parser bug costs one sample, not the probe
                logger.exception("parser failed on %s", response.url)
                row.update(outcome="failed", reason=f"parser error: {type(exc).__name__}: {exc}")
            else:
                row.update(
                    outcome="parsed",
                    headline=record.headline,
                    published_at=record.published_at.isoformat() if record.published_at else None,
                    words=len(record.body_text.split()),
                    language=record.language,
                    declared_language=probe.declared_language(Page.parse(html, response.url)),
                )
        self.found["samples"].append(row)

    def _kind_of(self, html: str, response: Response) -> str:
        """``article``, or the reason the generic parser refuses the page (``listing`` for a home page)."""
        try:
            parse_page(html, response.url, source=self.source, fetched_at=datetime.now(UTC))
        except NotAnArticle as exc:
            return exc.reason
        except Exception as exc:  # a parser bug: the home page only informs the report
            return f"parser error: {type(exc).__name__}"
        return "article"

    def closed(self, reason: str) -> None:
        self.found["closed"] = reason
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(json.dumps(self.found, ensure_ascii=False, indent=1), encoding="utf-8")
