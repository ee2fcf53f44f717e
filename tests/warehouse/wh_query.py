"""The rows of one query on a warehouse, for tests that look at what a run stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text


def query(warehouse: str | Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """``warehouse`` is a SQLAlchemy URL, a SQLite file, or a data root holding ``warehouse.sqlite``."""
    if isinstance(warehouse, Path):
        path = warehouse / "warehouse.sqlite" if warehouse.is_dir() else warehouse
        warehouse = f"sqlite:///{path}"
    engine = create_engine(warehouse)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()
