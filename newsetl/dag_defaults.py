"""Defaults shared by the DAG files in dags/ (kept in the package so every Airflow process can import it).

Kept tiny and free of heavy imports: the DAG processor imports it every time it parses a DAG file. A DAG
file reads its settings and the sources file once (:func:`parse_time_sources`) and hands them to the helpers
here; a task builds its settings once (:func:`task_settings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from newsetl.alerts import FailureAlert

if TYPE_CHECKING:
    from transforms.settings import Settings
    from transforms.sources import Source, SourcesFile

OWNER = "newsetl"

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    # Network fetches and warehouse locks fail transiently; back off 1, 2, 4... minutes up to 30.
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(minutes=30),
    # One e-mail and one webhook POST when a task has failed for good (newsetl/alerts.py).
    "on_failure_callback": FailureAlert(),
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


@dataclass(frozen=True)
class DagSources:
    """What a DAG file knows of its configuration when it is parsed. Reading it never raises: a DAG file
    that failed to import would vanish from the UI with every source in it, so a bad settings variable or
    sources file is kept as ``error`` (one line, with the file and line) and the DAG's first task fails
    with it instead (docs/sources.md, "A bad sources file")."""

    settings: Settings
    file: SourcesFile | None  # None when the file could not be read at all
    error: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        """Every source key of the file, usable or not, in file order."""
        return self.file.keys if self.file else ()


def parse_time_sources() -> DagSources:
    """The settings and the sources file, read once when a DAG file is parsed."""
    from transforms.settings import Settings
    from transforms.sources import SourcesFileError, read_sources

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        return DagSources(Settings(), None, str(exc))
    try:
        return DagSources(settings, read_sources(settings.sources_path()))
    except (OSError, SourcesFileError) as exc:
        return DagSources(settings, None, _file_problem(settings, exc))


def _file_problem(settings: Settings, exc: Exception) -> str:
    if isinstance(exc, OSError):  # a missing file: name it, not just the errno
        return f"{settings.sources_path()}: cannot read the sources file ({exc.strerror or exc})"
    return str(exc)


def enabled_sources(sources: Mapping[str, Source] | SourcesFile, settings: Settings) -> list[str]:
    """Keys of the sources news_ingest crawls: those listed in ``NEWSETL_INGEST_SOURCES`` (e.g. only the
    source a replay mirror holds), else the enabled ones of the sources file (with a bad entry or not: its
    task group fails with the entry's problem)."""
    from transforms.sources import SourcesFile

    if isinstance(sources, SourcesFile):
        keys, enabled = list(sources.keys), list(sources.enabled)
    else:
        keys, enabled = list(sources), [key for key, source in sources.items() if source.enabled]
    unknown = sorted(set(settings.ingest_sources) - set(keys))
    if unknown:
        raise ValueError(
            f"NEWSETL_INGEST_SOURCES names unknown source(s) {', '.join(unknown)}; "
            f"the sources file has {', '.join(sorted(keys))}"
        )
    return list(settings.ingest_sources) or enabled


def ingest_sources(config: DagSources) -> tuple[list[str], str]:
    """news_ingest's task groups (:func:`enabled_sources`), and the problem that leaves it none: the
    settings' or the sources file's, or a ``NEWSETL_INGEST_SOURCES`` naming a source the file lacks."""
    if config.file is None:
        return [], config.error
    try:
        return enabled_sources(config.file, config.settings), ""
    except ValueError as exc:
        return [], str(exc)


def source_param(config: DagSources, description: str) -> Any:
    """The trigger forms' source choice: a key of the sources file (any text when the file is unreadable,
    so that the form still opens; the run's first task then fails with the file's problem)."""
    from airflow.sdk import Param

    if not config.keys:
        return Param(
            "",
            type="string",
            title="Source",
            description=f"{description} The sources file is unusable ({config.error}); runs fail till fixed.",
        )
    default = "pravda" if "pravda" in config.keys else config.keys[0]
    return Param(default, type="string", enum=sorted(config.keys), title="Source", description=description)


ALL_EDITIONS = "all"


def editions_param(config: DagSources) -> Any:
    """The forms' editions: ``all`` (the default: every edition of the chosen source), or editions of it.
    Which editions the chosen source has is checked by the run's first task (:func:`chosen_editions`)."""
    from airflow.sdk import Param

    usable = config.file.sources.values() if config.file else ()
    editions = [ALL_EDITIONS, *sorted({edition for source in usable for edition in source.editions})]
    by_source = "; ".join(f"{s.key}: {', '.join(s.editions)}" for s in usable)
    return Param(
        [ALL_EDITIONS],
        type="array",
        items={"type": "string", "enum": editions} if len(editions) > 1 else {"type": "string"},
        minItems=1,
        uniqueItems=True,
        examples=editions,
        title="Editions",
        description=(
            "all (the default): every edition of the chosen source. Or one or more of that source's "
            f"editions ({by_source or 'see seeds/sources.yaml'}); an edition the source does not have fails "
            "the run's first task."
        ),
    )


def chosen_editions(source: Source, wanted: Any) -> tuple[str, ...]:
    """The editions a form asked for, of ``source``; refuses (one line, no retry) the ones it lacks."""
    from newsetl.task_logging import refuse

    try:
        return source.select_editions([str(e) for e in (wanted or [])])
    except ValueError as exc:
        refuse(f"editions={list(wanted or [])!r}: {exc}")


def chosen_range(start: Any, end: Any) -> tuple[date, date]:
    """A form's ``start`` and ``end`` days; refuses (one line, no retry) an end before the start."""
    from newsetl.task_logging import refuse
    from transforms.times import parse_day

    try:
        since, until = parse_day(str(start), "start"), parse_day(str(end), "end")
    except ValueError as exc:
        refuse(str(exc))
    if until < since:
        refuse(f"end {until.isoformat()} is before start {since.isoformat()}: the range would be empty")
    return since, until


def date_param(default: str | None, title: str, description: str) -> Any:
    """A trigger form's date field (YYYY-MM-DD, checked by the form before the run starts); ``None`` as
    the default makes it optional."""
    from airflow.sdk import Param

    if default is None:
        return Param(None, type=["null", "string"], format="date", title=title, description=description)
    return Param(default, type="string", format="date", title=title, description=description)


def task_env() -> tuple[Settings, dict[str, Source]]:
    """What a task works with, read once when it starts: its settings and the usable sources of the
    sources file. An unreadable file fails the task at once (no retry) with its file:line message."""
    from newsetl.task_logging import refuse
    from transforms.sources import SourcesFileError, read_sources

    try:
        settings = task_settings()
    except ValueError as exc:
        refuse(str(exc))
    try:
        return settings, read_sources(settings.sources_path()).sources
    except (OSError, SourcesFileError) as exc:
        refuse(_file_problem(settings, exc))


def task_source(key: str) -> tuple[Settings, dict[str, Source], Source]:
    """:func:`task_env` and the source ``key``; the task fails at once (no retry) with the file:line line
    when the source's entry is unusable: a schema error, or a parser that is neither ``generic`` nor one
    of ``scrapers.parsers.PARSERS`` (checked here, in the wiring: ``transforms`` may not import
    ``scrapers``)."""
    from newsetl.task_logging import refuse
    from scrapers.parsers import PARSERS
    from transforms.sources import SourcesFileError, read_sources

    settings, _ = task_env()
    try:
        registry = read_sources(settings.sources_path(), PARSERS)
        source = registry.source(key)
    except (OSError, SourcesFileError) as exc:
        refuse(_file_problem(settings, exc))
    if source is None:
        refuse(f"source={key!r} is not in {settings.sources_path()}; it has {', '.join(registry.keys)}")
    return settings, registry.sources, source


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
