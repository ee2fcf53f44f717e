"""``discovery.jsonl``: what became of every feed and sitemap a crawl asked for.

One JSON object per line, in the order the answers came:
``{"url", "kind", "http_status", "error", "entries_found", "entries_in_range"}``.

- ``kind``: ``feed``, ``news_sitemap`` (a configured sitemap of recent articles), ``sitemap_index`` (a
  configured index) or ``child_sitemap`` (a sitemap or index listed by an index).
- ``http_status``: the answer's status, or null when no answer came (DNS, refused, timeout, robots.txt).
- ``error``: empty when the body was read as a feed or sitemap; else why it gave nothing or broke off
  (``HTTP 500``, ``DNSLookupError: …``, ``not a feed: …``). A row with an error is a failed discovery URL.
- ``entries_found``: the entries read from it (feed items, sitemap ``<url>`` or ``<sitemap>`` entries).
- ``entries_in_range``: of those, the ones the run kept: article URLs of the chosen editions (and of the
  date range, in a date-range run), or the child sitemaps followed from an index.

The crawl writes it (``scrapers.discovery_log``), the transform step copies it beside the staged records,
and the load step stores it in the ``discovery_fetches`` table. A URL asked for twice keeps both lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from transforms.jsonlines import url_objects

DISCOVERY_KINDS = ("feed", "news_sitemap", "sitemap_index", "child_sitemap")
FILE_NAME = "discovery.jsonl"


def discovery_line(
    url: str,
    kind: str,
    *,
    http_status: int | None = None,
    error: str = "",
    entries_found: int = 0,
    entries_in_range: int = 0,
) -> dict[str, Any]:
    """One line of the file; raises ``ValueError`` for a kind not in :data:`DISCOVERY_KINDS`."""
    if kind not in DISCOVERY_KINDS:
        raise ValueError(f"discovery kind {kind!r}: expected one of {', '.join(DISCOVERY_KINDS)}")
    return {
        "url": url,
        "kind": kind,
        "http_status": http_status,
        "error": error,
        "entries_found": int(entries_found),
        "entries_in_range": int(entries_in_range),
    }


def read_discovery(lines: Iterable[str], where: str) -> list[dict[str, Any]]:
    """The lines of a discovery file, checked; raises ``ValueError`` naming ``where`` and the line.

    A last line without a line end that is not JSON is the write of a process killed mid-line: left out."""
    rows: list[dict[str, Any]] = []
    for number, data in url_objects(lines, where, "a discovery line", cut_last_line=True):
        status = data.get("http_status")
        try:
            row = discovery_line(
                data["url"],
                str(data.get("kind")),
                http_status=int(status) if status is not None else None,
                error=str(data.get("error") or ""),
                entries_found=int(data.get("entries_found") or 0),
                entries_in_range=int(data.get("entries_in_range") or 0),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}:{number}: {exc}") from None
        rows.append(row)
    return rows


def read_discovery_file(path: Path) -> list[dict[str, Any]]:
    """:func:`read_discovery` of a file; a missing file (a re-parse, a crawl from before) has no rows."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as lines:
        return read_discovery(lines, str(path))
