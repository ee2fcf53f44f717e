"""Defaults shared by the DAG files in dags/ (kept in the package so every Airflow process can import it).

Kept tiny and free of heavy imports: the DAG processor imports it every time it parses a DAG file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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


def enabled_sources() -> list[str]:
    """Keys of the sources news_ingest crawls.

    The enabled ones in seeds/sources.yaml (a small local file: fine to read at parse time), or those listed
    in NEWSETL_INGEST_SOURCES (comma-separated), e.g. only the source a replay mirror holds.
    """
    import os

    from transforms.sources import load_sources

    sources = load_sources()
    chosen = [key.strip() for key in os.environ.get("NEWSETL_INGEST_SOURCES", "").split(",") if key.strip()]
    unknown = sorted(set(chosen) - set(sources))
    if unknown:
        raise ValueError(
            f"NEWSETL_INGEST_SOURCES names unknown source(s) {', '.join(unknown)}; "
            f"seeds/sources.yaml has {', '.join(sorted(sources))}"
        )
    return chosen or [key for key, source in sources.items() if source.enabled]


def all_sources() -> list[str]:
    from transforms.sources import load_sources

    return sorted(load_sources())


def source_editions() -> list[str]:
    """Every edition key of every source, for the trigger forms' choice lists."""
    from transforms.sources import load_sources

    return sorted({edition for source in load_sources().values() for edition in source.editions})


def source_param(description: str) -> Any:
    """The trigger forms' source choice: a key of seeds/sources.yaml."""
    from airflow.sdk import Param

    return Param("pravda", type="string", enum=all_sources(), title="Source", description=description)


def date_param(default: str, title: str, description: str) -> Any:
    """A trigger form's date field (YYYY-MM-DD, checked by the form before the run starts)."""
    from airflow.sdk import Param

    return Param(default, type="string", format="date", title=title, description=description)


def task_settings() -> Any:
    """The settings a task runs with: ``NEWSETL_*`` variables, and, when ``NEWSETL_WAREHOUSE_CONN_ID`` names
    an Airflow connection, the warehouse from that connection (so its password lives in Airflow's
    connection store rather than in an environment variable)."""
    import os
    from dataclasses import replace

    from transforms.settings import Settings

    settings = Settings.from_env()
    conn_id = os.environ.get("NEWSETL_WAREHOUSE_CONN_ID", "").strip()
    if not conn_id:
        return settings
    from airflow.sdk import Connection

    return replace(settings, warehouse_url=connection_sqlalchemy_url(Connection.get(conn_id)))


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
