"""The crawl step: run a source's spider in a child process and leave its files under the run's raw URL.

``run_crawl`` is what ``newsetl ingest`` and the Airflow DAG call. The spider runs as
``python -m scrapers.crawl PARENT_PID crawl …``, Scrapy's own command line in a child process (a fresh
process per crawl: Twisted's reactor cannot be restarted, and a crash stays contained); its log lines are
streamed to ``log`` and kept in ``crawl.log``. It works in a local folder — the raw folder itself when the
data root is local — then copies the folder to ``raw_url``.

No crawl outlives its step: the child runs in a process group of its own, which is stopped (SIGTERM, then
SIGKILL after ``STOP_GRACE`` seconds) when the crawl passes ``NEWSETL_CRAWL_TIMEOUT``, when the parent gets
Ctrl-C or SIGTERM, or, through the kernel (Linux ``PR_SET_PDEATHSIG``), when the parent is killed outright.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import fsspec

from transforms.discovery_log import FILE_NAME as DISCOVERY_FILE
from transforms.discovery_log import read_discovery_file
from transforms.outcomes import read_outcomes_file
from transforms.settings import Settings
from transforms.sources import Source
from transforms.storage import is_local, join, local_path, upload_dir

RUN_FILES = ("items.jsonl", "outcomes.jsonl", "discovery.jsonl", "stats.json", "crawl.log")
# The crawl's Scrapy JOBDIR, inside the work folder while the crawl runs and removed when it ends: with it
# Scrapy keeps the request queue on disk (a backfill's sitemaps yield hundreds of thousands of article
# requests at once, which an in-memory queue would hold until they are fetched), so the crawl's memory does
# not grow with the run. A run is never resumed from it: a re-run starts afresh (see run_crawl).
QUEUE_DIR = "request-queue"
# Seconds between asking the crawl's processes to stop (SIGTERM: Scrapy closes its files) and killing them.
STOP_GRACE = 10.0


@dataclass(frozen=True)
class CrawlResult:
    """What a crawl left: ``discovery`` counts its feeds and sitemaps, ``{"urls": asked for, "failed":
    those with an error}`` (``discovery.jsonl``)."""

    raw_url: str
    items: int
    outcomes: dict[str, int]
    warc_files: list[str]
    stats: dict[str, Any]
    discovery: dict[str, int]


class CrawlError(RuntimeError):
    """The spider process failed; the message ends with the last lines of its log."""


def settings_env(settings: Settings) -> dict[str, str]:
    """``NEWSETL_*`` variables that rebuild ``settings`` in the child process."""
    env: dict[str, str] = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, tuple):
            text = ",".join(value)
        else:
            text = str(value)
        env[f"NEWSETL_{f.name.upper()}"] = text
    return env


def spider_for(source: Source) -> tuple[str, list[str]]:
    """The spider and its extra arguments for a source, chosen by the source's ``parser``: a site parser
    with a spider of its own (``scrapers/spiders/pravda.py``) crawls with that spider, every other source
    with the generic one."""
    parser = source.parser
    if parser != "generic" and importlib.util.find_spec(f"scrapers.spiders.{parser}") is not None:
        return parser, [] if parser == source.key else ["-a", f"source={source.key}"]
    return "generic", ["-a", f"source={source.key}"]


@dataclass(frozen=True)
class SpiderArguments:
    """What a crawl asks of its spider, besides the run folder: the ``-a`` arguments (docs/crawling.md)."""

    editions: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    mirror: str | None = None
    known_path: Path | None = None

    def command_line(self) -> list[str]:
        found = {
            "edition": ",".join(self.editions),
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "mirror": self.mirror or "",
            "known": str(self.known_path or ""),
        }
        return [part for name, value in found.items() if value for part in ("-a", f"{name}={value}")]


def crawl_command(source: Source, work_dir: Path, arguments: SpiderArguments) -> list[str]:
    spider, extra = spider_for(source)
    # ``python -m scrapers.crawl PARENT_PID …`` is ``python -m scrapy …`` that dies with its parent (below).
    return [
        *(sys.executable, "-m", "scrapers.crawl", str(os.getpid())),
        *("crawl", spider, *extra, "-a", f"run_dir={work_dir}"),
        *arguments.command_line(),
        *("-O", str(work_dir / "items.jsonl"), "-s", "LOG_LEVEL=INFO"),
        *("-s", f"JOBDIR={work_dir / QUEUE_DIR}"),
    ]


def run_crawl(
    source: Source,
    raw_url: str,
    arguments: SpiderArguments,
    *,
    settings: Settings,
    log: Callable[[str], object] = print,
) -> CrawlResult:
    """Crawl one source into ``raw_url``. Re-running it replaces what an earlier attempt left there."""
    local = is_local(raw_url)
    work_dir = local_path(raw_url).resolve() if local else Path(tempfile.mkdtemp(prefix="newsetl-crawl-"))
    try:
        _clear(work_dir)
        if not local:
            _clear_remote(raw_url)
        command = crawl_command(source, work_dir, arguments)
        env = {**os.environ, **settings_env(settings), "SCRAPY_SETTINGS_MODULE": "scrapers.settings"}
        try:
            returncode, tail = run_child(command, env, work_dir / "crawl.log", log, settings.crawl_timeout)
        finally:
            shutil.rmtree(work_dir / QUEUE_DIR, ignore_errors=True)
        items_file = work_dir / "items.jsonl"
        if not items_file.exists():
            items_file.touch()
        if not local:
            upload_dir(work_dir, raw_url)
        if returncode is None:
            raise CrawlError(
                f"scrapy crawl for source {source.key!r} was stopped after {settings.crawl_timeout:g} s "
                "(NEWSETL_CRAWL_TIMEOUT); last log lines:\n" + "\n".join(tail)
            )
        if returncode != 0:
            raise CrawlError(
                f"scrapy crawl for source {source.key!r} exited with {returncode}; last log lines:\n"
                + "\n".join(tail)
            )
        return _result(raw_url, work_dir)
    finally:
        if not local:
            shutil.rmtree(work_dir, ignore_errors=True)


def run_child(
    command: list[str], env: dict[str, str], log_path: Path, log: Callable[[str], object], timeout: float
) -> tuple[int | None, list[str]]:
    """The child's exit status and last log lines; None as the status when ``timeout`` stopped it."""
    tail: list[str] = []
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            # A session and process group of its own: the terminal's Ctrl-C reaches only this process, which
            # stops the whole group, so nothing the crawl started is left behind.
            start_new_session=True,
        )
        expired = threading.Event()

        def expire() -> None:
            if process.poll() is None:  # not when it ended on its own at the last moment
                expired.set()
                _stop_group(process)

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        try:
            with _termination_raises():
                timer.start()
                assert process.stdout is not None
                for line in process.stdout:
                    line = line.rstrip("\n")
                    log_file.write(line + "\n")
                    log(line)
                    tail = [*tail[-19:], line]
                returncode = process.wait()
        finally:
            timer.cancel()
            # Ctrl-C, SIGTERM or an error here: the crawl must not go on without its parent.
            _stop_group(process)
        if expired.is_set():
            line = f"newsetl: crawl stopped after {timeout:g} s (NEWSETL_CRAWL_TIMEOUT)"
            log_file.write(line + "\n")
            log(line)
            return None, [*tail[-19:], line]
        return returncode, tail


def _stop_group(process: subprocess.Popen[str]) -> None:
    """Stop the child's process group: SIGTERM (Scrapy closes its files), SIGKILL after ``STOP_GRACE``."""
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        # Whatever the child started and left in its group goes too.
        _signal_group(process.pid, signal.SIGKILL)


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already


@contextmanager
def _termination_raises() -> Iterator[None]:
    """While a crawl runs, SIGTERM and SIGHUP raise SystemExit here, as Ctrl-C raises KeyboardInterrupt, so
    that ``run_child`` stops the child's group on the way out; by default they would end this process at once
    and leave the crawl running. A handler someone else installed (Airflow's) is left as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    own = [s for s in (signal.SIGTERM, signal.SIGHUP) if signal.getsignal(s) is signal.SIG_DFL]

    def raise_exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for signum in own:
        signal.signal(signum, raise_exit)
    try:
        yield
    finally:
        for signum in own:
            signal.signal(signum, signal.SIG_DFL)


def _clear(work_dir: Path) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    for name in RUN_FILES:
        (work_dir / name).unlink(missing_ok=True)
    for warc in work_dir.glob("*.warc.gz"):
        warc.unlink()
    # An earlier attempt's queue (killed before it could remove it) must not be resumed: Scrapy would skip
    # every request its duplicate filter remembers.
    shutil.rmtree(work_dir / QUEUE_DIR, ignore_errors=True)


def _clear_remote(raw_url: str) -> None:
    fs, path = fsspec.core.url_to_fs(raw_url)
    if fs.exists(path):
        fs.rm(path, recursive=True)


def _result(raw_url: str, work_dir: Path) -> CrawlResult:
    with (work_dir / "items.jsonl").open(encoding="utf-8") as items:
        item_count = sum(1 for line in items if line.strip())
    counts: dict[str, int] = {}
    outcomes_file = work_dir / "outcomes.jsonl"
    if outcomes_file.exists():
        for line in read_outcomes_file(outcomes_file).values():
            counts[line["outcome"]] = counts.get(line["outcome"], 0) + 1
    stats_file = work_dir / "stats.json"
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    warcs = [join(raw_url, p.name) for p in sorted(work_dir.glob("*.warc.gz"))]
    discovery = read_discovery_file(work_dir / DISCOVERY_FILE)
    return CrawlResult(
        raw_url=raw_url,
        items=item_count,
        outcomes=counts,
        warc_files=warcs,
        stats=stats,
        discovery={"urls": len(discovery), "failed": sum(1 for row in discovery if row["error"])},
    )


def _child_main(argv: list[str]) -> None:
    """The crawl's child process, ``python -m scrapers.crawl PARENT_PID crawl SPIDER …``: it has the kernel
    kill it when the thread that started it ends (Linux ``PR_SET_PDEATHSIG``), so that a parent killed by
    SIGKILL leaves no orphan crawling on, then runs Scrapy's command line as ``python -m scrapy`` does."""
    parent = int(argv[0])
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent went before the request above was in place
        sys.exit("newsetl: the crawl's parent process is gone; not crawling")
    from scrapy.cmdline import execute

    sys.argv = ["scrapy", *argv[1:]]
    execute()


if __name__ == "__main__":
    _child_main(sys.argv[1:])
