"""The analysts' export, written after every load by the news_export DAG (or by hand).

Under ``{data root}/export/``:

- ``seed/{YYYY-MM-DD}/NNN_{hash}.txt`` — one seed-format document per article of that day (its UTC
  publication day, or its collected day when it has none), the warehouse's ``export_seeds`` naming. Each
  day of the partition is rewritten whole, so the export converges on the warehouse whatever order runs
  come in.
- ``articles/parquet/source={key}/published_date={YYYY-MM-DD}/part-0.parquet`` — every article, typed
  (``article_schema``), as a hive-partitioned Parquet dataset; articles without a publication time are in
  ``published_date=__HIVE_DEFAULT_PARTITION__``, which pyarrow and DuckDB read back as null. Rewritten
  whole after every load, replacing the previous dataset in one rename on a local data root.

``newsetl export`` writes the same typed rows, for a selection (publication days, sources), as that
Parquet dataset, as ``articles.csv`` or as ``articles.jsonl`` (``export_articles``).

A partition of the seed export is a set of crawl runs (the days their articles are on:
``warehouse.export.touched_days``) or a range of days. The queries live in ``warehouse/export.py``; this
module writes the files.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transforms import storage
from transforms.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("parquet", "csv", "jsonl")
# What each format is called inside the output folder: a dataset folder for Parquet, one file otherwise.
OUTPUT_NAMES = {"parquet": "parquet", "csv": "articles.csv", "jsonl": "articles.jsonl"}
# The hive partition keys of the Parquet dataset, in folder order. ``published_date`` is the UTC day of
# ``published_at``; it lives only in the folder names, as hive partition keys do.
PARTITION_KEYS = ("source", "published_date")
# In a CSV list cell the items are joined by ';'; an item's own '\' and ';' are written '\\' and '\;'.
LIST_SEPARATOR = ";"
# Rows per Parquet record batch: the export streams, holding one batch of article bodies at a time.
BATCH_ROWS = 1000


def article_schema() -> pa.Schema:
    """The export's columns and types, the one place they are defined (docs/warehouse.md lists them)."""
    import pyarrow as pa

    utc = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            pa.field("article_id", pa.int64(), nullable=False),
            pa.field("url", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("edition", pa.string(), nullable=False),
            pa.field("language", pa.string(), nullable=False),
            pa.field("detected_language", pa.string()),
            pa.field("section", pa.string()),
            pa.field("headline", pa.string(), nullable=False),
            pa.field("authors", pa.list_(pa.string()), nullable=False),
            pa.field("tags", pa.list_(pa.string()), nullable=False),
            pa.field("published_at", utc),
            pa.field("modified_at", utc),
            pa.field("collected_on", pa.date32(), nullable=False),
            pa.field("first_seen_at", utc, nullable=False),
            pa.field("last_seen_at", utc, nullable=False),
            pa.field("word_count", pa.int32(), nullable=False),
            pa.field("current_version", pa.int32(), nullable=False),
            pa.field("story_id", pa.string()),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("parser", pa.string(), nullable=False),
            pa.field("body_text", pa.string(), nullable=False),
        ]
    )


def partitioning() -> Any:
    """The dataset's hive partitioning with its types: pass it to ``pyarrow.dataset.dataset`` (or
    ``pandas.read_parquet(..., partitioning=...)``) to get ``published_date`` back as a date."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    return ds.partitioning(
        pa.schema([pa.field("source", pa.string()), pa.field("published_date", pa.date32())]), flavor="hive"
    )


@dataclass(frozen=True)
class ExportResult:
    export_url: str
    days: list[str] = field(default_factory=list)
    documents: int = 0
    snapshot_rows: int = 0
    snapshot_url: str = ""


@dataclass(frozen=True)
class ArticlesExport:
    """What ``export_articles`` wrote: ``rows`` articles in ``files`` file(s) at ``url``."""

    format: str
    url: str
    rows: int
    files: int


def articles_dir(settings: Settings) -> str:
    """The default output folder of ``newsetl export``: ``{data root}/export/articles``."""
    from newsetl.pipeline import absolute_data_root

    return storage.join(absolute_data_root(settings), "export", "articles")


def export_articles(
    settings: Settings,
    fmt: str,
    *,
    out: str | None = None,
    since: date | None = None,
    until: date | None = None,
    sources: Collection[str] = (),
) -> ArticlesExport:
    """Write the typed articles of the selection to ``{out}/{OUTPUT_NAMES[fmt]}``, replacing what was
    there. An empty selection writes nothing (``rows`` is 0). Raises ValueError naming a bad argument."""
    from warehouse.engine import make_engine
    from warehouse.export import source_keys, typed_articles

    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if since is not None and until is not None and until < since:
        raise ValueError(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    if out is None and fmt == "parquet" and (since or until or sources):
        # The default Parquet folder is the full dataset news_export keeps; a selection must not replace it.
        raise ValueError(
            f"a selection (--since, --until, --source) in Parquet needs --out DIR: {articles_dir(settings)} "
            "holds the full dataset that news_export keeps"
        )
    url = storage.join(out or articles_dir(settings), OUTPUT_NAMES[fmt])
    with tempfile.TemporaryDirectory(prefix="newsetl-export-") as tmp:
        local = Path(tmp) / OUTPUT_NAMES[fmt]
        engine = make_engine(settings.resolved_warehouse_url())
        try:
            with engine.connect() as conn:
                known = source_keys(conn)
                unknown = sorted(set(sources) - set(known))
                if unknown:
                    raise ValueError(
                        f"source {', '.join(map(repr, unknown))} is not in the warehouse's sources table "
                        f"(it holds: {', '.join(known) or 'none'})"
                    )
                rows, files = WRITERS[fmt](
                    typed_articles(conn, since=since, until=until, sources=sources), local
                )
        finally:
            engine.dispose()
        if rows:
            storage.replace_with(local, url)
    return ArticlesExport(fmt, url, rows, files if rows else 0)


def write_parquet(rows: Iterable[dict[str, Any]], folder: Path) -> tuple[int, int]:
    """Write ``rows`` as a hive-partitioned dataset in ``folder`` (which must not exist), a batch at a
    time; returns how many rows and files. No rows leave an empty folder."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    folder.mkdir(parents=True)
    schema = article_schema().append(pa.field("published_date", pa.date32()))
    count = 0

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal count
        for chunk in _chunks(rows, BATCH_ROWS):
            count += len(chunk)
            dated = [{**row, "published_date": _utc_day(row["published_at"])} for row in chunk]
            yield pa.RecordBatch.from_pylist(dated, schema=schema)

    written: list[str] = []
    ds.write_dataset(
        pa.RecordBatchReader.from_batches(schema, batches()),
        folder,
        format="parquet",
        partitioning=partitioning(),
        basename_template="part-{i}.parquet",
        file_visitor=lambda f: written.append(f.path),
    )
    return count, len(written)


def write_csv(rows: Iterable[dict[str, Any]], path: Path) -> tuple[int, int]:
    """One header line, then one line per article; lists ``;``-joined (see ``LIST_SEPARATOR``),
    timestamps ISO 8601 with ``+00:00``, nulls as empty cells."""
    names = article_schema().names
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_cell(row[name]) for name in names])
            count += 1
    return count, 1


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> tuple[int, int]:
    """One JSON object per line; lists as arrays, timestamps ISO 8601 with ``+00:00``, dates
    ``YYYY-MM-DD``, nulls as null."""
    names = article_schema().names
    count = 0
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            item = {name: _json_value(row[name]) for name in names}
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
            count += 1
    return count, 1


WRITERS: dict[str, Callable[[Iterable[dict[str, Any]], Path], tuple[int, int]]] = {
    "parquet": write_parquet,
    "csv": write_csv,
    "jsonl": write_jsonl,
}


def split_list_cell(cell: str) -> list[str]:
    """The items of a CSV list cell written by ``write_csv`` (the inverse of its joining)."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(cell)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == LIST_SEPARATOR:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    if cell:
        items.append("".join(current))
    return items


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(
            item.replace("\\", "\\\\").replace(LIST_SEPARATOR, "\\" + LIST_SEPARATOR) for item in value
        )
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _utc_day(value: datetime | None) -> date | None:
    return value.astimezone(UTC).date() if value is not None else None


def export_runs(settings: Settings, run_ids: Iterable[str]) -> ExportResult:
    """Export the days of the articles the crawl runs ``run_ids`` stored or confirmed."""
    from warehouse.engine import make_engine
    from warehouse.export import touched_days

    engine = make_engine(settings.resolved_warehouse_url())
    try:
        with engine.connect() as conn:
            days = touched_days(conn, run_ids)
    finally:
        engine.dispose()
    partition = set(days)
    return _export(settings, lambda name: date.fromisoformat(name) in partition, days=days)


def export_days(settings: Settings, start: date, end: date) -> ExportResult:
    """Export every day from ``start`` to ``end`` (inclusive)."""
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    return _export(settings, lambda name: start <= date.fromisoformat(name) <= end, since=start, until=end)


def _export(settings: Settings, replaces: Callable[[str], bool], **selection: Any) -> ExportResult:
    """Rewrite the seed folders of the days ``selection`` names (``write_seed_days``' arguments), remove
    the folders of the partition's days (``replaces``, by folder name) left without articles, and replace
    the typed Parquet dataset of every article."""
    import fsspec

    from newsetl.pipeline import absolute_data_root
    from warehouse.engine import make_engine
    from warehouse.export import typed_articles, write_seed_days

    export_url = storage.join(absolute_data_root(settings), "export")
    fs, export_path = fsspec.core.url_to_fs(export_url)
    seed_path = storage.join(export_path, "seed")
    snapshot_url = storage.join(articles_dir(settings), OUTPUT_NAMES["parquet"])
    with tempfile.TemporaryDirectory(prefix="newsetl-export-") as tmp:
        work = Path(tmp)
        engine = make_engine(settings.resolved_warehouse_url())
        try:
            with engine.connect() as conn:
                counts = write_seed_days(conn, work / "seed", **selection)
                articles, _ = write_parquet(typed_articles(conn), work / "parquet")
        finally:
            engine.dispose()
        # A day folder of the partition is replaced whole: an article that moved to another day, or left
        # the warehouse, leaves no stale copy.
        existing = [
            p.rstrip("/").rsplit("/", 1)[-1] for p in (fs.ls(seed_path) if fs.exists(seed_path) else [])
        ]
        for name in existing:
            if _is_day(name) and replaces(name):
                fs.rm(storage.join(seed_path, name), recursive=True)
        storage.upload_dir(work / "seed", storage.join(export_url, "seed"))
        storage.replace_with(work / "parquet", snapshot_url)
    # The untyped snapshot/articles.parquet of earlier versions would otherwise sit there, stale.
    old_snapshot = storage.join(export_path, "snapshot")
    if fs.exists(old_snapshot):
        fs.rm(old_snapshot, recursive=True)
    return ExportResult(
        export_url=export_url,
        days=[day.isoformat() for day in counts],
        documents=sum(counts.values()),
        snapshot_rows=articles,
        snapshot_url=snapshot_url,
    )


def _is_day(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10
