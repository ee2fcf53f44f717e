"""``newsetl db local-postgres``: a real cluster started from the installed server binaries, filled by
``newsetl db upgrade`` and a real ``newsetl ingest`` of the replayed fixture site, read by the analyst role,
stopped, and started again with its data."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from newsetl.local_postgres import find_bin_dir
from warehouse.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def folder() -> Iterator[Path]:
    if find_bin_dir() is None:
        if os.environ.get("NEWSETL_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (NEWSETL_REQUIRE_POSTGRES=1) but initdb/pg_ctl are missing")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    # Under /tmp, not pytest's tmp_path: run as root, the server's account must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="newsetl-local-pg-"))
    base.chmod(0o755)
    try:
        yield base / "postgres"
    finally:
        _cli(base, "stop", base / "postgres")
        shutil.rmtree(base, ignore_errors=True)


def _cli(
    data_root: Path, action: str, folder: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / ".venv/bin/newsetl"), "db", "local-postgres", action, "--dir", str(folder), *extra],
        cwd=ROOT,
        env={**site_fixtures.quiet_env(data_root), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _exported_url(stdout: str) -> str:
    line = next(line for line in stdout.splitlines() if "export NEWSETL_WAREHOUSE_URL=" in line)
    return line.split("=", 1)[1].strip().strip("'")


def _scalar(url: str, sql: str) -> Any:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_start_fill_read_stop_and_start_again(folder: Path, fixture_site: Any) -> None:
    data_root = folder.parent / "data"
    port = str(_free_port())
    started = _cli(data_root, "start", folder, "--port", port)
    assert started.returncode == 0, started.stdout + started.stderr
    assert f"PostgreSQL started on 127.0.0.1:{port}" in started.stdout
    url = _exported_url(started.stdout)
    assert url.startswith(f"postgresql+psycopg://newsetl@127.0.0.1:{port}/newsetl?passfile=")
    passfile = folder / "passfile"
    # The passwords are in the passfile only: owner-only, and never printed.
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    for line in passfile.read_text().splitlines():
        assert line.rsplit(":", 1)[1] not in started.stdout + started.stderr
    # Without the passfile the server refuses: it trusts nobody.
    with pytest.raises(DBAPIError, match="password"):
        _scalar(url.split("?", 1)[0], "SELECT 1")

    env = {"NEWSETL_WAREHOUSE_URL": url}
    upgraded = subprocess.run(
        [str(ROOT / ".venv/bin/newsetl"), "db", "upgrade"],
        env={**site_fixtures.quiet_env(data_root), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        ingested = site_fixtures.newsetl_ingest(
            site_fixtures.quiet_env(data_root, **env), "pravda", "--mirror", mirror
        )
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    articles = _scalar(url, "SELECT count(*) FROM articles")
    assert articles == len(fixture_site.articles)

    analyst = next(line.split(": ", 1)[1] for line in started.stdout.splitlines() if "analyst" in line)
    assert _scalar(analyst, "SELECT count(*) FROM v_latest_articles") == articles
    with pytest.raises(DBAPIError, match="permission denied|read-only"):
        _scalar(analyst, "DELETE FROM articles")

    assert _cli(data_root, "status", folder).returncode == 0
    stopped = _cli(data_root, "stop", folder)
    assert stopped.returncode == 0 and "stopped (its data kept)" in stopped.stdout
    status = _cli(data_root, "status", folder)
    assert status.returncode == 1 and "is not running" in status.stdout
    with pytest.raises(DBAPIError):
        _scalar(url, "SELECT 1")

    again = _cli(data_root, "start", folder)  # the port was fixed at the first start
    assert again.returncode == 0, again.stderr
    assert _exported_url(again.stdout) == url
    assert _scalar(url, "SELECT count(*) FROM articles") == articles
    twice = _cli(data_root, "start", folder)
    assert twice.returncode == 0 and "already running" in twice.stdout


def test_a_taken_port_is_refused_by_name(folder: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        refused = _cli(folder.parent, "start", folder, "--port", str(port))
    assert refused.returncode == 2
    assert f"port {port} on 127.0.0.1 is taken" in refused.stderr
    assert not (folder / "data").exists()
