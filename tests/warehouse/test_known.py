from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from wh_factory import make_record

from scrapers.known import KnownUrls
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.known import write_source_known_urls
from warehouse.load import RunInfo, load_records


def test_known_urls_list_the_sources_articles_with_their_modification_time(
    engine: Engine, warehouse_url: str, tmp_path: Path
) -> None:
    modified = datetime(2023, 10, 1, 9, 30, tzinfo=UTC)
    records = [replace(make_record(1), modified_at=modified), make_record(2)]
    run = RunInfo("r1", "pravda", None, datetime(2024, 11, 25, tzinfo=UTC))
    load_records(engine, records, run, sources=load_sources(DEFAULT_SOURCES_FILE))
    path = tmp_path / "known.tsv"
    assert write_source_known_urls(warehouse_url, "pravda", path) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == [
        f"{records[0].url}\t2023-10-01T09:30:00+00:00",
        f"{records[1].url}\t{records[1].published_at.isoformat()}",  # type: ignore[union-attr]
    ]
    # The spider's reader takes the file as it is.
    known = KnownUrls.load(path)
    assert records[0].url in known and records[1].url in known
    assert known.skip_reason(records[0].url, datetime(2023, 10, 2, tzinfo=UTC)) is None
    assert known.skip_reason(records[0].url, datetime(2023, 9, 30, tzinfo=UTC)) == "known_unchanged"
    assert write_source_known_urls(warehouse_url, "elsewhere", tmp_path / "none.tsv") == 0


def test_a_warehouse_that_does_not_exist_yet_knows_no_urls(tmp_path: Path) -> None:
    path = tmp_path / "known.tsv"
    assert write_source_known_urls(f"sqlite:///{tmp_path / 'absent.sqlite'}", "pravda", path) == 0
    assert path.read_text() == ""
    assert not (tmp_path / "absent.sqlite").exists()
