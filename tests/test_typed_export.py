"""Typed exports: ``newsetl export --format parquet|csv|jsonl`` and the news_export step's Parquet
dataset, from a warehouse filled by the real transform and load steps on SQLite and PostgreSQL, read back
with pyarrow, DuckDB, the csv module and json, and checked against the warehouse."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
import wh_factory as factory
from sqlalchemy import text

from newsetl.cli import main
from newsetl.export import (
    article_schema,
    export_articles,
    export_runs,
    partitioning,
    split_list_cell,
)
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.engine import make_engine

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
# Long enough for the near-duplicate test to see the two copies as one story.
SHARED_STORY = tuple(
    f"Sentence {i} of the shared story: the air defence forces shot down drones over the capital region."
    for i in range(12)
)


def _records() -> dict[str, list[Any]]:
    pravda = [
        factory.make_record(
            1,
            published_at=datetime(2023, 9, 30, 8, tzinfo=UTC),
            authors=("Anna Ivanenko", "Petro; Jr.", "Back\\slash"),
            tags=("war", "NATO"),
            paragraphs=SHARED_STORY,
        ),
        # 23:30 UTC: the publication day is the UTC day, whatever the site's own time zone said.
        factory.make_record(2, published_at=datetime(2023, 10, 1, 23, 30, tzinfo=UTC), tags=()),
        replace(factory.make_record(3, edition="ukr", tags=("Київ",)), published_at=None),
    ]
    kyiv = factory.make_record(
        4,
        published_at=datetime(2023, 9, 30, 10, tzinfo=UTC),
        headline="Drones shot down over Kyiv region",
        paragraphs=SHARED_STORY,
        tags=("Kyiv",),
        authors=(),
    )
    kyiv = replace(
        kyiv,
        source="kyivindependent",
        edition="en",
        language="en",
        url="https://kyivindependent.com/drones-shot-down-over-kyiv-region/",
        parser="generic@2025",
    )
    return {"pravda": pravda, "kyivindependent": [kyiv]}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A warehouse with two sources, three publication days, an undated article, tags, several authors and
    a story shared across the sources, filled by the transform and load steps."""
    url = "" if request.param == "sqlite" else str(request.getfixturevalue("fresh_pg_url"))
    return _filled(tmp_path, url)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return _filled(tmp_path, "")


def _filled(tmp_path: Path, url: str) -> Settings:
    settings = replace(Settings(), data_root=str(tmp_path / "data"), warehouse_url=url)
    for source, records in _records().items():
        counts = factory.pipeline_run(settings, source, records)
        assert counts["inserted"] == len(records), counts
    return settings


def _warehouse(settings: Settings) -> dict[str, dict[str, Any]]:
    """What the warehouse holds per URL: the columns to compare, its tags from v_article_tags."""
    engine = make_engine(settings.resolved_warehouse_url())
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT url, source, authors, story_id, detected_language, word_count, current_version "
                    "FROM articles"
                )
            ).mappings()
            held = {r["url"]: {**r, "authors": json.loads(r["authors"]), "tags": set()} for r in rows}
            for url, tag in conn.execute(text("SELECT url, tag FROM v_article_tags")):
                held[url]["tags"].add(tag)
    finally:
        engine.dispose()
    return held


def _check_against_warehouse(read: list[dict[str, Any]], settings: Settings) -> None:
    held = _warehouse(settings)
    assert sorted(r["url"] for r in read) == sorted(held)
    for row in read:
        expected = held[row["url"]]
        assert row["source"] == expected["source"]
        assert row["authors"] == expected["authors"]
        assert set(row["tags"]) == expected["tags"]
        assert row["story_id"] == expected["story_id"]
        assert row["detected_language"] == expected["detected_language"]
        assert (row["word_count"], row["current_version"]) == (expected["word_count"], 1)


def test_parquet_is_a_typed_hive_dataset_that_pyarrow_and_duckdb_read_back(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    import newsetl.export

    # Written a batch at a time: 4 articles in batches of 3 and 1 give the same dataset.
    monkeypatch.setattr(newsetl.export, "BATCH_ROWS", 3)
    result = export_articles(settings, "parquet")
    folder = Path(result.url)
    assert folder == Path(settings.data_root).resolve() / "export" / "articles" / "parquet"
    assert (result.rows, result.files) == (4, 4)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")) == [
        "source=kyivindependent/published_date=2023-09-30/part-0.parquet",
        "source=pravda/published_date=2023-09-30/part-0.parquet",
        "source=pravda/published_date=2023-10-01/part-0.parquet",
        "source=pravda/published_date=__HIVE_DEFAULT_PARTITION__/part-0.parquet",
    ]

    table = ds.dataset(folder, format="parquet", partitioning=partitioning()).to_table()
    schema = article_schema()
    for name in schema.names:
        assert table.schema.field(name).type == schema.field(name).type, name
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("authors").type == pa.list_(pa.string())
    assert table.schema.field("published_date").type == pa.date32()
    rows = table.to_pylist()
    _check_against_warehouse(rows, settings)
    by_url = {r["url"]: r for r in rows}
    first = by_url["https://www.pravda.com.ua/eng/news/2023/09/30/7400001/"]
    assert first["authors"] == ["Anna Ivanenko", "Petro; Jr.", "Back\\slash"]
    assert first["tags"] == ["war", "NATO"]  # page order
    assert first["published_at"] == datetime(2023, 9, 30, 8, tzinfo=UTC)
    assert first["collected_on"] == date(2024, 11, 25)
    # The two copies of the shared story, on two sources, carry one story id.
    kyiv = by_url["https://kyivindependent.com/drones-shot-down-over-kyiv-region/"]
    assert first["story_id"] is not None and kyiv["story_id"] == first["story_id"]
    late = by_url["https://www.pravda.com.ua/eng/news/2023/10/01/7400002/"]
    assert (late["published_date"], late["tags"]) == (date(2023, 10, 1), [])
    [undated] = [r for r in rows if r["published_at"] is None]
    assert undated["published_date"] is None and undated["tags"] == ["Київ"]
    # Read without the typed partitioning, as a user would: the null partition still reads as null.
    plain = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    assert plain.column("published_date").null_count == 1

    glob = str(folder / "**" / "*.parquet")
    con = duckdb.connect()
    types = dict(
        con.execute(
            "SELECT column_name, column_type "
            "FROM (DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning=true))",
            [glob],
        ).fetchall()
    )
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["collected_on"] == "DATE"
    assert types["published_date"] == "DATE"
    assert types["authors"] == types["tags"] == "VARCHAR[]"
    assert types["article_id"] == "BIGINT" and types["word_count"] == "INTEGER"
    per_source = con.execute(
        "SELECT source, count(*), count(published_date), sum(len(tags)) "
        "FROM read_parquet(?, hive_partitioning=true) GROUP BY source ORDER BY source",
        [glob],
    ).fetchall()
    assert per_source == [("kyivindependent", 1, 1, 1), ("pravda", 3, 2, 3)]


def test_csv_and_jsonl_read_back_to_the_warehouses_values(settings: Settings, tmp_path: Path) -> None:
    import duckdb

    out = tmp_path / "out"
    csv_result = export_articles(settings, "csv", out=str(out))
    jsonl_result = export_articles(settings, "jsonl", out=str(out))
    assert (csv_result.url, csv_result.rows) == (str(out / "articles.csv"), 4)
    assert (jsonl_result.url, jsonl_result.rows) == (str(out / "articles.jsonl"), 4)

    with (out / "articles.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == article_schema().names
        cells = list(reader)
    from_csv = [
        {
            **c,
            "authors": split_list_cell(c["authors"]),
            "tags": split_list_cell(c["tags"]),
            "story_id": c["story_id"] or None,
            "detected_language": c["detected_language"] or None,
            "word_count": int(c["word_count"]),
            "current_version": int(c["current_version"]),
        }
        for c in cells
    ]
    _check_against_warehouse(from_csv, settings)
    first = next(c for c in cells if c["url"].endswith("/7400001/"))
    assert first["authors"] == "Anna Ivanenko;Petro\\; Jr.;Back\\\\slash"
    assert first["published_at"] == "2023-09-30T08:00:00+00:00"
    assert [c["published_at"] for c in cells if c["url"].endswith("/7400003/")] == [""]

    lines = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    from_jsonl = [json.loads(line) for line in lines]
    _check_against_warehouse(from_jsonl, settings)
    item = next(r for r in from_jsonl if r["url"].endswith("/7400001/"))
    assert (item["published_at"], item["collected_on"]) == ("2023-09-30T08:00:00+00:00", "2024-11-25")
    assert item["authors"] == ["Anna Ivanenko", "Petro; Jr.", "Back\\slash"]
    assert [r["published_at"] for r in from_jsonl if r["url"].endswith("/7400003/")] == [None]

    # DuckDB reads both with typed timestamps, without being told the types.
    con = duckdb.connect()
    for reader_sql, path in (("read_csv", out / "articles.csv"), ("read_json", out / "articles.jsonl")):
        described = dict(
            con.execute(
                f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {reader_sql}(?))", [str(path)]
            ).fetchall()
        )
        assert described["published_at"] == "TIMESTAMP WITH TIME ZONE", (reader_sql, described)
        assert con.execute(f"SELECT count(*) FROM {reader_sql}(?)", [str(path)]).fetchone() == (4,)


def _cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *argv: str) -> int:
    monkeypatch.setenv("NEWSETL_DATA_ROOT", settings.data_root)
    monkeypatch.setenv("NEWSETL_WAREHOUSE_URL", settings.resolved_warehouse_url())
    return main(["export", *argv])


def test_the_command_selects_publication_days_and_sources(
    sqlite_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def urls(*argv: str) -> list[str]:
        out = tmp_path / "sel"
        assert _cli(monkeypatch, sqlite_settings, "--format", "jsonl", "--out", str(out), *argv) == 0
        lines = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        return sorted(json.loads(line)["url"].rsplit("/", 2)[-2] for line in lines)

    assert urls() == ["7400001", "7400002", "7400003", "drones-shot-down-over-kyiv-region"]
    assert "4 article(s) written to" in capsys.readouterr().out
    # Inclusive UTC days; an undated article has no publication day, so any day filter leaves it out.
    assert urls("--since", "2023-10-01") == ["7400002"]
    assert urls("--until", "2023-09-30") == ["7400001", "drones-shot-down-over-kyiv-region"]
    assert urls("--since", "2023-09-30", "--until", "2023-09-30", "--source", "pravda") == ["7400001"]
    assert urls("--source", "pravda", "--source", "kyivindependent", "--since", "2023-09-01") == [
        "7400001",
        "7400002",
        "drones-shot-down-over-kyiv-region",
    ]


def test_the_command_refuses_an_unknown_source_and_says_when_nothing_matches(
    sqlite_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert _cli(monkeypatch, sqlite_settings, "--out", str(out), "--source", "pravdaa") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'pravdaa'" in err and "kyivindependent, kyivpost" in err
    assert (
        _cli(
            monkeypatch, sqlite_settings, "--out", str(out), "--since", "2023-10-02", "--until", "2023-10-01"
        )
        == 2
    )
    assert "--until 2023-10-01 is before --since 2023-10-02" in capsys.readouterr().err
    assert _cli(monkeypatch, sqlite_settings, "--out", str(out), "--since", "2030-01-01") == 1
    assert "no article matches" in capsys.readouterr().err
    assert not out.exists()
    # The default Parquet folder holds the full dataset news_export keeps: a selection needs its own.
    assert _cli(monkeypatch, sqlite_settings, "--source", "pravda") == 2
    assert "needs --out DIR" in capsys.readouterr().err
    assert not (Path(sqlite_settings.data_root) / "export" / "articles" / "parquet").exists()


def test_a_new_export_replaces_the_previous_dataset_whole(sqlite_settings: Settings, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    export_articles(sqlite_settings, "parquet", out=out)
    narrower = export_articles(sqlite_settings, "parquet", out=out, sources=["kyivindependent"])
    folder = Path(narrower.url)
    assert [p.name for p in folder.iterdir()] == ["source=kyivindependent"]
    assert ds.dataset(folder, partitioning="hive").count_rows() == 1
    assert [p.name for p in folder.parent.iterdir()] == ["parquet"]  # no staging folders left behind


def test_the_news_export_step_writes_the_typed_dataset_of_every_article(sqlite_settings: Settings) -> None:
    export = Path(sqlite_settings.data_root).resolve() / "export"
    old = export / "snapshot" / "articles.parquet"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"the untyped snapshot of earlier versions")

    result = export_runs(sqlite_settings, ["kyivindependent_r1"])
    # The seed export still covers only the partition's days: 2023-09-30, on which both sources published.
    assert result.days == ["2023-09-30"] and result.documents == 2
    # The dataset holds every article, not only the partition's.
    assert (result.snapshot_url, result.snapshot_rows) == (str(export / "articles" / "parquet"), 4)
    table = ds.dataset(result.snapshot_url, partitioning=partitioning()).to_table()
    assert table.num_rows == 4 and table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert not (export / "snapshot").exists()


@pytest.mark.parametrize(
    "names",
    [[], ["plain"], ["a;b", "c"], ["back\\slash", "end\\"], ["", "x"], [";", "\\;"]],
)
def test_a_csv_list_cell_splits_back_into_its_items(names: list[str]) -> None:
    from newsetl.export import _csv_cell

    assert split_list_cell(_csv_cell(names)) == names
