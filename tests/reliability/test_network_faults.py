"""Network faults through a whole ``newsetl ingest`` run: every transient fault is retried and its page loads
once, a page that keeps failing is recorded as failed with its error, and the crawl_runs row adds up.

The replay server runs in this process so the test can read how often each URL was really asked for.
Its figures (pages faulted, retried, recovered, failed, lost, duplicated) go to the session's "reliability
figures" summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import record_figures, site_fixtures
from wh_query import query

from scrapers.replay import Fault, FaultPlan, ReplayServer

pytestmark = pytest.mark.slow

RECOVERING = {  # fault -> what the retry middleware must get past
    "500": Fault("status", 1, 500),
    "502 twice": Fault("status", 2, 502),
    "503": Fault("status", 1, 503),
    "429 Retry-After: 1": Fault("status", 1, 429, retry_after="1"),
    "connection reset": Fault("reset", 1),
    "truncated body": Fault("truncate", 1),
    "slow drip (timeout)": Fault("drip", 1, delay=0.5),  # ~50 s a page against a 3 s timeout
}
PERSISTENT = {  # faults that outlast every retry
    "503 forever": (Fault("status", 50, 503), "HTTP 503"),
    "reset forever": (Fault("reset", 50), "DownloadFailedError"),
}


@pytest.mark.parametrize("engine_kind", ["sqlite", "postgresql"])
def test_faulted_pages_load_once_or_fail_with_their_error(
    engine_kind: str, fixture_site: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    articles = sorted(a.url for a in fixture_site.articles)
    faulted = dict(zip(articles, [*RECOVERING, *PERSISTENT], strict=False))
    plan = FaultPlan()
    for url, name in faulted.items():
        plan.add(url, RECOVERING[name] if name in RECOVERING else PERSISTENT[name][0])
    data_root = tmp_path / "data"
    warehouse = (
        f"sqlite:///{data_root / 'warehouse.sqlite'}"
        if engine_kind == "sqlite"
        else request.getfixturevalue("fresh_pg_url")
    )
    env = site_fixtures.quiet_env(
        data_root, NEWSETL_DOWNLOAD_TIMEOUT="3", NEWSETL_RETRY_TIMES="2", NEWSETL_WAREHOUSE_URL=warehouse
    )
    with ReplayServer([fixture_site.warc], faults=plan) as server:
        done = site_fixtures.newsetl_ingest(env, "pravda", "--mirror", server.url, "--run-id", "faults")
        served = dict(plan.served)
    assert done.returncode == 0, done.stdout + done.stderr

    raw = data_root / "raw" / "pravda" / "pravda_faults"
    lines = [json.loads(line) for line in (raw / "outcomes.jsonl").read_text(encoding="utf-8").splitlines()]
    outcomes = {line["url"]: line for line in lines}
    assert len(outcomes) == len(lines)  # one line per discovered URL

    (run,) = query(
        warehouse,
        "SELECT discovered, inserted, updated, unchanged, quarantined, skipped, failed FROM crawl_runs"
        " WHERE run_id = 'pravda_faults'",
    )
    discovered, inserted, updated, unchanged, quarantined, skipped, failed = run
    assert discovered == inserted + updated + unchanged + quarantined + skipped + failed
    assert discovered == len(outcomes)
    assert failed == sum(1 for line in lines if line["outcome"] == "failed")

    versions = dict(
        query(
            warehouse,
            "SELECT a.url, COUNT(*) FROM articles a JOIN article_versions v USING (article_id)"
            " GROUP BY a.url",
        )
    )
    recovering = [u for u, name in faulted.items() if name in RECOVERING]
    for url in recovering:
        name = faulted[url]
        tries = RECOVERING[name].times + 1  # each faulted answer retried once, then the page
        assert served[url] == tries, f"{name}: {url} asked for {served[url]} times, expected {tries}"
        assert outcomes[url]["outcome"] == "parsed", f"{name}: {outcomes[url]}"
        assert versions.get(url) == 1, f"{name}: {url} loaded {versions.get(url, 0)} times"
    for url, name in faulted.items():
        if name in PERSISTENT:
            assert served[url] == 3, f"{name}: one try and two retries expected, got {served[url]}"
            assert outcomes[url]["outcome"] == "failed"
            assert PERSISTENT[name][1] in outcomes[url]["reason"], outcomes[url]
            assert url not in versions

    figures = _figures(warehouse, outcomes, faulted, served)
    record_figures(f"network faults, newsetl ingest ({engine_kind})", **figures)
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert figures["recovered"] == len(RECOVERING)


def _figures(
    warehouse: str, outcomes: dict[str, dict[str, Any]], faulted: dict[str, str], served: dict[str, int]
) -> dict[str, int]:
    """The run's figures. Lost: a URL the spider parsed that is neither an article nor quarantined (a
    discovered URL without an outcome fails the test above). Duplicated: article rows beyond one per URL,
    and versions beyond one per article for content that did not change."""
    loaded = {row[0] for row in query(warehouse, "SELECT url FROM articles")}
    quarantined = {row[0] for row in query(warehouse, "SELECT url FROM quarantine")}
    parsed = {u for u, line in outcomes.items() if line["outcome"] == "parsed"}
    (rows, distinct) = query(warehouse, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles")[0]
    (extra_versions,) = query(
        warehouse,
        "SELECT COUNT(*) - COUNT(DISTINCT content_hash || '/' || article_id) FROM article_versions",
    )[0]
    return {
        "faulted": len(faulted),
        "retried": sum(served[u] - 1 for u in faulted),  # requests beyond the first, per faulted page
        "recovered": sum(1 for u in faulted if u in loaded),
        "failed": sum(1 for u in faulted if outcomes[u]["outcome"] == "failed"),
        "quarantined": len(quarantined & set(faulted)),
        "lost": len(parsed - loaded - quarantined),
        "duplicated": (rows - distinct) + int(extra_versions),
    }


def test_a_fault_added_to_several_urls_counts_down_for_each_on_its_own() -> None:
    fault = Fault("status", 2, 503)
    plan, other = FaultPlan(), FaultPlan()
    plan.add("/a/", fault)
    plan.add("/b/", fault)
    other.add("/a/", fault)
    assert [plan.take("http://x/a/") is not None for _ in range(3)] == [True, True, False]
    assert [plan.take("http://x/b/") is not None for _ in range(3)] == [True, True, False]
    assert other.take("http://x/a/") is not None and fault.times == 2
