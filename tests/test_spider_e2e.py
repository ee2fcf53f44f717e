"""End to end: ``scrapy crawl pravda`` in a subprocess against ``newsetl replay`` of the fixture site."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import site_fixtures

from scrapers.warc import iter_records, iter_responses
from transforms.normalise import staged_row
from transforms.record import ArticleRecord

pytestmark = pytest.mark.slow

RETRIED_PATH = "/eng/news/2025/11/18/7500102/"


@pytest.fixture(scope="module")
def full_crawl(fixture_site, tmp_path_factory):
    """One crawl of the recent items (RSS + news sitemap) with a 503 twice on one article."""
    run_dir = tmp_path_factory.mktemp("full") / "run"
    with site_fixtures.replay_process([fixture_site.warc], f"{RETRIED_PATH}=503x2") as mirror:
        run = site_fixtures.run_scrapy(run_dir, mirror)
    assert run.returncode == 0, run.log[-3000:]
    return run


def test_every_fixture_article_exactly_once_with_expected_fields(full_crawl, fixture_site) -> None:
    items = full_crawl.items
    urls = [item["url"] for item in items]
    assert sorted(urls) == sorted(a.url for a in fixture_site.articles)
    assert len(urls) == len(set(urls)) >= 21
    expected = fixture_site.by_url()
    for item in items:
        article = expected[item["url"]]
        record = ArticleRecord.from_dict(item)  # the exported line is exactly ArticleRecord.to_dict()
        assert record.to_dict() == item
        assert record.source == "pravda"
        assert (record.edition, record.language) == (article.edition, article.language)
        assert record.headline == (article.headline or record.headline) != ""
        assert record.published_at is not None and record.published_at.utcoffset() is not None
        assert record.published_at.date() == date.fromisoformat(article.published)
        assert record.http_status == 200
        assert record.warc_record_id and record.warc_record_id.startswith("<urn:uuid:")
        assert record.blocks
        seed_text = staged_row(record, "Pravda Ukraine")["seed_text"]
        assert seed_text.startswith(f"• {record.collected_on.month}/{record.collected_on.day}/")
        assert seed_text.endswith("\n" + record.url)
        assert f"\n{record.headline}\n\nPravda Ukraine\n" in seed_text


def test_every_discovered_url_has_an_outcome(full_crawl, fixture_site) -> None:
    outcomes = full_crawl.outcomes
    parsed = {url for url, line in outcomes.items() if line["outcome"] == "parsed"}
    assert parsed == {a.url for a in fixture_site.articles}
    assert outcomes[fixture_site.disallowed_url] == {
        "url": fixture_site.disallowed_url,
        "outcome": "skipped",
        "reason": "robots",
        "http_status": None,
    }
    assert outcomes[fixture_site.offsite_url]["reason"] == "offsite"
    assert outcomes[fixture_site.not_article_url]["outcome"] == "not_article"
    for url in fixture_site.failed_urls:  # recorded with an error status
        assert outcomes[url]["outcome"] == "failed"
        assert outcomes[url]["reason"] == f"HTTP {outcomes[url]['http_status']}"
    assert outcomes[fixture_site.redirect_offsite_url]["reason"] == "offsite"  # the redirect was refused
    assert outcomes[fixture_site.redirect_duplicate_url]["reason"] == "duplicate"
    assert outcomes[fixture_site.redirect_loop_url]["reason"] == "too many redirects (more than 5)"
    assert outcomes[fixture_site.redirect_private_url]["reason"] == "private_address"
    assert len(outcomes) == len(fixture_site.articles) + 7 + len(fixture_site.failed_urls)
    stats = full_crawl.stats
    assert stats["newsetl/discovered"] == len(outcomes)
    assert stats["newsetl/skipped/robots"] == 1
    assert stats["newsetl/outcome/parsed"] == len(fixture_site.articles)


def test_robots_disallowed_page_is_never_requested(full_crawl, fixture_site) -> None:
    fetched = {
        url for kind, url, _ in _all_records(full_crawl.warcs) if kind in {"request", "response", "metadata"}
    }
    assert f"{fixture_site.disallowed_url.split('/eng/')[0]}/robots.txt" in fetched
    assert fixture_site.disallowed_url not in fetched


def test_a_503_is_retried_and_then_succeeds(full_crawl) -> None:
    url = "https://www.pravda.com.ua" + RETRIED_PATH
    statuses = [r.status for r in iter_responses(full_crawl.warcs) if r.url == url]
    assert statuses == [503, 503, 200]
    assert full_crawl.stats["retry/count"] == 2
    assert full_crawl.outcomes[url]["outcome"] == "parsed"


def test_the_warc_holds_every_response_and_the_items_point_into_it(full_crawl) -> None:
    records = _all_records(full_crawl.warcs)
    types = [kind for kind, _, _ in records]
    assert types[0] == "warcinfo"
    assert types.count("response") == types.count("request")
    response_ids = {record_id for kind, _, record_id in records if kind == "response"}
    assert {item["warc_record_id"] for item in full_crawl.items} <= response_ids
    urls = {url for kind, url, _ in records if kind == "response"}
    for discovery in ("/eng/rss/", "/rss/", "/rus/rss/", "/sitemap/sitemap-news.xml", "/robots.txt"):
        assert "https://www.pravda.com.ua" + discovery in urls


def test_the_crawls_own_warc_replays_the_same_crawl(full_crawl, tmp_path) -> None:
    with site_fixtures.replay_process(full_crawl.warcs) as mirror:
        again = site_fixtures.run_scrapy(tmp_path / "again", mirror)
    assert again.returncode == 0, again.log[-3000:]
    assert sorted(i["url"] for i in again.items) == sorted(i["url"] for i in full_crawl.items)
    first = {i["url"]: i["blocks"] for i in full_crawl.items}
    assert all(first[i["url"]] == i["blocks"] for i in again.items)


def test_a_date_range_reads_the_monthly_sitemaps_of_the_range(fixture_site, tmp_path) -> None:
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        run = site_fixtures.run_scrapy(
            tmp_path / "range", mirror, "edition=eng,ukr", "since=2025-11-27", "until=2025-12-10"
        )
    assert run.returncode == 0, run.log[-3000:]
    expected = {
        a.url
        for a in fixture_site.articles
        if a.edition in {"eng", "ukr"} and "2025-11-27" <= a.published <= "2025-12-10"
    }
    assert len(expected) == 5
    assert {i["url"] for i in run.items} == expected
    assert set(run.outcomes) == expected
    requested = {url for kind, url, _ in _all_records(run.warcs) if kind == "response"}
    assert "https://www.pravda.com.ua/sitemap/sitemap-2025-11.xml.gz" in requested
    assert "https://www.pravda.com.ua/sitemap/sitemap-10.xml.gz" not in requested
    assert not any("/rss/" in url for url in requested)


def test_known_urls_are_skipped_unless_the_sitemap_says_they_changed(fixture_site, tmp_path) -> None:
    december_eng = sorted(
        (a for a in fixture_site.articles if a.edition == "eng" and a.published.startswith("2025-12")),
        key=lambda a: a.url,
    )
    unchanged, changed = december_eng[0], december_eng[1]
    known = tmp_path / "known.tsv"
    known.write_text(
        f"{unchanged.url}\t{unchanged.lastmod}\n{changed.url}\t2025-11-01T00:00:00+00:00\n", encoding="utf-8"
    )

    def crawl_december(run_dir: Path, known: Path) -> site_fixtures.CrawlRun:
        with site_fixtures.replay_process([fixture_site.warc]) as mirror:
            args = ("edition=eng", "since=2025-12-01", "until=2025-12-31", f"known={known}")
            return site_fixtures.run_scrapy(run_dir, mirror, *args)

    run = crawl_december(tmp_path / "known", known)
    assert run.returncode == 0, run.log[-3000:]
    fetched = {i["url"] for i in run.items}
    assert unchanged.url not in fetched
    assert changed.url in fetched
    assert fetched == {a.url for a in december_eng} - {unchanged.url}
    assert run.outcomes[unchanged.url]["outcome"] == "skipped"
    assert run.outcomes[unchanged.url]["reason"] == "known_unchanged"
    assert run.stats["newsetl/skipped/known_unchanged"] == 1

    # An earlier run's items.jsonl works as the known file too: nothing of it is fetched again.
    previous = tmp_path / "known" / "items.jsonl"
    rerun = crawl_december(tmp_path / "rerun", previous)
    assert rerun.returncode == 0, rerun.log[-3000:]
    skipped = {u for u, line in rerun.outcomes.items() if line["reason"] == "known_unchanged"}
    assert skipped == fetched
    assert {i["url"] for i in rerun.items} == {unchanged.url}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["edition=deu"],
            "edition='deu': unknown edition deu of pravda; expected one of eng, ukr, rus or all",
        ),
        (["since=2025-12-10", "until=2025-12-01"], "until=2025-12-01 is before since=2025-12-10"),
        (["since=2025-13-01"], "since='2025-13-01': not a calendar date"),
        (["since=10.12.2025"], "since='10.12.2025': expected a date as YYYY-MM-DD"),
        (["until=2025-12-01"], "until='2025-12-01' needs since=YYYY-MM-DD as well"),
        (["mirror=ftp://example"], "expected an origin such as http://127.0.0.1:8765"),
    ],
)
def test_bad_arguments_stop_the_spider_at_once(tmp_path, args, message) -> None:
    run = site_fixtures.run_scrapy(tmp_path / "bad", "http://127.0.0.1:9", *args)
    assert run.returncode == 2
    assert "CRITICAL: bad spider argument: " in run.log and message in run.log
    assert "Traceback" not in run.log
    assert "Spider opened" not in run.log
    assert not (tmp_path / "bad" / "items.jsonl").exists()


def test_a_crawl_resumed_from_jobdir_leaves_valid_warc_files(fixture_site, tmp_path) -> None:
    jobdir = tmp_path / "job"
    run_dir = tmp_path / "resumed"
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        first = site_fixtures.run_scrapy(
            run_dir,
            mirror,
            settings={"JOBDIR": str(jobdir), "CLOSESPIDER_ITEMCOUNT": "3", "CONCURRENT_REQUESTS": "1"},
        )
        first_items = first.items
        second = site_fixtures.run_scrapy(run_dir, mirror, settings={"JOBDIR": str(jobdir)})
    assert first.returncode == 0 and second.returncode == 0, second.log[-3000:]
    assert len(second.warcs) == 2  # one file per process start
    for warc in second.warcs:
        kinds = [kind for kind, _, _ in iter_records(warc)]
        assert kinds[0] == "warcinfo" and "response" in kinds
    parsed = {u for u, line in second.outcomes.items() if line["outcome"] == "parsed"}
    assert parsed == {a.url for a in fixture_site.articles}
    assert {i["url"] for i in first_items} | {i["url"] for i in second.items} == parsed


def _all_records(warcs: list[Path]) -> list[tuple[str, str | None, str]]:
    return [record for warc in warcs for record in iter_records(warc)]


def test_outcome_lines_are_json_with_the_contract_keys(full_crawl) -> None:
    for line in (full_crawl.run_dir / "outcomes.jsonl").read_text(encoding="utf-8").splitlines():
        parsed = json.loads(line)
        # pravda's entry impersonates Chrome: a parsed page says how it was fetched.
        assert (
            {"url", "outcome", "reason", "http_status"}
            <= set(parsed)
            <= {"url", "outcome", "reason", "http_status", "record_url", "fetched_with"}
        )
        if parsed["outcome"] == "parsed":
            assert parsed["fetched_with"] == "impersonate:chrome"
