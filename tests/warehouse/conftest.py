"""Warehouse test fixtures: every warehouse test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from warehouse import migrate
from warehouse.engine import make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, never-migrated warehouse URL on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return str(request.getfixturevalue("fresh_pg_url"))


@pytest.fixture
def warehouse_url(empty_url: str) -> str:
    """A fresh warehouse migrated to the latest revision."""
    migrate.upgrade(empty_url)
    return empty_url


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[Engine]:
    eng = make_engine(warehouse_url)
    yield eng
    eng.dispose()
