"""No crawl outlives its step: ``newsetl ingest`` stopped by Ctrl-C, SIGTERM or SIGKILL leaves no scrapy
process behind, and a crawl that passes ``NEWSETL_CRAWL_TIMEOUT`` is stopped and fails with that reason.

The site is a server on 127.0.0.1 that accepts connections and never answers, so a crawl of it runs until
something stops it. The crawl's processes are found as the descendants of ``newsetl ingest`` (psutil), and
must all be gone after the parent is: on the old code the scrapy child stayed behind as an orphan.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from conftest import record_figures, site_fixtures

pytestmark = pytest.mark.slow

NEWSETL = str(site_fixtures.VENV_BIN / "newsetl")
GUARD = 180  # seconds: a guard against a hung process, not a measurement


class SilentServer:
    """Accepts every connection on 127.0.0.1 and never answers; counts the connections."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


def _ingest(tmp_path: Path, mirror: str, **extra: str) -> subprocess.Popen[str]:
    env = site_fixtures.quiet_env(
        tmp_path / "data", NEWSETL_DOWNLOAD_TIMEOUT="600", NEWSETL_RETRY_TIMES="0", **extra
    )
    return subprocess.Popen(
        [NEWSETL, "ingest", "pravda", "--mirror", mirror, "--run-id", "stopped"],
        cwd=site_fixtures.ROOT,
        env={**env, "COLUMNS": "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own group, so that nothing sent to it can reach pytest.
        start_new_session=True,
    )


def _crawl_processes(parent: subprocess.Popen[str], server: SilentServer) -> list[psutil.Process]:
    """The crawl's processes, once the crawl has connected to the site."""
    deadline = time.monotonic() + GUARD
    while time.monotonic() < deadline and not server.accepted:
        if parent.poll() is not None:
            pytest.fail(f"newsetl ingest ended (exit {parent.returncode}) before the crawl connected")
        time.sleep(0.05)
    assert server.accepted, "the crawl never connected to the site"
    children = psutil.Process(parent.pid).children(recursive=True)
    assert children, "newsetl ingest has no child process while its crawl runs"
    return children


def _left_running(processes: list[psutil.Process]) -> list[str]:
    """The processes still running (zombies count as gone) after waiting a bounded while for them."""
    _, alive = psutil.wait_procs(processes, timeout=30)
    left = []
    for process in alive:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                left.append(" ".join(process.cmdline()[:6]))
        except psutil.NoSuchProcess:
            pass
    return left


def _kill_all(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_stopping_newsetl_ingest_stops_its_crawl(
    tmp_path: Path, silent_server: SilentServer, signum: signal.Signals
) -> None:
    parent = _ingest(tmp_path, silent_server.url)
    crawl: list[psutil.Process] = []
    try:
        crawl = _crawl_processes(parent, silent_server)
        os.kill(parent.pid, signum)
        parent.communicate(timeout=GUARD)
        left = _left_running(crawl)
    finally:
        _kill_all(crawl)  # the old code's orphans must not outlive the test
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    assert left == [], f"still running after newsetl ingest got {signum.name}: {left}"
    if signum == signal.SIGINT:
        assert parent.returncode == 130
    record_figures(f"newsetl ingest stopped by {signum.name}", faulted=len(crawl), lost=0, duplicated=0)


def test_a_crawl_past_its_timeout_is_stopped_and_the_step_fails_with_the_reason(
    tmp_path: Path, silent_server: SilentServer
) -> None:
    parent = _ingest(tmp_path, silent_server.url, NEWSETL_CRAWL_TIMEOUT="3")
    try:
        stdout, stderr = parent.communicate(timeout=GUARD)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    # The crawl's processes name the run folder, under tmp_path, on their command line.
    left = [" ".join(p.cmdline()[:6]) for p in _processes_naming(str(tmp_path))]
    assert parent.returncode == 3, stdout + stderr  # a step that crashed (README, "Exit codes")
    assert "crawl failed" in stderr and "stopped after 3 s (NEWSETL_CRAWL_TIMEOUT)" in stderr, stderr
    assert "Traceback" not in stderr
    assert left == [], f"still running after the crawl timed out: {left}"
    crawl_log = (tmp_path / "data" / "raw" / "pravda" / "pravda_stopped" / "crawl.log").read_text()
    assert "NEWSETL_CRAWL_TIMEOUT" in crawl_log
    record_figures("crawl past NEWSETL_CRAWL_TIMEOUT", faulted=1, failed=1, lost=0, duplicated=0)


def _processes_naming(text: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if process.status() != psutil.STATUS_ZOMBIE and any(text in a for a in process.cmdline()):
                found.append(process)
        except psutil.Error:
            pass
    _kill_all(found)  # the old code's orphans must not outlive the test
    return found
