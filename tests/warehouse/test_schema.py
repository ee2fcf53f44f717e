"""The article schema (transforms.schema) is the one list of an article's columns.

Every column list is derived from it here and compared with what must agree: the warehouse models, the
migrated database (on both engines), the loader's staging table and SQL, the staged Parquet file and the
documentation tables. A column added to the schema and forgotten anywhere fails one of these tests.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Date, Engine, Integer, String, Text, inspect
from wh_docs import column_types
from wh_factory import make_record, parsed, write_raw

from transforms.schema import (
    ARTICLE_COLUMNS,
    ARTICLES,
    RECORD_COLUMNS,
    VERSIONS,
    Column,
    Kind,
    arrow_schema,
    documentation_table,
    stored_columns,
)
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from transforms.stage import stage_run
from warehouse import load
from warehouse.models import Base
from warehouse.staging import BATCH_COLUMNS, batch
from warehouse.types import UTCDateTime

ROOT = Path(__file__).resolve().parents[2]
DOC_TYPES = {
    Kind.TEXT: "text",
    Kind.TEXT_LIST: "text",
    Kind.INTEGER: "integer",
    Kind.TIMESTAMP: "timestamp (UTC)",
    Kind.DATE: "date",
}


def stored() -> list[tuple[str, Column]]:
    return [(table, column) for table in (ARTICLES, VERSIONS) for column in stored_columns(table)]


def test_every_column_the_warehouse_keeps_is_of_a_kind_it_can_store() -> None:
    assert {c.kind for _, c in stored()} <= set(DOC_TYPES)
    assert {c.name for c in stored_columns(ARTICLES)} >= {"url", "source", "seed_text", "content_hash"}


@pytest.mark.parametrize(("table", "column"), stored(), ids=lambda v: getattr(v, "name", v))
def test_the_models_keep_each_stored_column_as_the_schema_says(table: str, column: Column) -> None:
    model = Base.metadata.tables[table].c[column.name]
    assert model.nullable == column.nullable
    expected = {
        Kind.TEXT: String if column.max_length else Text,
        Kind.TEXT_LIST: Text,
        Kind.INTEGER: Integer,
        Kind.TIMESTAMP: UTCDateTime,
        Kind.DATE: Date,
    }[column.kind]
    assert isinstance(model.type, expected), model.type
    assert getattr(model.type, "length", None) == column.max_length


def test_the_migrated_warehouse_has_each_stored_column_with_its_nullability_and_length(
    engine: Engine,
) -> None:
    inspector = inspect(engine)
    for table, column in stored():
        actual = {c["name"]: c for c in inspector.get_columns(table)}
        assert column.name in actual, f"{table}.{column.name} is not in the migrated warehouse"
        assert actual[column.name]["nullable"] == column.nullable, f"{table}.{column.name}"
        assert getattr(actual[column.name]["type"], "length", None) == column.max_length, (
            f"{table}.{column.name}"
        )


def test_the_staging_table_and_the_loaders_statements_list_the_schemas_columns() -> None:
    assert [c.name for c in BATCH_COLUMNS] == [
        c.name for c in ARTICLE_COLUMNS if c.stored or c.name == "fetched_at"
    ]
    assert list(batch.c.keys()) == [
        "row_no",
        *(c.name for c in BATCH_COLUMNS),
        "payload",
        "reject_reason",
        "article_id",
        "action",
    ]
    articles = [c.name for c in stored_columns(ARTICLES)]
    versions = [c.name for c in stored_columns(VERSIONS)]
    assert f"INSERT INTO articles ({', '.join(articles)}, first_seen_at" in load._INSERT_ARTICLES
    assert f"article_id, version, {', '.join(versions)}, seen_at" in load._INSERT_VERSIONS
    assert ", ".join(f"b.{name}" for name in versions) in load._INSERT_VERSIONS
    assert ", ".join(f"{n} = b.{n}" for n in articles if n not in ("url", "source")) in load._UPDATE_CHANGED
    for column in BATCH_COLUMNS:
        if not column.nullable:
            assert f"{column.name} IS NULL" in load._MARK_REJECTS
        if column.max_length:
            assert f"length({column.name}) > {column.max_length}" in load._MARK_REJECTS


def test_the_staged_parquet_file_has_the_schemas_columns_and_types(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    records = [make_record(1)]
    write_raw(tmp_path / "raw", records, [parsed(r) for r in records])
    result = stage_run(
        str(tmp_path / "raw"),
        str(tmp_path / "staged"),
        run_id="r",
        sources=load_sources(DEFAULT_SOURCES_FILE),
    )
    schema = pq.read_schema(result.records_url)
    assert schema.names == [c.name for c in ARTICLE_COLUMNS]
    assert schema.equals(arrow_schema())
    assert schema.field("authors").type == pa.list_(pa.string())  # lists stay lists
    assert schema.field("published_at").type == pa.timestamp("us", tz="UTC")  # timestamps stay timestamps


def test_a_staged_table_of_another_schema_is_refused_naming_the_column() -> None:
    other = pa.schema([f.with_type(pa.string()) if f.name == "authors" else f for f in arrow_schema()])
    with pytest.raises(
        ValueError, match=r"records.parquet is not a staged article table .*authors \(expected list"
    ):
        load.check_staged_table(other.empty_table(), "records.parquet")


def test_the_record_documentation_shows_the_schemas_tables() -> None:
    doc = (ROOT / "docs" / "article-record.md").read_text(encoding="utf-8")
    assert documentation_table(RECORD_COLUMNS) in doc
    assert documentation_table(ARTICLE_COLUMNS) in doc


def test_the_warehouse_documentation_types_each_stored_column_as_the_schema_does() -> None:
    documented = column_types()
    for table, column in stored():
        cell = documented[table].get(column.name)
        assert cell is not None, f"docs/warehouse.md: {table}.{column.name} is not documented"
        assert cell.startswith(DOC_TYPES[column.kind]), (
            f"docs/warehouse.md: {table}.{column.name} is {cell!r}"
        )
        assert ("nullable" in cell) == column.nullable, (
            f"docs/warehouse.md: {table}.{column.name} is {cell!r}"
        )
