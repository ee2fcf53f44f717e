"""Offline replay: serve recorded WARC responses over HTTP on 127.0.0.1, by URL.

Status, headers and body go out as recorded (the body still content-encoded, as received); an unknown URL
gets 404. Several sites can share one server: a mirrored request names its real origin in the
``X-Newsetl-Origin`` header; without it, the path alone is looked up (fine while it is unambiguous).

Faults can be planned per URL (:class:`FaultPlan`) so tests can exercise retries: a status such as 503 or
429 (optionally with ``Retry-After``) a given number of times before the recording is served, or a
connection reset. Use it as a library (``with ReplayServer(paths) as server: server.url``) or through
``newsetl replay``.
"""

from __future__ import annotations

import gzip
import io
import socket
import threading
import time
import zlib
from collections.abc import Iterable
from contextlib import redirect_stderr
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from scrapers.urls import ORIGIN_HEADER, canonical_url
from scrapers.warc import HOP_BY_HOP, RecordedResponse, iter_responses


def _is_transient(status: int) -> bool:
    return status == 429 or status >= 500


class RecordingIndex:
    """Recorded responses by URL. When a URL was recorded several times (a 503 then its retry's 200), the
    last non-transient answer wins, so a crawl's own WARC replays as the successful fetch."""

    def __init__(self) -> None:
        self.by_url: dict[str, RecordedResponse] = {}
        self._by_target: dict[str, set[str]] = {}
        # One line per file served with a doubt (cut off, a record the reader questioned): for the user.
        self.warnings: list[str] = []

    @classmethod
    def from_warcs(cls, paths: Iterable[Path | str]) -> RecordingIndex:
        """The responses of every file; raises ValueError (one line, naming the file) for a file that is not
        a WARC or holds a broken record, and notes in ``warnings`` a file that was cut off."""
        index = cls()
        for path in paths:
            index._add_file(Path(path))
        return index

    def _add_file(self, path: Path) -> None:
        responses: list[RecordedResponse] = []
        cut_off = _cut_off(path)
        complaints = io.StringIO()
        try:
            # warcio writes its doubts (a record longer than its Content-Length) to stderr: they become
            # one warning line here instead of raw text in the server's output.
            with redirect_stderr(complaints):
                for response in iter_responses([path]):
                    if not response.url:
                        raise ValueError("a response record without WARC-Target-URI")
                    responses.append(response)
            broken = None
        except ArchiveLoadFailed:
            broken = "its data is not WARC records"
        except Exception as exc:  # warcio raises anything (AttributeError included) on a malformed record
            broken = _missing_target(path) or " ".join(str(exc).split())[:100] or type(exc).__name__
        if cut_off:
            # The record being written when the copy stopped is incomplete: when it parsed at all, it is the
            # last one read, and serving half a body as the whole answer would be a lie.
            left_out = responses.pop().url if responses and broken is None else None
            self.warnings.append(
                f"{path} is cut off (an interrupted write or copy)"
                + (f"; its last response, {left_out}, is left out" if left_out else "")
            )
        elif broken is not None:
            raise ValueError(f"{path}: not a readable WARC file: {broken}")
        elif complaints.getvalue().strip():
            doubt = " ".join(complaints.getvalue().split())[:160]
            self.warnings.append(f"{path}: the WARC reader doubts a record: {doubt}")
        for response in responses:
            self.add(response)

    def add(self, response: RecordedResponse) -> None:
        key = canonical_url(response.url)
        current = self.by_url.get(key)
        if current is not None and _is_transient(response.status) and not _is_transient(current.status):
            return
        self.by_url[key] = response
        self._by_target.setdefault(_target(key), set()).add(key)

    def __len__(self) -> int:
        return len(self.by_url)

    def lookup(self, target: str, origin: str | None = None) -> RecordedResponse | None:
        """The recording for a request target (path and query) on ``origin``, or by target alone."""
        if origin:
            return self.by_url.get(canonical_url(origin.rstrip("/") + target))
        keys = self._by_target.get(_target(canonical_url("http://replay" + target)), set())
        return self.by_url[next(iter(keys))] if len(keys) == 1 else None


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _missing_target(path: Path) -> str | None:
    """The reason warcio gives no words for: a request or response record without WARC-Target-URI."""
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, no_record_parse=True):
                if record.rec_type in {"request", "response"}:
                    if not record.rec_headers.get_header("WARC-Target-URI"):
                        return f"a {record.rec_type} record without WARC-Target-URI"
    except Exception:  # the file is broken in some other way, reported as it is
        return None
    return None


def _cut_off(path: Path) -> bool:
    """True when ``path`` is gzip data that stops inside a member (the file was cut off); False for a complete
    one and for anything that is not gzip (the WARC reader judges that)."""
    with path.open("rb") as stream:
        if stream.read(2) != b"\x1f\x8b":
            return False
    try:
        with gzip.open(path, "rb") as unpacked:
            while unpacked.read(1024 * 1024):  # bounded pieces: a bomb costs time, not memory
                pass
    except EOFError:
        return True
    except (OSError, zlib.error):
        return False
    return False


FAULT_KINDS = ("status", "reset", "truncate", "drip")
DRIP_CHUNK = 1024


@dataclass
class Fault:
    """What to do instead of serving the recording, ``times`` times.

    kind ``status``: answer ``status`` (with ``Retry-After`` when ``retry_after`` is set);
    kind ``reset``: close the connection without an answer;
    kind ``truncate``: announce the recording's full length, send half of its body, close;
    kind ``drip``: send the recording in 1 KiB pieces, ``delay`` seconds apart."""

    kind: str = "status"
    times: int = 1
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind {self.kind!r}: expected one of {', '.join(FAULT_KINDS)}")
        if self.times < 1:
            raise ValueError(f"fault times={self.times}: expected at least 1")


@dataclass
class FaultPlan:
    """Faults by URL or by path; thread-safe, each fault used up after its ``times``. ``served`` counts
    every request per URL (faulted or not), so tests can check retries really happened."""

    faults: dict[str, list[Fault]] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, url_or_path: str, fault: Fault) -> None:
        # A copy: ``take`` counts ``times`` down, and one Fault given to several URLs or plans must not
        # share that count.
        with self._lock:
            self.faults.setdefault(_fault_key(url_or_path), []).append(replace(fault))

    def take(self, url: str) -> Fault | None:
        keys = (_fault_key(url), _target(canonical_url(url)))
        with self._lock:
            self.served[canonical_url(url)] = self.served.get(canonical_url(url), 0) + 1
            for key in keys:
                queue = self.faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.pop(0)
                    return fault
        return None


def _fault_key(url_or_path: str) -> str:
    return (
        canonical_url(url_or_path)
        if "://" in url_or_path
        else _target(canonical_url("http://x" + url_or_path))
    )


def parse_fault_spec(spec: str) -> tuple[str, Fault]:
    """A fault given as ``newsetl replay --fault``: ``URL_OR_PATH=503x2``, ``…=429x1:5`` (with Retry-After 5),
    ``…=resetx1``, ``…=truncatex1`` or ``…=dripx1:0.5`` (0.5 s between pieces)."""
    where, sep, what = spec.rpartition("=")
    if not sep or not where:
        raise ValueError(f"--fault {spec!r}: expected URL_OR_PATH=STATUSxTIMES, e.g. /eng/rss/=503x2")
    kind_text, _, rest = what.partition("x")
    times_text, _, retry_after = rest.partition(":")
    try:
        times = int(times_text or "1")
        if kind_text in {"reset", "truncate"}:
            return where, Fault(kind_text, times)
        if kind_text == "drip":
            return where, Fault("drip", times, delay=float(retry_after or "0.1"))
        return where, Fault("status", times, int(kind_text), retry_after or None)
    except ValueError as exc:
        raise ValueError(f"--fault {spec!r}: {exc}") from None


class _Handler(BaseHTTPRequestHandler):
    server: _ReplayHTTPServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_HEAD(self) -> None:
        self._answer_unless_gone(send_body=False)

    def do_GET(self) -> None:
        self._answer_unless_gone(send_body=True)

    def _answer_unless_gone(self, *, send_body: bool) -> None:
        try:
            self._answer(send_body=send_body)
        except (BrokenPipeError, ConnectionResetError):
            # The client hung up mid-answer (a response over its size cap, a timeout): that is its
            # decision to make, not a server error worth a traceback.
            self.close_connection = True

    def _answer(self, *, send_body: bool) -> None:
        origin = self.headers.get(ORIGIN_HEADER)
        recording = self.server.index.lookup(self.path, origin)
        url = recording.url if recording else (origin or "http://replay") + self.path
        fault = self.server.faults.take(url)
        if fault is not None and fault.kind == "reset":
            self.close_connection = True
            self.connection.close()
            return
        if fault is not None and fault.kind in {"truncate", "drip"} and recording is not None:
            self._send_recording(recording, send_body, fault)
            return
        if fault is not None and fault.kind == "status":
            body = f"fault injected: {fault.status}\n".encode()
            self.send_response(fault.status)
            if fault.retry_after is not None:
                self.send_header("Retry-After", fault.retry_after)
            self._finish("text/plain", body, send_body)
            return
        if recording is None:
            self.send_response(404)
            self._finish("text/plain", f"not recorded: {url}\n".encode(), send_body)
            return
        self._send_recording(recording, send_body, None)

    def _send_recording(self, recording: RecordedResponse, send_body: bool, fault: Fault | None) -> None:
        self.send_response(recording.status, recording.reason or None)
        for name, value in recording.headers:
            if name.lower() not in HOP_BY_HOP | {"content-length", "date", "server"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(recording.body)))
        self.end_headers()
        if not send_body:
            return
        if fault is None:
            self.wfile.write(recording.body)
        elif fault.kind == "truncate":
            self.wfile.write(recording.body[: len(recording.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:  # drip
            for start in range(0, len(recording.body), DRIP_CHUNK):
                self.wfile.write(recording.body[start : start + DRIP_CHUNK])
                self.wfile.flush()
                time.sleep(fault.delay)

    def _finish(self, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _ReplayHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], index: RecordingIndex, faults: FaultPlan, verbose: bool):
        self.index = index
        self.faults = faults
        self.verbose = verbose
        super().__init__(address, _Handler)


class ReplayServer:
    """A replay server over some WARC files; ``start()`` runs it in a background thread."""

    def __init__(
        self,
        warcs: Iterable[Path | str] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        index: RecordingIndex | None = None,
        faults: FaultPlan | None = None,
        verbose: bool = False,
    ) -> None:
        self.index = index if index is not None else RecordingIndex.from_warcs(warcs)
        self.faults = faults if faults is not None else FaultPlan()
        self._host = host
        self._server = _ReplayHTTPServer((host, port), self.index, self.faults, verbose)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="replay", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
