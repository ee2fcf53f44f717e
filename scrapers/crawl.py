"""The crawl step: run a source's spider in a child process and leave its files under the run's raw URL.

``run_crawl`` is what ``newsetl ingest`` and the Airflow DAG call. The spider runs as
``python -m scrapy crawl`` (a fresh process per crawl: Twisted's reactor cannot be restarted, and a
crash stays contained); its log lines are streamed to ``log`` and kept in ``crawl.log``. It works in a local
folder — the raw folder itself when the data root is local — then copies the folder to ``raw_url``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import fsspec

from transforms.outcomes import read_outcomes_file
from transforms.settings import Settings
from transforms.sources import Source
from transforms.storage import is_local, join, local_path, upload_dir

RUN_FILES = ("items.jsonl", "outcomes.jsonl", "stats.json", "crawl.log")


@dataclass(frozen=True)
class CrawlResult:
    raw_url: str
    items: int
    outcomes: dict[str, int]
    warc_files: list[str]
    stats: dict[str, Any]


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
    return [
        *(sys.executable, "-m", "scrapy", "crawl", spider, *extra, "-a", f"run_dir={work_dir}"),
        *arguments.command_line(),
        *("-O", str(work_dir / "items.jsonl"), "-s", "LOG_LEVEL=INFO"),
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
        returncode, tail = _run(command, env, work_dir / "crawl.log", log)
        items_file = work_dir / "items.jsonl"
        if not items_file.exists():
            items_file.touch()
        if not local:
            upload_dir(work_dir, raw_url)
        if returncode != 0:
            raise CrawlError(
                f"scrapy crawl for source {source.key!r} exited with {returncode}; last log lines:\n"
                + "\n".join(tail)
            )
        return _result(raw_url, work_dir)
    finally:
        if not local:
            shutil.rmtree(work_dir, ignore_errors=True)


def _run(
    command: list[str], env: dict[str, str], log_path: Path, log: Callable[[str], object]
) -> tuple[int, list[str]]:
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
        )
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            log_file.write(line + "\n")
            log(line)
            tail = [*tail[-19:], line]
        return process.wait(), tail


def _clear(work_dir: Path) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    for name in RUN_FILES:
        (work_dir / name).unlink(missing_ok=True)
    for warc in work_dir.glob("*.warc.gz"):
        warc.unlink()


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
    return CrawlResult(raw_url=raw_url, items=item_count, outcomes=counts, warc_files=warcs, stats=stats)
