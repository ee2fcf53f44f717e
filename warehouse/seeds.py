"""Seed-format documents in and out of the warehouse (``newsetl seed import`` / ``newsetl seed export``).

Import: each document becomes an article record (``transforms.seed_records``). The documents of one source
load as one run whose id is derived from their content, so importing the same files again is a no-op. The
stored ``seed_text`` is rendered from the record, which renders back to the same document, so export
writes back the same bytes.

Export: one file per article, ``{NNN}_{first 16 hex digits of sha256(canonical URL)}.txt``, numbered from
000 in order of the article's day (its publication day in UTC, or its collected day when it has no
publication time), then URL. The day filter runs in the query; the texts are read a few hundred at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Connection, and_, bindparam, or_, select

from transforms.normalise import reject, seed_document
from transforms.record import ArticleRecord
from transforms.seed import SeedFormatError, parse, render
from transforms.seed_records import document_record, document_source
from transforms.sources import Source
from transforms.urls import URL_PROBLEMS, url_problem
from transforms.validate import validate_record
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.load import RunInfo, load_records
from warehouse.models import Article
from warehouse.types import UTCDateTime

TEXT_CHUNK = 500
"""Seed texts read at a time by an export."""


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
        source = document_source(doc, sources)
        if source is None:
            known = ", ".join(f"{s.label!r} ({s.base_url})" for s in sources.values())
            problems.append(
                f"{path}: no source has the label {doc.source_label!r} or the host of {doc.url} "
                f"(known: {known})"
            )
            continue
        problem = url_problem(doc.url, source.base_url)
        if problem is not None:
            # The crawl's URL rule: a seed may not name a URL the crawler would refuse to fetch.
            problems.append(
                f"{path}: url {doc.url!r} {URL_PROBLEMS[problem]} (source {source.key}: {source.base_url})"
            )
            continue
        by_source.setdefault(source.key, []).append((path, document_record(doc, source)))
    if problems:
        raise SeedImportError(problems)
    return by_source


def import_seeds(engine_url: str, paths: Iterable[Path], *, sources: Mapping[str, Source]) -> ImportResult:
    """Load seed documents into the warehouse (nothing is loaded when any file is unusable)."""
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
            # The run id stands for the documents' content: the same files give the same run.
            label = sources[key].label
            texts = sorted(render(seed_document(record, label)) for _, record in entries)
            digest = hashlib.sha256("\n".join(texts).encode("utf-8"))
            run_id = f"seed-import-{key}-{digest.hexdigest()[:12]}"
            started = datetime.combine(max(r.collected_on for _, r in entries), time(), UTC)
            run = RunInfo(run_id=run_id, source=key, dag_run_id=None, started_at=started)
            result = load_records(engine, good, run, rejects=rejects, sources=sources)
            runs[run_id] = result.counts
    finally:
        engine.dispose()
    return ImportResult(files=len(files), runs=runs)


def export_name(number: int, url: str) -> str:
    return f"{number:03d}_{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}.txt"


@dataclass(frozen=True)
class StoredSeed:
    """An article to export: its id, URL and day (its text is read later, a chunk at a time)."""

    article_id: int
    url: str
    day: date


def stored_seeds(
    conn: Connection,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    days: Iterable[date] | None = None,
) -> list[StoredSeed]:
    """The articles of ``source`` whose day lies between ``since`` and ``until`` (inclusive) and, when
    ``days`` is given, is one of them; sorted by day, then URL. The query selects the span of days, so it
    stays one small statement however many days are asked for."""
    wanted = None if days is None else set(days)
    if wanted is not None:
        if not wanted:
            return []
        since = max(filter(None, (since, min(wanted))))
        until = min(filter(None, (until, max(wanted))))
    query = select(Article.article_id, Article.url, Article.published_at, Article.collected_on)
    if source:
        query = query.where(Article.source == source)
    if since is not None or until is not None:
        query = query.where(_day_between(since, until))
    found = [
        StoredSeed(article_id, url, published.astimezone(UTC).date() if published else collected)
        for article_id, url, published, collected in conn.execute(query)
    ]
    return sorted(
        (seed for seed in found if wanted is None or seed.day in wanted),
        key=lambda seed: (seed.day, seed.url),
    )


def _day_between(low: date | None, high: date | None) -> ColumnElement[bool]:
    """SQL for "the article's day is between ``low`` and ``high``": its publication time in the UTC days,
    or, without one, its collected day."""
    published: list[ColumnElement[bool]] = []
    collected: list[ColumnElement[bool]] = [Article.published_at.is_(None)]
    if low is not None:
        start = datetime.combine(low, time(), UTC)
        published.append(Article.published_at >= bindparam(None, start, type_=UTCDateTime()))
        collected.append(Article.collected_on >= low)
    if high is not None:
        end = datetime.combine(high + timedelta(days=1), time(), UTC)
        published.append(Article.published_at < bindparam(None, end, type_=UTCDateTime()))
        collected.append(Article.collected_on <= high)
    return or_(and_(*published), and_(*collected))


def seed_texts(conn: Connection, seeds: list[StoredSeed]) -> Iterator[tuple[StoredSeed, str]]:
    """Each seed with its stored text, in the order given, reading :data:`TEXT_CHUNK` texts at a time."""
    for start in range(0, len(seeds), TEXT_CHUNK):
        chunk = seeds[start : start + TEXT_CHUNK]
        texts = dict(
            conn.execute(
                select(Article.article_id, Article.seed_text).where(
                    Article.article_id.in_(bindparam("ids", expanding=True))
                ),
                {"ids": [seed.article_id for seed in chunk]},
            ).all()
        )
        for seed in chunk:
            yield seed, texts[seed.article_id]


def write_seed_files(out_dir: Path, documents: Iterable[tuple[StoredSeed, str]]) -> list[Path]:
    """Write the documents to ``out_dir``, numbered in the order given."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (seed, text) in enumerate(documents):
        path = out_dir / export_name(number, seed.url)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def export_seeds(
    engine_url: str,
    out_dir: Path,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[Path]:
    """Write one seed file per stored article (filtered by source and day, inclusive) into ``out_dir``."""
    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            seeds = stored_seeds(conn, source=source, since=since, until=until)
            return write_seed_files(out_dir, seed_texts(conn, seeds))
    finally:
        engine.dispose()
