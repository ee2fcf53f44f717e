"""Writing ``discovery.jsonl`` (the format: ``transforms.discovery_log``) as a crawl goes.

The spider says when it asks for a feed or sitemap (:meth:`DiscoveryLog.asking`, which gives the request a
token for its meta), what it read of the answer (:class:`DiscoveryFetch`) and when it is done with it
(:meth:`DiscoveryLog.finish`): that writes the line, at once, so a killed crawl keeps what it learnt. A
request that never reaches the spider's callback or errback still ends in one line: one the scheduler
drops as a duplicate is forgotten (it was never asked for), one whose callback raised gets the error, and
what is left when the crawl closes gets "no response" (or "cut short" when its answer was being read).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from transforms.discovery_log import discovery_line

TOKEN_KEY = "newsetl_discovery"
"""The meta key of a discovery request's token; with :data:`URL` and :data:`KIND` beside it."""
URL = "newsetl_discovery_url"
KIND = "newsetl_discovery_kind"


@dataclass
class DiscoveryFetch:
    """One feed or sitemap asked for: the URL as asked for (before redirects), its kind, the answer's
    status, and what was read of it."""

    token: str
    url: str
    kind: str
    http_status: int | None = None
    entries_found: int = 0
    kept: set[str] = field(default_factory=set)  # candidate articles, or the sitemaps an index leads to
    finished: bool = False

    def keep(self, url: str) -> None:
        """``url``, listed here, is kept for the run (a candidate article, or a sitemap followed from an
        index): in range, once per feed or sitemap however often it is listed."""
        self.kept.add(url)

    @property
    def entries_in_range(self) -> int:
        return len(self.kept)


class DiscoveryLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: dict[str, DiscoveryFetch] = {}
        self.rows = 0
        self.failed = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        _drop_cut_line(path)  # a resumed crawl appends after the lines of the process before it
        self._file: IO[str] | None = path.open("a", encoding="utf-8")

    def asking(self, url: str, kind: str) -> dict[str, str]:
        """The meta of a new request for ``url``: the request must end in one line."""
        discovery_line(url, kind)  # a wrong kind fails here, where the request is made
        token = uuid.uuid4().hex
        self.pending[token] = DiscoveryFetch(token, url, kind)
        return {TOKEN_KEY: token, URL: url, KIND: kind}

    def fetch(self, meta: Mapping[str, Any]) -> DiscoveryFetch:
        """The fetch of a request's meta; a request of an earlier process of a resumed crawl (its token
        unknown here) gets one made from its meta."""
        token = str(meta[TOKEN_KEY])
        found = self.pending.get(token)
        if found is None:
            found = self.pending[token] = DiscoveryFetch(token, str(meta[URL]), str(meta[KIND]))
        return found

    def finish(self, fetch: DiscoveryFetch, error: str = "") -> None:
        """Write the fetch's line; a fetch ends once (a second call writes nothing)."""
        if fetch.finished:
            return
        fetch.finished = True
        self.pending.pop(fetch.token, None)
        line = discovery_line(
            fetch.url,
            fetch.kind,
            http_status=fetch.http_status,
            error=error,
            entries_found=fetch.entries_found,
            entries_in_range=fetch.entries_in_range,
        )
        self.rows += 1
        self.failed += bool(error)
        if self._file is not None:
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._file.flush()

    def dropped(self, meta: Mapping[str, Any]) -> None:
        """The scheduler dropped the request (the same URL was asked for already): it was never asked."""
        self.pending.pop(str(meta.get(TOKEN_KEY)), None)

    def close(self, reason: str) -> None:
        """Every fetch still open gets its line: the crawl ended before it was answered or read through."""
        for fetch in list(self.pending.values()):
            if fetch.http_status is None:
                self.finish(fetch, f"no response: the crawl ended ({reason}) before it was fetched")
            else:
                self.finish(fetch, f"cut short: the crawl ended ({reason}) while it was read")
        if self._file is not None:
            self._file.close()
            self._file = None


def _drop_cut_line(path: Path) -> None:
    """Cut off a last line without its line end (the write of a killed process), so the next line starts
    on a line of its own."""
    if not path.is_file():
        return
    with path.open("rb+") as handle:
        data = handle.read()
        if data and not data.endswith(b"\n"):
            handle.truncate(data.rfind(b"\n") + 1)
