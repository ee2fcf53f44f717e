"""A tiny HTTP server for escape tests: answers from a table of paths and records every request it gets
(the path as sent, the Host header and the mirror's X-Newsetl-Origin header), so a test can assert that
nothing reached an address the crawler must never talk to.

Responses are written as raw bytes, so a ``Location`` may carry what a hostile site sends (backslashes,
non-ASCII hosts) without ``http.server`` re-encoding it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Seen:
    path: str
    host: str
    origin: str  # X-Newsetl-Origin, "" when absent


@dataclass
class Answer:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int = 0) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)
        self.routes: dict[str, Answer] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host!s}]:{port}" if ":" in str(host) else f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def reset(self, routes: dict[str, Answer] | None = None) -> None:
        with self.lock:
            self.routes = dict(routes or {})
            self.seen = []


class _Handler(BaseHTTPRequestHandler):
    server: RecordingServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.seen.append(
                Seen(self.path, self.headers.get("Host", ""), self.headers.get("X-Newsetl-Origin", ""))
            )
            answer = self.server.routes.get(self.path.split("?", 1)[0], Answer(404, [], b"not here"))
        head = [f"HTTP/1.1 {answer.status} X".encode()]
        headers = [*answer.headers, ("Content-Length", str(len(answer.body))), ("Connection", "close")]
        head += [f"{name}: {value}".encode() for name, value in headers]
        self.wfile.write(b"\r\n".join(head) + b"\r\n\r\n" + answer.body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def recording_server(host: str = "127.0.0.1", port: int = 0) -> Iterator[RecordingServer]:
    server = RecordingServer(host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
