"""``discovery.jsonl``: its lines (transforms/discovery_log.py), the crawl's writer
(scrapers/discovery_log.py) and the transform step's copy (transforms/stage.py). The real crawls that
write it are in tests/reliability/test_discovery_outcomes.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scrapers.discovery_log import DiscoveryLog
from transforms.discovery_log import discovery_line, read_discovery, read_discovery_file
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from transforms.stage import StageInputError, stage_run

FEED = "https://www.pravda.com.ua/eng/rss/"
SITEMAP = "https://www.pravda.com.ua/sitemap/sitemap-news.xml"


def _jsonl(*rows: object) -> list[str]:
    return [json.dumps(row) + "\n" for row in rows]


def test_a_line_has_every_field_and_only_known_kinds() -> None:
    assert discovery_line(FEED, "feed", http_status=200, entries_found=3, entries_in_range=2) == {
        "url": FEED,
        "kind": "feed",
        "http_status": 200,
        "error": "",
        "entries_found": 3,
        "entries_in_range": 2,
    }
    with pytest.raises(ValueError, match="discovery kind 'rss': expected one of feed, news_sitemap"):
        discovery_line(FEED, "rss")


def test_lines_read_back_in_order_and_a_url_asked_twice_keeps_both() -> None:
    first = discovery_line(FEED, "feed", error="HTTP 500", http_status=500)
    second = discovery_line(FEED, "feed", http_status=200, entries_found=1, entries_in_range=1)
    assert read_discovery([*_jsonl(first), "\n", *_jsonl(second)], "d.jsonl") == [first, second]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json\n", "run/discovery.jsonl:2: not a JSON line"),
        ('["a list"]\n', "run/discovery.jsonl:2: expected a discovery line with a 'url' string"),
        ('{"kind": "feed"}\n', "run/discovery.jsonl:2: expected a discovery line with a 'url' string"),
        ('{"url": "u", "kind": "rss"}\n', "run/discovery.jsonl:2: discovery kind 'rss'"),
        ('{"url": "u", "kind": "feed", "http_status": "ok"}\n', "run/discovery.jsonl:2: invalid literal"),
        ('{"url": "u", "kind": "feed", "entries_found": [1]}\n', "run/discovery.jsonl:2: int()"),
    ],
    ids=["not JSON", "not an object", "no url", "unknown kind", "status not a number", "count not a number"],
)
def test_a_malformed_line_is_named_with_its_line_number(bad: str, message: str) -> None:
    good = _jsonl(discovery_line(FEED, "feed"))
    with pytest.raises(ValueError, match=re.escape(message)):
        read_discovery([*good, bad, *good], "run/discovery.jsonl")


def test_a_last_line_cut_by_a_kill_is_left_out_and_a_missing_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "discovery.jsonl"
    path.write_text(
        "".join(_jsonl(discovery_line(FEED, "feed"))) + '{"url": "https://www.pr', encoding="utf-8"
    )
    assert read_discovery_file(path) == [discovery_line(FEED, "feed")]
    assert read_discovery_file(tmp_path / "none.jsonl") == []


def test_the_writer_ends_every_request_in_exactly_one_line(tmp_path: Path) -> None:
    path = tmp_path / "discovery.jsonl"
    log = DiscoveryLog(path)
    read, failed, duplicate, unanswered, half_read = (
        log.asking(FEED, "feed"),
        log.asking(SITEMAP, "news_sitemap"),
        log.asking(SITEMAP, "news_sitemap"),
        log.asking("https://www.pravda.com.ua/rss/", "feed"),
        log.asking("https://www.pravda.com.ua/sitemap/sitemap-2025-12.xml.gz", "child_sitemap"),
    )
    with pytest.raises(ValueError, match="discovery kind 'index'"):
        log.asking(SITEMAP, "index")
    fetch = log.fetch(read)
    fetch.http_status = 200
    fetch.entries_found = 3
    for url in ("a", "b", "a"):
        fetch.keep(url)
    log.finish(fetch)
    log.finish(fetch)  # a second end of the same request writes nothing
    gone = log.fetch(failed)
    log.finish(gone, "HTTP 500")
    log.dropped(duplicate)  # the scheduler's duplicate filter: never asked for
    log.fetch(half_read).http_status = 200
    log.close("shutdown")
    rows = read_discovery_file(path)
    assert rows == [
        discovery_line(FEED, "feed", http_status=200, entries_found=3, entries_in_range=2),
        discovery_line(SITEMAP, "news_sitemap", error="HTTP 500"),
        discovery_line(
            unanswered["newsetl_discovery_url"],
            "feed",
            error="no response: the crawl ended (shutdown) before it was fetched",
        ),
        discovery_line(
            half_read["newsetl_discovery_url"],
            "child_sitemap",
            http_status=200,
            error="cut short: the crawl ended (shutdown) while it was read",
        ),
    ]
    assert (log.rows, log.failed) == (4, 3)


def test_a_resumed_crawl_appends_after_a_cut_line(tmp_path: Path) -> None:
    """The process before was killed mid-line; the next one adds its lines after the whole ones, and a
    request of that process (its token unknown here) is ended from its meta."""
    path = tmp_path / "discovery.jsonl"
    path.write_text("".join(_jsonl(discovery_line(FEED, "feed"))) + '{"url": "htt', encoding="utf-8")
    earlier = DiscoveryLog(tmp_path / "other.jsonl").asking(SITEMAP, "news_sitemap")
    log = DiscoveryLog(path)
    log.finish(log.fetch(earlier), "HTTP 503")
    log.close("finished")
    assert read_discovery_file(path) == [
        discovery_line(FEED, "feed"),
        discovery_line(SITEMAP, "news_sitemap", error="HTTP 503"),
    ]


def _raw_folder(tmp_path: Path, discovery: str | None) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "items.jsonl").write_text("", encoding="utf-8")
    (raw / "outcomes.jsonl").write_text("", encoding="utf-8")
    if discovery is not None:
        (raw / "discovery.jsonl").write_text(discovery, encoding="utf-8")
    return raw


def test_the_transform_step_copies_the_checked_lines_and_counts_them(tmp_path: Path) -> None:
    rows = [
        discovery_line(FEED, "feed", http_status=200, entries_found=4, entries_in_range=3),
        discovery_line(SITEMAP, "news_sitemap", error="HTTP 500", http_status=500),
    ]
    # A line cut by a killed crawl is left out of the copy.
    raw = _raw_folder(tmp_path, "".join(_jsonl(*rows)) + '{"url": "x')
    result = stage_run(
        str(raw), str(tmp_path / "staged"), run_id="r1", sources=load_sources(DEFAULT_SOURCES_FILE)
    )
    assert read_discovery_file(tmp_path / "staged" / "discovery.jsonl") == rows
    assert result.counts["discovery"] == {"urls": 2, "failed": 1}
    counts = json.loads((tmp_path / "staged" / "counts.json").read_text(encoding="utf-8"))
    assert counts["discovery"] == {"urls": 2, "failed": 1}


def test_a_raw_folder_without_discovery_gets_an_empty_copy(tmp_path: Path) -> None:
    """A re-parse fetches nothing: no discovery lines, but the staged file is there for the load step."""
    raw = _raw_folder(tmp_path, None)
    result = stage_run(
        str(raw), str(tmp_path / "staged"), run_id="r2", sources=load_sources(DEFAULT_SOURCES_FILE)
    )
    assert (tmp_path / "staged" / "discovery.jsonl").read_text(encoding="utf-8") == ""
    assert result.counts["discovery"] == {"urls": 0, "failed": 0}


def test_a_malformed_discovery_line_stops_the_transform_naming_the_raw_file(tmp_path: Path) -> None:
    raw = _raw_folder(tmp_path, "".join(_jsonl(discovery_line(FEED, "feed"))) + "{oops\n")
    with pytest.raises(StageInputError, match="^" + re.escape(f"{raw}/discovery.jsonl:2: not a JSON line")):
        stage_run(str(raw), str(tmp_path / "staged"), run_id="r3", sources=load_sources(DEFAULT_SOURCES_FILE))
