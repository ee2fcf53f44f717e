"""Which discovered URLs an incremental crawl need not fetch again (``-a known=PATH``).

The file (``transforms.known_urls``) lists the articles the warehouse holds with their last modification
time; a URL in it is fetched again only when its discovery source says it changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from transforms.known_urls import read_known_urls
from transforms.urls import canonical_url

KNOWN_UNCHANGED = "known_unchanged"


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
        if lastmod is not None and stored is not None:
            seen = lastmod if lastmod.tzinfo else lastmod.replace(tzinfo=UTC)
            if seen > stored:
                return None
        return KNOWN_UNCHANGED

    @classmethod
    def load(cls, path: str | Path | None) -> KnownUrls:
        """Read a known-URLs file; an empty path means nothing is known. Raises ValueError naming the file
        and line when a line is malformed."""
        return cls(read_known_urls(path)) if path else cls()
