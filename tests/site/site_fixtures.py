"""Shared pytest fixtures for crawl tests: the recorded fixture site, replay servers, and a runner for
``scrapy crawl`` in a subprocess with every wait turned off.

Test modules load this file with :func:`load` (``tests`` is not an importable package here):

    site_fixtures = load_site_fixtures()
    fixture_site = site_fixtures.fixture_site
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import build_site
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent


build_site_module = build_site
Site = build_site_module.Site


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The recorded pravda.com.ua fixture site, built once per session."""
    return build_site_module.build_site(tmp_path_factory.mktemp("fixture-site"))


def quiet_env(data_root: Path, **extra: str) -> dict[str, str]:
    """The environment for a test crawl: no politeness waits, no backoff, a private data root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSETL_")}
    env.update(
        NEWSETL_DATA_ROOT=str(data_root),
        NEWSETL_DOWNLOAD_DELAY="0",
        NEWSETL_AUTOTHROTTLE="0",
        NEWSETL_RETRY_BACKOFF="0",
        NEWSETL_DOWNLOAD_TIMEOUT="20",
    )
    env.update(extra)
    return env


def newsetl_ingest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``newsetl ingest ARGS…`` as a user runs it, from the repository root, with the environment ``env``."""
    return subprocess.run(
        [str(VENV_BIN / "newsetl"), "ingest", *args],
        cwd=ROOT,
        env={**env, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=600,
    )


@contextmanager
def replay_process(warcs: list[Path], *faults: str) -> Iterator[str]:
    """``newsetl replay`` in a subprocess on a free port; yields its origin URL."""
    command = [str(VENV_BIN / "newsetl"), "replay", *map(str, warcs), "--port", "0"]
    for fault in faults:
        command += ["--fault", fault]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if "serving" not in first:
            process.kill()
            raise RuntimeError(f"newsetl replay did not start: {first!r} {process.communicate()[1]}")
        yield first.strip().rsplit(" ", 1)[-1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class CrawlRun:
    returncode: int
    log: str
    run_dir: Path

    @property
    def items(self) -> list[dict[str, Any]]:
        path = self.run_dir / "items.jsonl"
        return (
            [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            if path.exists()
            else []
        )

    @property
    def outcomes(self) -> dict[str, dict[str, Any]]:
        path = self.run_dir / "outcomes.jsonl"
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return {line["url"]: line for line in lines}

    @property
    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.run_dir / "stats.json").read_text(encoding="utf-8"))
        return result

    @property
    def warcs(self) -> list[Path]:
        return sorted(self.run_dir.glob("*.warc.gz"))


def run_scrapy(
    run_dir: Path,
    mirror: str,
    *args: str,
    env: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    spider: str = "pravda",
) -> CrawlRun:
    """``scrapy crawl SPIDER -a ARG…`` from the repository root, items to ``run_dir/items.jsonl``."""
    command = [
        str(VENV_BIN / "scrapy"),
        "crawl",
        spider,
        "-a",
        f"mirror={mirror}",
        "-a",
        f"run_dir={run_dir}",
    ]
    for arg in args:
        command += ["-a", arg]
    for name, value in {"LOG_LEVEL": "INFO", **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    command += ["-O", str(run_dir / "items.jsonl")]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=env or quiet_env(run_dir.parent / "data"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return CrawlRun(done.returncode, done.stdout + done.stderr, run_dir)


def rss_feed(links: list[str], site: str = "http://example.org/") -> bytes:
    """An RSS 2.0 feed listing ``links``, escaped as XML text: hostile URLs reach the spider as written."""
    from xml.sax.saxutils import escape

    items = "".join(f"<item><title>t</title><link>{escape(link)}</link></item>" for link in links)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>feed</title>'
        f"<link>{escape(site)}</link><description>d</description>{items}</channel></rss>\n"
    ).encode()
