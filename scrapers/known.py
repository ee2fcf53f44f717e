"""Known URLs for incremental crawls: which articles are already stored, and when they last changed.

The caller passes a file (``-a known=PATH``): either TSV lines ``url<TAB>modified_at`` (ISO 8601 or
empty), which the wiring writes from the warehouse, or an earlier run's ``items.jsonl``. The spider never
talks to the warehouse itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scrapers.urls import canonical_url

KNOWN_UNCHANGED = "known_unchanged"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _timestamp(text: str, where: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"{where}: modified time {text!r} is not ISO 8601") from None


@dataclass
class KnownUrls:
    """URL -> last stored modification time (None when the stored article had none)."""

    modified: dict[str, datetime | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.modified)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and canonical_url(url) in self.modified

    def skip_reason(self, url: str, lastmod: datetime | None) -> str | None:
        """Why ``url`` need not be fetched again, or None when it must be.

        A known URL is fetched again only when the discovery source gives a ``lastmod`` newer than the
        stored modification time. Without both times there is no evidence of a change, so it is skipped.
        """
        key = canonical_url(url)
        if key not in self.modified:
            return None
        stored = self.modified[key]
        if lastmod is not None and stored is not None and _aware(lastmod) > stored:
            return None
        return KNOWN_UNCHANGED

    @classmethod
    def load(cls, path: str | Path | None) -> KnownUrls:
        """Read a known-URL file; an empty path means nothing is known. Raises ValueError naming the file
        and line when a line is malformed."""
        if not path:
            return cls()
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"known={str(path)!r}: no such file")
        known = cls()
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                if line.lstrip().startswith("{"):
                    url, modified = _from_item(line, where)
                else:
                    url, _, rest = line.partition("\t")
                    if not url.startswith(("http://", "https://")):
                        raise ValueError(f"{where}: expected 'url<TAB>modified_at', got {line[:80]!r}")
                    modified = _timestamp(rest, where)
                known.modified[canonical_url(url)] = modified
        return known


def _from_item(line: str, where: str) -> tuple[str, datetime | None]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not a JSON line: {exc}") from None
    if not isinstance(item, dict) or not isinstance(item.get("url"), str):
        raise ValueError(f"{where}: an items.jsonl line needs a 'url' string")
    return item["url"], _timestamp(str(item.get("modified_at") or ""), where)
