"""Analyst queries at a million articles: a synthetic warehouse on SQLite and PostgreSQL, then the documented
questions timed on both.

The warehouse is made directly in the migrated schema (Alembic to the latest revision), not through the
loader: sources, one crawl run per source and day, articles with their versions and tags, and story ids,
written by bulk inserts (SQLite) and COPY (PostgreSQL). The same seed gives the same rows on both engines.
The articles are spread evenly over 3 years and 8 sources (pravda in three editions, so the documented
examples that name pravda, its editions, its runs and one of its URLs find rows); 5% have a second version,
1% no publication time, 30% share a story with their neighbours, each has 0-5 of 500 tags. Bodies are
about 80 words drawn from a skewed vocabulary (a few words, "kyiv", "drones" among them, are common, most
are rare), shorter than real articles.

Then it times, each on both engines, after a warm-up run: every example question of docs/warehouse.md,
full-text search (warehouse/search.py, top 20) for a common and a rare pair of words, ``v_daily_counts``
for one source and in full, and ``v_source_freshness``. Each time is the best of ``--repeat`` runs.

    .venv/bin/python bench/million_warehouse.py --articles 1000000 [--append]

Default: print the table only; ``--append`` adds it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench", ROOT / "tests" / "warehouse"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import report  # noqa: E402
from postgres import PostgresMissing, postgres_server  # noqa: E402
from wh_docs import examples  # noqa: E402

from warehouse.engine import make_engine  # noqa: E402
from warehouse.migrate import upgrade  # noqa: E402
from warehouse.search import search_articles  # noqa: E402

START = datetime(2023, 1, 1, tzinfo=UTC)
DAYS = 3 * 365 + 1  # 2023-01-01 to 2025-12-31
# (source, label, editions as (edition, language)); pravda publishes in three editions as the real one does.
SOURCES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("pravda", "Ukrainska Pravda", (("eng", "en"), ("ukr", "uk"), ("rus", "ru"))),
    ("kyivindependent", "The Kyiv Independent", (("en", "en"),)),
    ("ukrinform", "Ukrinform", (("en", "en"), ("uk", "uk"))),
    ("unian", "UNIAN", (("uk", "uk"), ("en", "en"))),
    ("radiosvoboda", "Radio Svoboda", (("uk", "uk"),)),
    ("hromadske", "Hromadske", (("uk", "uk"), ("en", "en"))),
    ("liga", "LIGA.net", (("uk", "uk"),)),
    ("suspilne", "Suspilne", (("uk", "uk"), ("en", "en"))),
)
PRAVDA_PATH = {"eng": "/eng", "ukr": "", "rus": "/rus"}
# The URL docs/warehouse.md example 7 asks for: the first pravda English article gets it.
EXAMPLE_URL = "https://www.pravda.com.ua/eng/news/2023/09/30/7400001/"
COMMON_WORDS = ("kyiv", "drones", "war", "government", "minister", "attack", "region", "army")
RARE_QUERY = "ammunition parliament"
COMMON_QUERY = "drones kyiv"
TAGS = 500
CHUNK = 20_000

ARTICLE_COLUMNS = (
    "article_id", "url", "source", "edition", "language", "section", "headline", "authors", "published_at",
    "modified_at", "collected_on", "first_seen_at", "last_seen_at", "body_text", "seed_text", "content_hash",
    "word_count", "current_version", "parser", "last_run_id", "story_id", "detected_language",
)  # fmt: skip
VERSION_COLUMNS = (
    "article_id", "version", "content_hash", "headline", "authors", "tags", "published_at", "modified_at",
    "body_text", "seed_text", "word_count", "seen_at", "run_id",
)  # fmt: skip
RUN_COLUMNS = (
    "run_id", "source", "dag_run_id", "started_at", "finished_at", "status", "discovered", "inserted",
    "updated", "unchanged", "quarantined", "skipped", "failed", "kind", "discovery_urls", "discovery_failed",
    "known_unchanged",
)  # fmt: skip


@dataclass
class Chunk:
    """Rows of one slice of the articles, as Python values (datetimes aware, in UTC)."""

    articles: list[tuple[Any, ...]]
    versions: list[tuple[Any, ...]]
    article_tags: list[tuple[int, int]]


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf-like cumulative weights, the common real words first (each in about a quarter
    of the articles), the words of RARE_QUERY rare."""
    letters = "abcdefghijklmnoprstuvyz"
    made_up = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(20_000)}
    words = [*COMMON_WORDS, *sorted(made_up - set(COMMON_WORDS))]
    weights = [1.0 / (rank + 60) for rank in range(len(words))]
    for word in RARE_QUERY.split():
        words.append(word)
        weights.append(weights[-1] * 20)
    return words, list(itertools.accumulate(weights))


def sentences(rng: random.Random, count: int = 8_000) -> list[str]:
    words, weights = vocabulary(rng)
    made = []
    for _ in range(count):
        chosen = rng.choices(words, cum_weights=weights, k=rng.randint(8, 14))
        made.append(" ".join(chosen).capitalize() + ".")
    return made


def run_id(source: str, day: date) -> str:
    return f"{source}-{day.isoformat()}"


def crawl_runs() -> list[tuple[Any, ...]]:
    """One loaded ingest run per source and day, at 08:00 UTC, as the daily DAG makes them."""
    rows = []
    for source, _, _ in SOURCES:
        for offset in range(DAYS + 2):  # the last articles are first seen, or seen again, a day later
            day = (START + timedelta(days=offset)).date()
            started = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
            finished = started + timedelta(minutes=7)
            rows.append(
                (run_id(source, day), source, f"scheduled__{started.isoformat()}", started, finished,
                 "loaded", 0, 0, 0, 0, 0, 0, 0, "ingest", 2, 0, 0)
            )  # fmt: skip
    return rows


def article_chunks(total: int, seed: int) -> Iterator[Chunk]:
    """The articles in id order, CHUNK at a time; article i is published at about i/total of 3 years."""
    rng = random.Random(seed)
    pool = sentences(rng)
    headline_words, headline_weights = vocabulary(random.Random(seed + 1))
    span = DAYS * 86400
    example_url_taken = False
    for first in range(1, total + 1, CHUNK):
        crng = random.Random(seed * 1_000_003 + first)
        chunk = Chunk([], [], [])
        for article_id in range(first, min(first + CHUNK, total + 1)):
            source, _, editions = SOURCES[crng.randrange(len(SOURCES))]
            edition, language = editions[crng.randrange(len(editions))]
            published = START + timedelta(seconds=int((article_id - 1) * span / total) + crng.randrange(3600))
            first_seen = published + timedelta(minutes=crng.randint(5, 600))
            last_seen = first_seen + timedelta(days=crng.choice((0, 0, 0, 1, 3)))
            if source == "pravda":
                path = f"{PRAVDA_PATH[edition]}/news/{published:%Y/%m/%d}/{7400000 + article_id}/"
                url = f"https://www.pravda.com.ua{path}"
                if edition == "eng" and not example_url_taken and published.date() == date(2023, 9, 30):
                    url, example_url_taken = EXAMPLE_URL, True
            else:
                url = f"https://{source}.example/{edition}/{published:%Y/%m/%d}/{article_id}/"
            headline = " ".join(crng.choices(headline_words, cum_weights=headline_weights, k=8)).capitalize()
            body = " ".join(crng.choices(pool, k=7))
            words = len(body.split())
            digest = hashlib.sha256(f"{url}\n{headline}\n{body}".encode()).hexdigest()
            tags = sorted(crng.sample(range(1, TAGS + 1), crng.randint(0, 5)))
            # 30% of the articles share a story with neighbours published within hours of them.
            block = (article_id - 1) // 6
            story = f"{hashlib.sha256(str(block).encode()).hexdigest()[:16]}" if crng.random() < 0.3 else None
            versions = 2 if crng.random() < 0.05 else 1
            published_at = None if crng.random() < 0.01 else published
            authors = '["Staff writer"]'
            tag_json = "[" + ", ".join(f'"tag {t}"' for t in tags) + "]"
            seed_text = f"# {headline}\n\n{body[:200]}"
            for version in range(1, versions + 1):
                version_body = body if version == versions else body[: len(body) // 2]
                version_hash = (
                    digest if version == versions else hashlib.sha256(version_body.encode()).hexdigest()
                )
                seen = first_seen + timedelta(days=version - 1)
                chunk.versions.append(
                    (article_id, version, version_hash, headline, authors, tag_json, published_at, None,
                     version_body, seed_text, len(version_body.split()), seen, run_id(source, seen.date()))
                )  # fmt: skip
            chunk.articles.append(
                (article_id, url, source, edition, language, "news", headline, authors, published_at, None,
                 first_seen.date(), first_seen, last_seen, body, seed_text, digest, words, versions,
                 "bench", run_id(source, (first_seen + timedelta(days=versions - 1)).date()), story, language)
            )  # fmt: skip
            chunk.article_tags.extend((article_id, tag) for tag in tags)
        yield chunk


# --- writing -------------------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    # As SQLAlchemy's DateTime writes it on SQLite (warehouse/types.py: UTC, no offset).
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(_sqlite_value(v) for v in row) for row in rows]


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    # Table and column names are this script's constants; the values go in as parameters.
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


def fill_sqlite(path: str, total: int, seed: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # A throwaway file: no fsync and no rollback journal while it is written.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-400000")
        # The migrated schema's indexes and full-text triggers, made again once the rows are in (faster
        # than keeping them up to date row by row); their SQL is read back, not written twice.
        deferred = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
        ).fetchall()
        conn.execute("BEGIN")
        for kind, name, _ in deferred:
            conn.execute(f"DROP {kind.upper()} {name}")
        conn.executemany(_insert_sql("sources", ("source", "label", "base_url")), _sources())
        conn.executemany(_insert_sql("crawl_runs", RUN_COLUMNS), _sqlite_rows(crawl_runs()))
        conn.executemany(_insert_sql("tags", ("tag_id", "name")), _tags())
        for chunk in article_chunks(total, seed):
            conn.executemany(_insert_sql("articles", ARTICLE_COLUMNS), _sqlite_rows(chunk.articles))
            conn.executemany(_insert_sql("article_versions", VERSION_COLUMNS), _sqlite_rows(chunk.versions))
            conn.executemany(_insert_sql("article_tags", ("article_id", "tag_id")), chunk.article_tags)
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        for _, _, sql in deferred:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def _sources() -> list[tuple[str, str, str]]:
    return [(source, label, f"https://{source}.example/") for source, label, _ in SOURCES]


def _tags() -> list[tuple[int, str]]:
    return [(tag, f"tag {tag}") for tag in range(1, TAGS + 1)]


# The migrated schema's indexes that no constraint owns: dropped while the rows are copied in and made again
# from their own definitions afterwards (one sort each instead of a row-by-row update).
_PG_PLAIN_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes AS i
WHERE i.schemaname = current_schema()
  AND i.tablename IN ('articles', 'article_versions', 'article_tags', 'crawl_runs')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
"""


def fill_postgresql(engine: Engine, total: int, seed: int) -> None:
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # The rows are consistent by construction: skip the foreign-key triggers while copying (the
        # throwaway cluster's user is a superuser); the constraints stay declared.
        cursor.execute("SET LOCAL session_replication_role = replica")
        indexes = cursor.execute(_PG_PLAIN_INDEXES).fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")

        def copy(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)

        copy("sources", ("source", "label", "base_url"), _sources())  # type: ignore[arg-type]
        copy("crawl_runs", RUN_COLUMNS, crawl_runs())
        copy("tags", ("tag_id", "name"), _tags())  # type: ignore[arg-type]
        for chunk in article_chunks(total, seed):
            copy("articles", ARTICLE_COLUMNS, chunk.articles)
            copy("article_versions", VERSION_COLUMNS, chunk.versions)
            copy("article_tags", ("article_id", "tag_id"), chunk.article_tags)  # type: ignore[arg-type]
        for _, definition in indexes:
            cursor.execute(definition)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def build(dialect: str, url: str, total: int, seed: int) -> tuple[Engine, float]:
    """Migrate an empty warehouse and fill it; returns its engine and the seconds the filling took."""
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    if dialect == "sqlite":
        fill_sqlite(url.removeprefix("sqlite:///"), total, seed)
    else:
        fill_postgresql(engine, total, seed)
    return engine, time.perf_counter() - started


# --- timing --------------------------------------------------------------------------------------------


def questions(dialect: str) -> list[tuple[str, Callable[[Engine], int]]]:
    """(label, action returning its row count) for every timed question on ``dialect``."""

    def sql(query: str) -> Callable[[Engine], int]:
        def run(engine: Engine) -> int:
            with engine.connect() as conn:
                return len(conn.execute(text(query)).all())

        return run

    def search(words: str) -> Callable[[Engine], int]:
        return lambda engine: len(search_articles(engine, words, limit=20))

    timed = [(f"example {e.number}: {e.question}", sql(e.query_for(dialect))) for e in examples()]
    timed += [
        (f"search top 20: {COMMON_QUERY} (common words)", search(COMMON_QUERY)),
        (f"search top 20: {RARE_QUERY} (rare words)", search(RARE_QUERY)),
        ("v_daily_counts, one source, 30 days", sql(
            "SELECT * FROM v_daily_counts WHERE source = 'pravda' "
            "AND published_day BETWEEN '2025-06-01' AND '2025-06-30' ORDER BY published_day, edition"
        )),
        ("v_daily_counts, all rows", sql("SELECT * FROM v_daily_counts")),
        ("v_source_freshness", sql("SELECT * FROM v_source_freshness ORDER BY source")),
    ]  # fmt: skip
    return timed


def time_questions(engine: Engine, repeat: int) -> list[tuple[str, int, float]]:
    results = []
    for label, action in questions(engine.dialect.name):
        rows = action(engine)  # warm-up: pages in the cache, as for an analyst's second query
        best = min(_seconds(action, engine) for _ in range(repeat))
        results.append((label, rows, best))
        print(f"  {engine.dialect.name:<10} {best:7.3f} s  {label}", file=sys.stderr, flush=True)
    return results


def _seconds(action: Callable[[Engine], int], engine: Engine) -> float:
    started = time.perf_counter()
    action(engine)
    return time.perf_counter() - started


def bench(dialect: str, url: str, total: int, seed: int, repeat: int) -> tuple[float, list[Any]]:
    print(f"{dialect}: building {total:,} articles", file=sys.stderr, flush=True)
    engine, seconds = build(dialect, url, total, seed)
    print(f"{dialect}: built in {seconds:.0f} s", file=sys.stderr, flush=True)
    try:
        return seconds, time_questions(engine, repeat)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per question, the best counts")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="make the SQLite warehouse in DIR and keep it")
    parser.add_argument("--append", action="store_true", help="append the table to docs/benchmarks.md")
    args = parser.parse_args()
    if args.articles < 1:
        parser.error(f"--articles {args.articles}: expected at least 1")

    built: dict[str, float] = {}
    timings: dict[str, list[Any]] = {}
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsetl-million-") as tmp:
        if not args.postgresql_only:
            path = Path(args.keep or tmp) / f"million-{args.articles}.sqlite"
            path.unlink(missing_ok=True)
            built["sqlite"], timings["sqlite"] = bench(
                "sqlite", f"sqlite:///{path}", args.articles, args.seed, args.repeat
            )
        if not args.sqlite_only:
            if args.postgres_url:
                built["postgresql"], timings["postgresql"] = bench(
                    "postgresql", args.postgres_url, args.articles, args.seed, args.repeat
                )
            else:
                try:
                    with postgres_server() as create_database:
                        built["postgresql"], timings["postgresql"] = bench(
                            "postgresql", create_database("million"), args.articles, args.seed, args.repeat
                        )
                except PostgresMissing as exc:
                    print(f"{exc}: pass --postgres-url or --sqlite-only", file=sys.stderr)
                    return 2

    engines = list(timings)
    labels = [label for label, _, _ in next(iter(timings.values()))]
    limit = {"sqlite": 2.0, "postgresql": 1.0}
    rows = []
    for index, label in enumerate(labels):
        cells: list[object] = [label]
        for name in engines:
            _, count, seconds = timings[name][index]
            cells.append(f"{seconds:.3f}" + ("" if seconds < limit[name] else " (over)"))
        cells.append(timings[engines[0]][index][1])
        rows.append(cells)
    headers = ("question", *(f"{name} s (goal < {limit[name]:g})" for name in engines), "rows")
    table = report.markdown_table(headers, rows)
    notes = (
        f"{args.articles:,} synthetic articles over 3 years and 8 sources, made in the migrated schema in "
        + ", ".join(f"{seconds:.0f} s on {name}" for name, seconds in built.items())
        + f"; each time is the best of {args.repeat} runs after a warm-up run."
    )
    report.publish(
        f"Analyst queries at {args.articles:,} articles",
        f".venv/bin/python bench/million_warehouse.py --articles {args.articles}",
        table,
        packages=("sqlalchemy", "psycopg"),
        notes=notes,
        doc=report.DOCS if args.append else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
