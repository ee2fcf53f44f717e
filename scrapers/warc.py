"""The raw archive: every response of a crawl run, with its request, in gzip WARC files (warcio).

Each record is written as one complete gzip member in a single unbuffered write, so a process killed
between records leaves a readable file; :func:`repair_warc` cuts off a half-written last member should a
kill land inside a write. A process writes its own file (``{prefix}-{UTC time}-{pid}.warc.gz``), so a crawl
resumed from a Scrapy JOBDIR adds a file instead of appending to one that may be damaged.
"""

from __future__ import annotations

import io
import json
import os
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


# warcio gzips at level 9, which made compressing the archive the crawl's largest cost; level 5 takes about
# a third of the CPU time for some 2% more bytes on real Pravda pages (docs/benchmarks.md, profiling).
GZIP_LEVEL = 5


def _gzip_member(record: Any) -> bytes:
    """One record as its own gzip member, as warcio writes it, at ``GZIP_LEVEL``."""
    raw = io.BytesIO()
    WARCWriter(raw, gzip=False).write_record(record)
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(raw.getbuffer()) + compressor.flush()


def warc_file_name(prefix: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{prefix}-{stamp}-{os.getpid()}.warc.gz"


class WarcRunWriter:
    """Appends request/response pairs (and error notes) to one new ``.warc.gz`` file."""

    def __init__(
        self, directory: Path, prefix: str, *, info: dict[str, str] | None = None, name: str | None = None
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / (name or warc_file_name(prefix))
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.records = 0
        self.bytes = 0
        self._write(lambda w: [w.create_warcinfo_record(self.path.name, info or {"software": "newsetl"})])

    def _write(self, build: Callable[[WARCWriter], list[Any]]) -> list[str]:
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        records = build(WARCWriter(io.BytesIO(), gzip=False))
        data = b"".join(_gzip_member(record) for record in records)
        view = memoryview(data)
        while view:  # one write in practice; the loop only guards against short writes
            view = view[os.write(self._fd, view) :]
        self.records += len(records)
        self.bytes += len(data)
        return [r.rec_headers.get_header("WARC-Record-ID") for r in records]

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
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

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
    payloads are skipped (read block by block, never held) and each response carries its ``location``."""
    for path in paths:
        with open(path, "rb") as stream:
            archive = ArchiveIterator(stream)
            for record in archive:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status_line = record.http_headers.get_statuscode() or "0"
                body = record.raw_stream.read() if bodies else b""
                yield RecordedResponse(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    status=int(status_line),
                    reason=record.http_headers.statusline.partition(" ")[2],
                    headers=list(record.http_headers.headers),
                    body=body,
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    date=record.rec_headers.get_header("WARC-Date") or "",
                    location=None if bodies else (str(path), archive.get_record_offset()),
                )


def read_body(location: tuple[str, int], limit: int) -> bytes:
    """The body of the response record at ``location`` as the client got it: de-chunked when the record
    kept a ``Transfer-Encoding: chunked`` body (ours never do; other tools' may), still content-encoded.

    Reads no more than ``limit + 1`` bytes of payload; raises :class:`BodyTooLarge` past ``limit``."""
    path, offset = location
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)), None)
        if record is None or record.rec_type != "response" or record.http_headers is None:
            raise ValueError(f"{path}: no response record at offset {offset}")
        body = record.raw_stream.read(limit + 1)
        if len(body) > limit:
            raise BodyTooLarge(f"recorded body larger than download max size ({limit})")
        if "chunked" in (record.http_headers.get_header("Transfer-Encoding") or "").lower():
            # Bounded: the chunks come out of the ``limit`` bytes just read.
            body = ChunkedDataReader(io.BytesIO(body)).read()
        return body


def iter_records(path: Path | str) -> Iterator[tuple[str, str | None, str]]:
    """``(WARC-Type, WARC-Target-URI, WARC-Record-ID)`` of every record in a file (for checks and tests)."""
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            yield (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                record.rec_headers.get_header("WARC-Record-ID"),
            )
