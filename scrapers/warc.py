"""The raw archive: every response of a crawl run, with its request, in gzip WARC files (warcio).

Each record is written as one complete gzip member in a single unbuffered write, so a process killed
between records leaves a readable file; :func:`repair_warc` cuts off a half-written last member should a
kill land inside a write. A process writes its own file (``{prefix}-{UTC time}-{pid}.warc.gz``), so a crawl
resumed from a Scrapy JOBDIR adds a file instead of appending to one that may be damaged.

The crawl's writer works in the background (``background=True``): the record is made, and its id known, in
the caller's thread, while serialising, digesting, compressing and writing it happen in one thread of its
own, in order. hashlib and zlib release the GIL on large buffers, so the archive's CPU time (a third of a
crawl's, before) overlaps Scrapy's instead of adding to it. A process killed outright can then lose the last
few records it had queued (at most ``BACKGROUND_QUEUE``), as it loses the responses it was handling.
"""

from __future__ import annotations

import io
import json
import os
import queue
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import responses as http_reasons
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# Headers describing one connection rather than the resource: the body we record is already de-chunked.
HOP_BY_HOP = frozenset({"transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade"})

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class RecordedResponse:
    """One response read back from a WARC: the body exactly as received (still content-encoded)."""

    url: str
    status: int
    reason: str
    headers: Headers
    body: bytes
    record_id: str
    date: str
    # Where the record is, (file, offset of its gzip member), when it was read without its body: the body
    # is then read on demand by :func:`read_body`, so an index of many records holds no payloads.
    location: tuple[str, int] | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


# warcio gzips at level 9, which made compressing the archive the crawl's largest cost. Level 1 takes half
# the CPU time of level 5 (and a sixth of level 9's) for some 13% more bytes than level 5 on the real Pravda
# pages of tests/fixtures (docs/benchmarks.md, profiling): CPU is what a crawl on two cores runs out of.
GZIP_LEVEL = 1


def _record_builder() -> WARCWriter:
    """A warcio writer used only to make and serialise records (it writes to a buffer nobody reads). One per
    archive writer and thread: making one asks the system for the host name, which cost more per record
    than the record's own headers."""
    return WARCWriter(io.BytesIO(), gzip=False)


def _gzip_member(record: Any, builder: WARCWriter | None = None) -> bytes:
    """One record as its own gzip member, as warcio writes it, at ``GZIP_LEVEL``."""
    raw = io.BytesIO()
    writer = builder or _record_builder()
    writer.out = raw  # WARCWriter.write_record writes to ``out``; a fresh buffer per record
    writer.write_record(record)
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(raw.getbuffer()) + compressor.flush()


def warc_file_name(prefix: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{prefix}-{stamp}-{os.getpid()}.warc.gz"


# Exchanges a background writer may hold before the crawl waits for it: bounds its memory (a body can be
# DOWNLOAD_MAXSIZE) while letting it fall behind for a moment.
BACKGROUND_QUEUE = 32


class WarcRunWriter:
    """Appends request/response pairs (and error notes) to one new ``.warc.gz`` file.

    With ``background=True`` records are written by a thread of the writer's own (see the module); ``bytes``
    is then final after :meth:`close`, which waits for every queued record and raises the thread's error,
    if any (a full disk), as every later write does."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        *,
        info: dict[str, str] | None = None,
        name: str | None = None,
        background: bool = False,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / (name or warc_file_name(prefix))
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.records = 0
        self.bytes = 0
        self._failure: BaseException | None = None
        self._builder = _record_builder()  # makes records, in the caller's thread
        self._serialiser = _record_builder()  # serialises them, in the thread that appends
        self._queue: queue.Queue[list[Any] | None] | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(maxsize=BACKGROUND_QUEUE)
            self._thread = threading.Thread(target=self._drain, name=f"warc {self.path.name}", daemon=True)
            self._thread.start()
        self._write(lambda w: [w.create_warcinfo_record(self.path.name, info or {"software": "newsetl"})])

    def _write(self, build: Callable[[WARCWriter], list[Any]]) -> list[str]:
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        self._raise_failure()
        records = build(self._builder)
        ids = [r.rec_headers.get_header("WARC-Record-ID") for r in records]
        self.records += len(records)
        if self._queue is None:
            self._append(records)
        else:
            self._queue.put(records)
        return ids

    def _append(self, records: list[Any]) -> None:
        assert self._fd is not None
        data = b"".join(_gzip_member(record, self._serialiser) for record in records)
        view = memoryview(data)
        while view:  # one write in practice; the loop only guards against short writes
            view = view[os.write(self._fd, view) :]
        self.bytes += len(data)

    def _drain(self) -> None:
        """The background thread: append queued records in order until ``None`` comes."""
        assert self._queue is not None
        while (records := self._queue.get()) is not None:
            if self._failure is None:  # after a failure the rest is only taken off the queue
                try:
                    self._append(records)
                except BaseException as exc:  # handed to the caller's thread, raised there
                    self._failure = exc

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise OSError(f"{self.path}: writing the archive failed: {self._failure}") from self._failure

    def write_exchange(
        self,
        url: str,
        *,
        status: int,
        response_headers: Headers,
        body: bytes,
        method: str = "GET",
        request_headers: Sequence[tuple[str, str]] = (),
        request_body: bytes = b"",
        protocol: str = "HTTP/1.1",
    ) -> str:
        """Write a response record and its request record; returns the response's WARC-Record-ID.

        The request defaults to a plain GET, as when a recorded site is built from pages."""
        reason = http_reasons.get(status, "Unknown")
        kept = [(k, v) for k, v in response_headers if k.lower() not in HOP_BY_HOP | {"content-length"}]
        kept.append(("Content-Length", str(len(body))))
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_line = f"{method} {target} {protocol}"
        request_fields = list(request_headers)
        if not any(k.lower() == "host" for k, _ in request_fields):
            request_fields.insert(0, ("Host", parts.netloc))

        def build(writer: WARCWriter) -> list[Any]:
            response = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=StatusAndHeaders(f"{status} {reason}", kept, protocol=protocol),
            )
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            request = writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(request_body),
                length=len(request_body),
                http_headers=StatusAndHeaders(request_line, request_fields, is_http_request=True),
                warc_headers_dict={"WARC-Concurrent-To": response_id},
            )
            return [response, request]

        return self._write(build)[0]

    def write_error(self, url: str, error: str, *, method: str = "GET") -> str:
        """Note a request that got no response (timeout, reset, size cap) as a metadata record."""
        payload = json.dumps({"url": url, "method": method, "error": error}, ensure_ascii=False).encode()

        def build(writer: WARCWriter) -> list[Any]:
            return [
                writer.create_warc_record(
                    url,
                    "metadata",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    warc_content_type="application/json",
                )
            ]

        return self._write(build)[0]

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            if self._thread is not None and self._queue is not None:
                self._queue.put(None)
                self._thread.join()
        finally:
            os.close(self._fd)
            self._fd = None
        self._raise_failure()

    def __enter__(self) -> WarcRunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def repair_warc(path: Path) -> int:
    """Cut a gzip WARC back to its last complete gzip member; returns the number of bytes removed.

    Used on files a killed process may have left behind, before a resumed crawl or a reader uses them."""
    data = path.read_bytes()
    good = 0
    while good < len(data):
        decompressor = zlib.decompressobj(31)
        try:
            decompressor.decompress(data[good:])
        except zlib.error:
            break
        if not decompressor.eof:
            break
        good = len(data) - len(decompressor.unused_data)
    removed = len(data) - good
    if removed:
        with path.open("r+b") as handle:
            handle.truncate(good)
    return removed


class BodyTooLarge(ValueError):
    """A response body over the size limit of whoever reads it; ``str()`` is the outcome's reason."""


def iter_responses(paths: Iterable[Path | str], *, bodies: bool = True) -> Iterator[RecordedResponse]:
    """Every HTTP response record in the given WARC files, in file order. With ``bodies=False`` the
    payloads are skipped (never held) and each response carries its ``location``.

    The index without bodies is read with FastWARC, which skips payloads in C: indexing an archive is what
    a re-parse does first, and warcio took several times as long for the same heads."""
    if not bodies:
        for path in paths:
            yield from _heads(path)
        return
    for path in paths:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status_line = record.http_headers.get_statuscode() or "0"
                yield RecordedResponse(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    status=int(status_line),
                    reason=record.http_headers.statusline.partition(" ")[2],
                    headers=list(record.http_headers.headers),
                    body=record.raw_stream.read(),
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    date=record.rec_headers.get_header("WARC-Date") or "",
                )


def _heads(path: Path | str) -> Iterator[RecordedResponse]:
    """The response records of one file without their payloads, each with its ``location``."""
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    with open(path, "rb") as stream:
        for record in FastIterator(stream, record_types=WarcRecordType.response, parse_http=True):
            if not record.is_http:
                continue
            http = record.http_headers
            yield RecordedResponse(
                url=record.headers.get("WARC-Target-URI") or "",
                status=http.status_code or 0,
                reason=http.reason_phrase or "",
                headers=list(http.items()),
                body=b"",
                record_id=record.headers.get("WARC-Record-ID") or "",
                date=record.headers.get("WARC-Date") or "",
                location=(str(path), record.stream_pos),
            )


class ArchiveReader:
    """One WARC file opened once, for reading many bodies by their offsets (a re-parse shard reads all of
    its pages from one or a few files: opening the file per page cost as much as reading the page)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._stream = open(path, "rb")  # closed by close(), or by the with block

    def body(self, offset: int, limit: int) -> bytes:
        """The body of the response record at ``offset`` as the client got it: de-chunked when the record
        kept a ``Transfer-Encoding: chunked`` body (ours never do; other tools' may), still content-encoded.

        Reads no more than ``limit + 1`` bytes of payload; raises :class:`BodyTooLarge` past ``limit``."""
        from fastwarc.warc import ArchiveIterator as FastIterator
        from fastwarc.warc import WarcRecordType

        self._stream.seek(offset)
        record = next(iter(FastIterator(self._stream, parse_http=True)), None)
        if record is None or record.record_type != WarcRecordType.response or not record.is_http:
            raise ValueError(f"{self.path}: no response record at offset {offset}")
        body = record.reader.read(limit + 1)
        if len(body) > limit:
            raise BodyTooLarge(f"recorded body larger than download max size ({limit})")
        if "chunked" in (record.http_headers.get("Transfer-Encoding") or "").lower():
            # Bounded: the chunks come out of the ``limit`` bytes just read.
            body = ChunkedDataReader(io.BytesIO(body)).read()
        return body

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_body(location: tuple[str, int], limit: int) -> bytes:
    """The body of the response record at ``location`` (see :meth:`ArchiveReader.body`)."""
    path, offset = location
    with ArchiveReader(path) as reader:
        return reader.body(offset, limit)


def iter_records(path: Path | str) -> Iterator[tuple[str, str | None, str]]:
    """``(WARC-Type, WARC-Target-URI, WARC-Record-ID)`` of every record in a file (for checks and tests)."""
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            yield (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                record.rec_headers.get_header("WARC-Record-ID"),
            )
