"""The one settings object, read from ``NEWSETL_*`` environment variables.

It lives in the ground layer so that the spiders, the warehouse and the wiring all read the same values.
Each entry point builds it once (``Settings.from_env()``: the CLI's ``main``, an Airflow task, the Scrapy
settings module of a crawl's child process) and passes it down; nothing below reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
    concurrent_requests_per_domain: int = 2
    download_delay: float = 0.5
    autothrottle: bool = True
    obey_robots: bool = True
    max_response_bytes: int = 8 * 1024 * 1024
    retry_times: int = 3
    # Retry backoff: base seconds, doubled per attempt, and the cap (also on a server's Retry-After).
    retry_backoff: float = 1.0
    retry_max_delay: float = 120.0
    download_timeout: float = 30.0
    # The sources file (seeds/sources.yaml format); empty means seeds/sources.yaml of this checkout.
    sources_file: str = ""
    # Airflow only: the sources news_ingest crawls (empty: every enabled one), and an Airflow connection
    # to take the warehouse from instead of warehouse_url.
    ingest_sources: tuple[str, ...] = ()
    warehouse_conn_id: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        get = env.get
        defaults = cls()
        return cls(
            data_root=get("NEWSETL_DATA_ROOT", defaults.data_root) or defaults.data_root,
            warehouse_url=get("NEWSETL_WAREHOUSE_URL", ""),
            mirror=get("NEWSETL_MIRROR", "").rstrip("/"),
            user_agent=get("NEWSETL_USER_AGENT", "") or defaults.user_agent,
            impersonate=get("NEWSETL_IMPERSONATE", ""),
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
            sources_file=get("NEWSETL_SOURCES_FILE", ""),
            ingest_sources=tuple(
                k.strip() for k in get("NEWSETL_INGEST_SOURCES", "").split(",") if k.strip()
            ),
            warehouse_conn_id=get("NEWSETL_WAREHOUSE_CONN_ID", "").strip(),
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
