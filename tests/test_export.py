"""newsetl.export: daily seed files and the typed Parquet dataset, from a warehouse filled by the real steps
(the dataset's types and the other formats: tests/test_typed_export.py).

A partition is a set of crawl runs (what news_export's triggering loads name) or a range of days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import wh_factory as factory

from newsetl.export import export_days, export_runs, partitioning
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

SOURCES = load_sources(DEFAULT_SOURCES_FILE)


def _fill(settings: Settings, run_id: str, records: list[Any]) -> None:
    factory.pipeline_run(settings, "pravda", records, run_id=run_id)


def _settings(tmp_path: Path) -> Settings:
    return replace(Settings(), data_root=str(tmp_path / "data"))


def test_export_writes_one_seed_file_per_article_per_day_and_a_snapshot(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    records = [
        factory.make_record(i, published_at=datetime(2023, 9, 30, 8 + i, tzinfo=UTC)) for i in range(2)
    ]
    records.append(factory.make_record(5, published_at=datetime(2023, 10, 2, 9, tzinfo=UTC)))
    _fill(settings, "r1", records)

    result = export_runs(settings, ["pravda_r1"])
    export = tmp_path / "data" / "export"
    assert result.days == ["2023-09-30", "2023-10-02"]
    assert result.documents == 3
    first_day = sorted((export / "seed" / "2023-09-30").iterdir())
    assert [p.name[:4] for p in first_day] == ["000_", "001_"]
    assert first_day[0].read_bytes() == factory.seed_text(records[0]).encode("utf-8")
    assert len(list((export / "seed" / "2023-10-02").iterdir())) == 1
    snapshot = pd.read_parquet(export / "articles" / "parquet", partitioning=partitioning())
    assert sorted(snapshot["url"]) == sorted(r.url for r in records)
    assert result.snapshot_rows == 3
    assert result.snapshot_url == str(export / "articles" / "parquet")


def test_export_rewrites_its_partitions_days_whole_and_no_other(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _fill(settings, "r1", [factory.make_record(1)])
    stale = tmp_path / "data" / "export" / "seed" / "2023-09-30" / "999_stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("left over", encoding="utf-8")

    assert export_runs(settings, ["a-run-that-stored-nothing"]).days == []
    assert stale.exists()
    result = export_runs(settings, ["pravda_r1"])
    assert result.days == ["2023-09-30"]
    assert [p.name[:4] for p in stale.parent.iterdir()] == ["000_"]
    # The same partition again gives the same files.
    again = export_runs(settings, ["pravda_r1"])
    assert again == result and [p.name[:4] for p in stale.parent.iterdir()] == ["000_"]


def test_an_article_whose_day_moved_leaves_no_copy_in_its_old_day(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = factory.make_record(1, published_at=datetime(2023, 9, 30, 8, tzinfo=UTC))
    _fill(settings, "r1", [first])
    export_runs(settings, ["pravda_r1"])
    moved = replace(
        first,
        headline="Corrected: " + first.headline,
        published_at=datetime(2023, 10, 5, 8, tzinfo=UTC),
        fetched_at=datetime(2024, 11, 26, 8, tzinfo=UTC),
    )
    _fill(settings, "r2", [moved])
    result = export_runs(settings, ["pravda_r2"])
    assert result.days == ["2023-09-30", "2023-10-05"]
    seed = tmp_path / "data" / "export" / "seed"
    assert not (seed / "2023-09-30").exists()
    [path] = (seed / "2023-10-05").iterdir()
    assert path.read_bytes() == factory.seed_text(moved).encode("utf-8")


def test_export_of_a_range_of_days(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    records = [
        factory.make_record(i, published_at=datetime(2023, 9, 28 + i, 8, tzinfo=UTC)) for i in range(3)
    ]
    _fill(settings, "r1", records)
    result = export_days(settings, date(2023, 9, 29), date(2023, 9, 30))
    assert (result.days, result.documents) == (["2023-09-29", "2023-09-30"], 2)


def test_export_of_a_range_empties_the_days_of_the_range_that_lost_their_articles(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _fill(settings, "r1", [factory.make_record(1, published_at=datetime(2023, 9, 30, 8, tzinfo=UTC))])
    seed = tmp_path / "data" / "export" / "seed"
    for day in ("2023-09-29", "2023-10-01", "2023-10-09"):
        (seed / day).mkdir(parents=True)
        (seed / day / "000_gone.txt").write_text("an article no longer on that day", encoding="utf-8")
    result = export_days(settings, date(2023, 9, 29), date(2023, 10, 1))
    assert (result.days, result.documents) == (["2023-09-30"], 1)
    assert sorted(p.name for p in seed.iterdir()) == ["2023-09-30", "2023-10-09"]  # outside the range: kept
