"""`make celery`'s stack for the tests: scripts/celery.sh started as an operator starts it, in a session of
its own, with a private Airflow home, data root and free ports; Airflow's metadata database and the warehouse
are databases of the session's throwaway PostgreSQL cluster (tests/conftest.py).

redis-server is the distribution's package. Without it the tests here are skipped, unless
NEWSETL_REQUIRE_REDIS=1 (which .ci/run sets): then they fail, so CI cannot go green without having run them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

PROJECT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
START_LIMIT = 900.0  # seconds; six Airflow processes start on a loaded 2-core machine
STOP_LIMIT = 180.0  # the script gives its processes 30 s before SIGKILL; this only bounds a hang


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_database(pg_server: Any, name: str) -> str:
    """A new database in the session's cluster (the ``pg_server`` fixture); its URL."""
    import psycopg

    with psycopg.connect(
        host=pg_server.host, port=pg_server.port, user=pg_server.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return str(pg_server.url(name))


def _require_redis() -> None:
    if shutil.which("redis-server"):
        return
    reason = "redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)"
    if os.environ.get("NEWSETL_REQUIRE_REDIS") == "1":
        pytest.fail(f"{reason}, and NEWSETL_REQUIRE_REDIS=1")
    pytest.skip(reason)


class CeleryStack:
    """scripts/celery.sh running in a session of its own; its console goes to a file."""

    def __init__(self, tmp_path: Path, pg_server: Any, **extra: str) -> None:
        self.tmp_path = tmp_path
        self.home = tmp_path / "home"
        self.metadata_db = f"airflow_{uuid.uuid4().hex[:8]}"
        self.pg_server = pg_server
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSETL_"))}
        env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            AIRFLOW_HOME=str(self.home),
            AIRFLOW_PORT=str(free_port()),
            REDIS_PORT=str(free_port()),
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=create_database(pg_server, self.metadata_db),
            # The triggerer's log server has a fixed default port: another Airflow here must not clash.
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
            # One task at a time per worker: while one worker runs a task, the next queued task can only go
            # to the other (Airflow's Celery settings: late acknowledgement, a prefetch of one).
            CELERY_CONCURRENCY="1",
            NEWSETL_DATA_ROOT=str(tmp_path / "data"),
            NEWSETL_WAREHOUSE_URL=create_database(pg_server, f"warehouse_{uuid.uuid4().hex[:8]}"),
            NEWSETL_DOWNLOAD_DELAY="0",
            NEWSETL_AUTOTHROTTLE="0",
            NEWSETL_RETRY_BACKOFF="0",
            NEWSETL_DOWNLOAD_TIMEOUT="20",
            **extra,
        )
        self.env = env
        self.seen: set[tuple[int, int]] = set()  # (pid, start time) of each process of the stack (`watch`)
        self.console = tmp_path / "console.log"
        with self.console.open("wb") as out:
            self.process = subprocess.Popen(
                [str(PROJECT / "scripts" / "celery.sh")],
                cwd=PROJECT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a session and process group of its own, as a terminal gives it
            )

    def text(self, log: str = "") -> str:
        """The console, or the component log ``log`` ("worker-1", "scheduler", …)."""
        path = self.home / "logs" / f"{log}.log" if log else self.console
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def wait_for(self, what: str, found: Callable[[], Any], limit: float = START_LIMIT) -> Any:
        """Waits until ``found()`` gives something true; fails if the script ends first or after ``limit``."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            self.watch()
            value = found()
            if value:
                return value
            if self.process.poll() is not None:
                raise AssertionError(f"the script ended while waiting for {what}:\n{self.text()}")
            time.sleep(1)
        raise AssertionError(f"gave up waiting for {what} after {limit:.0f} s:\n{self.text()}")

    def airflow(self, *args: str) -> str:
        """An ``airflow`` command with the stack's configuration; its output."""
        done = subprocess.run(
            [str(VENV_BIN / "airflow"), *args],
            cwd=PROJECT,
            env={
                **self.env,
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                # As scripts/celery.sh sets it: psycopg 3 for Airflow's async engine too (asyncpg is absent).
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"airflow {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def metadata(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a query on Airflow's metadata database."""
        import psycopg

        server = self.pg_server
        with psycopg.connect(
            host=server.host, port=server.port, user=server.user, dbname=self.metadata_db
        ) as conn:
            return conn.execute(sql, params).fetchall()

    def watch(self) -> None:
        """Remembers the script's descendants. Each component leads a session of its own and a Celery
        worker rewrites its command line and environment (its process title), so after the script has
        gone only this record says which processes were the stack's."""
        processes = _processes()
        children: dict[int, list[int]] = {}
        for pid, proc in processes.items():
            children.setdefault(proc.ppid, []).append(pid)
        todo = list(children.get(self.process.pid, []))
        while todo:
            pid = todo.pop()
            key = (pid, processes[pid].start)
            if key not in self.seen:
                self.seen.add(key)
                todo.extend(children.get(pid, []))

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it (SIGINT to the foreground process group); the exit status."""
        self.watch()
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=STOP_LIMIT)

    def left_over(self) -> list[str]:
        """Processes of the stack still alive: seen as the script's descendants, in its session, or naming
        the test's folders in their command line or environment (zombies are dead, only not yet reaped)."""
        left = []
        for pid, proc in _processes().items():
            ours = (
                (pid, proc.start) in self.seen  # the start time: not another process that got the same id
                or proc.session == self.process.pid
                or str(self.tmp_path) in proc.cmdline + proc.environ
            )
            if ours and proc.state != "Z" and pid != self.process.pid:
                left.append(f"{pid}: {proc.cmdline.strip()}")
        return left

    def kill_leftovers(self) -> None:
        for entry in self.left_over():
            try:
                os.kill(int(entry.split(":", 1)[0]), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@pytest.fixture
def celery_stack(tmp_path: Path, pg_server: Any) -> Iterator[Callable[..., CeleryStack]]:
    """Starts scripts/celery.sh (with extra environment variables); kills whatever a failed test leaves."""
    _require_redis()
    started: list[CeleryStack] = []

    def start(**extra: str) -> CeleryStack:
        started.append(CeleryStack(tmp_path, pg_server, **extra))
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:  # the test failed: stop the stack as Ctrl-C does, then kill the rest
            try:
                each.interrupt()
            except subprocess.TimeoutExpired:
                os.killpg(each.process.pid, signal.SIGKILL)
        each.kill_leftovers()


class _Process(NamedTuple):
    state: str
    ppid: int
    session: int
    start: int  # clock ticks after boot
    cmdline: str
    environ: str


def _processes() -> dict[int, _Process]:
    """Every other process."""
    found = {}
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except (OSError, IndexError):
            continue  # gone meanwhile
        # After "(command)": state, ppid, process group, session, … start time (field 22 of proc(5)).
        state, ppid, session, start = stat[0], int(stat[1]), int(stat[3]), int(stat[19])
        found[int(entry.name)] = _Process(state, ppid, session, start, cmdline, environ)
    return found
