"""Defaults shared by the DAG files in dags/ (kept in the package so every Airflow process can import it).

Kept tiny and free of heavy imports: the DAG processor imports it every time it parses a DAG file. A DAG
file reads its settings and the sources file once (:func:`parse_time_sources`) and hands them to the helpers
here; a task builds its settings once (:func:`task_settings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transforms.settings import Settings
    from transforms.sources import Source

OWNER = "newsetl"

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    # Network fetches and warehouse locks fail transiently; back off 1, 2, 4... minutes up to 30.
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(minutes=30),
}

# Tasks that do no network work should never take long; a hang means a bug, so fail it early.
SHORT_TIMEOUT = timedelta(minutes=10)
CRAWL_TIMEOUT = timedelta(minutes=50)
BACKFILL_CRAWL_TIMEOUT = timedelta(hours=6)

START_DATE = datetime(2026, 1, 1, tzinfo=UTC)

# The warehouse's articles table as an Airflow Asset: the load tasks publish it, the export DAG follows it.
ARTICLES_ASSET_NAME = "newsetl_articles"
ARTICLES_ASSET_URI = "newsetl://warehouse/articles"


def articles_asset() -> Any:
    from airflow.sdk import Asset

    return Asset(name=ARTICLES_ASSET_NAME, uri=ARTICLES_ASSET_URI, group="newsetl")


def parse_time_sources() -> tuple[Settings, dict[str, Source]]:
    """The settings and the sources file, read once when a DAG file is parsed."""
    from transforms.settings import Settings
    from transforms.sources import load_sources

    settings = Settings.from_env()
    return settings, load_sources(settings.sources_path())


def enabled_sources(sources: Mapping[str, Source], settings: Settings) -> list[str]:
    """Keys of the sources news_ingest crawls: those listed in ``NEWSETL_INGEST_SOURCES`` (e.g. only the
    source a replay mirror holds), else the enabled ones of the sources file."""
    unknown = sorted(set(settings.ingest_sources) - set(sources))
    if unknown:
        raise ValueError(
            f"NEWSETL_INGEST_SOURCES names unknown source(s) {', '.join(unknown)}; "
            f"the sources file has {', '.join(sorted(sources))}"
        )
    return list(settings.ingest_sources) or [key for key, source in sources.items() if source.enabled]


def source_param(sources: Mapping[str, Source], description: str) -> Any:
    """The trigger forms' source choice: a key of the sources file."""
    from airflow.sdk import Param

    return Param("pravda", type="string", enum=sorted(sources), title="Source", description=description)


def editions_param(sources: Mapping[str, Source]) -> Any:
    """The backfill form's editions: one or more of every edition key of every source."""
    from airflow.sdk import Param

    editions = sorted({edition for source in sources.values() for edition in source.editions})
    return Param(
        ["eng"],
        type="array",
        items={"type": "string", "enum": editions},
        minItems=1,
        uniqueItems=True,
        examples=editions,
        title="Editions",
        description="One or more editions of the source.",
    )


def date_param(default: str | None, title: str, description: str) -> Any:
    """A trigger form's date field (YYYY-MM-DD, checked by the form before the run starts); ``None`` as
    the default makes it optional."""
    from airflow.sdk import Param

    if default is None:
        return Param(None, type=["null", "string"], format="date", title=title, description=description)
    return Param(default, type="string", format="date", title=title, description=description)


def task_env() -> tuple[Settings, dict[str, Source]]:
    """What a task works with, read once when it starts: its settings and the sources file."""
    from transforms.sources import load_sources

    settings = task_settings()
    return settings, load_sources(settings.sources_path())


def task_settings() -> Settings:
    """The settings a task runs with: ``NEWSETL_*`` variables, and, when ``NEWSETL_WAREHOUSE_CONN_ID`` names
    an Airflow connection, the warehouse from that connection (so its password lives in Airflow's
    connection store rather than in an environment variable)."""
    from dataclasses import replace

    from transforms.settings import Settings

    settings = Settings.from_env()
    if not settings.warehouse_conn_id:
        return settings
    from airflow.sdk import Connection

    url = connection_sqlalchemy_url(Connection.get(settings.warehouse_conn_id))
    return replace(settings, warehouse_url=url)


def connection_sqlalchemy_url(conn: Any) -> str:
    """A SQLAlchemy URL from an Airflow connection: its ``sqlalchemy_url`` extra, or built from a
    ``sqlite`` (host = the file) or ``postgres`` connection."""
    from sqlalchemy.engine import URL

    explicit = (conn.extra_dejson or {}).get("sqlalchemy_url")
    if explicit:
        return str(explicit)
    if conn.conn_type == "sqlite":
        return f"sqlite:///{conn.host}"
    if conn.conn_type in ("postgres", "postgresql"):
        url = URL.create(
            "postgresql+psycopg",
            username=conn.login or None,
            password=conn.password or None,
            host=conn.host or None,
            port=conn.port or None,
            database=conn.schema or None,
        )
        return url.render_as_string(hide_password=False)
    raise ValueError(
        f"connection {conn.conn_id!r} has type {conn.conn_type!r}: the warehouse needs a sqlite or postgres "
        "connection, or a 'sqlalchemy_url' extra"
    )
