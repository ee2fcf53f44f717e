"""The source registry, ``seeds/sources.yaml``: what to crawl, and how to label it in seed documents.

The file is validated against ``transforms/sources.schema.json`` (JSON Schema 2020-12). YAML is read
twice over: once as a node tree, which keeps every value's line, and once as plain data for the schema,
so that an error names the file, the line, the source's key and the field that is wrong. The format and
every field are described in docs/sources.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from transforms.urls import path_segments, site_host

DEFAULT_SOURCES_FILE = Path(__file__).resolve().parent.parent / "seeds" / "sources.yaml"
SCHEMA_FILE = Path(__file__).resolve().parent / "sources.schema.json"
# A source that publishes nothing new for a day is more likely broken than quiet (docs/sources.md).
DEFAULT_MAX_QUIET_HOURS = 24


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
    # Generic spider: a regular expression an article URL's path must contain; None means "looks like one".
    article_pattern: str | None = None
    # Hours without a new article after which v_source_freshness marks the source stale.
    max_quiet_hours: int = DEFAULT_MAX_QUIET_HOURS
    # A browser whose TLS and header fingerprint every request of the source takes (scrapy-impersonate's
    # names: chrome, safari, firefox, edge, chrome124…); None: plain HTTP (or NEWSETL_IMPERSONATE).
    impersonate: str | None = None
    # Article pages read through a headless Chromium, for text that exists only after the page's scripts ran.
    render: bool = False

    def select_editions(self, wanted: Iterable[str]) -> tuple[str, ...]:
        """The editions asked for (``all`` or nothing means every one), in the order given, without repeats.

        Raises ``ValueError`` naming the unknown ones and the source's editions."""
        chosen = [e.strip() for e in wanted if e.strip()]
        if not chosen or chosen == ["all"]:
            return tuple(self.editions)
        unknown = [e for e in chosen if e not in self.editions]
        if unknown:
            raise ValueError(
                f"unknown edition {', '.join(unknown)} of {self.key}; expected one of "
                f"{', '.join(self.editions)} or all"
            )
        return tuple(dict.fromkeys(chosen))

    def edition_for(self, url: str, language: str) -> str:
        """The edition an article belongs to: the one whose key is its URL's first path segment
        (``/en/…``), else the first one in ``language`` (BCP 47; the primary subtag decides), else the
        source's first edition."""
        segments = path_segments(url)
        if segments and segments[0] in self.editions:
            return segments[0]
        primary = language.split("-")[0].lower()
        for key, edition_language in self.editions.items():
            if edition_language.split("-")[0].lower() == primary:
                return key
        return next(iter(self.editions))


class UnknownSite(ValueError):
    """No source's ``base_url`` is on the host of a URL."""


def source_for_url(url: str, sources: Mapping[str, Source]) -> Source:
    """The source whose ``base_url`` is on the URL's site (``www.`` or not); raises :class:`UnknownSite`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnknownSite(f"{url!r} is not an absolute http(s) URL")
    for source in sources.values():
        if site_host(source.base_url) == site_host(url):
            return source
    known = ", ".join(f"{s.key} ({s.base_url})" for s in sources.values()) or "none"
    raise UnknownSite(f"no source is on the site of {url} (known sources: {known})")


class SourcesFileError(ValueError):
    """The sources file is malformed; the message names the file, the line and the offending key."""

    def __init__(self, message: str, *, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.key = key


@dataclass(frozen=True)
class SourcesFile:
    """A sources file read so that one bad entry costs only its own source.

    ``sources`` are the usable sources by key; ``problems`` maps the key of every entry that cannot be
    used (a schema error inside the entry, an ``article_pattern`` that is not a regular expression, a
    parser the caller does not know) to its :class:`SourcesFileError`, whose text is one line naming the
    file, the line, the source and what is wrong. A problem
    that concerns the whole file (YAML syntax, not a mapping, an entry without a usable key, a key used
    twice) raises :class:`SourcesFileError` when the file is read instead.
    """

    name: str
    sources: dict[str, Source]
    problems: dict[str, SourcesFileError]
    enabled: tuple[str, ...]  # keys of the entries the schedule crawls, usable or not, in file order
    keys: tuple[str, ...]  # every entry's key, in file order

    def source(self, key: str) -> Source | None:
        """The usable source ``key``; ``None`` when the file has no such entry. Raises
        :class:`SourcesFileError` with the entry's problem when it has one."""
        if key in self.problems:
            raise self.problems[key]
        return self.sources.get(key)

    def strict(self) -> dict[str, Source]:
        """Every source, or :class:`SourcesFileError` with the first problem in file order."""
        for key in self.keys:
            if key in self.problems:
                raise self.problems[key]
        return dict(self.sources)


def load_sources(path: Path | str) -> dict[str, Source]:
    """The sources of a sources file by key (``Settings.sources_path()`` names the configured one); any
    problem, even in one entry, raises :class:`SourcesFileError` (see :func:`read_sources`)."""
    return read_sources(path).strict()


def read_sources(path: Path | str, known_parsers: Collection[str] | None = None) -> SourcesFile:
    """The sources file at ``path``, its bad entries set aside as per-source problems (:class:`SourcesFile`).

    ``known_parsers``, when given, are the parser names the caller can run: an entry naming another is a
    problem of that source (the parsers live in ``scrapers``, which this module may not import)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # a ValueError, not one the callers report as a bad sources file
        raise SourcesFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return parse_sources_file(text, str(path), known_parsers)


def parse_sources(text: str, name: str = "<sources>") -> dict[str, Source]:
    """The sources of a sources file's text; ``name`` is what error messages call the file. Any problem
    raises :class:`SourcesFileError`."""
    return parse_sources_file(text, name).strict()


def parse_sources_file(
    text: str, name: str = "<sources>", known_parsers: Collection[str] | None = None
) -> SourcesFile:
    """A sources file's text as a :class:`SourcesFile`; a whole-file problem raises SourcesFileError."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise SourcesFileError(f"{name}:{line}: not valid YAML: {exc.problem}", line=line) from None
    if root is None:
        raise SourcesFileError(f"{name}:1: empty file; expected a mapping with a 'sources' list", line=1)
    _reject_duplicate_keys(root, name)
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator))
    # An error inside an entry with a usable key is that source's problem; any other spoils the file.
    keyed = _usable_keys(data, errors)
    problems: dict[str, SourcesFileError] = {}
    for error in errors:
        index = _entry_index(error)
        if index not in keyed:
            raise _schema_error(error, root, data, name)
        problems.setdefault(keyed[index], _schema_error(error, root, data, name))
    keys: list[str] = []
    enabled: list[str] = []
    sources: dict[str, Source] = {}
    for index, entry in enumerate(data["sources"]):
        key = keyed[index]
        if key in keys:
            line = _line(root, ("sources", index, "key"))
            raise SourcesFileError(
                f"{name}:{line}: source {key!r}: the key is used twice (keys must be unique)",
                line=line,
                key=key,
            )
        keys.append(key)
        if entry.get("enabled", True) is not False:
            enabled.append(key)
        if key in problems:
            continue
        problem = _entry_problem(entry, known_parsers)
        if problem is not None:
            field, words = problem
            line = _line(root, ("sources", index, field))
            problems[key] = SourcesFileError(f"{name}:{line}: source {key!r}: {words}", line=line, key=key)
            continue
        sources[key] = _source(entry)
    return SourcesFile(name, sources, problems, tuple(enabled), tuple(keys))


def _usable_keys(data: Any, errors: Sequence[Any]) -> dict[int, str]:
    """Entry index -> key, for the entries whose key is valid (the problems of the others cannot be
    pinned on a source)."""
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return {}
    bad = {e.absolute_path[1] for e in errors if list(e.absolute_path)[2:3] == ["key"]}
    return {
        index: entry["key"]
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and isinstance(entry.get("key"), str) and index not in bad
    }


def _entry_index(error: Any) -> int | None:
    path = list(error.absolute_path)
    if len(path) >= 2 and path[0] == "sources" and isinstance(path[1], int):
        return path[1]
    return None


def _entry_problem(entry: dict[str, Any], known_parsers: Collection[str] | None) -> tuple[str, str] | None:
    """(field, what is wrong) for what the schema cannot check in an entry, else None."""
    pattern = entry.get("article_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            return "article_pattern", f"article_pattern is not a regular expression ({exc})"
    for edition, language in entry["editions"].items():
        # Two letters: the ISO 639-1 code of the edition's language (docs/sources.md, "Edition keys").
        code = edition.split("_")[0]
        if len(code) == 2 and code != language.split("-")[0].lower():
            return "editions", (
                f"edition key {edition!r} does not name its language {language!r}; a two-letter edition "
                f"key is the language's ISO 639-1 code ({language.split('-')[0].lower()!r})"
            )
    if known_parsers is not None and entry["parser"] not in known_parsers:
        known = ", ".join(sorted(known_parsers))
        return "parser", f"unknown parser {entry['parser']!r}; known parsers: {known}"
    return None


def _source(entry: dict[str, Any]) -> Source:
    discovery = entry.get("discovery") or {}
    return Source(
        key=entry["key"],
        label=entry["label"],
        base_url=entry["base_url"].rstrip("/"),
        editions={str(k): str(v) for k, v in entry["editions"].items()},
        feeds=tuple(discovery.get("feeds") or ()),
        news_sitemaps=tuple(discovery.get("news_sitemaps") or ()),
        sitemap_indexes=tuple(discovery.get("sitemap_indexes") or ()),
        parser=entry["parser"],
        enabled=bool(entry.get("enabled", True)),
        article_pattern=entry.get("article_pattern"),
        max_quiet_hours=int(entry.get("max_quiet_hours", DEFAULT_MAX_QUIET_HOURS)),
        impersonate=entry.get("impersonate"),
        render=bool(entry.get("render", False)),
    )


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _schema_error(error: Any, root: yaml.Node, data: Any, name: str) -> SourcesFileError:
    path = list(error.absolute_path)
    # An unknown field is best shown at its own line, not at the entry that holds it.
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            path.append(extra[0])
    # So is a mapping key the schema refuses (an edition key): its path ends at the mapping that holds it.
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        path.append(error.instance)
    line = _line(root, path)
    key = None
    where = "the file"
    if len(path) >= 2 and path[0] == "sources" and isinstance(path[1], int):
        entry = data["sources"][path[1]]
        key = entry.get("key") if isinstance(entry, dict) and isinstance(entry.get("key"), str) else None
        where = f"source {key!r}" if key else f"sources[{path[1]}] (no valid key)"
        field = _dotted(path[2:])
        if field:
            where += f", field {field}"
    elif path:
        where = f"field {_dotted(path)}"
    return SourcesFileError(f"{name}:{line}: {where}: {_explain(error)}", line=line, key=key)


def _explain(error: Any) -> str:
    """The schema's complaint in words a person editing the YAML file can act on."""
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{error.message}; allowed fields: {allowed}"
    if error.validator == "pattern":
        expected = error.schema.get("x-expected")
        return f"{error.instance!r} is not valid" + (f"; expected {expected}" if expected else "")
    if "feeds" in str(error.schema.get("anyOf", "")) and (error.validator == "anyOf" or not error.instance):
        empty = "is empty; it " if not error.instance else ""
        lists = "feeds, news_sitemaps or sitemap_indexes"
        return f"{empty}needs at least one of {lists}, each with one entry or more"
    return str(error.message)


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(root: yaml.Node, path: Sequence[Any]) -> int:
    """The 1-based line of the deepest node of ``path`` present in the YAML tree (a mapping key's line
    for the last step, where the key exists)."""
    node = root
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((pair for pair in node.value if pair[0].value == part), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _reject_duplicate_keys(node: yaml.Node, name: str) -> None:
    # PyYAML keeps the last of two equal mapping keys without a word; in a config file that is a mistake.
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.value in seen:
                line = key_node.start_mark.line + 1
                raise SourcesFileError(
                    f"{name}:{line}: field {key_node.value!r} appears twice in the same mapping", line=line
                )
            seen.add(key_node.value)
            _reject_duplicate_keys(value_node, name)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(item, name)
