from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect
from wh_docs import cell, dictionary, examples, run_example
from wh_docs_data import load_docs_fixture

from warehouse.models import Base
from warehouse.schema_objects import SEARCH_COLUMN, VIEW_NAMES

EXAMPLES = examples()


def test_the_doc_has_at_least_eight_examples_each_with_sql_and_an_answer() -> None:
    assert len(EXAMPLES) >= 8
    for example in EXAMPLES:
        assert example.sql and example.columns and example.answer, f"example {example.number} is incomplete"
        assert "any" in example.sql or {"sqlite", "postgresql"} <= set(example.sql), example.number


def test_every_table_and_view_column_is_documented(engine: Engine) -> None:
    documented = dictionary()
    inspector = inspect(engine)
    for name in [*Base.metadata.tables, *VIEW_NAMES]:
        actual = [c["name"] for c in inspector.get_columns(name) if c["name"] != SEARCH_COLUMN]
        assert documented.get(name) == actual, f"docs/warehouse.md: columns of {name}"


@pytest.fixture
def docs_engine(engine: Engine) -> Engine:
    load_docs_fixture(engine)
    return engine


def test_every_example_gives_the_documented_answer(docs_engine: Engine) -> None:
    with docs_engine.connect() as conn:
        for example in EXAMPLES:
            columns, rows = run_example(conn, example)
            where = f"docs/warehouse.md example {example.number} on {conn.dialect.name}"
            assert columns == example.columns, where
            assert rows == example.answer, where


def test_cells_print_the_same_on_both_engines() -> None:
    from datetime import UTC, date, datetime
    from decimal import Decimal

    assert cell(Decimal("63.6")) == cell(63.6) == "63.6"
    assert cell(Decimal("75.0")) == cell(75.0) == "75"
    assert cell(date(2023, 9, 30)) == cell("2023-09-30") == "2023-09-30"
    assert (
        cell(datetime(2024, 11, 25, 8, tzinfo=UTC))
        == cell("2024-11-25 08:00:00.000000")
        == "2024-11-25 08:00:00"
    )
    assert cell(None) == "NULL"
