from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from wh_factory import make_record, parsed, write_raw

from transforms.blocks import block_from_dict, blocks_plain_text
from transforms.normalise import stage_records
from transforms.schema import arrow_schema
from transforms.seed import SeedDocument, parse, render
from transforms.sources import DEFAULT_SOURCES_FILE, load_sources
from transforms.stage import StageInputError, stage_run
from transforms.validate import validate_record

SOURCES = load_sources(DEFAULT_SOURCES_FILE)


def test_staged_rows_keep_types_normalise_times_to_utc_and_derive_the_texts_from_the_blocks() -> None:
    from datetime import timedelta, timezone

    kyiv = timezone(timedelta(hours=3))
    record = make_record(1, published_at=datetime(2023, 9, 30, 15, 0, tzinfo=kyiv), tags=("war", "war", " "))
    table = stage_records([record], SOURCES)
    assert table.schema.equals(arrow_schema())
    [row] = table.to_pylist()
    assert row["published_at"] == datetime(2023, 9, 30, 12, 0, tzinfo=UTC)
    assert row["authors"] == list(record.authors) and row["tags"] == ["war"]  # lists stay lists
    assert row["word_count"] == len(record.body_text.split())
    assert row["body_text"] == record.body_text
    document = parse(row["seed_text"])
    assert document.blocks == record.blocks and document.source_label == "Pravda Ukraine"


def test_content_hash_ignores_when_the_page_was_seen_but_not_what_it_says() -> None:
    first = make_record(1)
    later = replace(first, fetched_at=datetime(2025, 1, 1, tzinfo=UTC), http_status=200, parser="x@2")
    edited = replace(first, headline=first.headline + " (updated)")
    hashes = stage_records([first, later, edited], SOURCES).column("content_hash").to_pylist()
    assert hashes[0] == hashes[1] != hashes[2]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"url": "ftp://example.com/a"}, "is not an http(s) URL with a host"),
        ({"headline": "  "}, "headline is empty"),
        ({"blocks": ()}, "body is empty"),
        ({"edition": "fra"}, "edition 'fra' is not one of pravda's editions (eng, rus, ukr)"),
        ({"language": "de"}, "language 'de' is not one pravda publishes in"),
        ({"source": "nowhere"}, "source 'nowhere' is not in the source registry"),
        (
            {"published_at": datetime(1980, 1, 1, tzinfo=UTC)},
            "published_at 1980-01-01T00:00:00+00:00 is before 1990",
        ),
        ({"published_at": datetime(2030, 1, 1, tzinfo=UTC)}, "is more than a day after the page was fetched"),
        ({"http_status": 404}, "http_status 404 is not a success"),
        ({"headline": "Two\nlines"}, "cannot render seed document: headline contains a line break"),
    ],
)
def test_each_rule_gives_a_readable_reason(change: dict, reason: str) -> None:
    record = replace(make_record(1), **change)
    reasons = validate_record(record, SOURCES)
    assert any(reason in r for r in reasons), reasons


def test_valid_record_has_no_reasons() -> None:
    assert validate_record(make_record(1), SOURCES) == []


def test_stage_run_accounts_for_every_discovered_url(tmp_path: Path) -> None:
    good = [make_record(i) for i in range(3)]
    older_copy = replace(good[0], headline="Older fetch", fetched_at=datetime(2024, 11, 24, tzinfo=UTC))
    invalid = replace(make_record(10), headline="")
    broken = {"url": "https://www.pravda.com.ua/eng/news/2023/09/30/1/", "headline": "no other fields"}
    items = [older_copy, *good, invalid, broken, "{not json"]
    outcomes = [parsed(r) for r in good] + [
        parsed(invalid),
        {"url": broken["url"], "outcome": "parsed", "reason": "", "http_status": 200},
        {
            "url": "https://www.pravda.com.ua/eng/news/2023/09/30/2/",
            "outcome": "not_article",
            "reason": "listing",
            "http_status": 200,
        },
        {
            "url": "https://www.pravda.com.ua/eng/news/2023/09/30/3/",
            "outcome": "parsed",
            "reason": "",
            "http_status": 200,
        },
        {
            "url": "https://www.pravda.com.ua/eng/news/2023/09/30/4/",
            "outcome": "failed",
            "reason": "timeout",
            "http_status": None,
        },
        {
            "url": "https://www.pravda.com.ua/eng/news/2023/09/30/5/",
            "outcome": "skipped",
            "reason": "robots",
            "http_status": None,
        },
        {
            "url": "https://www.pravda.com.ua/eng/news/2023/09/30/6/",
            "outcome": "skipped",
            "reason": "robots",
            "http_status": None,
        },
    ]
    raw, staged = tmp_path / "raw", tmp_path / "staged"
    write_raw(raw, items, outcomes)
    result = stage_run(str(raw), str(staged), run_id="run-1", sources=SOURCES)

    records = pq.read_table(result.records_url).to_pylist()
    rejects = pq.read_table(result.rejects_url).to_pylist()
    counts = json.loads((staged / "counts.json").read_text())
    assert [r["url"] for r in records] == sorted(r.url for r in good)
    assert {r["url"]: r["headline"] for r in records}[good[0].url] == good[0].headline
    by_stage: dict[str, list[str]] = {}
    for reject in rejects:
        by_stage.setdefault(reject["stage"], []).append(reject["reason"])
    assert by_stage["validate"] == ["headline is empty"]
    assert any("missing field(s)" in r for r in by_stage["record"])
    assert any("is not JSON" in r for r in by_stage["record"])
    assert sorted(by_stage["crawl"]) == [
        "not an article: listing",
        "parsed, but its item is missing from items.jsonl",
    ]
    assert counts["skipped"] == 2 and counts["failed"] == 1 and counts["skipped_by_reason"] == {"robots": 2}
    assert (
        counts["discovered"] == counts["records"] + counts["rejected"] + counts["skipped"] + counts["failed"]
    )
    assert counts["discovered"] == 11
    assert result.counts == counts


def test_stage_run_twice_writes_the_same_files(tmp_path: Path) -> None:
    records = [make_record(i) for i in range(5)]
    write_raw(tmp_path / "raw", records, [parsed(r) for r in records])
    stage_run(str(tmp_path / "raw"), str(tmp_path / "a"), run_id="r", sources=SOURCES)
    stage_run(str(tmp_path / "raw"), str(tmp_path / "b"), run_id="r", sources=SOURCES)
    for name in ("records.parquet", "rejects.parquet", "counts.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_missing_items_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StageInputError, match=r"raw/items\.jsonl: not found"):
        stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r", sources=SOURCES)


def test_bad_outcome_line_is_named(tmp_path: Path) -> None:
    write_raw(tmp_path / "raw", [], [{"url": "https://x/", "outcome": "exploded"}])
    with pytest.raises(StageInputError, match=r"outcomes\.jsonl:1: outcome 'exploded' is not one of"):
        stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r", sources=SOURCES)


def test_a_redirected_url_is_paired_with_the_record_it_gave(tmp_path: Path) -> None:
    record = make_record(1)
    moved = "https://www.pravda.com.ua/eng/news/2023/09/30/1111111/"
    # The discovered URL redirected to the record's URL, which nothing else discovered.
    outcome = {**parsed(record), "url": moved, "record_url": record.url}
    write_raw(tmp_path / "raw", [record], [outcome])
    counts = stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r", sources=SOURCES).counts
    assert (counts["discovered"], counts["records"], counts["rejected"]) == (1, 1, 0)


def test_two_discovered_urls_giving_one_record_are_a_record_and_a_duplicate(tmp_path: Path) -> None:
    record = make_record(1)
    moved = "https://www.pravda.com.ua/eng/news/2023/09/30/1111111/"
    outcomes = [
        {**parsed(record), "url": moved, "record_url": record.url},
        {"url": record.url, "outcome": "skipped", "reason": "duplicate", "http_status": 200},
    ]
    write_raw(tmp_path / "raw", [record], outcomes)
    counts = stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r", sources=SOURCES).counts
    assert (counts["discovered"], counts["records"], counts["skipped"]) == (2, 1, 1)
    assert counts["skipped_by_reason"] == {"duplicate": 1}
    assert counts["rejected"] == 0


def test_stage_run_writes_records_in_chunks_that_read_back_as_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transforms import stage

    # Chunks of two: the first chunk has no section at all (a null column on its own), the later ones
    # do; the same URL fetched twice must still give its latest fetch, in URL order.
    monkeypatch.setattr(stage, "CHUNK_ROWS", 2)
    records = [replace(make_record(i), section=None) if i < 2 else make_record(i) for i in range(7)]
    later = replace(records[3], headline="Fetched again", fetched_at=records[3].fetched_at.replace(year=2024))
    write_raw(tmp_path / "raw", [*records, later], [parsed(r) for r in records])
    result = stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r", sources=SOURCES)

    assert pq.ParquetFile(result.records_url).num_row_groups == 4
    table = pq.read_table(result.records_url)
    expected = stage_records(sorted([*records[:3], later, *records[4:]], key=lambda r: r.url), SOURCES)
    assert table.equals(expected)
    assert result.counts["records"] == 7 and result.counts["discovered"] == 7


def test_the_stored_seed_text_renders_from_the_stored_record(tmp_path: Path) -> None:
    """Every staged row's seed document and body text are what its own columns give, rendered again."""
    records = [make_record(i, edition=edition) for i, edition in enumerate(("eng", "ukr", "rus"))]
    write_raw(tmp_path / "raw", records, [parsed(r) for r in records])
    result = stage_run(str(tmp_path / "raw"), str(tmp_path / "staged"), run_id="r", sources=SOURCES)
    rows = pq.read_table(result.records_url).to_pylist()
    assert len(rows) == 3
    for row in rows:
        blocks = tuple(block_from_dict({k: v for k, v in b.items() if v is not None}) for b in row["blocks"])
        label = SOURCES[row["source"]].label
        document = SeedDocument(row["collected_on"], row["headline"], label, blocks, row["url"])
        assert render(document) == row["seed_text"]
        assert blocks_plain_text(blocks) == row["body_text"]
