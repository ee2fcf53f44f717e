"""Re-parse stored pages: the WARC archives of past crawl runs through the current parsers, no fetching.

This is what follows a parser fix. For each raw run folder of the source that holds WARC files, the
article pages that crawl fetched (outcome ``parsed`` or ``not_article`` in its ``outcomes.jsonl``) are read
back from its archive — following recorded redirects by the spiders' redirect policy (``redirects.py``) —
and handed to ``parse_page`` with
their original fetch time, status and WARC record id. Only captures whose fetch date lies in the asked range
count; a page captured more than once is taken from its latest capture.

The result is an ordinary raw run folder (``items.jsonl``, ``outcomes.jsonl``, ``stats.json``,
``crawl.log``; no WARC, since nothing was fetched), so the usual transform and load steps follow, and the
loader's content comparison gives only the changed articles a new version.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import fsspec

from scrapers.outcomes import OutcomeLog
from scrapers.parsers import parse_page
from scrapers.redirects import REDIRECT_STATUSES, next_hop
from scrapers.urls import on_source_host
from scrapers.warc import RecordedResponse, iter_responses
from transforms import storage
from transforms.errors import NotAnArticle
from transforms.outcomes import read_outcomes_file
from transforms.sources import Source
from transforms.urls import host_of

REPARSED_OUTCOMES = ("parsed", "not_article")


@dataclass(frozen=True)
class ReparseResult:
    raw_url: str
    run_folders: int
    pages: int
    outcomes: dict[str, int] = field(default_factory=dict)


def reparse_run_folders(
    source: Source,
    data_root: str,
    raw_url: str,
    *,
    since: date | None = None,
    until: date | None = None,
    log: Callable[[str], object] = print,
) -> ReparseResult:
    """Re-parse the stored article pages of ``source`` captured between ``since`` and ``until`` (inclusive)
    into the new raw folder ``raw_url``."""
    source_root = storage.join(data_root, "raw", source.key)
    target = storage.local_path(raw_url).resolve() if storage.is_local(raw_url) else None
    work = target or Path(tempfile.mkdtemp(prefix="newsetl-reparse-"))
    try:
        for name in ("items.jsonl", "outcomes.jsonl", "stats.json", "crawl.log"):
            (work / name).unlink(missing_ok=True)
        work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="newsetl-reparse-in-") as tmp:
            candidates, responses, folders = _collect(source_root, raw_url, Path(tmp), since, until, log)
            outcomes = _parse_all(source, candidates, responses, work, log)
        stats = {"reparse": True, "run_folders": folders, "pages": len(candidates), "outcomes": outcomes}
        (work / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
        if target is None:
            storage.upload_dir(work, raw_url)
    finally:
        if target is None:
            shutil.rmtree(work, ignore_errors=True)
    return ReparseResult(raw_url=raw_url, run_folders=folders, pages=len(candidates), outcomes=outcomes)


def _collect(
    source_root: str,
    own_url: str,
    tmp: Path,
    since: date | None,
    until: date | None,
    log: Callable[[str], object],
) -> tuple[dict[str, RecordedResponse], dict[str, RecordedResponse], int]:
    """Candidate URL -> its latest in-range capture, and every recorded response by URL (for redirects)."""
    fs, root = fsspec.core.url_to_fs(source_root)
    folders = sorted(p for p in (fs.ls(root, detail=False) if fs.exists(root) else []) if fs.isdir(p))
    own = fsspec.core.url_to_fs(own_url)[1].rstrip("/")
    responses: dict[str, RecordedResponse] = {}
    candidates: dict[str, RecordedResponse] = {}
    used = 0
    for number, folder in enumerate(folders):
        if folder.rstrip("/") == own:
            continue
        warcs = sorted(fs.glob(f"{folder}/*.warc.gz"))
        outcomes_path = f"{folder}/outcomes.jsonl"
        if not warcs or not fs.exists(outcomes_path):
            continue
        local = tmp / str(number)
        local.mkdir()
        fs.get_file(outcomes_path, str(local / "outcomes.jsonl"))
        wanted = {
            url
            for url, line in read_outcomes_file(local / "outcomes.jsonl").items()
            if line["outcome"] in REPARSED_OUTCOMES
        }
        paths = []
        for warc in warcs:
            fs.get_file(warc, str(local / Path(warc).name))
            paths.append(local / Path(warc).name)
        found = 0
        for response in iter_responses(paths):
            if not _in_range(response, since, until):
                continue
            if _later(response, responses.get(response.url)):
                responses[response.url] = response
            if response.url in wanted and _later(response, candidates.get(response.url)):
                candidates[response.url] = response
                found += 1
        if found:
            used += 1
            log(f"{folder}: {found} article page(s) in range")
    return candidates, responses, used


def _parse_all(
    source: Source,
    candidates: dict[str, RecordedResponse],
    responses: dict[str, RecordedResponse],
    work: Path,
    log: Callable[[str], object],
) -> dict[str, int]:
    outcomes = OutcomeLog(work / "outcomes.jsonl")
    seen_records: set[str] = set()
    with (
        (work / "items.jsonl").open("w", encoding="utf-8") as items,
        (work / "crawl.log").open("w", encoding="utf-8") as crawl_log,
    ):

        def note(line: str) -> None:
            crawl_log.write(line + "\n")
            log(line)

        source_host = host_of(source.base_url)
        for url in sorted(candidates):
            response, outcome, reason = follow_recorded(candidates[url], responses, source_host)
            if response is None:
                outcomes.record(url, outcome, reason, candidates[url].status)
                note(f"{outcome} {url}: {reason}")
                continue
            try:
                record = parse_page(
                    _decoded_text(response),
                    response.url,
                    source=source,
                    fetched_at=datetime.fromisoformat(response.date.replace("Z", "+00:00")),
                    http_status=response.status,
                    warc_record_id=response.record_id,
                )
            except NotAnArticle as exc:
                outcomes.record(url, "not_article", exc.reason, response.status)
                note(f"not an article: {url} ({exc})")
                continue
            except Exception as exc:  # a parser bug costs one page, as in the crawl
                outcomes.record(url, "failed", f"parser error: {type(exc).__name__}: {exc}", response.status)
                note(f"parser failed on {url}: {type(exc).__name__}: {exc}")
                continue
            if record.url in seen_records:
                outcomes.record(url, "skipped", "duplicate", response.status)
                continue
            seen_records.add(record.url)
            items.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            outcomes.record(url, "parsed", "", response.status)
    counts = dict(outcomes.counts())
    outcomes.close()
    return counts


def follow_recorded(
    response: RecordedResponse, responses: dict[str, RecordedResponse], source_host: str
) -> tuple[RecordedResponse | None, str, str]:
    """The page a recorded redirect chain ends at, by the spiders' redirect policy; or None with the
    outcome and reason the spider would have given the URL."""
    hops = 0
    while response.status in REDIRECT_STATUSES:
        hops += 1
        hop = next_hop(
            response.url,
            response.header("Location"),
            hops,
            source_host=source_host,
            normalise=lambda url: on_source_host(url, source_host),
        )
        if hop.target is None:
            return None, hop.outcome, hop.reason
        target = responses.get(hop.target)
        if target is None:
            return None, "failed", f"redirect target {hop.target} is not in the archive"
        response = target
    return response, "", ""


def _decoded_text(response: RecordedResponse) -> str:
    """The body as the spider saw it: content-decoding undone, then the charset Scrapy would pick."""
    from scrapy.http import HtmlResponse

    body = _decompress(response.body, response.header("Content-Encoding") or "")
    headers = [(k, v) for k, v in response.headers if k.lower() not in ("content-encoding", "content-length")]
    return HtmlResponse(response.url, status=response.status, headers=headers, body=body).text


def _decompress(body: bytes, encoding: str) -> bytes:
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # raw deflate without the zlib header, which some servers send
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "br":
            import brotli

            body = brotli.decompress(body)
        elif coding != "identity":
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
    return body


def _in_range(response: RecordedResponse, since: date | None, until: date | None) -> bool:
    day = _capture_day(response)
    return (since is None or day >= since) and (until is None or day <= until)


def _capture_day(response: RecordedResponse) -> date:
    return datetime.fromisoformat(response.date.replace("Z", "+00:00")).date()


def _later(response: RecordedResponse, current: RecordedResponse | None) -> bool:
    return current is None or response.date >= current.date
