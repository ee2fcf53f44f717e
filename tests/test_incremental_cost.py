"""Incremental cost: ``newsetl ingest`` run again on an unchanged site fetches no article it already loaded.

The requests are counted by type from each run's WARC archive (every request the crawl sent is recorded
there), so this counts what went over the wire, not what the spider meant to do. bench/end_to_end.py
reports the same counts on a synthetic site of thousands of articles.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import site_fixtures
from build_site import REDIRECT_TARGETS
from sqlalchemy import create_engine, text
from test_ingest_cli import ingest

from scrapers.spiders.pravda import ARTICLE_PATH, FEED_PATH
from scrapers.warc import iter_records
from transforms.urls import canonical_url


def request_kind(url: str) -> str:
    path = urlsplit(url).path
    if path == "/robots.txt":
        return "robots.txt"
    if FEED_PATH.match(path):
        return "feed"
    if path.startswith("/sitemap/"):
        return "sitemap"
    if ARTICLE_PATH.match(path):
        return "article"
    return "other"


def requested_urls(raw_dir: Path) -> list[str]:
    warcs = sorted(raw_dir.glob("*.warc.gz"))
    assert warcs, f"{raw_dir}: no WARC file"
    return [url for warc in warcs for kind, url, _ in iter_records(warc) if kind == "request" and url]


@pytest.fixture(scope="module")
def two_runs(fixture_site: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The fixture site ingested twice, unchanged in between: what each run requested, what got loaded."""
    data_root = tmp_path_factory.mktemp("incremental") / "data"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        for run_id in ("first", "second"):
            done = ingest(data_root, "pravda", "--mirror", mirror, "--run-id", run_id)
            assert done.returncode == 0, done.stdout + done.stderr
    engine = create_engine(f"sqlite:///{data_root / 'warehouse.sqlite'}")
    try:
        with engine.connect() as conn:
            loaded = set(conn.execute(text("SELECT url FROM articles")).scalars())
    finally:
        engine.dispose()
    raw = data_root / "raw" / "pravda"
    return {
        "loaded": loaded,
        "first": requested_urls(raw / "pravda_first"),
        "second": requested_urls(raw / "pravda_second"),
    }


@pytest.mark.slow
def test_a_repeat_ingest_fetches_no_loaded_article_it_discovers(fixture_site: Any, two_runs: dict) -> None:
    loaded, first, second = two_runs["loaded"], two_runs["first"], two_runs["second"]
    first_kinds = Counter(request_kind(u) for u in first)
    second_kinds = Counter(request_kind(u) for u in second)

    assert len(loaded) == len(fixture_site.articles)
    assert first_kinds["article"] >= len(loaded)
    # Discovery is read again in full: that is how new articles are found.
    for kind in ("robots.txt", "feed", "sitemap"):
        assert second_kinds[kind] == first_kinds[kind] > 0, kind
    # Of the article pages, only those that did not end loaded (failed, redirects, not articles) are
    # asked for again, plus where such a redirect leads.
    second_articles = {u for u in second if request_kind(u) == "article"}
    redirected_to = {canonical_url(urljoin(u, t)) for u, t in REDIRECT_TARGETS.items()}
    assert second_articles & loaded <= redirected_to, sorted(second_articles & loaded)
    assert second_kinds["article"] <= first_kinds["article"] - len(loaded) + len(redirected_to & loaded)


@pytest.mark.slow
def test_a_repeat_ingest_fetches_no_loaded_article_at_all(two_runs: dict) -> None:
    second_articles = {u for u in two_runs["second"] if request_kind(u) == "article"}
    assert not second_articles & two_runs["loaded"]
