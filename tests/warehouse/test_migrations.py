from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.models import Base
from warehouse.schema_objects import VIEW_NAMES, include_object

TABLES = {"sources", "crawl_runs", "articles", "article_versions", "tags", "article_tags", "quarantine"}


def test_models_and_migrations_do_not_drift(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_upgrade_creates_tables_and_views_and_downgrade_removes_them(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == migrate.head()
    engine = make_engine(empty_url)
    try:
        inspector = inspect(engine)
        assert TABLES <= set(inspector.get_table_names())
        assert set(VIEW_NAMES) <= set(inspector.get_view_names())
        migrate.downgrade(empty_url, "0001")
        assert not set(VIEW_NAMES) & set(inspect(engine).get_view_names())
        migrate.downgrade(empty_url, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        assert migrate.current(empty_url) is None
        migrate.upgrade(empty_url)
        assert set(VIEW_NAMES) <= set(inspect(engine).get_view_names())
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'w.sqlite'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def _cli(*args: str, cwd: Path, env_root: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "NEWSETL_DATA_ROOT": str(env_root)}
    env.pop("NEWSETL_WAREHOUSE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "newsetl", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_migrates_the_default_sqlite_warehouse_from_any_directory(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "data"
    before = _cli("db", "current", cwd=elsewhere, env_root=root)
    assert before.returncode == 1 and "not found" in before.stdout
    assert not (root / "warehouse.sqlite").exists()  # asking does not create it
    up = _cli("db", "upgrade", cwd=elsewhere, env_root=root)
    assert up.returncode == 0, up.stderr
    assert (root / "warehouse.sqlite").exists()
    now = _cli("db", "current", cwd=elsewhere, env_root=root)
    assert now.returncode == 0 and now.stdout.strip() == f"{migrate.head()} (head)"
    down = _cli("db", "downgrade", "base", cwd=elsewhere, env_root=root)
    assert down.returncode == 0 and "base (empty)" in down.stdout
