"""The analysts' export, written after every load by the news_export DAG (or by hand).

Under ``{data root}/export/``:

- ``seed/{YYYY-MM-DD}/NNN_{hash}.txt`` — one seed-format document per article of that day (its UTC
  publication day, or its collected day when it has none), the warehouse's ``export_seeds`` naming. Each
  day of the partition is rewritten whole, so the export converges on the warehouse whatever order runs
  come in.
- ``snapshot/articles.parquet`` — the ``v_latest_articles`` view as one Parquet file (one row per article,
  timestamps in UTC).

A partition is a set of crawl runs (the days their articles are on: ``warehouse.export.touched_days``) or
a range of days. The queries live in ``warehouse/export.py``; this module writes the files.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from transforms import storage
from transforms.settings import Settings


@dataclass(frozen=True)
class ExportResult:
    export_url: str
    days: list[str] = field(default_factory=list)
    documents: int = 0
    snapshot_rows: int = 0


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
    the folders of the partition's days (``replaces``, by folder name) left without articles, and write the
    snapshot."""
    import fsspec

    from newsetl.pipeline import absolute_data_root
    from warehouse.engine import make_engine
    from warehouse.export import latest_articles, write_seed_days

    export_url = storage.join(absolute_data_root(settings), "export")
    fs, export_path = fsspec.core.url_to_fs(export_url)
    seed_path = storage.join(export_path, "seed")
    with tempfile.TemporaryDirectory(prefix="newsetl-export-") as tmp:
        work = Path(tmp)
        engine = make_engine(settings.resolved_warehouse_url())
        try:
            with engine.connect() as conn:
                counts = write_seed_days(conn, work / "seed", **selection)
                snapshot = latest_articles(conn)
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
        (work / "snapshot").mkdir()
        snapshot.to_parquet(work / "snapshot" / "articles.parquet", index=False)
        storage.upload_dir(work, export_url)
    return ExportResult(
        export_url=export_url,
        days=[day.isoformat() for day in counts],
        documents=sum(counts.values()),
        snapshot_rows=len(snapshot),
    )


def _is_day(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10
