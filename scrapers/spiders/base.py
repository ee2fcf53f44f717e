"""``NewsSpider``: what every news spider shares — arguments, discovery through feeds and sitemaps,
date ranges over monthly sitemaps, known-URL skipping, an outcome for every candidate URL, and handing
each page to ``scrapers.parsers.parse_page``. A site's spider only says which URLs are its articles.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scrapers.discovery import DateRange, SpiderArgumentError, read_feed, read_sitemap, sitemap_month
from scrapers.known import KnownUrls
from scrapers.outcomes import OutcomeLog, RequestedLog
from scrapers.parsers import parse_page
from scrapers.pipelines.skip import SkipItem
from scrapers.rundir import resolve_run_dir
from scrapers.urls import canonical_url, host_of, is_private_host, origin, path_date, validate_mirror
from transforms.errors import NotAnArticle
from transforms.sources import Source, SourcesFileError, load_sources

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


class NewsSpider(Spider):
    """Arguments (``-a``): ``edition`` (a key of the source's editions, a comma list, or ``all``),
    ``since``/``until`` (YYYY-MM-DD; a range switches discovery to the monthly sitemaps), ``known`` (a
    known-URL file), ``mirror`` (a replay origin), ``run_dir`` (where WARC/outcomes/stats go) and
    ``sources`` (another sources.yaml)."""

    source_key: ClassVar[str] = ""

    def __init__(
        self,
        *args: Any,
        source: str | None = None,
        edition: str = "all",
        since: str | None = None,
        until: str | None = None,
        known: str | None = None,
        mirror: str | None = None,
        run_dir: str | None = None,
        sources: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source = self._load_source(source or self.source_key, sources)
        self.editions = self._parse_editions(edition)
        self.date_range = DateRange.from_args(since, until)
        try:
            self.known = KnownUrls.load(known)
            self.mirror = validate_mirror(mirror) if mirror else ""
        except ValueError as exc:
            raise SpiderArgumentError(str(exc)) from None
        self.run_dir_arg = run_dir
        self.seen: set[str] = set()
        self.requested: set[str] = set()
        self.requested_log: RequestedLog | None = None
        self.outcomes: OutcomeLog | None = None
        self.base_host = host_of(self.source.base_url)
        # Scrapy's offsite filter refuses any other request to another site, e.g. a feed redirecting away.
        self.allowed_domains = [self.base_host.removeprefix("www.")]

    # -- arguments -------------------------------------------------------------------------------------

    @staticmethod
    def _load_source(key: str, sources_file: str | None) -> Source:
        try:
            registry = load_sources(sources_file)
        except (OSError, SourcesFileError) as exc:
            raise SpiderArgumentError(f"sources={sources_file!r}: {exc}") from None
        if key not in registry:
            raise SpiderArgumentError(
                f"source={key!r}: not in the sources file; known: {', '.join(registry)}"
            )
        return registry[key]

    def _parse_editions(self, edition: str) -> tuple[str, ...]:
        known = tuple(self.source.editions)
        wanted = [e.strip() for e in edition.split(",") if e.strip()]
        if not wanted or wanted == ["all"]:
            return known
        unknown = [e for e in wanted if e not in known]
        if unknown:
            raise SpiderArgumentError(
                f"edition={edition!r}: unknown edition {', '.join(unknown)}; expected one of "
                f"{', '.join(known)} or all"
            )
        return tuple(dict.fromkeys(wanted))

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        try:
            spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        except SpiderArgumentError as exc:
            # A usage error, not a crash: one clear line and a non-zero exit, no traceback.
            logger.critical("bad spider argument: %s", exc)
            raise SystemExit(2) from None
        run_dir = resolve_run_dir(crawler.settings, spider.name, spider.run_dir_arg)
        run_dir.mkdir(parents=True, exist_ok=True)
        # Settings are still open here; the WARC middleware, the stats file and the mirror read them.
        crawler.settings.set("NEWSETL_RUN_DIR", str(run_dir), priority="spider")
        if spider.mirror:
            crawler.settings.set("NEWSETL_MIRROR", spider.mirror, priority="spider")
        spider.outcomes = OutcomeLog(run_dir / "outcomes.jsonl")
        if crawler.settings.get("JOBDIR"):
            spider.requested_log = RequestedLog(Path(crawler.settings["JOBDIR"]) / "newsetl-requested.txt")
        crawler.signals.connect(spider._item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider._item_error, signal=signals.item_error)
        crawler.signals.connect(spider._spider_closed, signal=signals.spider_closed)
        logger.info(
            "%s: editions %s, %s, %d known URLs, run folder %s%s",
            spider.name,
            ",".join(spider.editions),
            f"{spider.date_range.since}..{spider.date_range.until}" if spider.date_range else "recent items",
            len(spider.known),
            run_dir,
            f", mirror {crawler.settings.get('NEWSETL_MIRROR')}"
            if crawler.settings.get("NEWSETL_MIRROR")
            else "",
        )
        return spider

    # -- what a site spider says ----------------------------------------------------------------------

    def article_edition(self, url: str) -> str | None:
        """The edition of an article URL of this source, or None when the URL is not an article."""
        raise NotImplementedError

    def feed_edition(self, feed_url: str) -> str | None:
        """The edition a feed belongs to (None: all editions)."""
        return None

    # -- discovery ------------------------------------------------------------------------------------

    def absolute(self, path_or_url: str) -> str:
        return urljoin(self.source.base_url + "/", path_or_url)

    async def start(self) -> AsyncIterator[Any]:
        for lost_url, lost_edition in self._lost_requests():
            yield self._article_request(lost_url, lost_url, lost_edition, redirects=0, again=True)
        if self.date_range is not None:
            for index in self.source.sitemap_indexes:
                yield self._discovery_request(self.absolute(index), self.parse_sitemap)
            return
        for feed in self.source.feeds:
            url = self.absolute(feed)
            edition = self.feed_edition(url)
            if edition is None or edition in self.editions:
                yield self._discovery_request(url, self.parse_feed)
        for sitemap in self.source.news_sitemaps:
            yield self._discovery_request(self.absolute(sitemap), self.parse_sitemap)

    def _lost_requests(self) -> list[tuple[str, str]]:
        """Article requests of an earlier process of this JOBDIR that have no outcome.

        A process killed with SIGKILL loses the requests it had taken from the JOBDIR queue but not yet
        answered, while Scrapy's duplicate filter still remembers them; they are asked for again here.
        One that was still queued comes twice, and its second record is dropped as a duplicate."""
        if self.requested_log is None or self.outcomes is None:
            return []
        lost = [(u, e) for u, e in self.requested_log.previous.items() if not self.outcomes.has(u)]
        if lost:
            logger.warning(
                "requesting %d URLs again that a previous process left without an outcome", len(lost)
            )
        return lost

    def _discovery_request(self, url: str, callback: Any) -> Request:
        return Request(
            url, callback=callback, errback=self.discovery_failed, meta={"newsetl_discovery": True}
        )

    def parse_feed(self, response: Response) -> Iterator[Request]:
        try:
            entries = read_feed(response.body)
        except ValueError as exc:
            self._discovery_error(response.url, str(exc))
            return
        self._stat("newsetl/discovery/feeds")
        for entry in entries:
            yield from self.consider(entry.url, None)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        try:
            kind, entries = read_sitemap(response.body)
        except (ValueError, OSError, EOFError) as exc:
            self._discovery_error(response.url, str(exc))
            return
        self._stat(f"newsetl/discovery/{kind}")
        if kind == "sitemapindex":
            for entry in entries:
                if self.wants_sitemap(entry.loc):
                    yield self._discovery_request(canonical_url(entry.loc), self.parse_sitemap)
            return
        for entry in entries:
            for url in (entry.loc, *entry.alternates):
                yield from self.consider(url, entry.lastmod)

    def wants_sitemap(self, url: str) -> bool:
        """In a date range, only the monthly sitemaps of the range's months; otherwise every listed one."""
        if self.date_range is None:
            return True
        month = sitemap_month(url)
        return month is not None and self.date_range.covers_month(month)

    def consider(self, raw_url: str, lastmod: datetime | None) -> Iterator[Request]:
        """A URL found in a feed or sitemap: a candidate article of the chosen editions and range gets an
        outcome (skipped) or a request; anything else is not a candidate and is only counted."""
        url = self.normalise(raw_url)
        if url in self.seen:
            return
        if host_of(url) != self.base_host:
            self.seen.add(url)
            self._stat("newsetl/discovered")
            self._outcome(url, "skipped", _offsite_reason(url))
            return
        edition = self.article_edition(url)
        if edition is None:
            self._stat("newsetl/discovery/not_article_url")
            return
        if edition not in self.editions:
            return
        if self.date_range is not None and path_date(url) not in self.date_range:
            return
        self.seen.add(url)
        self._stat("newsetl/discovered")
        reason = self.known.skip_reason(url, lastmod)
        if reason:
            self._outcome(url, "skipped", reason)
            return
        self.requested.add(url)
        if self.requested_log is not None:
            self.requested_log.add(url, edition)
        yield self._article_request(url, url, edition, redirects=0)

    def _article_request(
        self, url: str, discovered_url: str, edition: str, *, redirects: int, again: bool = False
    ) -> Request:
        # Article redirects come to parse_article instead of Scrapy's RedirectMiddleware, so each one can
        # be judged (another site, a URL fetched anyway, a loop) and end in an outcome.
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            dont_filter=redirects > 0 or again,
            meta={
                "discovered_url": discovered_url,
                "edition": edition,
                "dont_redirect": True,
                "handle_httpstatus_list": list(REDIRECT_STATUSES),
                "newsetl_redirects": redirects,
            },
        )

    def follow_redirect(self, response: Response) -> Iterator[Request]:
        url = response.meta.get("discovered_url", response.url)
        location = response.headers.get("Location")
        if not location:
            self._outcome(url, "failed", "redirect without a Location header", response.status)
            return
        target = self.normalise(response.urljoin(location.decode("latin-1")))
        hops = int(response.meta.get("newsetl_redirects", 0)) + 1
        if hops > MAX_REDIRECTS:
            self._outcome(url, "failed", f"too many redirects (more than {MAX_REDIRECTS})", response.status)
        elif host_of(target) != self.base_host:
            logger.info("not following %s: it redirects to another site, %s", url, target)
            self._outcome(url, "skipped", _offsite_reason(target), response.status)
        elif target != url and target in self.requested:
            self._outcome(url, "skipped", "duplicate", response.status)
        elif (known_reason := self.known.skip_reason(target, None)) is not None:
            # The redirect leads to an article already loaded unchanged: fetching it would cost a request
            # and bring back what the warehouse holds.
            self._outcome(url, "skipped", known_reason, response.status)
        else:
            yield self._article_request(target, url, response.meta.get("edition", ""), redirects=hops)

    def normalise(self, url: str) -> str:
        """The canonical form, with the source's bare domain mapped onto its www host."""
        url = canonical_url(url)
        parts = urlsplit(url)
        if parts.hostname and "www." + parts.hostname == self.base_host:
            url = url.replace(f"://{parts.netloc}", f"://{self.base_host}", 1)
        return url

    def discovery_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._discovery_error(request.url, _failure_reason(failure)[0])

    def _discovery_error(self, url: str, reason: str) -> None:
        self._stat("newsetl/discovery/errors")
        logger.error("discovery source %s gave nothing: %s", url, reason)

    # -- articles -------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        url = response.meta.get("discovered_url", response.url)
        if response.status in REDIRECT_STATUSES:
            yield from self.follow_redirect(response)
            return
        if not isinstance(response, TextResponse):
            self._outcome(url, "not_article", "not_html", response.status)
            return
        try:
            record = parse_page(
                _page_text(response),
                response.url,
                source=self.source,
                fetched_at=datetime.now(UTC),
                http_status=response.status,
                warc_record_id=response.meta.get("warc_record_id"),
            )
        except NotAnArticle as exc:
            logger.info("not an article: %s (%s)", url, exc)
            self._outcome(url, "not_article", exc.reason, response.status)
            return
        except Exception as exc:  # a parser bug must cost one page, not the crawl
            logger.exception("parser failed on %s", url)
            self._outcome(url, "failed", f"parser error: {type(exc).__name__}: {exc}", response.status)
            return
        yield record

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = request.meta.get("discovered_url", request.url)
        reason, status = _failure_reason(failure)
        mirror = self.crawler.settings.get("NEWSETL_MIRROR")
        if mirror:  # error texts name the URL actually fetched; keep runs comparable across mirror ports
            reason = reason.replace(mirror, origin(request.url))
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            self._outcome(url, "skipped", "robots")
        elif failure.check(IgnoreRequest) and "offsite" in str(failure.value):
            self._outcome(url, "skipped", "offsite")
        else:
            logger.warning("failed %s: %s", url, reason)
            self._outcome(url, "failed", reason, status)

    # -- outcomes -------------------------------------------------------------------------------------

    def _outcome(
        self,
        url: str,
        outcome: str,
        reason: str = "",
        status: int | None = None,
        record_url: str | None = None,
    ) -> None:
        if self.outcomes is not None:
            self.outcomes.record(url, outcome, reason, status, record_url=record_url)

    def _item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        # By now the item is the exported dict (RecordToDictPipeline runs last).
        record_url = item.get("url") if isinstance(item, dict) else getattr(item, "url", None)
        discovered = response.meta.get("discovered_url", response.url)
        self._outcome(discovered, "parsed", "", response.status, record_url=record_url)

    def _item_dropped(self, item: Any, response: Response, exception: Exception, spider: Spider) -> None:
        url = response.meta.get("discovered_url", response.url)
        if isinstance(exception, SkipItem):
            if exception.reason == "duplicate" and self.outcomes is not None and self.outcomes.has(url):
                return  # the same URL fetched twice (see _lost_requests): its first outcome stands
            self._outcome(url, "skipped", exception.reason, response.status)
        else:
            self._outcome(url, "failed", f"dropped: {exception}", response.status)

    def _item_error(self, item: Any, response: Response, spider: Spider, failure: Failure) -> None:
        url = response.meta.get("discovered_url", response.url)
        self._outcome(url, "failed", f"pipeline error: {failure.value!r}", response.status)

    def _spider_closed(self, spider: Spider, reason: str) -> None:
        if self.outcomes is None:
            return
        # A request that never reached a callback or errback (the crawl was stopped early, or Scrapy
        # dropped it) still needs an outcome: nothing discovered may vanish.
        if self.requested_log is not None:
            self.requested.update(self.requested_log.previous)
            self.requested_log.close()
        for url in sorted(self.requested):
            if not self.outcomes.has(url):
                self._outcome(url, "failed", f"no response: the crawl ended ({reason}) before it was fetched")
        outcomes = self.outcomes.latest.values()
        stats = self.crawler.stats
        if stats is not None:
            for line in outcomes:
                stats.inc_value(f"newsetl/outcome/{line['outcome']}")
                if line["outcome"] == "skipped":
                    stats.inc_value(f"newsetl/skipped/{line['reason']}")
        self.outcomes.close()

    def _stat(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _page_text(response: TextResponse) -> str:
    """The page's text. Bytes that are valid UTF-8 are read as UTF-8 whatever the page declares: a page
    served as UTF-8 but declared windows-1251 would otherwise decode into mojibake that looks like real
    Cyrillic and pass every check. Other bytes are decoded as Scrapy does (BOM, HTTP header, meta tag);
    bytes that do not match their declared charset come out with U+FFFD, which validation rejects."""
    try:
        return response.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return response.text


def _offsite_reason(url: str) -> str:
    return "private_address" if is_private_host(host_of(url)) else "offsite"


def _failure_reason(failure: Failure) -> tuple[str, int | None]:
    if failure.check(HttpError):
        status = int(failure.value.response.status)  # type: ignore[union-attr]
        return f"HTTP {status}", status
    return f"{failure.type.__name__ if failure.type else 'Error'}: {failure.value}", None
