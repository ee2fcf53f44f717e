"""The transform step: a crawl run's raw items and outcomes -> staged records, rejects and counts.

``stage_run`` reads ``items.jsonl`` and ``outcomes.jsonl`` from the run's raw folder, validates and
normalises every item, and writes ``records.parquet`` (the staged table of the article schema,
transforms/schema.py, rows by URL), ``rejects.parquet`` (url, stage, reason, payload) and ``counts.json``
to the staged folder. The crawl's ``discovery.jsonl`` (what became of each feed and sitemap,
``transforms.discovery_log``) is checked and copied there too, empty when the raw folder has none (a
re-parse); ``counts.json`` says how many of those URLs were asked for and how many failed. Every discovered
URL ends in exactly one of: records, rejects (stage ``crawl`` for pages that were not articles or whose
item is missing, ``record`` for unreadable items, ``validate`` for rule failures), skipped or failed, so
``discovered == records + rejected + skipped + failed``. Running it again on the same input writes the same
files.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from transforms import storage
from transforms.discovery_log import FILE_NAME as DISCOVERY_FILE
from transforms.discovery_log import read_discovery
from transforms.normalise import articles_table, reject, rejects_table, staged_row
from transforms.outcomes import read_outcomes
from transforms.record import ArticleRecord
from transforms.schema import arrow_schema
from transforms.sources import Source
from transforms.validate import validate_record

CHUNK_ROWS = 2000
"""Records per Parquet row group: the transform holds one chunk of rows at a time."""


@dataclass(frozen=True)
class StageResult:
    records_url: str
    rejects_url: str
    counts: dict[str, Any]


class StageInputError(ValueError):
    """The raw folder is missing a file or holds a malformed outcome line; the message names it."""


def _download(url: str, name: str, local_dir: Path, *, required: bool) -> Path | None:
    file_url = storage.join(url, name)
    try:
        path = storage.download(file_url, local_dir / name)
        if not path.is_file():  # a local URL is returned as is, without looking
            raise FileNotFoundError(file_url)
        return path
    except FileNotFoundError:
        if required:
            raise StageInputError(f"{file_url}: not found (the crawl step writes it)") from None
        return None


def _outcomes(lines: list[str], where: str) -> dict[str, dict[str, Any]]:
    try:
        return read_outcomes(lines, where)
    except ValueError as exc:
        raise StageInputError(str(exc)) from None


def _discovery(path: Path | None, where: str) -> list[dict[str, Any]]:
    """The checked lines of the crawl's ``discovery.jsonl`` (errors name ``where``); none when the crawl
    left no such file."""
    if path is None:
        return []
    try:
        with path.open(encoding="utf-8") as lines:
            return read_discovery(lines, where)
    except ValueError as exc:
        raise StageInputError(str(exc)) from None


def _numbered_lines(path: Path) -> Iterator[tuple[int, int, str]]:
    """(line number, byte offset, text) of each line of a UTF-8 file, read one at a time."""
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, offset, raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
            offset += len(raw)


def stage_items(
    item_lines: Iterable[tuple[int, int, str]],
    outcome_lines: list[str],
    *,
    sources: Mapping[str, Source],
    where: str = "items.jsonl",
) -> tuple[list[int], list[dict[str, Any]], dict[str, Any]]:
    """The pure part of :func:`stage_run`: over ``(line number, byte offset, line)`` of items.jsonl, the
    byte offsets of the lines that become records (in URL order), the reject rows and the counts.

    Only offsets are kept, not the records: a run of 50,000 articles held whole took gigabytes. The
    caller reads the lines at those offsets again to write the records in chunks.
    """
    outcomes = _outcomes(outcome_lines, where.replace("items.jsonl", "outcomes.jsonl"))
    valid: dict[str, tuple[datetime, int]] = {}
    rejected: dict[str, dict[str, Any]] = {}
    unreadable: list[dict[str, Any]] = []
    for number, offset, line in item_lines:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            unreadable.append(reject("", "record", f"{where} line {number} is not JSON: {exc}", line))
            continue
        url = str(data.get("url") or "").strip() if isinstance(data, dict) else ""
        try:
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            record = ArticleRecord.from_dict(data)
        except ValueError as exc:
            rejected[url] = reject(url, "record", f"{where} line {number}: {exc}", data)
            continue
        reasons = validate_record(record, sources)
        if reasons:
            rejected[url] = reject(url, "validate", "; ".join(reasons), data)
            continue
        # The same URL fetched twice in one run is one discovered URL: keep the latest fetch.
        previous = valid.get(url)
        if previous is None or record.fetched_at >= previous[0]:
            valid[url] = (record.fetched_at, offset)
        rejected.pop(url, None)
    for url in valid:
        rejected.pop(url, None)

    skipped_reasons: Counter[str] = Counter()
    failed = skipped = 0
    # A parsed outcome claims the record it produced, which has another URL when the discovered URL
    # redirected or the page's canonical link points elsewhere. Two discovered URLs that gave one record
    # are one record and one duplicate.
    claimed_by: dict[str, str] = {}
    for url, outcome in outcomes.items():
        if outcome["outcome"] != "parsed":
            continue
        record_url = str(outcome.get("record_url") or url).strip()
        if record_url not in valid and record_url not in rejected:
            rejected[url] = reject(url, "crawl", "parsed, but its item is missing from items.jsonl", outcome)
        elif record_url in claimed_by:
            skipped += 1
            skipped_reasons["duplicate"] += 1
        else:
            claimed_by[record_url] = url
    for url, outcome in outcomes.items():
        kind = outcome["outcome"]
        # A URL with its own record (or reject) is counted there, unless another URL's outcome claimed it.
        if kind == "parsed" or ((url in valid or url in rejected) and claimed_by.get(url, url) == url):
            continue
        reason = str(outcome.get("reason") or "")
        if kind == "not_article":
            rejected[url] = reject(url, "crawl", f"not an article: {reason or 'no reason given'}", outcome)
        elif kind == "failed":
            failed += 1
        else:
            skipped += 1
            skipped_reasons[reason or "unspecified"] += 1

    offsets = [valid[url][1] for url in sorted(valid)]
    rejects = [rejected[url] for url in sorted(rejected)] + unreadable
    counts: dict[str, Any] = {
        "discovered": len(offsets) + len(rejects) + skipped + failed,
        "records": len(offsets),
        "rejected": len(rejects),
        "skipped": skipped,
        "failed": failed,
        "rejected_by_stage": dict(sorted(Counter(r["stage"] for r in rejects).items())),
        "skipped_by_reason": dict(sorted(skipped_reasons.items())),
    }
    return offsets, rejects, counts


def write_records(items: Path, offsets: list[int], target: Path, sources: Mapping[str, Source]) -> None:
    """Write the records at ``offsets`` of ``items`` to the Parquet file ``target`` as staged rows, in that
    order, one row group per :data:`CHUNK_ROWS` records, so memory holds one chunk and not the run."""
    import pyarrow.parquet as pq

    with items.open("rb") as handle, pq.ParquetWriter(target, arrow_schema()) as writer:
        for start in range(0, len(offsets), CHUNK_ROWS):
            rows = []
            for offset in offsets[start : start + CHUNK_ROWS]:
                handle.seek(offset)
                record = ArticleRecord.from_dict(json.loads(handle.readline()))
                # stage_items kept only records that validate_record passed, seed document included.
                rows.append(staged_row(record, sources[record.source].label, validated=True))
            writer.write_table(articles_table(rows))


def stage_run(raw_url: str, staged_url: str, *, run_id: str, sources: Mapping[str, Source]) -> StageResult:
    """Validate and normalise one run's raw items into ``staged_url`` (see the module docstring)."""
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="newsetl-stage-") as tmp:
        work = Path(tmp)
        items = _download(raw_url, "items.jsonl", work / "in", required=True)
        assert items is not None
        outcomes = _download(raw_url, "outcomes.jsonl", work / "in", required=False)
        outcome_lines = outcomes.read_text(encoding="utf-8").splitlines() if outcomes else []
        offsets, rejects, counts = stage_items(
            _numbered_lines(items), outcome_lines, sources=sources, where=storage.join(raw_url, "items.jsonl")
        )
        discovery = _discovery(
            _download(raw_url, DISCOVERY_FILE, work / "in", required=False),
            storage.join(raw_url, DISCOVERY_FILE),
        )
        counts = {
            "run_id": run_id,
            **counts,
            "discovery": {"urls": len(discovery), "failed": sum(1 for row in discovery if row["error"])},
        }
        out = work / "out"
        out.mkdir()
        with (out / DISCOVERY_FILE).open("w", encoding="utf-8") as copy:
            copy.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in discovery)
        write_records(items, offsets, out / "records.parquet", sources)
        pq.write_table(rejects_table(rejects), out / "rejects.parquet")
        (out / "counts.json").write_text(
            json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        storage.upload_dir(out, staged_url)
    return StageResult(
        records_url=storage.join(staged_url, "records.parquet"),
        rejects_url=storage.join(staged_url, "rejects.parquet"),
        counts=counts,
    )
