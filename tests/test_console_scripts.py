"""``make run`` and ``make demo`` as an operator meets them: scripts/run.sh and scripts/demo.sh started in a
session of their own (as a terminal would run them) with a private Airflow home, data root and free ports;
the banner says what is true, and Ctrl-C (SIGINT to the process group, as the terminal sends it), during
start-up or after the banner, stops every process they started. The crawl log stays quiet.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import site_fixtures

PROJECT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
START_LIMIT = 600.0  # seconds; Airflow takes a minute or more on a loaded 2-core machine
STOP_LIMIT = 180.0  # the scripts give their processes 30 s before SIGKILL; this only bounds a hang

stack = pytest.mark.airflow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Console:
    """A script running in its own session, its console (stdout and stderr) collected line by line."""

    def __init__(self, script: str, tmp_path: Path, **extra: str) -> None:
        self.tmp_path = tmp_path
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSETL_"))}
        env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            AIRFLOW_HOME=str(tmp_path / "home"),
            NEWSETL_DATA_ROOT=str(tmp_path / "data"),
            NEWSETL_DEMO_SITE=str(tmp_path / "site"),
            AIRFLOW_PORT=str(free_port()),
            REPLAY_PORT=str(free_port()),
            # The log servers default to fixed ports; another Airflow on the machine must not clash.
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
            AIRFLOW__CORE__PARALLELISM="2",
            **extra,
        )
        self.port = env["AIRFLOW_PORT"]
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            [str(PROJECT / "scripts" / script)],
            cwd=PROJECT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a session and process group of its own, as a terminal gives it
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    @property
    def text(self) -> str:
        with self.changed:
            return "\n".join(self.lines)

    def wait_for(self, what: str, found: Callable[[], Any], limit: float = START_LIMIT) -> Any:
        """Waits until ``found()`` gives something true; fails if the script ends first or after ``limit``."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            if self.process.poll() is not None:
                self.reader.join(10)
                value = found()
                if value:
                    return value
                raise AssertionError(f"the script ended while waiting for {what}:\n{self.text}")
            with self.changed:
                self.changed.wait(0.5)
        raise AssertionError(f"gave up waiting for {what} after {limit:.0f} s:\n{self.text}")

    def wait_for_line(self, pattern: str) -> str:
        regex = re.compile(pattern)

        def match() -> str:
            with self.changed:
                return next((line for line in self.lines if regex.search(line)), "")

        result: str = self.wait_for(repr(pattern), match)
        return result

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it (SIGINT to the foreground process group); the exit status."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_LIMIT)
        finally:
            self.reader.join(10)

    def left_over(self) -> list[str]:
        """Processes still alive from the script's session or process group, or mentioning the test's
        folders in their command line or environment (zombies are dead, only not yet reaped)."""
        return [f"{pid}: {cmdline}" for pid, cmdline in _processes() if self._ours(pid, cmdline)]

    def _ours(self, pid: int, cmdline: str) -> bool:
        try:
            # After "(command)": state, ppid, process group, session, …
            state, _ppid, pgrp, session = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:4]
            environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
        except (OSError, IndexError, ValueError):
            return False  # gone meanwhile
        if state == "Z":
            return False
        leader = str(self.process.pid)
        mentions = str(self.tmp_path) in cmdline or str(self.tmp_path) in environ
        return pgrp == leader or session == leader or mentions

    def assert_nothing_left(self) -> None:
        # The script waits for its processes before it exits; SIGKILL's effect is not instant, so the
        # check waits a little for the kernel rather than failing on a process that is being torn down.
        deadline = time.monotonic() + 30
        while (left := self.left_over()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not left, "still running after Ctrl-C:\n" + "\n".join(left) + f"\n--- console:\n{self.text}"

    def kill_leftovers(self) -> None:
        """Whatever the test leaves (only when it failed): SIGKILL, so no other test meets it."""
        for entry in self.left_over():
            try:
                os.kill(int(entry.split(":", 1)[0]), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _processes() -> Iterator[tuple[int, str]]:
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        yield int(entry.name), cmdline.strip()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Callable[..., Console]]:
    started: list[Console] = []

    def start(script: str, **extra: str) -> Console:
        started.append(Console(script, tmp_path, **extra))
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:
            os.killpg(each.process.pid, signal.SIGKILL)
        each.kill_leftovers()


def _banner(con: Console) -> str:
    """The banner, once it is printed whole."""
    con.wait_for_line(r"^\s+stop\s+Ctrl-C")
    text = con.text
    return text[text.index("  UI ") :]


@pytest.mark.slow
@stack
def test_ctrl_c_while_airflow_prepares_its_database_stops_the_demo_and_its_replay_server(
    console: Callable[..., Console],
) -> None:
    con = console("demo.sh", NEWSETL_INGEST_SOURCES="pravda")
    con.wait_for_line(r"replaying the fixture site at http://127\.0\.0\.1:\d+")
    con.wait_for_line(r"preparing Airflow's metadata database")  # `airflow db migrate` runs now
    con.interrupt()
    con.assert_nothing_left()
    assert "Ctrl-C" not in con.text.split("stopping", 1)[0]  # no banner: it never got that far
    assert con.lines[-1].endswith("stopped")


@pytest.mark.slow
@stack
def test_ctrl_c_while_the_components_start_stops_them_all(console: Callable[..., Console]) -> None:
    con = console("run.sh")
    con.wait_for_line(r"starting Airflow")
    home = con.tmp_path / "home"
    # Every component has started writing its log: they are up and starting their own children.
    con.wait_for(
        "the components' logs",
        lambda: all(
            (home / "logs" / f"{c}.log").stat().st_size if (home / "logs" / f"{c}.log").exists() else 0
            for c in ("api-server", "scheduler", "dag-processor", "triggerer")
        ),
    )
    con.interrupt()
    con.assert_nothing_left()


@pytest.mark.slow
@stack
def test_make_run_banner_says_where_everything_is_and_that_the_dags_start_paused(
    console: Callable[..., Console],
) -> None:
    con = console("run.sh")
    banner = _banner(con)
    home, data = con.tmp_path / "home", con.tmp_path / "data"
    password = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
    assert f"UI         http://127.0.0.1:{con.port}" in banner
    assert f"login      admin / {password}" in banner
    for dag in ("news_ingest", "news_backfill", "news_reparse", "news_export"):
        assert re.search(rf"{dag}\s+paused", banner), banner
    assert "new DAGs start paused" in banner
    assert f"warehouse  sqlite:///{data}/warehouse.sqlite" in banner
    assert f"CLI        export NEWSETL_DATA_ROOT={data}" in banner
    assert "crawls     the live sites" in banner
    assert "TEST DATA" not in banner  # only the demo's fixture site is test data
    # The console holds this script's lines (and `newsetl db upgrade`'s one) and the banner, none of the
    # components' output.
    before = [line for line in con.text[: con.text.index("  UI ")].splitlines() if line.strip("= ")]
    assert before[0] == "make run: migrating the warehouse"
    assert before[-1].startswith("make run: starting Airflow")
    assert all(line.startswith(("make run: ", "warehouse ")) for line in before), before
    assert len(before) <= 5, before
    con.interrupt()
    con.assert_nothing_left()


@pytest.mark.slow
@stack
def test_make_demo_banner_then_ctrl_c_during_the_first_ingest_leaves_nothing(
    console: Callable[..., Console],
) -> None:
    con = console("demo.sh", NEWSETL_INGEST_SOURCES="pravda")
    banner = _banner(con)
    data = con.tmp_path / "data"
    assert f"UI         http://127.0.0.1:{con.port}" in banner
    assert re.search(r"login      admin / \w{16}", banner)
    assert re.search(r"news_ingest\s+ON", banner) and "new DAGs start switched on" in banner
    assert re.search(r"crawls     the replay server at http://127\.0\.0\.1:\d+", banner)
    assert f"CLI        export NEWSETL_DATA_ROOT={data}" in banner
    # Nobody may take the fixture site's articles for the day's news.
    assert "data       TEST DATA, not real news: a few Pravda pages copied under made-up" in banner
    assert "hand-written stories for the other sources" in banner and "The demo's data" in banner
    # The DAGs start switched on: news_ingest crawls at once. Ctrl-C while it does (or once it did).
    con.wait_for(
        "the first crawl",
        lambda: (
            any("scrapers.crawl" in cmd and con._ours(pid, cmd) for pid, cmd in _processes())
            or any(data.glob("raw/*/*/crawl.log"))
        ),
    )
    con.interrupt()
    con.assert_nothing_left()
    after = con.text[con.text.index("stop       Ctrl-C") :]
    assert "make demo: stopping" in after and con.lines[-1] == "make demo: stopped"


@pytest.mark.slow
def test_a_crawl_log_has_no_console_ports_and_no_settings_dumps(fixture_site: Any, tmp_path: Path) -> None:
    env = site_fixtures.quiet_env(tmp_path / "data")
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        run = site_fixtures.run_scrapy(tmp_path / "run", mirror, "edition=eng", env=env)
    assert run.returncode == 0, run.log[-3000:]
    for noise in (
        "Telnet",
        "Remote control",
        "Overridden settings",
        "Enabled extensions",
        "Enabled downloader middlewares",
        "Versions:",
        "Dumping Scrapy stats",
    ):
        assert noise not in run.log, noise
    assert "Spider closed (finished)" in run.log
