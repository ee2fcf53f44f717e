"""The source registry, ``seeds/sources.yaml``: what to crawl, and how to label it in seed documents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SOURCES_FILE = Path(__file__).resolve().parent.parent / "seeds" / "sources.yaml"


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    base_url: str
    editions: dict[str, str]  # edition key -> language (BCP 47)
    feeds: tuple[str, ...]
    news_sitemaps: tuple[str, ...]
    sitemap_indexes: tuple[str, ...]
    parser: str
    enabled: bool


class SourcesFileError(ValueError):
    """The sources file is malformed; the message names the file and the offending key."""


def load_sources(path: Path | str | None = None) -> dict[str, Source]:
    path = Path(path) if path else DEFAULT_SOURCES_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourcesFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list):
        raise SourcesFileError(f"{path}: expected a mapping with a 'sources' list")
    sources: dict[str, Source] = {}
    for index, entry in enumerate(raw["sources"]):
        where = f"{path}: sources[{index}]"
        if not isinstance(entry, dict):
            raise SourcesFileError(f"{where}: expected a mapping")
        source = _source(entry, where)
        if source.key in sources:
            raise SourcesFileError(f"{where}: duplicate key {source.key!r}")
        sources[source.key] = source
    return sources


def _source(entry: dict[str, Any], where: str) -> Source:
    def need(name: str) -> Any:
        if name not in entry:
            raise SourcesFileError(f"{where}: missing '{name}'")
        return entry[name]

    discovery = entry.get("discovery") or {}
    editions = need("editions")
    if not isinstance(editions, dict) or not editions:
        raise SourcesFileError(f"{where}.editions: expected a mapping of edition -> language")
    return Source(
        key=str(need("key")),
        label=str(need("label")),
        base_url=str(need("base_url")).rstrip("/"),
        editions={str(k): str(v) for k, v in editions.items()},
        feeds=tuple(discovery.get("feeds") or ()),
        news_sitemaps=tuple(discovery.get("news_sitemaps") or ()),
        sitemap_indexes=tuple(discovery.get("sitemap_indexes") or ()),
        parser=str(need("parser")),
        enabled=bool(entry.get("enabled", True)),
    )
