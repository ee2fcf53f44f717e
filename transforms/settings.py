"""The one settings object, read from ``NEWSETL_*`` environment variables.

It lives in the ground layer so that the spiders, the warehouse and the wiring all read the same values.
Each entry point builds it once (``Settings.from_env()``: the CLI's ``main``, an Airflow task, the Scrapy
settings module of a crawl's child process) and passes it down; nothing below reads the environment.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import get_type_hints
from urllib.parse import urlsplit

from transforms.workers import default_workers

DEFAULT_USER_AGENT = "newsetl/0.1 (news-ingestion ETL; +https://github.com/newsetl/newsetl)"


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{name}={value!r}: expected a boolean (1/0, true/false, yes/no, on/off)")


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a whole number") from None


def _float(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a number") from None


@dataclass(frozen=True)
class Settings:
    """Every knob of newsetl. Field ``x`` is read from ``NEWSETL_X``."""

    # Where files between steps live: a local folder or an fsspec URL (s3://bucket/prefix).
    data_root: str = "data"
    # SQLAlchemy URL of the warehouse; empty means the SQLite file data/warehouse.sqlite.
    warehouse_url: str = ""
    # Origin (http://127.0.0.1:PORT) that replays recorded responses; empty means the live sites.
    mirror: str = ""
    user_agent: str = DEFAULT_USER_AGENT
    # Browser TLS fingerprint for scrapy-impersonate (e.g. "chrome"); empty means plain Scrapy HTTP.
    impersonate: str = ""
    # The Chromium of sources with render: true; empty means chromium on the PATH.
    chromium: str = ""
    concurrent_requests_per_domain: int = 2
    download_delay: float = 0.5
    autothrottle: bool = True
    obey_robots: bool = True
    max_response_bytes: int = 8 * 1024 * 1024
    # Discovery bounds (docs/crawling.md): URLs taken from one feed or sitemap (sitemaps.org allows 50,000
    # in a file), candidate URLs one run discovers (a year-long backfill is a few hundred thousand), and
    # how many sitemap-index levels below a configured sitemap are followed, and how many child sitemaps
    # one index (or robots.txt) leads to in a run (an index may list a part per day for a decade).
    max_sitemap_urls: int = 50_000
    max_run_urls: int = 500_000
    max_sitemap_depth: int = 3
    max_sitemap_children: int = 5000
    retry_times: int = 3
    # Retry backoff: base seconds, doubled per attempt, and the cap (also on a server's Retry-After).
    retry_backoff: float = 1.0
    retry_max_delay: float = 120.0
    download_timeout: float = 30.0
    # Seconds a whole crawl may take before its process group is killed and the step fails; generous, so a
    # backfill of many months fits (the DAGs' execution_timeout stops theirs sooner).
    crawl_timeout: float = 24 * 3600.0
    # The sources file (seeds/sources.yaml format); empty means seeds/sources.yaml of this checkout.
    sources_file: str = ""
    # Airflow only: the sources news_ingest crawls (empty: every enabled one), and an Airflow connection
    # to take the warehouse from instead of warehouse_url.
    ingest_sources: tuple[str, ...] = ()
    warehouse_conn_id: str = ""
    # The check step (warehouse/checks.py, docs/operations.md). A run fails when more than this share of
    # its fetched articles was quarantined, or failed or met a bot challenge; both judged only on runs that
    # fetched at least min_fetched_for_ratio articles (two new pages say nothing about a site).
    max_quarantine_ratio: float = 0.5
    max_failed_fetch_ratio: float = 0.2
    min_fetched_for_ratio: int = 10
    # An ingest run that discovers no article URL fails when any of the source's last this-many loaded
    # ingest or backfill runs inserted or updated articles (a source that had news has gone silent).
    check_recent_runs: int = 5
    # Processes a step may use for CPU-bound work (re-parsing pages, language detection, story
    # signatures): by default the machine's cores, at most 8 (transforms/workers.py).
    workers: int = field(default_factory=default_workers)

    def __post_init__(self) -> None:
        # Checked whenever the object is built (from_env, replace(), a test's Settings(...)), field by field
        # from the declared types, so that a field added later is held to the same rules without more code.
        for f in fields(self):
            value = getattr(self, f.name)
            expected = _expected(f.name, value)
            if expected is not None:
                shown = repr(value) if isinstance(value, str) else str(value)
                raise ValueError(f"NEWSETL_{f.name.upper()}={shown}: expected {expected}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            # An empty variable (NAME= in a compose file) means the default, as an unset one does.
            return env.get(name, "").strip() or default

        defaults = cls()
        return cls(
            data_root=get("NEWSETL_DATA_ROOT", defaults.data_root) or defaults.data_root,
            warehouse_url=get("NEWSETL_WAREHOUSE_URL", ""),
            mirror=get("NEWSETL_MIRROR", "").rstrip("/"),
            user_agent=get("NEWSETL_USER_AGENT", "") or defaults.user_agent,
            impersonate=get("NEWSETL_IMPERSONATE", ""),
            chromium=get("NEWSETL_CHROMIUM", ""),
            concurrent_requests_per_domain=_int(
                get("NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN", str(defaults.concurrent_requests_per_domain)),
                "NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN",
            ),
            download_delay=_float(
                get("NEWSETL_DOWNLOAD_DELAY", str(defaults.download_delay)), "NEWSETL_DOWNLOAD_DELAY"
            ),
            autothrottle=_bool(get("NEWSETL_AUTOTHROTTLE", "1"), "NEWSETL_AUTOTHROTTLE"),
            obey_robots=_bool(get("NEWSETL_OBEY_ROBOTS", "1"), "NEWSETL_OBEY_ROBOTS"),
            max_response_bytes=_int(
                get("NEWSETL_MAX_RESPONSE_BYTES", str(defaults.max_response_bytes)),
                "NEWSETL_MAX_RESPONSE_BYTES",
            ),
            max_sitemap_urls=_int(
                get("NEWSETL_MAX_SITEMAP_URLS", str(defaults.max_sitemap_urls)), "NEWSETL_MAX_SITEMAP_URLS"
            ),
            max_run_urls=_int(
                get("NEWSETL_MAX_RUN_URLS", str(defaults.max_run_urls)), "NEWSETL_MAX_RUN_URLS"
            ),
            max_sitemap_depth=_int(
                get("NEWSETL_MAX_SITEMAP_DEPTH", str(defaults.max_sitemap_depth)), "NEWSETL_MAX_SITEMAP_DEPTH"
            ),
            max_sitemap_children=_int(
                get("NEWSETL_MAX_SITEMAP_CHILDREN", str(defaults.max_sitemap_children)),
                "NEWSETL_MAX_SITEMAP_CHILDREN",
            ),
            retry_times=_int(get("NEWSETL_RETRY_TIMES", str(defaults.retry_times)), "NEWSETL_RETRY_TIMES"),
            retry_backoff=_float(
                get("NEWSETL_RETRY_BACKOFF", str(defaults.retry_backoff)), "NEWSETL_RETRY_BACKOFF"
            ),
            retry_max_delay=_float(
                get("NEWSETL_RETRY_MAX_DELAY", str(defaults.retry_max_delay)), "NEWSETL_RETRY_MAX_DELAY"
            ),
            download_timeout=_float(
                get("NEWSETL_DOWNLOAD_TIMEOUT", str(defaults.download_timeout)), "NEWSETL_DOWNLOAD_TIMEOUT"
            ),
            crawl_timeout=_float(
                get("NEWSETL_CRAWL_TIMEOUT", str(defaults.crawl_timeout)), "NEWSETL_CRAWL_TIMEOUT"
            ),
            sources_file=get("NEWSETL_SOURCES_FILE", ""),
            ingest_sources=tuple(
                k.strip() for k in get("NEWSETL_INGEST_SOURCES", "").split(",") if k.strip()
            ),
            warehouse_conn_id=get("NEWSETL_WAREHOUSE_CONN_ID", "").strip(),
            max_quarantine_ratio=_float(
                get("NEWSETL_MAX_QUARANTINE_RATIO", str(defaults.max_quarantine_ratio)),
                "NEWSETL_MAX_QUARANTINE_RATIO",
            ),
            max_failed_fetch_ratio=_float(
                get("NEWSETL_MAX_FAILED_FETCH_RATIO", str(defaults.max_failed_fetch_ratio)),
                "NEWSETL_MAX_FAILED_FETCH_RATIO",
            ),
            min_fetched_for_ratio=_int(
                get("NEWSETL_MIN_FETCHED_FOR_RATIO", str(defaults.min_fetched_for_ratio)),
                "NEWSETL_MIN_FETCHED_FOR_RATIO",
            ),
            check_recent_runs=_int(
                get("NEWSETL_CHECK_RECENT_RUNS", str(defaults.check_recent_runs)), "NEWSETL_CHECK_RECENT_RUNS"
            ),
            workers=_int(get("NEWSETL_WORKERS", str(defaults.workers)), "NEWSETL_WORKERS"),
        )

    def sources_path(self) -> Path:
        """The sources file: ``sources_file``, or seeds/sources.yaml of this checkout."""
        from transforms.sources import DEFAULT_SOURCES_FILE

        return Path(self.sources_file) if self.sources_file else DEFAULT_SOURCES_FILE

    @property
    def data_root_is_local(self) -> bool:
        return "://" not in self.data_root or self.data_root.startswith("file://")

    def resolved_warehouse_url(self) -> str:
        """The warehouse URL; by default a SQLite file under the (local) data root."""
        if self.warehouse_url:
            return self.warehouse_url
        root = self.data_root.removeprefix("file://") if self.data_root_is_local else "data"
        return f"sqlite:///{Path(root).resolve() / 'warehouse.sqlite'}"


# Numbers that may be 0: no wait between requests, no retry, a retry at once. Every other number field, and
# any added later, must be at least 1 (whole numbers) or above 0 (seconds, sizes): 0 concurrent requests
# crawls nothing forever, and a 0, negative or NaN timeout or size cap ends a run green and empty.
ZERO_ALLOWED = frozenset({"download_delay", "retry_times", "retry_backoff", "retry_max_delay"})
# Shares of a run's fetches: above 0 (0 would fail every run with one bad page) and at most 1.
RATIOS = frozenset({"max_quarantine_ratio", "max_failed_fetch_ratio"})
_FIELD_TYPES: dict[str, object] = get_type_hints(Settings)


def _expected(name: str, value: object) -> str | None:
    """What the field ``name`` expects when ``value`` is not acceptable, else None."""
    kind = _FIELD_TYPES.get(name)
    low = 0 if name in ZERO_ALLOWED else 1
    if kind is bool:
        return None if isinstance(value, bool) else "a boolean (1/0, true/false, yes/no, on/off)"
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= low:
            return None
        return f"a whole number of at least {low}"
    if kind is float:
        high = 1 if name in RATIOS else math.inf
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            if (value > 0 or (low == 0 and value == 0)) and value <= high:
                return None
        if name in RATIOS:
            return "a finite number above 0 and at most 1"
        return "a finite number of at least 0" if low == 0 else "a finite number above 0"
    if kind == tuple[str, ...]:
        return None if isinstance(value, tuple) and all(isinstance(v, str) for v in value) else "a list"
    if kind is not str:
        return None  # a type without a rule: tests/test_settings_validation.py asks for one
    if not isinstance(value, str):
        return "text"
    return _STRING_RULES[name](value) if name in _STRING_RULES else None


def _one_line(value: str) -> str | None:
    # A User-Agent with a line break would write a header of its own into every request.
    return None if value.isprintable() else "one line of printable text"


def _mirror(value: str) -> str | None:
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number or out of range)
    except ValueError:
        parts = urlsplit("")
    plain = "@" not in parts.netloc and "\\" not in value
    if parts.scheme in {"http", "https"} and parts.hostname and plain and not (parts.path or parts.query):
        return None
    return "an origin such as http://127.0.0.1:8765"


def _existing_file(value: str) -> str | None:
    return None if not value or Path(value).is_file() else "an existing file"


def _not_empty(value: str) -> str | None:
    return None if value else "a folder or an fsspec URL"


_STRING_RULES = {
    "user_agent": _one_line,
    "mirror": _mirror,
    "sources_file": _existing_file,
    "data_root": _not_empty,
}
