"""Politeness and robustness of a real crawl: Retry-After, resets, pages that keep failing, the size cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import site_fixtures

from scrapers.middlewares.retry import backoff_delay, retry_after_seconds
from scrapers.warc import iter_records


def test_backoff_doubles_and_honours_retry_after_within_the_cap() -> None:
    assert [backoff_delay(n, 1.0, 120.0) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert backoff_delay(1, 1.0, 120.0, retry_after=30.0) == 30.0
    assert backoff_delay(1, 1.0, 10.0, retry_after=3600.0) == 10.0
    assert backoff_delay(5, 0.0, 120.0) == 0.0


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2025, 12, 1, 12, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@pytest.mark.slow
def test_faults_end_in_retries_or_failed_outcomes_and_nothing_is_lost(fixture_site, tmp_path) -> None:
    rus = sorted(a.url for a in fixture_site.articles if a.edition == "rus")
    paths = [url.removeprefix("https://www.pravda.com.ua") for url in rus[:5]]
    throttled, reset, broken, truncated, slow = paths
    faults = [
        f"{throttled}=429x1:1",
        f"{reset}=resetx1",
        f"{broken}=503x10",
        f"{truncated}=truncatex1",
        f"{slow}=dripx1:0.5",  # far slower than the download timeout below
    ]
    env = site_fixtures.quiet_env(tmp_path / "data", NEWSETL_DOWNLOAD_TIMEOUT="3")
    with site_fixtures.replay_process([fixture_site.warc], *faults) as mirror:
        run = site_fixtures.run_scrapy(
            tmp_path / "faults", mirror, "edition=rus", env=env, settings={"RETRY_TIMES": "2"}
        )
    assert run.returncode == 0, run.log[-3000:]
    outcomes = run.outcomes
    assert set(outcomes) == set(rus)  # every discovered URL has exactly one outcome
    assert outcomes[rus[0]]["outcome"] == "parsed"  # after waiting for Retry-After
    assert outcomes[rus[1]]["outcome"] == "parsed"  # after the reset
    assert outcomes[rus[3]]["outcome"] == "parsed"  # after the truncated body
    assert outcomes[rus[4]]["outcome"] == "parsed"  # after the timeout
    assert outcomes[rus[2]] == {
        "url": rus[2],
        "outcome": "failed",
        "reason": "HTTP 503",
        "http_status": 503,
        "fetched_with": "impersonate:chrome",  # pravda's entry: every request goes out as Chrome
    }
    assert {i["url"] for i in run.items} == set(rus) - {rus[2]}
    stats = run.stats
    assert stats["newsetl/retry/waits"] == 1  # only the 429 asked for a wait; backoff is off in tests
    assert stats["retry/max_reached"] == 1
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 1
    # The reset, the truncation and the timeout left notes in the archive; refused attempts are there
    # as 429/503 responses.
    notes = [url for kind, url, _ in iter_records(run.warcs[0]) if kind == "metadata"]
    assert sorted(notes) == sorted([rus[1], rus[3], rus[4]])


@pytest.mark.slow
def test_responses_over_the_size_cap_fail_with_the_reason(fixture_site, tmp_path) -> None:
    env = site_fixtures.quiet_env(tmp_path / "data", NEWSETL_MAX_RESPONSE_BYTES="120000")
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        run = site_fixtures.run_scrapy(tmp_path / "cap", mirror, "edition=rus", env=env)
    assert run.returncode == 0, run.log[-3000:]
    # The long-form pages are about 180 KB; the edition's news-template page about 95 KB.
    failed = {u for u, line in run.outcomes.items() if line["outcome"] == "failed"}
    assert failed == {a.url for a in fixture_site.articles if a.edition == "rus" and "/articles/" in a.url}
    assert all("larger than download max size (120000)" in run.outcomes[u]["reason"] for u in failed)
    assert all(
        "<GET https://www.pravda.com.ua/rus/" in run.outcomes[u]["reason"] for u in failed
    )  # not the mirror
    assert {i["url"] for i in run.items} == {
        a.url for a in fixture_site.articles if a.edition == "rus"
    } - failed
