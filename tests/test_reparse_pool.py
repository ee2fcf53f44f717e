"""A re-parse in shards over a process pool gives the same raw folder, and the same warehouse, as one process.

The archive is two real crawls of the replayed fixture site (every page captured twice: the latest capture
wins) and a third run written here: redirects to a page already parsed (a duplicate record URL), a redirect
whose target is not in the archive and a body that cannot be decoded. Small shards put pages whose record
URLs collide in different shards, so the merge's duplicate rule is exercised across them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from sqlalchemy import text
from wh_dump import dump

from newsetl import pipeline
from scrapers.reparse_shards import WORK, plan_shards
from scrapers.warc import WarcRunWriter, iter_responses
from transforms.outcomes import outcome_line
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from warehouse import migrate
from warehouse.engine import make_engine

SOURCES = load_sources(DEFAULT_SOURCES_FILE)
RAW_FILES = ("items.jsonl", "outcomes.jsonl", "crawl.log", "stats.json")
STARTED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archive(fixture_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data root holds two crawl runs of the fixture site (no warehouse load)."""
    data_root = tmp_path_factory.mktemp("archive") / "data"
    settings = Settings.from_env(site_fixtures.quiet_env(data_root))
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        for run in ("first", "second"):
            plan = pipeline.RunPlan.make("pravda", run, settings)
            pipeline.crawl(
                plan, replace(settings, mirror=mirror), SOURCES["pravda"], incremental=False, log=print
            )
    write_odd_run(data_root / "raw" / "pravda")
    return settings


def write_odd_run(source_root: Path) -> None:
    """A third run: three articles again, each also reached through a redirect (one record URL from two
    page URLs), a redirect to a page this run never captured, and a gzip body that is not gzip."""
    first = source_root / "pravda_first"
    parsed = {json.loads(line)["url"] for line in (first / "items.jsonl").read_text().splitlines()}
    pages = [r for r in iter_responses(sorted(first.glob("*.warc.gz"))) if r.url in parsed][:3]
    assert len(pages) == 3
    folder = source_root / "pravda_odd"
    lines = []
    with WarcRunWriter(folder, "pravda") as warc:
        for page in pages:
            warc.write_exchange(page.url, status=page.status, response_headers=page.headers, body=page.body)
            alias = page.url.rstrip("/") + "-alias/"
            warc.write_exchange(alias, status=301, response_headers=[("Location", page.url)], body=b"")
            lines += [outcome_line(page.url, "parsed", "", 200), outcome_line(alias, "parsed", "", 200)]
        lost = pages[0].url.rstrip("/") + "-lost/"
        warc.write_exchange(lost, status=302, response_headers=[("Location", lost + "nowhere/")], body=b"")
        broken = pages[1].url.rstrip("/") + "-broken/"
        headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
        warc.write_exchange(broken, status=200, response_headers=headers, body=b"not gzip at all")
        lines += [outcome_line(lost, "parsed", "", 302), outcome_line(broken, "parsed", "", 200)]
    (folder / "outcomes.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


def reparse(settings: Settings, run: str, *, workers: int, shard_pages: int | None = None) -> Path:
    plan = pipeline.RunPlan.make("pravda", run, settings, kind="reparse")
    figures = pipeline.reparse(
        plan, settings, SOURCES["pravda"], workers=workers, shard_pages=shard_pages, log=lambda line: None
    )
    assert figures["workers"] == workers
    return Path(plan.raw_url)


def files(raw: Path) -> dict[str, str]:
    return {name: (raw / name).read_text(encoding="utf-8") for name in RAW_FILES}


def test_the_raw_folder_is_the_same_for_any_workers_and_shards(archive: Settings) -> None:
    serial = reparse(archive, "serial", workers=1)
    expected = files(serial)
    outcomes = [json.loads(line) for line in expected["outcomes.jsonl"].splitlines()]
    # What the comparison covers: parsed pages, a duplicate, pages that are not articles, failures.
    assert {line["outcome"] for line in outcomes} >= {"parsed", "skipped", "not_article", "failed"}
    assert [line["url"] for line in outcomes] == sorted(line["url"] for line in outcomes)
    stats = json.loads(expected["stats.json"])
    assert stats["run_folders"] == 3 and stats["pages"] == len(outcomes)

    for workers, shard_pages in ((1, 2), (2, None), (2, 3)):
        pooled = reparse(archive, f"pooled-{workers}-{shard_pages}", workers=workers, shard_pages=shard_pages)
        assert files(pooled) == expected, (workers, shard_pages)
        assert sorted(p.name for p in pooled.iterdir()) == sorted(RAW_FILES)  # the work files are gone


def test_shards_hold_at_most_shard_pages_pages_and_an_empty_range_one_empty_shard(
    archive: Settings, tmp_path: Path
) -> None:
    root = pipeline.absolute_data_root(archive)
    shards = plan_shards(SOURCES["pravda"], root, str(tmp_path / "run"), shard_pages=3, log=lambda line: None)
    assert len(shards) > 2 and all(0 < shard.pages <= 3 for shard in shards)
    assert [shard.index for shard in shards] == list(range(len(shards)))
    assert (tmp_path / "run" / WORK / "plan.json").is_file()
    # Half of the pages per shard at most, when two workers ask for four shards.
    balanced = plan_shards(
        SOURCES["pravda"], root, str(tmp_path / "run"), min_shards=4, log=lambda line: None
    )
    assert len(balanced) >= 4
    empty = plan_shards(
        SOURCES["pravda"],
        root,
        str(tmp_path / "run"),
        since=datetime(2000, 1, 1).date(),
        until=datetime(2000, 1, 2).date(),
        log=lambda line: None,
    )
    assert [shard.pages for shard in empty] == [0]


def test_shard_pages_below_one_is_refused(archive: Settings, tmp_path: Path) -> None:
    root = pipeline.absolute_data_root(archive)
    with pytest.raises(ValueError, match="shard_pages=0: expected at least 1"):
        plan_shards(SOURCES["pravda"], root, str(tmp_path / "run"), shard_pages=0)


def load_dump(settings: Settings, url: str, workers: int, request: pytest.FixtureRequest) -> str:
    migrate.upgrade(url)
    settings = replace(settings, warehouse_url=url)
    plan = pipeline.RunPlan.make("pravda", "reparse", settings, kind="reparse")
    pipeline.reparse(plan, settings, SOURCES["pravda"], workers=workers, shard_pages=3, log=lambda line: None)
    pipeline.transform(plan, SOURCES)
    counts = pipeline.load(plan, settings, SOURCES, dag_run_id=None, started_at=STARTED)
    assert counts["inserted"] > 0
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE crawl_runs SET finished_at = started_at"))  # the load's wall clock
    finally:
        engine.dispose()
    return dump(url, request)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_warehouse_after_a_pooled_reparse_equals_the_one_after_a_serial_one(
    archive: Settings, engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        if engine == "sqlite"
        else request.getfixturevalue("fresh_pg_url")
    )
    serial = load_dump(archive, url, 1, request)
    migrate.downgrade(url, "base")
    pooled = load_dump(archive, url, 2, request)
    assert "pravda_reparse" in serial
    assert pooled == serial
