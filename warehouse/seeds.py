"""Seed-format documents in and out of the warehouse (``newsetl seed import`` / ``newsetl seed export``).

Import: each document becomes an article record. The source is the registry entry whose label is the
document's source label (or, failing that, whose host is the URL's); the edition is the URL's first path
segment when that names an edition, otherwise the edition whose language the text is in; the publication
date comes from the URL's path when it has one (midnight UTC: the time of day is not in a seed document),
and the collected date from the bullet line, which also stands for the fetch time. The documents of one
source load as one run whose id is derived from their content, so importing the same files again is a
no-op. The stored ``seed_text`` is the canonical rendering, so export writes back the same bytes.

Export: one file per article, ``{NNN}_{first 16 hex digits of sha256(canonical URL)}.txt``, numbered from
000 in order of publication date (collected date when there is none), then URL.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from transforms.frame import records_to_frame, reject, rejects_frame
from transforms.language import detect_language
from transforms.record import ArticleRecord
from transforms.seed import SeedDocument, SeedFormatError, parse, render
from transforms.sources import Source, load_sources
from transforms.validate import validate_record
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_frame
from warehouse.models import Article

IMPORT_PARSER = "seed-import"
_PATH_DATE = re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$)")
_SECTIONS = ("news", "articles", "columns", "interview", "photo", "video")


class SeedImportError(ValueError):
    """Some documents could not be read or matched to a source; ``problems`` lists ``file:line: message``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ImportResult:
    files: int
    runs: dict[str, dict[str, int]]  # run id -> load counts


def seed_files(paths: Iterable[Path]) -> list[Path]:
    """The ``*.txt`` files directly inside each directory, and each file given, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.txt") if p.is_file()))
        else:
            files.append(path)
    return files


def _source_for(doc: SeedDocument, sources: Mapping[str, Source]) -> Source | None:
    for source in sources.values():
        if source.label == doc.source_label:
            return source
    host = (urlsplit(doc.url).hostname or "").removeprefix("www.")
    for source in sources.values():
        if (urlsplit(source.base_url).hostname or "").removeprefix("www.") == host:
            return source
    return None


def _path_date(url: str) -> date | None:
    for match in _PATH_DATE.finditer(urlsplit(url).path):
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            continue
    return None


def _edition(doc: SeedDocument, source: Source) -> tuple[str, str]:
    segments = [s for s in urlsplit(doc.url).path.split("/") if s]
    if segments and segments[0] in source.editions:
        return segments[0], source.editions[segments[0]]
    text = "\n".join(
        [doc.headline, *(getattr(b, "text", "") or " ".join(getattr(b, "items", ())) for b in doc.blocks)]
    )
    languages = tuple(sorted({lang.split("-")[0] for lang in source.editions.values()}))
    guess = detect_language(text, candidates=languages).code.split("-")[0]
    for edition, language in source.editions.items():
        if language.split("-")[0] == guess:
            return edition, language
    edition = next(iter(source.editions))
    return edition, source.editions[edition]


def document_record(doc: SeedDocument, source: Source) -> ArticleRecord:
    """The article record a seed document stands for (see the module docstring for each field)."""
    edition, language = _edition(doc, source)
    published = _path_date(doc.url)
    segments = [s for s in urlsplit(doc.url).path.split("/") if s and s not in source.editions]
    section = segments[0] if segments and segments[0] in _SECTIONS else None
    return ArticleRecord(
        url=doc.url,
        source=source.key,
        edition=edition,
        language=language,
        headline=doc.headline,
        authors=(),
        published_at=datetime.combine(published, time(), UTC) if published else None,
        modified_at=None,
        tags=(),
        section=section,
        blocks=doc.blocks,
        seed_text=render(doc),
        collected_on=doc.collected_on,
        fetched_at=datetime.combine(doc.collected_on, time(), UTC),
        http_status=200,
        warc_record_id=None,
        parser=IMPORT_PARSER,
    )


def read_documents(
    files: list[Path], sources: Mapping[str, Source]
) -> dict[str, list[tuple[Path, ArticleRecord]]]:
    """Records by source key; raises :class:`SeedImportError` listing every file that cannot be used."""
    problems: list[str] = []
    by_source: dict[str, list[tuple[Path, ArticleRecord]]] = {}
    for path in files:
        try:
            doc = parse(path.read_bytes().decode("utf-8"))
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: not UTF-8 text (offset {exc.start})")
            continue
        except SeedFormatError as exc:
            problems.append(f"{path}:{exc.line}: {exc.message}")
            continue
        source = _source_for(doc, sources)
        if source is None:
            known = ", ".join(f"{s.label!r} ({s.base_url})" for s in sources.values())
            problems.append(
                f"{path}: no source has the label {doc.source_label!r} or the host of {doc.url} "
                f"(known: {known})"
            )
            continue
        by_source.setdefault(source.key, []).append((path, document_record(doc, source)))
    if problems:
        raise SeedImportError(problems)
    return by_source


def import_seeds(
    engine_url: str, paths: Iterable[Path], *, sources: Mapping[str, Source] | None = None
) -> ImportResult:
    """Load seed documents into the warehouse (nothing is loaded when any file is unusable)."""
    sources = load_sources() if sources is None else sources
    files = seed_files(paths)
    by_source = read_documents(files, sources)
    if migrate.current(engine_url) is None:
        migrate.upgrade(engine_url)
    engine = make_engine(engine_url)
    runs: dict[str, dict[str, int]] = {}
    try:
        for key, entries in sorted(by_source.items()):
            good, rejects = [], []
            for path, record in entries:
                reasons = validate_record(record, sources)
                if reasons:
                    rejects.append(
                        reject(record.url, "validate", f"{path}: {'; '.join(reasons)}", record.to_dict())
                    )
                else:
                    good.append(record)
            digest = hashlib.sha256("\n".join(sorted(r.seed_text for _, r in entries)).encode("utf-8"))
            run_id = f"seed-import-{key}-{digest.hexdigest()[:12]}"
            started = datetime.combine(max(r.collected_on for _, r in entries), time(), UTC)
            run = RunInfo(run_id=run_id, source=key, dag_run_id=None, started_at=started)
            result = load_frame(
                engine, records_to_frame(good), run, rejects=rejects_frame(rejects), sources=sources
            )
            runs[run_id] = result.counts
    finally:
        engine.dispose()
    return ImportResult(files=len(files), runs=runs)


def export_name(number: int, url: str) -> str:
    return f"{number:03d}_{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}.txt"


def export_seeds(
    engine_url: str,
    out_dir: Path,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[Path]:
    """Write one seed file per stored article (filtered by source and publication date, inclusive)."""
    query = select(Article.url, Article.seed_text, Article.published_at, Article.collected_on)
    if source:
        query = query.where(Article.source == source)
    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    finally:
        engine.dispose()

    def day(row: tuple) -> date:
        return row[2].astimezone(UTC).date() if row[2] is not None else row[3]

    chosen = sorted(
        (r for r in rows if (since is None or day(r) >= since) and (until is None or day(r) <= until)),
        key=lambda r: (day(r), r[0]),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, row in enumerate(chosen):
        path = out_dir / export_name(number, row[0])
        path.write_bytes(row[1].encode("utf-8"))
        written.append(path)
    return written
