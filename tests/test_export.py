"""newsetl.export: daily seed files and the Parquet snapshot, from a warehouse filled by the real steps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import wh_factory as factory

from newsetl import pipeline
from newsetl.export import export_for_analysts
from transforms.settings import Settings


def _fill(tmp_path: Path, settings: Settings, run_id: str, records: list[Any]) -> None:
    plan = pipeline.RunPlan.make("pravda", run_id, settings)
    factory.write_raw(Path(plan.raw_url), records, [factory.parsed(r) for r in records])
    pipeline.transform(plan)
    pipeline.load(plan, settings, dag_run_id=None, started_at=datetime(2024, 11, 25, tzinfo=UTC))


def test_export_writes_one_seed_file_per_article_per_day_and_a_snapshot(tmp_path: Path) -> None:
    settings = replace(Settings(), data_root=str(tmp_path / "data"))
    records = [
        factory.make_record(i, published_at=datetime(2023, 9, 30, 8 + i, tzinfo=UTC)) for i in range(2)
    ]
    records.append(factory.make_record(5, published_at=datetime(2023, 10, 2, 9, tzinfo=UTC)))
    _fill(tmp_path, settings, "r1", records)

    result = export_for_analysts(settings, now=datetime(2024, 11, 26, tzinfo=UTC))
    export = tmp_path / "data" / "export"
    assert result.days == ["2023-09-30", "2023-10-02"]
    assert result.documents == 3
    first_day = sorted((export / "seed" / "2023-09-30").iterdir())
    assert [p.name[:4] for p in first_day] == ["000_", "001_"]
    assert first_day[0].read_bytes() == records[0].seed_text.encode("utf-8")
    assert len(list((export / "seed" / "2023-10-02").iterdir())) == 1
    snapshot = pd.read_parquet(export / "snapshot" / "articles.parquet")
    assert sorted(snapshot["url"]) == sorted(r.url for r in records)
    assert result.snapshot_rows == 3


def test_export_rewrites_a_day_whole_and_skips_days_not_seen_recently(tmp_path: Path) -> None:
    settings = replace(Settings(), data_root=str(tmp_path / "data"))
    _fill(tmp_path, settings, "r1", [factory.make_record(1)])
    stale = tmp_path / "data" / "export" / "seed" / "2023-09-30" / "999_stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("left over", encoding="utf-8")

    assert export_for_analysts(settings, now=datetime(2030, 1, 1, tzinfo=UTC)).days == []
    assert stale.exists()
    result = export_for_analysts(settings, now=datetime(2024, 11, 26, tzinfo=UTC))
    assert result.days == ["2023-09-30"]
    assert [p.name[:4] for p in stale.parent.iterdir()] == ["000_"]
