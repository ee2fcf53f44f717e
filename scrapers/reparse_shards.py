"""A re-parse in shards: plan (index the archive, heads only) -> parse each shard -> merge.

Parsing is what a re-parse spends its time on, and pages parse independently, so the work is split:

* :func:`plan_shards` indexes the archive without payloads, picks each URL's latest in-range capture and
  follows its recorded redirects (heads are all that takes), then groups the pages by the WARC file their
  body is read from and cuts each group into shards of at most ``shard_pages`` pages. Each shard is one
  JSON-lines file under the run's folder (``.reparse/shards/``); the plan never holds a body.
* :func:`parse_shard` reads its pages' bodies (one open file per WARC, in file order) and parses them into
  one part file (``.reparse/parts/``): a line per page with its outcome and record, sorted by URL. Shards
  share nothing, so they run in any order, in a process pool or as mapped Airflow tasks on other machines.
* :func:`merge_shards` merges the parts by URL into the run's raw folder, applying the one rule that needs
  every page (two pages giving the same record URL: the first by URL wins, the other is ``skipped``,
  ``duplicate``), and removes the work files. The folder is the same, line for line, whatever the number of
  shards or workers, and the same as before shards existed: pages in URL order.
"""

from __future__ import annotations

import heapq
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import fsspec

from scrapers.parsers import parse_page
from scrapers.reparse import (
    REPARSED_OUTCOMES,
    Captures,
    decoded_text,
    follow_recorded,
    in_range,
    later,
)
from scrapers.warc import ArchiveReader, BodyTooLarge, RecordedResponse, iter_responses
from transforms import storage
from transforms.errors import NotAnArticle
from transforms.outcomes import outcome_line, read_outcomes_file
from transforms.sources import Source

DEFAULT_SHARD_PAGES = 5000
"""Pages per shard unless asked otherwise: big enough that a shard's start-up (a process or an Airflow
task, opening its WARC files) is small beside its parsing, small enough that two workers share a run."""

WORK = ".reparse"  # the work files' folder inside the run's raw folder; removed by the merge
RAW_FILES = ("items.jsonl", "outcomes.jsonl", "stats.json", "crawl.log")


@dataclass(frozen=True)
class Shard:
    """One shard of a run: its number, how many pages, where its page list is and where its part goes."""

    index: int
    pages: int
    shard_url: str
    part_url: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "pages": self.pages,
            "shard_url": self.shard_url,
            "part_url": self.part_url,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Shard:
        return cls(int(data["index"]), int(data["pages"]), str(data["shard_url"]), str(data["part_url"]))


@dataclass(frozen=True)
class ShardJob:
    """What a worker process needs to parse one shard (picklable: the function is mapped over these)."""

    source: Source
    shard: Shard
    max_bytes: int


def plan_shards(
    source: Source,
    data_root: str,
    raw_url: str,
    *,
    since: date | None = None,
    until: date | None = None,
    shard_pages: int = DEFAULT_SHARD_PAGES,
    min_shards: int = 1,
    log: Callable[[str], object] = print,
) -> list[Shard]:
    """Index the source's archive and write the run's shards of at most ``shard_pages`` pages, smaller when
    that gives fewer than ``min_shards`` (so that a pool's workers all get work); at least one shard (an
    empty run has one empty shard, so the steps after it run and record the run)."""
    if shard_pages < 1:
        raise ValueError(f"shard_pages={shard_pages}: expected at least 1")
    work = storage.join(raw_url, WORK)
    _remove(work)  # a re-run of the same run id starts from a clean plan
    pages, folders = _candidates(
        storage.join(data_root, "raw", source.key), raw_url, source.base_url, since, until, log
    )
    if pages:
        shard_pages = min(shard_pages, -(-len(pages) // max(1, min_shards)))
    groups: dict[str, list[dict[str, Any]]] = {}
    for url in sorted(pages):
        page = pages[url]
        groups.setdefault(page["warc"], []).append(page)
    chunks: list[list[dict[str, Any]]] = []
    for warc in sorted(groups):
        group = sorted(groups[warc], key=lambda page: page["offset"])
        chunks.extend(group[i : i + shard_pages] for i in range(0, len(group), shard_pages))
    chunks = chunks or [[]]
    shards = []
    with tempfile.TemporaryDirectory(prefix="newsetl-reparse-plan-") as tmp:
        local = Path(tmp)
        (local / "shards").mkdir()
        for index, chunk in enumerate(chunks):
            name = f"{index:05d}.jsonl"
            with (local / "shards" / name).open("w", encoding="utf-8") as out:
                for page in chunk:
                    out.write(json.dumps(page, ensure_ascii=False) + "\n")
            shards.append(
                Shard(
                    index,
                    len(chunk),
                    storage.join(work, "shards", name),
                    storage.join(work, "parts", name),
                )
            )
        plan = {"run_folders": folders, "pages": len(pages), "shards": len(shards)}
        (local / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        storage.upload_dir(local, work)
    log(f"{len(pages)} page(s) to re-parse from {folders} run folder(s), in {len(shards)} shard(s)")
    return shards


def _candidates(
    source_root: str,
    own_url: str,
    origin: str,
    since: date | None,
    until: date | None,
    log: Callable[[str], object],
) -> tuple[dict[str, dict[str, Any]], int]:
    """Each candidate URL's page entry (its latest in-range capture, its redirects followed within its
    run), and the number of run folders that gave one. Runs are indexed one at a time: a run's captures
    are only needed to follow that run's redirects, so memory holds the candidates, not the archive."""
    fs, root = fsspec.core.url_to_fs(source_root)
    folders = sorted(p for p in (fs.ls(root, detail=False) if fs.exists(root) else []) if fs.isdir(p))
    own = fsspec.core.url_to_fs(own_url)[1].rstrip("/")
    chosen: dict[str, tuple[str, dict[str, Any]]] = {}  # URL -> (its capture's WARC-Date, its page entry)
    used = set()
    for folder in folders:
        if folder.rstrip("/") == own:
            continue
        warcs = sorted(fs.glob(f"{folder}/*.warc.gz"))
        outcomes_path = f"{folder}/outcomes.jsonl"
        if not warcs or not fs.exists(outcomes_path):
            continue
        run = Path(folder.rstrip("/")).name
        with tempfile.TemporaryDirectory(prefix="newsetl-reparse-in-") as tmp:
            wanted = {
                url
                for url, line in read_outcomes_file(
                    storage.download(fs.unstrip_protocol(outcomes_path), Path(tmp) / "outcomes.jsonl")
                ).items()
                if line["outcome"] in REPARSED_OUTCOMES
            }
            captures: Captures = {}
            candidates: dict[str, RecordedResponse] = {}
            names: dict[str, str] = {}  # the local copy's path -> the WARC's URL, for the locations
            found = 0
            for warc in warcs:
                url = fs.unstrip_protocol(warc) if not storage.is_local(source_root) else warc
                local = storage.download(url, Path(tmp) / Path(warc).name)
                names[str(local)] = url
                for response in iter_responses([local], bodies=False):
                    if not in_range(response, since, until):
                        continue
                    if later(response, captures.get(response.url)):
                        captures[response.url] = response
                    if response.url not in wanted:
                        continue
                    # The latest capture of every run so far; a later run's wins a tie, as a later file's.
                    current = candidates.get(response.url)
                    latest = current.date if current else chosen.get(response.url, ("", {}))[0]
                    if current is None and response.url not in chosen or response.date >= latest:
                        candidates[response.url] = response
                        found += 1
            for url, candidate in candidates.items():
                chosen[url] = (candidate.date, _page(url, run, candidate, captures, names, origin))
        if found:
            used.add(run)
            log(f"{folder}: {found} article page(s) in range")
    return {url: page for url, (_, page) in chosen.items()}, len(used)


def _page(
    url: str,
    run: str,
    candidate: RecordedResponse,
    captures: Captures,
    names: dict[str, str],
    origin: str,
) -> dict[str, Any]:
    """A shard's line for one page: where its body is (after its run's redirects) and what its head says;
    or the outcome the spider would have given it when the redirect chain ends nowhere usable."""
    assert candidate.location is not None
    page: dict[str, Any] = {"url": url, "status": candidate.status}
    # Only the run's own captures: the chain that crawl fetched, not a later answer for the target.
    response, outcome, reason = follow_recorded(candidate, captures, origin, run=run)
    where = response if response is not None else candidate
    assert where.location is not None
    page["warc"], page["offset"] = names[where.location[0]], where.location[1]
    if response is None:
        page["outcome"], page["reason"] = outcome, reason
        return page
    page["final"] = {
        "url": response.url,
        "status": response.status,
        "reason": response.reason,
        "headers": response.headers,
        "record_id": response.record_id,
        "date": response.date,
    }
    return page


def parse_shard(job: ShardJob) -> dict[str, Any]:
    """Parse one shard's pages into its part file; returns the shard's number, pages and outcomes."""
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="newsetl-reparse-shard-") as tmp:
        local = Path(tmp)
        shard_path = storage.download(job.shard.shard_url, local / "shard.jsonl")
        pages = [json.loads(line) for line in shard_path.read_text(encoding="utf-8").splitlines()]
        lines = []
        readers: dict[str, ArchiveReader] = {}
        try:
            for page in pages:
                warc = page["warc"]
                if warc not in readers:
                    readers[warc] = ArchiveReader(storage.download(warc, local / f"{len(readers)}.warc.gz"))
                line = _parse_page(job.source, page, readers[warc], job.max_bytes)
                counts[line["outcome"]] += 1
                lines.append(line)
        finally:
            for reader in readers.values():
                reader.close()
        lines.sort(key=lambda line: line["url"])
        part = local / "part.jsonl"
        with part.open("w", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        storage.replace_with(part, job.shard.part_url)
    return {"index": job.shard.index, "pages": len(pages), "outcomes": dict(sorted(counts.items()))}


def _parse_page(
    source: Source, page: dict[str, Any], reader: ArchiveReader, max_bytes: int
) -> dict[str, Any]:
    """One page's part line: its outcome (as the crawl would give it), its record if parsed, and the line
    the crawl log gets."""
    url = page["url"]
    final = page.get("final")
    if final is None:
        return _line(
            url,
            page["outcome"],
            page["reason"],
            page["status"],
            note=f"{page['outcome']} {url}: {page['reason']}",
        )
    status = final["status"]
    try:
        body = reader.body(page["offset"], max_bytes)
        response = RecordedResponse(
            url=final["url"],
            status=status,
            reason=final["reason"],
            headers=[(k, v) for k, v in final["headers"]],
            body=body,
            record_id=final["record_id"],
            date=final["date"],
        )
        text = decoded_text(response, max_bytes)
    except BodyTooLarge as exc:
        return _line(url, "failed", str(exc), status, note=f"failed {url}: {exc}")
    except Exception as exc:  # a body that cannot be decoded costs one page, as in the crawl
        reason = f"undecodable body: {type(exc).__name__}: {exc}"
        return _line(url, "failed", reason, status, note=f"failed {url}: {reason}")
    try:
        record = parse_page(
            text,
            final["url"],
            source=source,
            fetched_at=datetime.fromisoformat(final["date"].replace("Z", "+00:00")),
            http_status=status,
            warc_record_id=final["record_id"],
        )
    except NotAnArticle as exc:
        return _line(url, "not_article", exc.reason, status, note=f"not an article: {url} ({exc})")
    except Exception as exc:  # a parser bug costs one page, as in the crawl
        return _line(
            url,
            "failed",
            f"parser error: {type(exc).__name__}: {exc}",
            status,
            note=f"parser failed on {url}: {type(exc).__name__}: {exc}",
        )
    return _line(url, "parsed", "", status, item=record.to_dict())


def _line(
    url: str,
    outcome: str,
    reason: str,
    status: int,
    *,
    note: str | None = None,
    item: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {"url": url, "outcome": outcome, "reason": reason, "status": status, "note": note, "item": item}


@dataclass(frozen=True)
class MergeResult:
    raw_url: str
    run_folders: int
    pages: int
    shards: int
    outcomes: dict[str, int]


def merge_shards(
    raw_url: str, shards: Sequence[Shard], *, log: Callable[[str], object] = print
) -> MergeResult:
    """Merge the shards' parts, by URL, into the run's raw folder; removes the work files."""
    work = storage.join(raw_url, WORK)
    target = storage.local_path(raw_url).resolve() if storage.is_local(raw_url) else None
    with tempfile.TemporaryDirectory(prefix="newsetl-reparse-merge-") as tmp:
        local = Path(tmp)
        out = target or local / "raw"
        out.mkdir(parents=True, exist_ok=True)
        for name in RAW_FILES:
            (out / name).unlink(missing_ok=True)
        plan = json.loads(storage.download(storage.join(work, "plan.json"), local / "plan.json").read_text())
        if plan["shards"] != len(shards):
            raise ValueError(f"{work}: the plan has {plan['shards']} shard(s), {len(shards)} given")
        parts = []
        for shard in sorted(shards, key=lambda s: s.index):
            try:
                parts.append(storage.download(shard.part_url, local / f"part-{shard.index:05d}.jsonl"))
            except FileNotFoundError:
                raise ValueError(f"{shard.part_url}: shard {shard.index} has not been parsed") from None
        counts = _merge(parts, out, log)
        stats = {
            "reparse": True,
            "run_folders": plan["run_folders"],
            "pages": plan["pages"],
            "outcomes": counts,
        }
        (out / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
        if target is None:
            storage.upload_dir(out, raw_url)
    _remove(work)
    return MergeResult(raw_url, plan["run_folders"], plan["pages"], len(shards), counts)


def _merge(parts: Sequence[Path], out: Path, log: Callable[[str], object]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    seen_records: set[str] = set()
    with (
        (out / "items.jsonl").open("w", encoding="utf-8") as items,
        (out / "outcomes.jsonl").open("w", encoding="utf-8") as outcomes,
        (out / "crawl.log").open("w", encoding="utf-8") as crawl_log,
    ):
        for line in heapq.merge(*(_read_lines(part) for part in parts), key=lambda line: line["url"]):
            url, outcome, reason, status = line["url"], line["outcome"], line["reason"], line["status"]
            record_url = None
            if outcome == "parsed":
                record_url = line["item"]["url"]
                if record_url in seen_records:
                    outcome, reason, record_url = "skipped", "duplicate", None
                else:
                    seen_records.add(record_url)
                    items.write(json.dumps(line["item"], ensure_ascii=False) + "\n")
            if line["note"]:
                crawl_log.write(line["note"] + "\n")
                log(line["note"])
            # The record's URL, as the crawl gives it: a redirect or a canonical link may have changed it.
            written = outcome_line(url, outcome, reason, status, record_url, None)
            outcomes.write(json.dumps(written, ensure_ascii=False) + "\n")
            counts[outcome] += 1
    return dict(counts)


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def _remove(url: str) -> None:
    if storage.is_local(url):
        shutil.rmtree(storage.local_path(url), ignore_errors=True)
        return
    fs, path = fsspec.core.url_to_fs(url)
    if fs.exists(path):
        fs.rm(path, recursive=True)


def run_shards(jobs: Iterable[ShardJob], workers: int) -> list[dict[str, Any]]:
    """Parse the shards in ``workers`` processes (transforms/workers.py; in this process with one)."""
    from transforms.workers import map_batches

    return list(map_batches(parse_shard, jobs, workers))
