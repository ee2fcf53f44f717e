"""Issue 12, "Done when" for the CLI: ``newsetl ingest`` exits non-zero exactly when the run did not really
crawl, prints the reasons after the counts table, and leaves the discovery rows in the warehouse.

Exit codes: 0 the run passed its checks, 1 it failed them, 2 usage error, 3 a step crashed. Real crawls over
HTTP: the replayed fixture site (normal, or with every feed and sitemap answering 500) and a port where
nothing listens.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from wh_query import query

BASE = "https://www.pravda.com.ua"
# What a run without a date range asks for: the feeds and the news sitemap (sources.yaml).
RECENT_DISCOVERY_PATHS = ("/eng/rss/", "/rss/", "/rus/rss/", "/sitemap/sitemap-news.xml")
# A date-range run reads the sitemap index instead.
DISCOVERY_PATHS = (*RECENT_DISCOVERY_PATHS, "/sitemap/sitemap-archive.xml")


def ingest(data_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # No retries: a 500 or a refused connection fails at once (the test is about what the run says).
    env = site_fixtures.quiet_env(data_root, NEWSETL_RETRY_TIMES="0")
    return site_fixtures.newsetl_ingest(env, *args)


def reasons(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The failure lines printed after the counts table."""
    lines = done.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if "failed its checks" in line)
    return [line.strip() for line in lines[start + 1 :] if line.strip()]


def discovery_rows(data_root: Path, run_id: str) -> list[tuple[Any, ...]]:
    return query(
        data_root,
        "SELECT url, http_status, error FROM discovery_fetches WHERE run_id = :run_id ORDER BY seq",
        run_id=run_id,
    )


@pytest.mark.slow
def test_an_unreachable_mirror_exits_1_naming_the_urls(tmp_path: Path) -> None:
    data_root = tmp_path / "data"
    done = ingest(data_root, "pravda", "--mirror", "http://127.0.0.1:9", "--run-id", "offline")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "discovery URLs failed" in done.stdout
    [line] = reasons(done)
    assert line.startswith("source 'pravda', run 'pravda_offline': every discovery URL failed ("), line
    assert "/eng/rss/" in line and "Traceback" not in done.stderr
    rows = discovery_rows(data_root, "pravda_offline")
    assert rows and all(error and status is None for _, status, error in rows), rows
    assert query(data_root, "SELECT kind, discovery_urls = discovery_failed FROM crawl_runs") == [
        ("ingest", 1)
    ]


@pytest.mark.slow
def test_feeds_and_sitemaps_answering_500_exit_1(fixture_site: Any, tmp_path: Path) -> None:
    data_root = tmp_path / "data"
    faults = [f"{path}=500x50" for path in DISCOVERY_PATHS]
    with site_fixtures.replay_process([fixture_site.warc], *faults) as mirror:
        done = ingest(data_root, "pravda", "--mirror", mirror, "--run-id", "broken")
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = reasons(done)
    assert "every discovery URL failed" in line and "HTTP 500" in line, line
    rows = discovery_rows(data_root, "pravda_broken")
    assert sorted(url for url, _, _ in rows) == sorted(BASE + path for path in RECENT_DISCOVERY_PATHS)
    assert {status for _, status, _ in rows} == {500}


@pytest.mark.slow
def test_the_fixture_site_exits_0_and_a_repeat_of_known_unchanged_articles_too(
    fixture_site: Any, tmp_path: Path
) -> None:
    data_root = tmp_path / "data"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        first = ingest(data_root, "pravda", "--mirror", mirror, "--run-id", "first")
        assert first.returncode == 0, first.stdout + first.stderr
        second = ingest(data_root, "pravda", "--mirror", mirror, "--run-id", "second")
        assert second.returncode == 0, second.stdout + second.stderr
    assert "discovery URLs asked" in first.stdout and "failed its checks" not in first.stderr
    assert "known_unchanged" in second.stdout
    runs = query(
        data_root,
        "SELECT run_id, inserted, known_unchanged, discovery_urls, discovery_failed, discovered, loaded_pct"
        " FROM v_crawl_health ORDER BY run_id",
    )
    (_, inserted, _, asked, failed, _, first_pct), (_, again, known, asked2, _, discovered, pct) = runs
    assert inserted > 0 and again == 0 and known >= inserted
    assert asked >= len(RECENT_DISCOVERY_PATHS) and failed == 0 and asked2 > 0
    # The articles the second run found unchanged count as healthy: it is at least as healthy as the
    # first run (the listing page, the robots rule and the 404 cost both runs the same).
    assert float(pct) == round(100 * known / discovered, 1) >= float(first_pct) > 0


@pytest.mark.slow
def test_a_date_range_without_entries_exits_1_naming_the_sitemaps(fixture_site: Any, tmp_path: Path) -> None:
    data_root = tmp_path / "data"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        done = ingest(
            data_root,
            "pravda",
            "--mirror",
            mirror,
            "--since",
            "2019-01-01",
            "--until",
            "2019-01-31",
            "--run-id",
            "old",
        )
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = reasons(done)
    assert line.startswith(
        "source 'pravda', run 'pravda_old': date-range run 2019-01-01..2019-01-31: its sitemaps gave no "
        "entry in the range; read: "
    ), line
    assert "sitemap-archive.xml" in line
    assert query(data_root, "SELECT kind, range_since FROM crawl_runs") == [("backfill", "2019-01-01")]


def test_a_crashed_step_exits_3(tmp_path: Path) -> None:
    """A warehouse that cannot be written (its path is a folder) crashes the load step: exit 3, not 1."""
    data_root = tmp_path / "data"
    (tmp_path / "warehouse.sqlite").mkdir()
    env = site_fixtures.quiet_env(
        data_root, NEWSETL_RETRY_TIMES="0", NEWSETL_WAREHOUSE_URL=f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    )
    done = site_fixtures.newsetl_ingest(env, "pravda", "--mirror", "http://127.0.0.1:9", "--run-id", "x")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "newsetl ingest: " in done.stderr and "failed: " in done.stderr
