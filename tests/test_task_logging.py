"""newsetl/task_logging.py: the crawl child's lines keep their level in the task log; counts as a table."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import site_fixtures

from newsetl.task_logging import counts_table, forward_child_log, step_counts
from scrapers.crawl import SpiderArguments, run_crawl
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

LOGGER = "newsetl.test.crawl"


def _levels(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == LOGGER]


def test_each_line_keeps_its_level_and_a_traceback_follows_its_line(caplog: pytest.LogCaptureFixture) -> None:
    forward = forward_child_log(logging.getLogger(LOGGER))
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for line in (
            "2026-11-28 10:00:00 [scrapy.core.engine] INFO: Spider opened",
            "2026-11-28 10:00:01 [scrapers.spiders.base] ERROR: discovery source /rss/ gave nothing: refused",
            "Traceback (most recent call last):",
            '  File "x.py", line 1, in <module>',
            "2026-11-28 10:00:02 [scrapy.downloadermiddlewares.retry] WARNING: Retrying <GET http://x/>",
            "2026-11-28 10:00:03 [scrapy.core.engine] DEBUG: Crawled (200) <GET http://x/>",
            "2026-11-28 10:00:04 [scrapers.spiders.base] CRITICAL: bad spider argument: source='x'",
        ):
            forward(line)
    assert _levels(caplog) == [
        ("INFO", "[scrapy.core.engine] Spider opened"),
        ("ERROR", "[scrapers.spiders.base] discovery source /rss/ gave nothing: refused"),
        ("ERROR", "Traceback (most recent call last):"),
        ("ERROR", '  File "x.py", line 1, in <module>'),
        ("WARNING", "[scrapy.downloadermiddlewares.retry] Retrying <GET http://x/>"),
        ("DEBUG", "[scrapy.core.engine] Crawled (200) <GET http://x/>"),
        ("CRITICAL", "[scrapers.spiders.base] bad spider argument: source='x'"),
    ]
    # Each crawl starts again at INFO: a line without a level before any other is not an error.
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        caplog.clear()
        forward_child_log(logging.getLogger(LOGGER))("{'downloader/request_count': 3,")
    assert _levels(caplog) == [("INFO", "{'downloader/request_count': 3,")]


@pytest.mark.slow
def test_a_real_crawls_errors_reach_the_task_log_as_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The issue's case: nothing listens at the mirror; the spider's ERROR lines were logged at INFO."""
    for name, value in site_fixtures.quiet_env(tmp_path / "data", NEWSETL_RETRY_TIMES="0").items():
        if name.startswith("NEWSETL_"):
            monkeypatch.setenv(name, value)
    source = load_sources(DEFAULT_SOURCES_FILE)["kyivindependent"]
    with caplog.at_level(logging.INFO, logger=LOGGER):
        run_crawl(
            source,
            str(tmp_path / "raw"),
            SpiderArguments(mirror="http://127.0.0.1:9"),
            settings=Settings.from_env(),
            log=forward_child_log(logging.getLogger(LOGGER)),
        )
    errors = [message for level, message in _levels(caplog) if level == "ERROR"]
    assert any(m.startswith("[scrapers.spiders.base] ") and "/rss/" in m for m in errors), _levels(caplog)
    assert not any("ERROR:" in message for level, message in _levels(caplog) if level == "INFO")


def test_counts_are_an_aligned_table() -> None:
    table = counts_table("load of pravda_r1", {"inserted": 12, "updated": 0, "quarantined": 1034})
    assert table.splitlines() == [
        "load of pravda_r1",
        "  inserted       12",
        "  updated         0",
        "  quarantined  1034",
    ]
    figures = {
        "raw_url": "file:///data/raw/pravda/r1",
        "items": 3,
        "outcomes": {"parsed": 3, "failed": 1},
        "warc_files": ["a.warc.gz"],
        "stats": {"downloader/request_count": 9},
        "ratio": 0.5,
    }
    assert step_counts(figures) == {
        "items": 3,
        "outcomes": {"parsed": 3, "failed": 1},
        "warc_files": 1,
        "ratio": 0.5,
    }
    assert counts_table("crawl", step_counts(figures)).splitlines() == [
        "crawl",
        "  items          3",
        "  outcomes",
        "    parsed       3",
        "    failed       1",
        "  warc_files     1",
        "  ratio       0.50",
    ]
    assert counts_table("check", {}) == "check: nothing to count"
