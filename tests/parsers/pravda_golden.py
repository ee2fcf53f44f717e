"""The Pravda golden set: stored pages (tests/fixtures/pravda/pages/manifest.json) and what parsing each
gives (tests/fixtures/pravda/expected/). Shared by the golden test and ``regenerate.py``.

Manifest format: ``{file: {"url", "fetched" (YYYY-MM-DD), "http_status", "source", "about"}}``, the file
relative to the manifest (``.html`` or ``.html.gz``). A page is parsed as fetched at midnight UTC of
``fetched`` and collected that day.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from scrapers.parsers import parse_page
from transforms.errors import NotAnArticle
from transforms.normalise import staged_row
from transforms.sources import DEFAULT_SOURCES_FILE, Source, load_sources

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pravda"
PAGES = FIXTURES / "pages"
MANIFEST = PAGES / "manifest.json"
EXPECTED = FIXTURES / "expected"
EXTRA_SOURCES = FIXTURES / "sources.yaml"


@dataclass(frozen=True)
class GoldenPage:
    file: str
    url: str
    fetched: date
    http_status: int
    source: str

    @property
    def path(self) -> Path:
        return PAGES / self.file

    @property
    def expected_path(self) -> Path:
        stem = Path(self.file).name.removesuffix(".gz").removesuffix(".html")
        return EXPECTED / f"{stem}.json"

    def html(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.file.endswith(".gz") else data


def sources() -> dict[str, Source]:
    return {**load_sources(DEFAULT_SOURCES_FILE), **load_sources(EXTRA_SOURCES)}


def golden_pages() -> list[GoldenPage]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [
        GoldenPage(
            file=name,
            url=entry["url"],
            fetched=date.fromisoformat(entry["fetched"]),
            http_status=int(entry["http_status"]),
            source=entry["source"],
        )
        for name, entry in manifest.items()
    ]


def parse_golden(page: GoldenPage, known_sources: dict[str, Source]) -> dict[str, Any]:
    """The record as its JSON dict with the seed document the pipeline stores for it, or
    ``{"not_article": {"reason", "detail"}}``."""
    try:
        record = parse_page(
            page.html(),
            page.url,
            source=known_sources[page.source],
            fetched_at=datetime.combine(page.fetched, time(), tzinfo=UTC),
            collected_on=page.fetched,
            http_status=page.http_status,
        )
    except NotAnArticle as exc:
        return {"not_article": {"reason": exc.reason, "detail": exc.detail}}
    seed_text = staged_row(record, known_sources[page.source].label)["seed_text"]
    return {**record.to_dict(), "seed_text": seed_text}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
