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
