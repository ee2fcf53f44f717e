"""Issue 12, item 2: the check step fails a run that did not really crawl, and says which source, which
URLs and what error: every discovery URL failed; an ingest run discovered nothing although the source loaded
articles in its recent runs; a date-range run's sitemaps gave no entry in the range; too many article
fetches failed or met a bot challenge. A run that found only known_unchanged articles stays green; a
re-parse is exempt from the discovery and fetch rules. Thresholds come from the settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from wh_factory import make_record

from newsetl import pipeline
from transforms.discovery_log import discovery_line
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse.checks import run_checks
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_records

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
T0 = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)
FEED = "https://www.pravda.com.ua/eng/rss/"
UKR_FEED = "https://www.pravda.com.ua/rss/"
INDEX = "https://www.pravda.com.ua/sitemap/sitemap-archive.xml"
MONTH = "https://www.pravda.com.ua/sitemap/sitemap-2019-01.xml"
FEEDS_READ = [
    discovery_line(FEED, "feed", http_status=200, entries_found=20, entries_in_range=0),
    discovery_line(UKR_FEED, "feed", http_status=200, entries_found=20, entries_in_range=0),
]


def load(
    warehouse_url: str,
    run_id: str,
    hour: int,
    records: Sequence[Any] = (),
    **options: Any,
) -> None:
    """Load run ``run_id`` of pravda, started ``hour`` hours after T0 (``options``: RunInfo's kind, since
    and until, and load_tables' skipped, failed, known_unchanged, rejects and discovery)."""
    run_fields = {key: options.pop(key) for key in ("kind", "since", "until") if key in options}
    run = RunInfo(run_id, "pravda", None, T0 + timedelta(hours=hour), **run_fields)
    engine = make_engine(warehouse_url)
    try:
        load_records(engine, list(records), run, sources=SOURCES, **options)
    finally:
        engine.dispose()


def articles(first: int, count: int, hour: int) -> list[Any]:
    return [make_record(i, fetched_at=T0 + timedelta(hours=hour)) for i in range(first, first + count)]


def test_a_run_whose_every_discovery_url_failed_fails_naming_the_urls_and_errors(warehouse_url: str) -> None:
    discovery = [
        discovery_line(FEED, "feed", error="DNSLookupError: no such host www.pravda.com.ua"),
        discovery_line(UKR_FEED, "feed", http_status=500, error="HTTP 500"),
        discovery_line(INDEX, "sitemap_index", http_status=200, error="not a sitemap: <html>"),
    ]
    load(warehouse_url, "down", 0, discovery=discovery)
    assert run_checks(warehouse_url, "down") == [
        "source 'pravda', run 'down': every discovery URL failed (3 of 3): "
        f"{FEED} (DNSLookupError: no such host www.pravda.com.ua); {UKR_FEED} (HTTP 500); "
        f"{INDEX} (HTTP 200: not a sitemap: <html>)"
    ]


def test_one_discovery_url_that_answers_keeps_the_run_green(warehouse_url: str) -> None:
    discovery = [
        discovery_line(FEED, "feed", http_status=200, entries_found=3, entries_in_range=3),
        discovery_line(UKR_FEED, "feed", http_status=500, error="HTTP 500"),
    ]
    load(warehouse_url, "half", 0, articles(1, 3, 0), discovery=discovery)
    assert run_checks(warehouse_url, "half") == []


def test_many_failed_discovery_urls_are_listed_a_few_at_a_time(warehouse_url: str) -> None:
    discovery = [discovery_line(f"{FEED}{i}", "feed", error="ConnectionRefusedError") for i in range(5)]
    load(warehouse_url, "down", 0, discovery=discovery)
    [line] = run_checks(warehouse_url, "down")
    assert line.endswith(f"{FEED}2 (ConnectionRefusedError); and 2 more")


def test_an_ingest_run_that_discovers_nothing_after_productive_runs_fails(warehouse_url: str) -> None:
    load(warehouse_url, "busy", 0, articles(1, 3, 0), discovery=FEEDS_READ)
    load(warehouse_url, "quiet", 1, discovery=FEEDS_READ)
    assert run_checks(warehouse_url, "quiet") == [
        "source 'pravda', run 'quiet': discovered no article URL, while 1 of the source's last 1 loaded "
        "runs inserted or updated articles (3 in all, e.g. run 'busy'); discovery read: "
        f"{FEED} (HTTP 200, 20 entries, 0 kept); {UKR_FEED} (HTTP 200, 20 entries, 0 kept)"
    ]
    # The threshold: only the last run before it counts, and it loaded nothing either.
    load(warehouse_url, "quiet2", 2, discovery=FEEDS_READ)
    assert run_checks(warehouse_url, "quiet2", recent_runs=1) == []
    assert len(run_checks(warehouse_url, "quiet2", recent_runs=2)) == 1


def test_a_source_that_never_loaded_anything_may_discover_nothing(warehouse_url: str) -> None:
    load(warehouse_url, "first", 0, discovery=FEEDS_READ)
    assert run_checks(warehouse_url, "first") == []


def test_a_run_of_only_known_unchanged_articles_stays_green(warehouse_url: str) -> None:
    load(warehouse_url, "busy", 0, articles(1, 3, 0), discovery=FEEDS_READ)
    read = [discovery_line(FEED, "feed", http_status=200, entries_found=20, entries_in_range=3)]
    load(warehouse_url, "same", 1, skipped=3, known_unchanged=3, discovery=read)
    assert run_checks(warehouse_url, "same") == []


def test_a_date_range_run_without_entries_in_the_range_fails_naming_the_sitemaps(warehouse_url: str) -> None:
    discovery = [
        discovery_line(INDEX, "sitemap_index", http_status=200, entries_found=80, entries_in_range=1),
        discovery_line(MONTH, "child_sitemap", http_status=200, entries_found=900, entries_in_range=0),
    ]
    since, until = date(2019, 1, 1), date(2019, 1, 31)
    load(warehouse_url, "empty", 0, discovery=discovery, kind="backfill", since=since, until=until)
    assert run_checks(warehouse_url, "empty") == [
        "source 'pravda', run 'empty': date-range run 2019-01-01..2019-01-31: its sitemaps gave no entry in "
        f"the range; read: {INDEX} (HTTP 200, 80 entries, 1 kept); {MONTH} (HTTP 200, 900 entries, 0 kept)"
    ]
    with_entries = [discovery[0], {**discovery[1], "entries_in_range": 2}]
    records = articles(1, 2, 1)
    load(warehouse_url, "full", 1, records, discovery=with_entries, kind="backfill", since=since, until=until)
    assert run_checks(warehouse_url, "full") == []


def test_a_date_range_run_without_any_sitemap_fails_too(warehouse_url: str) -> None:
    load(warehouse_url, "feeds", 0, discovery=FEEDS_READ, kind="backfill", since=date(2019, 1, 1))
    assert run_checks(warehouse_url, "feeds") == [
        "source 'pravda', run 'feeds': date-range run 2019-01-01..today: its sitemaps gave no entry in the "
        "range; read: no sitemap was asked for"
    ]


def challenge(number: int) -> dict[str, str]:
    return {
        "url": f"https://www.pravda.com.ua/eng/news/c{number}/",
        "stage": "crawl",
        "reason": "not an article: bot_challenge",
        "payload": "{}",
    }


def test_too_many_failed_or_challenged_fetches_fail_the_run_with_examples(warehouse_url: str) -> None:
    # 10 fetched: 7 loaded, 2 failed, 1 bot challenge -> 30%, above the default 20%.
    load(
        warehouse_url, "blocked", 0, articles(1, 7, 0), failed=2, rejects=[challenge(1)], discovery=FEEDS_READ
    )
    failed = [
        ("https://www.pravda.com.ua/eng/news/f1/", "HTTP 503"),
        ("https://www.pravda.com.ua/eng/news/f2/", "TimeoutError"),
    ]
    assert run_checks(warehouse_url, "blocked", failed_fetches=lambda: failed) == [
        "source 'pravda', run 'blocked': 3 of 10 article fetches failed or met a bot challenge "
        f"(30%, limit 20%): 2 failed, e.g. {failed[0][0]} (HTTP 503); {failed[1][0]} (TimeoutError); "
        "1 bot-protection page(s), e.g. https://www.pravda.com.ua/eng/news/c1/"
    ]
    assert run_checks(warehouse_url, "blocked", max_failed_fetch_ratio=0.3) == []
    assert run_checks(warehouse_url, "blocked", min_fetched_for_ratio=11) == []


def test_the_fetch_share_is_not_judged_on_a_few_fetches(warehouse_url: str) -> None:
    load(warehouse_url, "small", 0, articles(1, 1, 0), failed=2, discovery=FEEDS_READ)
    assert run_checks(warehouse_url, "small") == []


def test_a_reparse_is_exempt_from_the_discovery_and_fetch_rules(warehouse_url: str) -> None:
    load(warehouse_url, "busy", 0, articles(1, 3, 0), discovery=FEEDS_READ)
    load(warehouse_url, "reparse-empty", 1, kind="reparse")
    load(warehouse_url, "reparse-bad", 2, articles(1, 7, 2), kind="reparse", failed=3)
    assert run_checks(warehouse_url, "reparse-empty") == []
    assert run_checks(warehouse_url, "reparse-bad") == []


def test_the_check_step_takes_its_thresholds_from_the_settings(tmp_path: Path, warehouse_url: str) -> None:
    load(warehouse_url, "pravda_blocked", 0, articles(1, 7, 0), failed=3, discovery=FEEDS_READ)
    settings = Settings(data_root=str(tmp_path), warehouse_url=warehouse_url)
    plan = pipeline.RunPlan.make("pravda", "blocked", settings)
    with pytest.raises(pipeline.QualityCheckFailed) as failed:
        pipeline.check(plan, settings)
    # No raw folder: the line names the count without examples.
    assert failed.value.failures == [
        "source 'pravda', run 'pravda_blocked': 3 of 10 article fetches failed or met a bot challenge "
        "(30%, limit 20%): 3 failed"
    ]
    pipeline.check(plan, replace(settings, max_failed_fetch_ratio=0.5))
    pipeline.check(plan, replace(settings, min_fetched_for_ratio=20))
    assert Settings.from_env({"NEWSETL_MAX_FAILED_FETCH_RATIO": "0.4"}).max_failed_fetch_ratio == 0.4
    assert Settings.from_env({"NEWSETL_CHECK_RECENT_RUNS": "2"}).check_recent_runs == 2
    with pytest.raises(
        ValueError,
        match=r"NEWSETL_MAX_FAILED_FETCH_RATIO=1.5: expected a finite number above 0 and at most 1",
    ):
        Settings.from_env({"NEWSETL_MAX_FAILED_FETCH_RATIO": "1.5"})


def test_the_check_step_names_failed_urls_from_the_crawls_outcomes(
    tmp_path: Path, warehouse_url: str
) -> None:
    import json

    settings = Settings(data_root=str(tmp_path), warehouse_url=warehouse_url)
    plan = pipeline.RunPlan.make("pravda", "blocked", settings)
    raw = Path(plan.raw_url)
    raw.mkdir(parents=True)
    lines = [
        {
            "url": f"https://www.pravda.com.ua/eng/news/f{i}/",
            "outcome": "failed",
            "reason": "HTTP 503",
            "http_status": 503,
        }
        for i in range(3)
    ]
    (raw / "outcomes.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    load(warehouse_url, plan.run_id, 0, articles(1, 7, 0), failed=3, discovery=FEEDS_READ)
    with pytest.raises(pipeline.QualityCheckFailed) as failed:
        pipeline.check(plan, settings)
    assert "3 failed, e.g. https://www.pravda.com.ua/eng/news/f0/ (HTTP 503);" in failed.value.failures[0]
