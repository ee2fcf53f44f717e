"""A crawl at scale: its request queue on disk (a Scrapy JOBDIR inside the run folder, removed when the crawl
ends) so that its memory does not grow with the run, with the same items and outcomes as a crawl that
queues in memory; and the archive written by a background thread, every record whole and in order."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import site_fixtures

from scrapers.crawl import QUEUE_DIR, SpiderArguments, run_crawl
from scrapers.warc import BACKGROUND_QUEUE, WarcRunWriter, iter_records, iter_responses
from transforms.settings import Settings
from transforms.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from synthetic_site import date_range  # noqa: E402

# Enough article requests that a sitemap's worth of them waits in the queue at once (a month of the synthetic
# site is 3,000 articles; this is the first 400 of January).
ARTICLES = 400


@pytest.fixture(scope="module")
def synthetic_site() -> Iterator[str]:
    """bench/synthetic_site.py serving ARTICLES generated pages on 127.0.0.1; yields its origin."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "synthetic_site.py"), "--articles", str(ARTICLES)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("PORT "), f"the synthetic site did not start: {line!r}"
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _comparable_items(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    # Fetch times and WARC record ids differ between any two crawls.
    return {
        item["url"]: {k: v for k, v in item.items() if k not in {"fetched_at", "warc_record_id"}}
        for item in items
    }


def _comparable_outcomes(outcomes: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {url: (o["outcome"], o["reason"], o["http_status"]) for url, o in outcomes.items()}


@pytest.mark.slow
def test_a_crawl_queues_its_requests_on_disk_and_gives_what_an_in_memory_queue_gives(
    synthetic_site: str, tmp_path: Path
) -> None:
    env = site_fixtures.quiet_env(tmp_path / "data", NEWSETL_CONCURRENT_REQUESTS_PER_DOMAIN="8")
    settings = Settings.from_env(env)
    source = load_sources(settings.sources_path())["pravda"]
    since, until = date_range(ARTICLES)
    raw = tmp_path / "raw"
    # A queue left by an earlier attempt that was killed must not be resumed (its duplicate filter would
    # skip every request it remembers).
    (raw / QUEUE_DIR).mkdir(parents=True)
    (raw / QUEUE_DIR / "requests.seen").write_text("left by a killed attempt\n", encoding="utf-8")

    result = run_crawl(
        source,
        str(raw),
        SpiderArguments(since=since, until=until, mirror=synthetic_site),
        settings=settings,
        log=lambda _line: None,
    )

    assert result.items == ARTICLES and result.outcomes == {"parsed": ARTICLES}
    # Every request the scheduler held went through the queue on disk, none through memory.
    assert result.stats["scheduler/enqueued/disk"] == result.stats["scheduler/enqueued"] >= ARTICLES
    assert "scheduler/enqueued/memory" not in result.stats
    assert not (raw / QUEUE_DIR).exists(), "the crawl's queue folder is removed when the crawl ends"

    # The same crawl with Scrapy's in-memory queue (no JOBDIR) gives the same items and outcomes.
    in_memory = tmp_path / "in-memory"
    plain = site_fixtures.run_scrapy(
        in_memory,
        synthetic_site,
        f"since={since}",
        f"until={until}",
        env=env,
        settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "8"},
    )
    assert plain.returncode == 0, plain.log[-3000:]
    assert plain.stats["scheduler/enqueued/memory"] >= ARTICLES
    disk_items = [json.loads(line) for line in (raw / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert _comparable_items(disk_items) == _comparable_items(plain.items)
    disk_outcomes = site_fixtures.CrawlRun(0, "", raw).outcomes
    assert _comparable_outcomes(disk_outcomes) == _comparable_outcomes(plain.outcomes)
    # Every page is archived once, whichever queue held its request.
    archived = [r.url for r in iter_responses(sorted(raw.glob("*.warc.gz")), bodies=False)]
    pages = [url for url in archived if "/news/" in url or "/articles/" in url]
    assert len(pages) == len(set(pages)) == ARTICLES


def test_the_background_archive_writer_keeps_every_record_whole_and_in_order(tmp_path: Path) -> None:
    page = b"<html><body>" + b"<p>text</p>" * 2000 + b"</body></html>"
    ids = []
    # More exchanges than the queue holds, so the caller waits for the writer at times.
    with WarcRunWriter(tmp_path, "pravda", background=True) as writer:
        for number in range(3 * BACKGROUND_QUEUE):
            url = f"https://www.pravda.com.ua/eng/news/2024/01/1/{number}/"
            ids.append(
                writer.write_exchange(url, status=200, response_headers=[], body=page + b"%d" % number)
            )
        ids.append(writer.write_error("https://www.pravda.com.ua/late/", "TimeoutError: took too long"))
    records = list(iter_records(writer.path))
    assert [kind for kind, _, _ in records] == ["warcinfo"] + [
        "response",
        "request",
    ] * 3 * BACKGROUND_QUEUE + ["metadata"]
    assert [record_id for kind, _, record_id in records if kind in {"response", "metadata"}] == ids
    assert writer.records == len(records) and writer.bytes == writer.path.stat().st_size
    bodies = [r.body for r in iter_responses([writer.path])]
    assert bodies == [page + b"%d" % number for number in range(3 * BACKGROUND_QUEUE)]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_failed_background_write_is_raised_to_the_crawl(tmp_path: Path) -> None:
    writer = WarcRunWriter(tmp_path, "pravda", background=True)
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        # The archive's disk fills up under the writer: every write from now on fails with ENOSPC.
        assert writer._fd is not None
        os.dup2(full, writer._fd)
        with pytest.raises(OSError, match="writing the archive failed: .*No space left on device"):
            for number in range(10 * BACKGROUND_QUEUE):  # one of these, or close(), sees the failure
                writer.write_exchange(
                    f"https://www.pravda.com.ua/{number}/", status=200, response_headers=[], body=b"x"
                )
            writer.close()
    finally:
        os.close(full)
        with contextlib.suppress(OSError):  # closing raises the same failure again
            writer.close()
