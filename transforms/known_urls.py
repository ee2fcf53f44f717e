"""The known-URLs file: the articles the warehouse already holds, and when their content last changed.

The wiring writes it from the warehouse (``warehouse.known``) and hands its path to the spider
(``-a known=PATH``), which skips the pages that have not changed since; neither side talks to the other.
Each line is ``url<TAB>modified_at``: the time in UTC ISO 8601, or empty when the article has none. An
earlier run's ``items.jsonl`` reads as a known-URLs file too (its records' URLs and ``modified_at``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from transforms.times import parse_timestamp
from transforms.urls import canonical_url


def write_known_urls(path: Path | str, rows: Iterable[tuple[str, datetime | None]]) -> int:
    """Write ``(url, modified_at)`` rows to ``path`` (its folder is made); returns how many."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for url, modified in rows:
            stamp = modified.astimezone(UTC).isoformat() if modified is not None else ""
            out.write(f"{url}\t{stamp}\n")
            count += 1
    return count


def read_known_urls(path: Path | str) -> dict[str, datetime | None]:
    """Canonical URL -> modification time (aware; a time without offset is UTC). Raises ``ValueError``
    naming the file and line of a malformed line."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"known={str(path)!r}: no such file")
    known: dict[str, datetime | None] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            where = f"{path}:{number}"
            if line.lstrip().startswith("{"):
                url, stamp = _from_item(line, where)
            else:
                url, _, stamp = line.partition("\t")
                if not url.startswith(("http://", "https://")):
                    raise ValueError(f"{where}: expected 'url<TAB>modified_at', got {line[:80]!r}")
            known[canonical_url(url)] = _modified(stamp, where)
    return known


def _modified(text: str, where: str) -> datetime | None:
    if not text.strip():
        return None
    parsed = parse_timestamp(text, default_tz=UTC)
    if parsed is None:
        raise ValueError(f"{where}: modified time {text.strip()!r} is not ISO 8601")
    return parsed


def _from_item(line: str, where: str) -> tuple[str, str]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not a JSON line: {exc}") from None
    if not isinstance(item, dict) or not isinstance(item.get("url"), str):
        raise ValueError(f"{where}: an items.jsonl line needs a 'url' string")
    return item["url"], str(item.get("modified_at") or "")
