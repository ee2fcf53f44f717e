"""The data root may be an object store: the pipeline's file steps against moto's S3 server on 127.0.0.1.

Raw files are uploaded the way the crawl step uploads them (``storage.upload_dir``); the transform step
reads them from S3 and writes Parquet back to S3; the load step reads that and fills a real SQLite
warehouse; the checks pass. Nothing is mocked but the cloud: s3fs talks HTTP to a real S3 server.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import fsspec
import pytest
import site_fixtures
import wh_factory as factory

from newsetl import pipeline
from transforms import storage
from transforms.settings import Settings
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources

SOURCES = load_sources(DEFAULT_SOURCES_FILE)

BUCKET = "newsetl-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_root(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty bucket; fsspec's s3 defaults point every s3:// URL of the test at the moto server."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setitem(
        fsspec.config.conf, "s3", {"endpoint_url": s3_endpoint, "key": "testing", "secret": "testing"}
    )
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    if fs.exists(BUCKET):
        fs.rm(BUCKET, recursive=True)
    fs.mkdir(BUCKET)
    fs.invalidate_cache()
    yield f"s3://{BUCKET}/newsetl"
    fsspec.filesystem("s3").clear_instance_cache()


def _raw_run(local: Path, records: list[Any], extra_outcomes: list[dict[str, Any]]) -> Path:
    factory.write_raw(local, records, [factory.parsed(r) for r in records] + extra_outcomes)
    (local / "stats.json").write_text(json.dumps({"item_scraped_count": len(records)}), encoding="utf-8")
    return local


def test_upload_dir_and_list_files_round_trip_through_s3(tmp_path: Path, s3_root: str) -> None:
    local = _raw_run(tmp_path / "raw", [factory.make_record(1)], [])
    target = storage.raw_dir(s3_root, "pravda", "run:1")
    storage.upload_dir(local, target)
    listed = storage.list_files(target)
    assert listed == [
        f"{target}/items.jsonl",
        f"{target}/outcomes.jsonl",
        f"{target}/stats.json",
    ]
    fetched = storage.download(f"{target}/items.jsonl", tmp_path / "back" / "items.jsonl")
    assert fetched.read_bytes() == (local / "items.jsonl").read_bytes()


def test_transform_load_and_check_steps_run_on_an_s3_data_root(tmp_path: Path, s3_root: str) -> None:
    settings = replace(
        Settings(), data_root=s3_root, warehouse_url=f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    )
    plan = pipeline.RunPlan.make("pravda", "scheduled__2026-11-27T19:00:00+00:00", settings)
    assert plan.raw_url.startswith(f"{s3_root}/raw/pravda/pravda_scheduled__2026-11-27T19_00_00")
    skipped = {"url": "https://www.pravda.com.ua/eng/news/9/", "outcome": "skipped", "reason": "robots"}
    records = [factory.make_record(i) for i in range(3)]
    storage.upload_dir(_raw_run(tmp_path / "raw", records, [{**skipped, "http_status": None}]), plan.raw_url)

    pipeline.transform(plan, SOURCES)
    staged = [url.rsplit("/", 1)[-1] for url in storage.list_files(plan.staged_url)]
    assert staged == ["counts.json", "discovery.jsonl", "records.parquet", "rejects.parquet"]
    assert not (tmp_path / "staged").exists()

    counts = pipeline.load(
        plan,
        settings,
        SOURCES,
        dag_run_id="scheduled__2026-11-27",
        started_at=factory.collected(records[0].collected_on),
    )
    assert counts == {
        "discovered": 4,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 0,
        "skipped": 1,
        "failed": 0,
    }
    pipeline.check(plan, settings)  # raises QualityCheckFailed with the problems otherwise

    # The analysts' files follow the data root into the bucket: the typed dataset and the HTML report.
    from newsetl.export import export_days
    from newsetl.report import write_report

    exported = export_days(settings, records[0].collected_on.replace(year=2000), records[0].collected_on)
    assert exported.snapshot_rows == 3 and exported.snapshot_url.startswith(s3_root)
    assert len(storage.list_files(exported.snapshot_url, "**/*.parquet")) >= 1
    written = write_report(settings)
    assert written == f"{s3_root}/report/report.html"
    with fsspec.open(written, "rt", encoding="utf-8") as page:
        assert 'data-chart="articles"' in page.read()


@pytest.mark.slow
def test_crawl_and_reparse_keep_their_files_in_s3(
    fixture_site: Any, tmp_path: Path, s3_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crawl uploads its run folder (WARC included) to S3; the re-parse reads the WARC back from there."""
    for name, value in site_fixtures.quiet_env(tmp_path / "unused").items():
        if name.startswith("NEWSETL_") and name != "NEWSETL_DATA_ROOT":
            monkeypatch.setenv(name, value)
    # One worker: the moto endpoint is set in this process only (fsspec.config.conf), which the re-parse's
    # worker processes would not see; a deployment sets it in the environment they inherit.
    settings = replace(
        Settings.from_env(),
        data_root=s3_root,
        warehouse_url=f"sqlite:///{tmp_path / 'warehouse.sqlite'}",
        workers=1,
    )
    crawl_plan = pipeline.RunPlan.make("pravda", "crawl", settings)
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        figures = pipeline.crawl(
            crawl_plan, replace(settings, mirror=mirror), SOURCES["pravda"], log=lambda line: None
        )
    expected = len(fixture_site.articles)
    assert figures["items"] == expected
    names = [url.rsplit("/", 1)[-1] for url in storage.list_files(crawl_plan.raw_url)]
    assert {"items.jsonl", "outcomes.jsonl", "stats.json", "crawl.log"} <= set(names)
    assert any(name.endswith(".warc.gz") for name in names)
    assert all(url.startswith("s3://") for url in figures["warc_files"])
    pipeline.transform(crawl_plan, SOURCES)
    assert (
        pipeline.load(
            crawl_plan,
            settings,
            SOURCES,
            dag_run_id=None,
            started_at=factory.collected(factory.make_record(0).collected_on),
        )["inserted"]
        == expected
    )

    reparse_plan = pipeline.RunPlan.make("pravda", "reparse", settings)
    reparsed = pipeline.reparse(reparse_plan, settings, SOURCES["pravda"], log=lambda line: None)
    assert reparsed["pages"] >= expected
    assert reparsed["outcomes"]["parsed"] == expected
    pipeline.transform(reparse_plan, SOURCES)
    counts = pipeline.load(
        reparse_plan,
        settings,
        SOURCES,
        dag_run_id=None,
        started_at=factory.collected(factory.make_record(0).collected_on),
    )
    assert (counts["inserted"], counts["updated"], counts["unchanged"]) == (0, 0, expected)
    pipeline.check(reparse_plan, settings)
