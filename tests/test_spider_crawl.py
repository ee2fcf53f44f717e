"""``run_crawl``: the crawl step the CLI and the DAG call, against a replay of the fixture site."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import fsspec
import pytest
import site_fixtures

from scrapers.crawl import CrawlError, SpiderArguments, run_crawl, settings_env, spider_for
from scrapers.replay import ReplayServer
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
PRAVDA = SOURCES["pravda"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mirror(fixture_site):
    with ReplayServer([fixture_site.warc]) as server:
        yield server.url


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(site_fixtures.quiet_env(tmp_path / "data"))


def test_run_crawl_leaves_the_run_files_in_the_raw_folder(tmp_path, mirror, fixture_site) -> None:
    raw = tmp_path / "data" / "raw" / "pravda" / "run-1"
    lines: list[str] = []
    result = run_crawl(
        PRAVDA,
        str(raw),
        SpiderArguments(editions=("rus",), mirror=mirror),
        settings=_settings(tmp_path),
        log=lines.append,
    )
    rus = {a.url for a in fixture_site.articles if a.edition == "rus"}
    assert result.items == len(rus) and result.outcomes == {"parsed": len(rus)}
    assert result.raw_url == str(raw)
    assert [Path(w).parent for w in result.warc_files] == [raw]
    assert {p.name for p in raw.iterdir()} >= {"items.jsonl", "outcomes.jsonl", "stats.json", "crawl.log"}
    items = [json.loads(line) for line in (raw / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {i["url"] for i in items} == rus
    assert result.stats["newsetl/outcome/parsed"] == len(rus)
    assert any("Spider closed (finished)" in line for line in lines)
    assert (raw / "crawl.log").read_text(encoding="utf-8").splitlines() == lines

    # Running the step again replaces the earlier attempt instead of adding to it.
    again = run_crawl(
        PRAVDA,
        str(raw),
        SpiderArguments(editions=("rus",), mirror=mirror),
        settings=_settings(tmp_path),
        log=lambda _: None,
    )
    assert again.items == result.items
    assert len(list(raw.glob("*.warc.gz"))) == 1


def test_run_crawl_uploads_to_an_fsspec_url(tmp_path, mirror, fixture_site) -> None:
    url = "memory://newsetl-test/raw/pravda/run-2"
    result = run_crawl(
        PRAVDA,
        url,
        SpiderArguments(("eng",), date(2025, 12, 1), date(2025, 12, 31), mirror),
        settings=_settings(tmp_path),
        log=lambda _: None,
    )
    expected = {
        a.url for a in fixture_site.articles if a.edition == "eng" and a.published.startswith("2025-12")
    }
    assert result.items == len(expected)
    fs = fsspec.filesystem("memory")
    names = {Path(p).name for p in fs.ls("/newsetl-test/raw/pravda/run-2", detail=False)}
    assert {"items.jsonl", "outcomes.jsonl", "stats.json", "crawl.log"} <= names
    assert result.warc_files and all(w.startswith(url + "/") for w in result.warc_files)


def test_a_failing_spider_raises_with_its_last_log_lines(tmp_path) -> None:
    with pytest.raises(CrawlError, match=r"(?s)exited with 2.*until=2025-01-01 is before since=2025-02-01"):
        run_crawl(
            PRAVDA,
            str(tmp_path / "raw"),
            SpiderArguments(since=date(2025, 2, 1), until=date(2025, 1, 1)),
            settings=_settings(tmp_path),
            log=lambda _: None,
        )
    assert (tmp_path / "raw" / "crawl.log").exists()


def test_settings_travel_to_the_child_as_environment() -> None:
    settings = Settings(
        download_delay=0.0, autothrottle=False, mirror="http://127.0.0.1:1", ingest_sources=("pravda", "nv")
    )
    env = settings_env(settings)
    assert Settings.from_env(env) == settings
    assert env["NEWSETL_AUTOTHROTTLE"] == "0"


def test_sources_without_their_own_spider_use_the_generic_one() -> None:
    assert spider_for(SOURCES["pravda"]) == ("pravda", [])
    assert spider_for(SOURCES["kyivindependent"]) == ("generic", ["-a", "source=kyivindependent"])
