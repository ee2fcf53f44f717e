"""Re-parse stored pages: the WARC archives of past crawl runs through the current parsers, no fetching.

This is what follows a parser fix. For each raw run folder of the source that holds WARC files, the
article pages that crawl fetched (outcome ``parsed`` or ``not_article`` in its ``outcomes.jsonl``) are read
back from its archive — following recorded redirects by the spiders' redirect policy (``redirects.py``) —
and handed to ``parse_page`` with
their original fetch time, status and WARC record id. Only captures whose fetch date lies in the asked range
count; a page captured more than once is taken from its latest capture.

What re-parse reads is bounded as the crawl's fetching is: a redirect is followed only to a capture of the
same run (the chain that crawl fetched, never a later run's answer for the target URL), and a body is read
and decompressed in pieces up to ``NEWSETL_MAX_RESPONSE_BYTES``; a page over it ends ``failed`` with the
reason, as in the crawl. The archive is indexed without its payloads, so memory does not grow with it.

The pages are parsed in shards, in a process pool or as mapped Airflow tasks (``reparse_shards.py``). The
result is an ordinary raw run folder (``items.jsonl``, ``outcomes.jsonl``, ``stats.json``,
``crawl.log``; no WARC, since nothing was fetched), so the usual transform and load steps follow, and the
loader's content comparison gives only the changed articles a new version.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from scrapers.redirects import REDIRECT_STATUSES, next_hop
from scrapers.urls import on_source_host
from scrapers.warc import BodyTooLarge, RecordedResponse, read_body
from transforms.sources import Source
from transforms.urls import host_of

REPARSED_OUTCOMES = ("parsed", "not_article")
# Decompressed bytes produced per step, so that a body is never inflated further than the cap plus this.
_CHUNK = 64 * 1024
_GZIP_WBITS = zlib.MAX_WBITS | 16

# One run's captures by URL: heads only, each body is read from its file when its page is parsed.
Captures = dict[str, RecordedResponse]


@dataclass(frozen=True)
class ReparseResult:
    raw_url: str
    run_folders: int
    pages: int
    outcomes: dict[str, int] = field(default_factory=dict)
    shards: int = 1
    workers: int = 1


def reparse_run_folders(
    source: Source,
    data_root: str,
    raw_url: str,
    *,
    max_bytes: int,
    since: date | None = None,
    until: date | None = None,
    workers: int = 1,
    shard_pages: int | None = None,
    log: Callable[[str], object] = print,
) -> ReparseResult:
    """Re-parse the stored article pages of ``source`` captured between ``since`` and ``until`` (inclusive)
    into the new raw folder ``raw_url``; a body over ``max_bytes`` (the crawl's ``max_response_bytes``),
    as recorded or once decompressed, ends its page as ``failed``. The pages are parsed in shards
    (``reparse_shards.py``) by ``workers`` processes; the folder is the same for any number of either."""
    from scrapers.reparse_shards import DEFAULT_SHARD_PAGES, ShardJob, merge_shards, plan_shards, run_shards

    shards = plan_shards(
        source,
        data_root,
        raw_url,
        since=since,
        until=until,
        shard_pages=shard_pages or DEFAULT_SHARD_PAGES,
        # More shards than workers, when there are pages enough, so that every core stays busy to the end.
        min_shards=1 if workers == 1 else 2 * workers,
        log=log,
    )
    run_shards([ShardJob(source, shard, max_bytes) for shard in shards], workers)
    merged = merge_shards(raw_url, shards, log=log)
    return ReparseResult(
        raw_url=raw_url,
        run_folders=merged.run_folders,
        pages=merged.pages,
        outcomes=merged.outcomes,
        shards=merged.shards,
        workers=workers,
    )


def follow_recorded(
    response: RecordedResponse, responses: Captures, source_origin: str, *, run: str = ""
) -> tuple[RecordedResponse | None, str, str]:
    """The page a recorded redirect chain ends at, by the spiders' redirect policy; or None with the
    outcome and reason the spider would have given the URL. ``responses`` are the captures of the run
    ``run`` the chain was recorded in: a target is looked up there only."""
    hops = 0
    while response.status in REDIRECT_STATUSES:
        hops += 1
        hop = next_hop(
            response.url,
            response.header("Location"),
            hops,
            source_host=host_of(source_origin),
            normalise=lambda url: on_source_host(url, source_origin),
            source_origin=source_origin,
        )
        if hop.target is None:
            return None, hop.outcome, hop.reason
        target = responses.get(hop.target)
        if target is None:
            where = f" of run {run}" if run else ""
            return None, "failed", f"redirect target {hop.target} is not in the archive{where}"
        response = target
    return response, "", ""


def decoded_text(response: RecordedResponse, max_bytes: int) -> str:
    """The body as the spider saw it: content-decoding undone, then the charset Scrapy would pick.
    Raises :class:`BodyTooLarge` when the body, as recorded or decoded, is over ``max_bytes``."""
    from scrapy.http import HtmlResponse

    if response.location is not None:
        body = read_body(response.location, max_bytes)
    elif len(response.body) > max_bytes:
        raise BodyTooLarge(f"recorded body larger than download max size ({max_bytes})")
    else:
        body = response.body
    body = _decompress(body, response.header("Content-Encoding") or "", max_bytes)
    dropped = ("content-encoding", "content-length", "transfer-encoding")
    headers = [(k, v) for k, v in response.headers if k.lower() not in dropped]
    return HtmlResponse(response.url, status=response.status, headers=headers, body=body).text


def _decompress(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """``body`` with its content codings undone, last applied first, producing at most ``max_bytes`` plus
    one piece: a bomb (a small body that inflates to gigabytes) stops at the cap, as in the crawl."""
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        recorded = len(body)
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, _GZIP_WBITS, max_bytes)
        elif coding == "deflate":
            try:
                body = _inflate(body, zlib.MAX_WBITS, max_bytes)
            except zlib.error:  # raw deflate without the zlib header, which some servers send
                body = _inflate(body, -zlib.MAX_WBITS, max_bytes)
        elif coding == "br":
            body = _unbrotli(body, max_bytes)
        elif coding == "zstd":  # the crawl asks for it (Scrapy's Accept-Encoding), so pages come in it
            body = _unzstd(body, max_bytes)
        elif coding != "identity":
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
        if len(body) > max_bytes:
            raise BodyTooLarge(
                f"body larger than download max size ({max_bytes}) once {coding}-decoded (from {recorded} B)"
            )
    return body


def _inflate(body: bytes, wbits: int, max_bytes: int) -> bytes:
    """zlib/gzip decoding in ``_CHUNK`` pieces, stopping once past ``max_bytes``. Consecutive gzip
    members are one body (RFC 1952); a truncated stream gives what it holds, as Scrapy's gunzip does."""
    out = bytearray()
    rest = body
    while rest and len(out) <= max_bytes:
        inflater = zlib.decompressobj(wbits)
        while not inflater.eof and len(out) <= max_bytes:
            piece = inflater.decompress(rest, _CHUNK)
            rest = inflater.unconsumed_tail
            if not piece and not rest:  # input used up
                break
            out += piece
        rest = inflater.unused_data
        if wbits != _GZIP_WBITS or not rest.startswith(b"\x1f\x8b"):  # no further gzip member
            break
    return bytes(out)


def _unbrotli(body: bytes, max_bytes: int) -> bytes:
    import brotli

    decoder = brotli.Decompressor()
    out = bytearray(decoder.process(body, output_buffer_limit=_CHUNK))
    while not decoder.is_finished() and len(out) <= max_bytes:
        piece = decoder.process(b"", output_buffer_limit=_CHUNK)
        if not piece:
            break
        out += piece
    return bytes(out)


def _unzstd(body: bytes, max_bytes: int) -> bytes:
    """Zstandard decoding in ``_CHUNK`` pieces; consecutive frames are one body, as in Scrapy's."""
    if sys.version_info >= (3, 14):
        from compression import zstd
    else:
        from backports import zstd

    out = bytearray()
    rest = body
    while rest and len(out) <= max_bytes:
        decoder = zstd.ZstdDecompressor()
        out += decoder.decompress(rest, _CHUNK)
        while not decoder.eof and not decoder.needs_input and len(out) <= max_bytes:
            out += decoder.decompress(b"", _CHUNK)
        if not decoder.eof:  # over the cap, or a truncated frame: what it holds
            break
        rest = decoder.unused_data
    return bytes(out)


def in_range(response: RecordedResponse, since: date | None, until: date | None) -> bool:
    day = _capture_day(response)
    return (since is None or day >= since) and (until is None or day <= until)


def _capture_day(response: RecordedResponse) -> date:
    return datetime.fromisoformat(response.date.replace("Z", "+00:00")).date()


def later(response: RecordedResponse, current: RecordedResponse | None) -> bool:
    return current is None or response.date >= current.date
