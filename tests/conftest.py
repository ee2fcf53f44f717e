"""Project-wide test fixtures.

PostgreSQL: ``pg_server`` starts one throwaway cluster per test session from the installed server binaries
(``initdb``/``pg_ctl`` on PATH or under /usr/lib/postgresql/*/bin), on a free port on 127.0.0.1, and removes
it afterwards. PostgreSQL refuses to run as root, so when the suite runs as root (CI does) the binaries are
run as the ``postgres`` user through ``runuser``, in a temporary folder that user owns. ``pg_url`` is the URL
of a database in that cluster for the whole session; ``fresh_pg_url`` makes a new empty database per test.

Without the binaries the PostgreSQL tests are skipped with that reason, unless NEWSETL_REQUIRE_POSTGRES=1
(which .ci/run sets): then they fail, so CI cannot go green without having run them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The replayed fixture site (tests/site/), built once per session for every test that asks for it.
from site_fixtures import fixture_site  # noqa: F401

from newsetl import local_postgres


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    bin_dir: Path

    def url(self, database: str, user: str | None = None) -> str:
        return f"postgresql+psycopg://{user or self.user}@{self.host}:{self.port}/{database}"

    def run_as_owner(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(_as_postgres([str(self.bin_dir / args[0]), *args[1:]]), **_RUN)


_RUN: dict = {"check": True, "capture_output": True, "text": True, "timeout": 120}


# The binaries are found and run as newsetl db local-postgres finds and runs them.
find_bin_dir = local_postgres.find_bin_dir
_running_as_root = local_postgres.running_as_root
_as_postgres = local_postgres.as_server_account


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("NEWSETL_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (NEWSETL_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(reason)


class ClusterError(RuntimeError):
    """The throwaway cluster could not be started; the message carries initdb/pg_ctl output and the log."""


@contextlib.contextmanager
def throwaway_cluster(bin_dir: Path) -> Iterator[PgServer]:
    """Start a PostgreSQL cluster in a temporary folder on a free port; stop and remove it afterwards.

    Also used by bench/load_warehouse.py, so the benchmark runs on the same kind of server as the tests.
    """
    base = Path(tempfile.mkdtemp(prefix="newsetl-pg-"))
    data_dir, socket_dir = base / "data", base / "sock"
    socket_dir.mkdir()
    if _running_as_root():
        # The cluster's files must belong to the user that runs the server.
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(socket_dir, "postgres", "postgres")
    user = "postgres" if _running_as_root() else (os.environ.get("USER") or "postgres")
    port = _free_port()
    server = PgServer("127.0.0.1", port, user, bin_dir)
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    user,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            **_RUN,
        )
        options = (
            f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c timezone=UTC"
        )
        subprocess.run(
            _as_postgres(
                [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(base / "log"), "-w"]
                + ["start"]
            ),
            **_RUN,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = (base / "log").read_text(errors="replace") if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        detail = getattr(exc, "stderr", "") or ""
        raise ClusterError(
            f"could not start a throwaway PostgreSQL cluster: {exc}\n{detail}\n{log}"
        ) from None
    try:
        yield server
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        return
    if _running_as_root() and shutil.which("runuser") is None:
        _unavailable("running as root and runuser is missing, so PostgreSQL cannot be started")
        return
    try:
        with throwaway_cluster(bin_dir) as server:
            yield server
    except ClusterError as exc:
        pytest.fail(str(exc))


def create_database(server: PgServer, name: str) -> str:
    import psycopg

    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@pytest.fixture(scope="session")
def pg_url(pg_server: PgServer) -> str:
    """A database in the session's cluster (shared by the tests that ask for it: clean up after you)."""
    return create_database(pg_server, "newsetl")


@pytest.fixture
def fresh_pg_url(pg_server: PgServer) -> str:
    """A new, empty database for one test."""
    return create_database(pg_server, f"t_{uuid.uuid4().hex[:12]}")
