"""The analysts' export, written after every load by the news_export DAG (or by hand).

Under ``{data root}/export/``:

- ``seed/{YYYY-MM-DD}/NNN_{hash}.txt`` — one seed-format document per article published that UTC day (the
  warehouse's ``export_seeds`` naming). Only the days of recently loaded articles are rewritten, each day
  folder completely, so the export converges on the warehouse whatever order runs come in.
- ``snapshot/articles.parquet`` — the ``v_latest_articles`` view as one Parquet file (one row per article,
  timestamps in UTC).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from transforms import storage
from transforms.settings import Settings

# Loads confirm or change articles; the days of those seen this recently are the ones worth rewriting.
RECENT = timedelta(days=2)


@dataclass(frozen=True)
class ExportResult:
    export_url: str
    days: list[str] = field(default_factory=list)
    documents: int = 0
    snapshot_rows: int = 0


def recent_days(engine_url: str, *, seen_since: datetime) -> list[date]:
    """Publication days (UTC; the collected day when unknown) of articles seen since ``seen_since``."""
    from sqlalchemy import select

    from warehouse.engine import make_engine
    from warehouse.models import Article

    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Article.published_at, Article.collected_on).where(Article.last_seen_at >= seen_since)
            ).all()
    finally:
        engine.dispose()
    return sorted({(p.astimezone(UTC).date() if p is not None else c) for p, c in rows})


def export_for_analysts(
    settings: Settings, *, days: list[date] | None = None, now: datetime | None = None
) -> ExportResult:
    import fsspec
    import pandas as pd

    from newsetl.pipeline import absolute_data_root, warehouse_url
    from warehouse.engine import make_engine
    from warehouse.seeds import export_seeds

    engine_url = warehouse_url(settings)
    export_url = storage.join(absolute_data_root(settings), "export")
    if days is None:
        days = recent_days(engine_url, seen_since=(now or datetime.now(UTC)) - RECENT)
    fs, export_path = fsspec.core.url_to_fs(export_url)
    documents = 0
    with tempfile.TemporaryDirectory(prefix="newsetl-export-") as tmp:
        work = Path(tmp)
        for day in days:
            documents += len(export_seeds(engine_url, work / "seed" / day.isoformat(), since=day, until=day))
            # A day folder is replaced whole: an article that moved to another day leaves no stale copy.
            day_path = storage.join(export_path, "seed", day.isoformat())
            if fs.exists(day_path):
                fs.rm(day_path, recursive=True)
        engine = make_engine(engine_url)
        try:
            with engine.connect() as conn:
                snapshot = pd.read_sql("SELECT * FROM v_latest_articles ORDER BY article_id", conn)
        finally:
            engine.dispose()
        (work / "snapshot").mkdir()
        snapshot.to_parquet(work / "snapshot" / "articles.parquet", index=False)
        storage.upload_dir(work, export_url)
    return ExportResult(
        export_url=export_url,
        days=[day.isoformat() for day in days],
        documents=documents,
        snapshot_rows=len(snapshot),
    )
