"""Scrapy settings for newsetl's spiders (``scrapy.cfg`` points here).

Values that an operator tunes come from the one ``transforms.settings.Settings`` object, read from
``NEWSETL_*`` environment variables, so that the CLI, Airflow and a hand-run ``scrapy crawl`` agree.
"""

from transforms.settings import Settings

_settings = Settings.from_env()

BOT_NAME = "newsetl"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

USER_AGENT = _settings.user_agent
ROBOTSTXT_OBEY = _settings.obey_robots
CONCURRENT_REQUESTS_PER_DOMAIN = _settings.concurrent_requests_per_domain
DOWNLOAD_DELAY = _settings.download_delay
AUTOTHROTTLE_ENABLED = _settings.autothrottle
DOWNLOAD_MAXSIZE = _settings.max_response_bytes
DOWNLOAD_TIMEOUT = _settings.download_timeout
RETRY_TIMES = _settings.retry_times

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
