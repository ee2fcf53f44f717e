from __future__ import annotations

import psycopg
import pytest


@pytest.mark.postgres
def test_fresh_database_is_a_real_empty_postgresql(fresh_pg_url: str) -> None:
    conninfo = fresh_pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        zone = conn.execute("SHOW timezone").fetchone()
    assert version is not None and int(version[0]) >= 130000
    assert tables == (0,)
    assert zone == ("UTC",)


def _project_conftest():  # type: ignore[no-untyped-def]
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("newsetl_project_conftest", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_without_binaries_postgresql_tests_skip_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    conftest = _project_conftest()
    monkeypatch.delenv("NEWSETL_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="binaries are missing"):
        conftest._unavailable("binaries are missing")
    monkeypatch.setenv("NEWSETL_REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match=r"required \(NEWSETL_REQUIRE_POSTGRES=1\) but binaries"):
        conftest._unavailable("binaries are missing")
