"""A site behind a bot wall, on 127.0.0.1: it serves a feed and article pages, and refuses clients that do
not look like a browser.

It judges a client by its headers, not by its TLS handshake (the test site speaks plain HTTP): a browser
sends a browser's ``User-Agent`` (``Chrome/``, ``Firefox/``, ``Safari/``) together with the client hints and
fetch metadata that scrapy-impersonate's curl_cffi sends when it impersonates one (``sec-ch-ua`` for
Chromium browsers, ``sec-fetch-mode`` for all). Scrapy's own client sends neither. The refusal is a 403 or a
bot-challenge page (``Just a moment...``) with status 200, as bot-protection services answer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHALLENGE_PAGE = (
    b"<!doctype html><html><head><title>Just a moment...</title></head>"
    b'<body><div id="challenge-running">Checking your browser before accessing the site.</div></body></html>'
)


def looks_like_a_browser(headers: dict[str, str]) -> bool:
    agent = headers.get("user-agent", "")
    browser_agent = any(name in agent for name in ("Chrome/", "Firefox/", "Safari/"))
    return browser_agent and "sec-fetch-mode" in headers and ("sec-ch-ua" in headers or "Firefox/" in agent)


@dataclass
class WalledSite:
    """What the site serves (path -> (content type, body)) and how it refuses non-browsers.

    ``walled``: the paths behind the wall (None: every path). ``refusal``: ``403`` or ``challenge``;
    ``refuse_browsers`` refuses browsers too (a wall nothing gets through)."""

    pages: dict[str, tuple[str, bytes]]
    walled: set[str] | None = None
    refusal: str = "403"
    refuse_browsers: bool = False
    asked: list[tuple[str, bool]] = field(default_factory=list)  # (path, looked like a browser)


@contextmanager
def serve(site: WalledSite) -> Iterator[str]:
    """The site on a free port of 127.0.0.1; yields its origin."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            headers = {key.lower(): value for key, value in self.headers.items()}
            browser = looks_like_a_browser(headers)
            site.asked.append((path, browser))
            behind_wall = site.walled is None or path in site.walled
            if behind_wall and (site.refuse_browsers or not browser):
                if site.refusal == "challenge":
                    self._answer(200, "text/html; charset=utf-8", CHALLENGE_PAGE)
                else:
                    self._answer(403, "text/html; charset=utf-8", b"<html><title>Forbidden</title></html>")
                return
            found = site.pages.get(path)
            if found is None:
                self._answer(404, "text/plain", b"not here")
            else:
                self._answer(200, *found)

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
