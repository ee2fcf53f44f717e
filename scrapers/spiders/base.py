"""``NewsSpider``: what every news spider shares — arguments, discovery through feeds and sitemaps,
date ranges over sitemap indexes (and robots.txt ``Sitemap:`` lines), known-URL skipping, the redirect
policy, and handing each page to ``scrapers.parsers.parse_page``. Every candidate URL's outcome goes to
the run's ``outcomes.jsonl`` through the ``OutcomeTracker`` extension. A site's spider only says which URLs
are its articles.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scrapers.discovery import (
    DateRange,
    SitemapEntry,
    SitemapError,
    SpiderArgumentError,
    iter_sitemap,
    read_feed,
    robots_sitemaps,
)
from scrapers.discovery_log import DiscoveryFetch, DiscoveryLog
from scrapers.extensions.outcomes import OutcomeTracker
from scrapers.known import KnownUrls
from scrapers.middlewares.fetch_options import FETCHED_WITH, both_refused, impersonation_browsers
from scrapers.middlewares.guard import RefusedRequest
from scrapers.middlewares.robots import ROBOTS_UNAVAILABLE, RobotsUnavailable
from scrapers.parsers import PARSERS, parse_page
from scrapers.parsers.page import decode_html
from scrapers.redirects import REDIRECT_STATUSES, next_hop, offsite_reason
from scrapers.rundir import resolve_run_dir
from scrapers.urls import on_source_host, validate_mirror
from transforms.errors import NotAnArticle
from transforms.settings import Settings
from transforms.sitemap_dates import (
    OUT_OF_RANGE,
    entry_may_be_in_range,
    range_refusal,
    sitemap_may_cover,
)
from transforms.sources import Source, SourcesFileError, read_sources
from transforms.urls import URL_PROBLEMS, canonical_url, host_of, origin, url_date, url_problem

logger = logging.getLogger(__name__)

_Found = TypeVar("_Found")


class NewsSpider(Spider):
    """Arguments (``-a``): ``edition`` (a key of the source's editions, a comma list, or ``all``),
    ``since``/``until`` (YYYY-MM-DD; a range switches discovery to the sitemap indexes), ``known`` (a
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
        self.source_arg = source or self.source_key
        self.sources_arg = sources
        self.edition_arg = edition
        self.date_range = DateRange.from_args(since, until)
        try:
            self.known = KnownUrls.load(known)
            self.mirror = validate_mirror(mirror) if mirror else ""
        except ValueError as exc:
            raise SpiderArgumentError(str(exc)) from None
        self.run_dir_arg = run_dir
        self.seen: set[str] = set()
        # The candidate articles among ``seen`` (chosen editions, in the range): in range for every
        # feed or sitemap that lists them.
        self.candidates: set[str] = set()
        # Candidates of a date range whose sitemap publication date or URL date is in the range: kept
        # when their page gives no publication time (parse_article).
        self.dated_in_range: set[str] = set()

    # -- arguments -------------------------------------------------------------------------------------

    def _configure(self, sources_file: str) -> None:
        """Read the source's entry (from ``-a sources=`` or the configured sources file) and the editions."""
        path = self.sources_arg or sources_file
        try:
            # Another source's bad entry does not stop this one; this source's own problem does.
            registry = read_sources(path, PARSERS)
            source = registry.source(self.source_arg)
        except (OSError, SourcesFileError) as exc:
            raise SpiderArgumentError(f"sources={path!r}: {exc}") from None
        if source is None:
            raise SpiderArgumentError(
                f"source={self.source_arg!r}: not in the sources file; known: {', '.join(registry.keys)}"
            )
        self.source: Source = source
        try:
            self.editions = self.source.select_editions(self.edition_arg.split(","))
        except ValueError as exc:
            raise SpiderArgumentError(f"edition={self.edition_arg!r}: {exc}") from None
        self.base_host = host_of(self.source.base_url)
        for entry in (*self.source.feeds, *self.source.news_sitemaps, *self.source.sitemap_indexes):
            # "//other.host/feed" passes the sources file's schema as a path: only the source's own origin.
            problem = url_problem(self.absolute(entry), self.source.base_url)
            if problem is not None:
                raise SpiderArgumentError(
                    f"sources={path!r}: source {self.source.key!r}: discovery URL {entry!r} "
                    f"{URL_PROBLEMS[problem]} (the source's base_url is {self.source.base_url})"
                )
        browser = self.source.impersonate
        if browser is not None and browser not in impersonation_browsers():
            raise SpiderArgumentError(
                f"sources={path!r}: source {self.source.key!r}: impersonate {browser!r} is not a browser "
                "scrapy-impersonate offers; use chrome, safari, firefox, edge or a versioned name such as "
                "chrome124"
            )
        if self.date_range is not None:
            refusal = range_refusal(self.source.key, self.source.sitemap_indexes, self.source.base_url)
            if refusal is not None:
                raise SpiderArgumentError(f"since={self.date_range.since.isoformat()}: {refusal}")
        # Scrapy's offsite filter refuses any other request to another site (a feed redirecting away is
        # refused by the outgoing-request guard instead: see _discovery_request).
        self.allowed_domains = [self.base_host.removeprefix("www.")]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        try:
            spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
            spider._configure(crawler.settings.get("NEWSETL_SOURCES_FILE", ""))
        except SpiderArgumentError as exc:
            # A usage error, not a crash: one clear line and a non-zero exit, no traceback.
            logger.critical("bad spider argument: %s", exc)
            raise SystemExit(2) from None
        run_dir = resolve_run_dir(crawler.settings, spider.name, spider.run_dir_arg)
        run_dir.mkdir(parents=True, exist_ok=True)
        # Settings are still open here; the extensions, the WARC middleware and the mirror read them.
        crawler.settings.set("NEWSETL_RUN_DIR", str(run_dir), priority="spider")
        if spider.mirror:
            crawler.settings.set("NEWSETL_MIRROR", spider.mirror, priority="spider")
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

    @property
    def outcomes(self) -> OutcomeTracker:
        tracker = self.crawler.get_extension(OutcomeTracker)
        if tracker is None:
            raise RuntimeError("the OutcomeTracker extension is not enabled (scrapers/settings.py)")
        return tracker

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
        for lost_url, lost_edition in self.outcomes.lost_requests():
            yield self._article_request(lost_url, lost_url, lost_edition, redirects=0, again=True)
        if self.date_range is not None:
            for index in self.source.sitemap_indexes:
                yield self._discovery_request(self.absolute(index), self.parse_sitemap, "sitemap_index")
            # robots.txt lists a site's sitemaps too (often more than its entry names); when it leads to one,
            # its line in discovery.jsonl is a sitemap_index's: it lists sitemaps, never articles.
            robots = self._discovery_request(self.absolute("/robots.txt"), self.parse_robots, "sitemap_index")
            # A 4xx means no robots.txt (RFC 9309), so no Sitemap lines: not a failed discovery URL.
            robots.meta["handle_httpstatus_list"] = [code for code in range(400, 500) if code != 429]
            yield robots.replace(errback=self.robots_failed)
            return
        for feed in self.source.feeds:
            url = self.absolute(feed)
            edition = self.feed_edition(url)
            if edition is None or edition in self.editions:
                yield self._discovery_request(url, self.parse_feed, "feed")
        for sitemap in self.source.news_sitemaps:
            yield self._discovery_request(self.absolute(sitemap), self.parse_sitemap, "news_sitemap")

    @property
    def discovery(self) -> DiscoveryLog:
        """The run's ``discovery.jsonl``: one line for every feed or sitemap asked for."""
        return self.outcomes.discovery

    def _discovery_request(self, url: str, callback: Any, kind: str, *, depth: int = 0) -> Request:
        # depth: how many sitemap indexes lead from a configured feed or sitemap to this one.
        return Request(
            url,
            callback=callback,
            errback=self.discovery_failed,
            meta={
                **self.discovery.asking(url, kind),
                "newsetl_sitemap_depth": depth,
                # Scrapy's offsite filter drops a request when it is scheduled, unseen by the errback (a feed
                # redirecting to another site would end without a line); the outgoing-request guard refuses
                # it instead, with its reason, through the errback.
                "allow_offsite": True,
            },
        )

    def _answered(self, response: Response) -> DiscoveryFetch:
        fetch = self.discovery.fetch(response.meta)
        fetch.http_status = response.status
        return fetch

    def parse_feed(self, response: Response) -> Iterator[Request]:
        fetch = self._answered(response)
        try:
            entries = read_feed(response.body)
        except ValueError as exc:
            self._discovery_error(fetch, str(exc))
            return
        self._stat("newsetl/discovery/feeds")
        for url in self._bounded(response.url, entries):
            fetch.entries_found += 1
            yield from self.consider(url, None, fetch)
        self.discovery.finish(fetch)

    def parse_sitemap(self, response: Response) -> Generator[Request, None, None]:
        """A sitemap or sitemap index, read entry by entry (a sitemap may list hundreds of thousands of URLs)
        and only as far as the discovery bounds allow."""
        fetch = self._answered(response)
        try:
            kind, entries = iter_sitemap(response.body)
        except ValueError as exc:
            self._discovery_error(fetch, str(exc))
            return
        self._stat(f"newsetl/discovery/{kind}")
        depth = int(response.meta.get("newsetl_sitemap_depth", 0))
        capped = ""
        try:
            if kind == "sitemapindex":
                capped = yield from self._follow_index(response.url, entries, depth, fetch)
            else:
                # Every URL of an entry (its loc, then its hreflang alternates: the same article in other
                # editions, published together) counts towards the bounds.
                found = (
                    (url, entry, position == 0)
                    for entry in entries
                    for position, url in enumerate((entry.loc, *entry.alternates))
                )
                for url, entry, starts_entry in self._bounded(response.url, found):
                    fetch.entries_found += starts_entry
                    yield from self.consider(url, entry.lastmod, fetch, published=entry.published)
        except SitemapError as exc:  # the URLs before the break have been taken
            self._discovery_error(fetch, str(exc), what="was cut short", error=f"cut short: {exc}")
            return
        self.discovery.finish(fetch, capped)

    def parse_robots(self, response: Response) -> Generator[Request, None, None]:
        """robots.txt in a date range: its ``Sitemap:`` lines on the source's own origin, chosen as the
        children of a sitemap index are (the configured indexes are asked for already)."""
        fetch = self._answered(response)
        if response.status < 400:
            configured = {canonical_url(self.absolute(index)) for index in self.source.sitemap_indexes}
            listed: list[SitemapEntry] = []
            for line in robots_sitemaps(response.body):
                try:
                    url = self.normalise(urljoin(fetch.url, line))
                except ValueError:
                    url = line
                if url_problem(url, self.source.base_url) is not None:
                    # Sitemaps on a CDN or another site are not the source's: the guard would refuse them.
                    fetch.entries_found += 1
                    self._stat("newsetl/discovery/robots_offsite_sitemap")
                    logger.info("robots.txt of %s lists %s, not on the source's origin", self.base_host, line)
                elif canonical_url(url) in configured:
                    fetch.entries_found += 1
                else:
                    listed.append(SitemapEntry(url, None))
            if listed:
                capped = yield from self._follow_index(fetch.url, listed, 0, fetch)
                self.discovery.finish(fetch, capped)
                return
        # Nothing the sources file does not name already: robots.txt was no discovery source of this run.
        self.discovery.dropped(response.meta)

    def robots_failed(self, failure: Failure) -> None:
        """robots.txt unanswered: the robots middleware refuses the whole site then (429, 5xx, no answer), and
        the configured indexes' lines say so; robots.txt adds no line of its own."""
        request = failure.request  # type: ignore[attr-defined]
        reason, _ = _failure_reason(failure)
        logger.warning(
            "robots.txt %s gave no Sitemap lines: %s", request.url, self._unmirrored(reason, request.url)
        )
        self.discovery.dropped(request.meta)

    def _follow_index(
        self, index_url: str, entries: Iterable[SitemapEntry], depth: int, fetch: DiscoveryFetch
    ) -> Generator[Request, None, str]:
        """The sitemaps a sitemap index lists that the run wants, each asked for once, at most
        ``NEWSETL_MAX_SITEMAP_CHILDREN`` of them; returns the index's "capped: …" error when that bound
        stopped it, else ""."""
        max_depth = self._bound("NEWSETL_MAX_SITEMAP_DEPTH")
        max_children = self._bound("NEWSETL_MAX_SITEMAP_CHILDREN")
        for entry in self._bounded(index_url, entries):
            fetch.entries_found += 1
            if depth >= max_depth:
                # An index that lists a new index on every answer would be followed without end.
                self._capped(
                    "sitemap_depth",
                    "sitemap index %s is %d levels below a configured sitemap: the sitemaps it lists "
                    "are not followed (NEWSETL_MAX_SITEMAP_DEPTH=%d)",
                    index_url,
                    depth,
                    max_depth,
                )
                return ""
            child = canonical_url(entry.loc)
            if not self.wants_sitemap(entry.loc, entry.lastmod) or child in fetch.kept:
                continue
            if len(fetch.kept) >= max_children:
                # An index of thousands of children (numbered parts, one per day for years) would hold a
                # request for each in memory and take a crawl's time; what the cap leaves out is named.
                self._capped(
                    "sitemap_children",
                    "sitemap index %s lists more than %d sitemaps the run wants: the rest are not read "
                    "(NEWSETL_MAX_SITEMAP_CHILDREN=%d)",
                    index_url,
                    max_children,
                    max_children,
                )
                return (
                    f"capped: more than {max_children} child sitemaps wanted, the rest not read "
                    f"(NEWSETL_MAX_SITEMAP_CHILDREN={max_children})"
                )
            fetch.keep(child)
            yield self._discovery_request(child, self.parse_sitemap, "child_sitemap", depth=depth + 1)
        return ""

    def wants_sitemap(self, url: str, lastmod: datetime | None = None) -> bool:
        """In a date range, the child sitemaps that can hold it (transforms/sitemap_dates.py: by the date
        in the URL, else a lastmod not before the range, else read); otherwise every listed one."""
        if self.date_range is None:
            return True
        return sitemap_may_cover(url, lastmod, self.date_range.since, self.date_range.until)

    def consider(
        self,
        raw_url: str,
        lastmod: datetime | None,
        fetch: DiscoveryFetch | None = None,
        *,
        published: datetime | None = None,
    ) -> Iterator[Request]:
        """A URL found in a feed or sitemap (``fetch``; ``published`` is its sitemap entry's
        news:publication_date): a candidate article of the chosen editions and range gets an outcome
        (skipped) or a request, and counts as in range for every feed or sitemap that lists it; anything
        else is not a candidate and is only counted."""
        try:
            url = self.normalise(raw_url)
        except ValueError:  # "http://[::1/": Python's URL functions raise; one bad link must not end the feed
            url = raw_url
        if url in self.seen:
            if fetch is not None and url in self.candidates:
                fetch.keep(url)
            return
        problem = url_problem(url, self.source.base_url)
        if problem is None and host_of(url) != self.base_host:
            problem = offsite_reason(url)
        if problem is not None:
            self.seen.add(url)
            self._stat("newsetl/discovered")
            self.outcomes.record(url, "skipped", problem)
            return
        edition = self.article_edition(url)
        if edition is None:
            self._stat("newsetl/discovery/not_article_url")
            return
        if edition not in self.editions:
            return
        if self.date_range is not None:
            # The entry's publication date, else its URL's date, else its lastmod must allow the range
            # (transforms/sitemap_dates.py); an entry with none of them is fetched and judged by its page.
            day = url_date(url)
            if not entry_may_be_in_range(
                published, day, lastmod, self.date_range.since, self.date_range.until
            ):
                return
            if published is not None or day is not None:
                self.dated_in_range.add(url)
        self.seen.add(url)
        self.candidates.add(url)
        if fetch is not None:
            fetch.keep(url)
        self._stat("newsetl/discovered")
        reason = self.known.skip_reason(url, lastmod)
        if reason:
            self.outcomes.record(url, "skipped", reason)
            return
        self.outcomes.requesting(url, edition)
        yield self._article_request(url, url, edition, redirects=0)

    def _article_request(
        self, url: str, discovered_url: str, edition: str, *, redirects: int, again: bool = False
    ) -> Request:
        # Article redirects come to parse_article instead of Scrapy's RedirectMiddleware, so each one can
        # be judged by the redirect policy and end in an outcome.
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
        hops = int(response.meta.get("newsetl_redirects", 0)) + 1
        hop = next_hop(
            response.url,
            location.decode("latin-1") if location else None,
            hops,
            source_host=self.base_host,
            normalise=self.normalise,
            source_origin=self.source.base_url,
        )
        if hop.target is None:
            if hop.outcome == "skipped":
                logger.info("not following %s: it redirects to another site (%s)", url, hop.reason)
            self.outcomes.record(url, hop.outcome, hop.reason, response.status)
        elif hop.target != url and self.outcomes.was_requested(hop.target):
            self.outcomes.record(url, "skipped", "duplicate", response.status)
        elif (known_reason := self.known.skip_reason(hop.target, None)) is not None:
            # The redirect leads to an article already loaded unchanged: fetching it would cost a request
            # and bring back what the warehouse holds.
            self.outcomes.record(url, "skipped", known_reason, response.status)
        else:
            yield self._article_request(hop.target, url, response.meta.get("edition", ""), redirects=hops)

    def normalise(self, url: str) -> str:
        """The canonical form, with the source's bare domain mapped onto its www host."""
        return on_source_host(url, self.source.base_url)

    def _bounded(self, source_url: str, found: Iterable[_Found]) -> Iterator[_Found]:
        """The URLs (or entries) of one feed or sitemap, taken until a discovery bound is reached:
        ``NEWSETL_MAX_SITEMAP_URLS`` from this source, ``NEWSETL_MAX_RUN_URLS`` candidate URLs discovered in
        the run (``seen``: each has an outcome and maybe a request held in memory). The rest is not read."""
        per_source = self._bound("NEWSETL_MAX_SITEMAP_URLS")
        per_run = self._bound("NEWSETL_MAX_RUN_URLS")
        for taken, item in enumerate(found):
            if taken >= per_source:
                self._capped(
                    "sitemap_urls",
                    "discovery source %s lists more than %d URLs: the rest is not read "
                    "(NEWSETL_MAX_SITEMAP_URLS=%d)",
                    source_url,
                    per_source,
                    per_source,
                )
                return
            if len(self.seen) >= per_run:
                self._capped(
                    "run_urls",
                    "the run has discovered %d URLs, its cap: %s is not read further, nor any later feed "
                    "or sitemap (NEWSETL_MAX_RUN_URLS=%d)",
                    len(self.seen),
                    source_url,
                    per_run,
                )
                return
            yield item

    def _bound(self, name: str) -> int:
        default = getattr(Settings, name.removeprefix("NEWSETL_").lower())
        return int(self.crawler.settings.getint(name, default))

    def _capped(self, bound: str, message: str, *args: Any) -> None:
        self._stat(f"newsetl/discovery/capped/{bound}")
        logger.warning(message, *args)

    def discovery_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        fetch = self.discovery.fetch(request.meta)
        reason, fetch.http_status = _failure_reason(failure)
        if failure.check(RobotsUnavailable) and request.url not in self.seen:
            # Nothing of the site may be fetched this run: the feed or sitemap gets an outcome, so a run
            # that found nothing says why.
            self.seen.add(request.url)
            self._stat("newsetl/discovered")
            self.outcomes.record(request.url, "skipped", ROBOTS_UNAVAILABLE)
        self._discovery_error(fetch, self._unmirrored(reason, request.url))

    def _discovery_error(
        self, fetch: DiscoveryFetch, reason: str, *, what: str = "gave nothing", error: str | None = None
    ) -> None:
        """Log why a feed or sitemap gave nothing (or broke off) and end its line with the error."""
        self._stat("newsetl/discovery/errors")
        logger.error("discovery source %s %s: %s", fetch.url, what, reason)
        self.discovery.finish(fetch, error or reason)

    def _unmirrored(self, reason: str, url: str) -> str:
        """``reason`` with the mirror's origin put back to ``url``'s: error texts name the URL actually
        fetched, and runs must stay comparable across mirror ports."""
        mirror = self.crawler.settings.get("NEWSETL_MIRROR")
        return reason.replace(mirror, origin(url)) if mirror else reason

    # -- articles -------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        url = response.meta.get("discovered_url", response.url)
        if response.status in REDIRECT_STATUSES:
            yield from self.follow_redirect(response)
            return
        if not isinstance(response, TextResponse):
            self.outcomes.record(url, "not_article", "not_html", response.status)
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
            logger.info("not an article: %s (%s)%s", url, exc, both_refused(response.meta))
            self.outcomes.record(
                url,
                "not_article",
                exc.reason,
                response.status,
                fetched_with=response.meta.get(FETCHED_WITH),
            )
            return
        except Exception as exc:  # a parser bug must cost one page, not the crawl
            logger.exception("parser failed on %s", url)
            self.outcomes.record(url, "failed", f"parser error: {type(exc).__name__}: {exc}", response.status)
            return
        if self.date_range is not None and not self._in_range(url, record.published_at):
            # Sitemaps can only say an entry may be in the range (a lastmod, no date at all): the page says.
            logger.info(
                "out of the range %s..%s: %s (published %s)",
                self.date_range.since,
                self.date_range.until,
                url,
                record.published_at.isoformat() if record.published_at else "not given",
            )
            self.outcomes.record(url, "skipped", OUT_OF_RANGE, response.status)
            return
        yield record

    def _in_range(self, url: str, published_at: datetime | None) -> bool:
        """Whether an article belongs to the run's range: its publication day as the page writes it (in
        the page's own offset, as the site dates its URLs and sitemaps); a page without one only when its
        sitemap entry or URL dated it in the range."""
        assert self.date_range is not None
        if published_at is None:
            return url in self.dated_in_range
        return published_at.date() in self.date_range

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = request.meta.get("discovered_url", request.url)
        reason, status = _failure_reason(failure)
        reason = self._unmirrored(reason, request.url)
        if failure.check(RefusedRequest):  # the outgoing-request guard's refusal, with its reason
            self.outcomes.record(url, "skipped", failure.value.reason)  # type: ignore[union-attr]
        elif failure.check(RobotsUnavailable):  # robots.txt answered 5xx or nothing: RFC 9309 disallows all
            self.outcomes.record(url, "skipped", ROBOTS_UNAVAILABLE)
        elif failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            self.outcomes.record(url, "skipped", "robots")
        elif failure.check(IgnoreRequest) and "offsite" in str(failure.value):
            self.outcomes.record(url, "skipped", "offsite")
        else:
            reason += both_refused(request.meta)
            logger.warning("failed %s: %s", url, reason)
            self.outcomes.record(url, "failed", reason, status, fetched_with=request.meta.get(FETCHED_WITH))

    def _stat(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _page_text(response: TextResponse) -> str:
    """The page's text. Bytes that are valid UTF-8 are read as UTF-8 whatever the page declares: a page
    served as UTF-8 but declared windows-1251 would otherwise decode into mojibake that looks like real
    Cyrillic and pass every check. Other bytes are decoded as Scrapy does (BOM, HTTP header, meta tag);
    bytes that do not match their declared charset come out with U+FFFD, which validation rejects. A
    charset Python knows but cannot read a page with (``idna``, ``punycode`` raise on a bad byte whatever
    the error handler) falls back to the parsers' own decoding, which allows only web encodings."""
    try:
        return response.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return response.text
    except (UnicodeError, LookupError):
        return decode_html(response.body)


def _failure_reason(failure: Failure) -> tuple[str, int | None]:
    """Why a request failed, and the answer's status when there was one (an HTTP error status)."""
    if failure.check(HttpError):
        status = int(failure.value.response.status)  # type: ignore[union-attr]
        return f"HTTP {status}", status
    if failure.check(RobotsUnavailable):  # its message says it all: "robots.txt unavailable (…): …"
        return str(failure.value), None
    return f"{failure.type.__name__ if failure.type else 'Error'}: {failure.value}", None
