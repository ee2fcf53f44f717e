"""Scrapy settings for newsetl's spiders (``scrapy.cfg`` points here).

Values that an operator tunes come from the one ``transforms.settings.Settings`` object, read from
``NEWSETL_*`` environment variables, so that the CLI, Airflow and a hand-run ``scrapy crawl`` agree.
Tests turn the waits off with NEWSETL_DOWNLOAD_DELAY=0, NEWSETL_AUTOTHROTTLE=0 and NEWSETL_RETRY_BACKOFF=0.
"""

import logging
import sys

from transforms.settings import Settings

try:
    _settings = Settings.from_env()
except ValueError as exc:
    # A bad NEWSETL_* value: one line and exit 2, as the CLI says it, not a traceback through Scrapy's import
    # of this module (SystemExit passes through that import unwrapped).
    print(f"scrapy: {exc}", file=sys.stderr)
    raise SystemExit(2) from None

BOT_NAME = "newsetl"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

# Politeness: say who we are, obey robots.txt, few requests per site, and let AutoThrottle slow down
# further when the site answers slowly.
USER_AGENT = _settings.user_agent
ROBOTSTXT_OBEY = _settings.obey_robots
CONCURRENT_REQUESTS_PER_DOMAIN = _settings.concurrent_requests_per_domain
DOWNLOAD_DELAY = _settings.download_delay
AUTOTHROTTLE_ENABLED = _settings.autothrottle
# AutoThrottle's own default start delay (5 s) would override a small NEWSETL_DOWNLOAD_DELAY.
AUTOTHROTTLE_START_DELAY = _settings.download_delay
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = float(_settings.concurrent_requests_per_domain)

# Scrapy starts CONCURRENT_ITEMS (default 100) tasks for every response's output, though an article page
# yields one item and the item pipelines are synchronous; 8 cut the crawl's CPU time by about a fifth
# (docs/benchmarks.md, profiling).
CONCURRENT_ITEMS = 8

# Robustness: a size cap per response, a timeout, and retries with backoff on 429, 5xx and timeouts.
DOWNLOAD_MAXSIZE = _settings.max_response_bytes
DOWNLOAD_WARNSIZE = min(_settings.max_response_bytes, 4 * 1024 * 1024)
DOWNLOAD_TIMEOUT = _settings.download_timeout
RETRY_ENABLED = True
RETRY_TIMES = _settings.retry_times
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
NEWSETL_RETRY_BACKOFF = _settings.retry_backoff
NEWSETL_RETRY_MAX_DELAY = _settings.retry_max_delay
# Discovery bounds, read by the spider (docs/crawling.md): URLs per feed or sitemap, candidate URLs per
# run, sitemap-index levels followed.
NEWSETL_MAX_SITEMAP_URLS = _settings.max_sitemap_urls
NEWSETL_MAX_RUN_URLS = _settings.max_run_urls
NEWSETL_MAX_SITEMAP_DEPTH = _settings.max_sitemap_depth
NEWSETL_MAX_SITEMAP_CHILDREN = _settings.max_sitemap_children
# Error pages reach the spider's errback (as HttpError) so each URL gets a "failed" outcome with its status.
HTTPERROR_ALLOW_ALL = False

DOWNLOADER_MIDDLEWARES = {
    # First: every request, redirects and dont_filter ones included, as Scrapy will fetch it, must be on
    # the source's own scheme, host and port (see the module).
    "scrapers.middlewares.guard.OutgoingRequestGuard": 40,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # Scrapy's own lets the requests that wait for robots.txt together go out unchecked (see the module).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scrapers.middlewares.robots.SettledRobotsTxtMiddleware": 100,
    "scrapers.middlewares.retry.BackoffRetryMiddleware": 550,
    # After the retries and robots.txt: says how each request of the source is fetched (a browser's
    # fingerprint, rendering), and asks once more as a browser for an article a plain request was refused.
    "scrapers.middlewares.fetch_options.FetchOptionsMiddleware": 560,
    # Closest to the download handler: sees each attempt, the body still as received.
    "scrapers.middlewares.warc.WarcArchiveMiddleware": 950,
}

# The mirror handler fetches from NEWSETL_MIRROR when set; the handler behind it is scrapy-impersonate's,
# which is plain Scrapy HTTP unless a request names a browser: its source's `impersonate`, else
# NEWSETL_IMPERSONATE (scrapers/middlewares/fetch_options.py). NEWSETL_CHROMIUM: the browser of sources
# with `render: true` (empty: chromium on PATH).
NEWSETL_MIRROR = _settings.mirror
NEWSETL_IMPERSONATE = _settings.impersonate
NEWSETL_CHROMIUM = _settings.chromium
NEWSETL_INNER_DOWNLOAD_HANDLER = "scrapy_impersonate.ImpersonateDownloadHandler"
# Only http and https: Scrapy's file handler would read a local file a sitemap or a redirect names (and
# ignores DOWNLOAD_MAXSIZE), and ftp, s3 and data have no place in a news crawl.
DOWNLOAD_HANDLERS = {
    "http": "scrapers.mirror.MirrorDownloadHandler",
    "https": "scrapers.mirror.MirrorDownloadHandler",
    "file": None,
    "ftp": None,
    "s3": None,
    "data": None,
}

ITEM_PIPELINES = {
    "scrapers.pipelines.duplicates.DuplicateRecordPipeline": 100,
    "scrapers.pipelines.serialise.RecordToDictPipeline": 900,
}
EXTENSIONS = {
    "scrapers.extensions.outcomes.OutcomeTracker": 400,
    "scrapers.extensions.stats_file.StatsFileExtension": 500,
}

# Where a run's files go (WARC, outcomes.jsonl, stats.json); the spider fills it in (see scrapers/rundir.py).
NEWSETL_RUN_DIR = ""
NEWSETL_DATA_ROOT = _settings.data_root
# The sources file the spider reads its source from (``-a sources=FILE`` overrides it).
NEWSETL_SOURCES_FILE = str(_settings.sources_path())

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# No console into a running crawl: neither the telnet console nor Scrapy 2.19's remote control (an HTTP port
# that runs Python code sent to it, its token in a job file in the home folder). Each opened a port per crawl
# that nobody uses and logged it.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# A quiet crawl log (it is the crawl task's log in Airflow): no versions list, no stats dict at the end
# (stats.json holds the stats, the step's counts table sums them up).
LOG_VERSIONS: list[str] = []
STATS_DUMP = False


class _NoSettingsDump(logging.Filter):
    """Drops Scrapy's start-up dumps ("Overridden settings: {…}", "Enabled extensions: […]" and the like):
    no setting turns them off, and they are some 60 lines of the same text at the top of every crawl log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Overridden settings:", "Enabled "))


for _name in ("scrapy.crawler", "scrapy.middleware", "scrapy.addons"):
    if not any(isinstance(f, _NoSettingsDump) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_NoSettingsDump())
