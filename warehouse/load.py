"""Load a run's staged articles into the warehouse: one transaction, set-based statements.

A run (the staged table of transforms/normalise.py as Arrow tables, plus the transform step's rejects) is
bulk-inserted into temporary staging tables (warehouse/staging.py); everything after that is a fixed number
of ``INSERT … SELECT`` / ``UPDATE … FROM`` statements, whatever the run's size. Their column lists come from
the article schema (``transforms.schema``: each column says which tables keep it):

1. rows that would break a constraint (missing or over-long values, a non-http URL, an unknown source, a
   second copy of a URL in the batch) are marked with the reason and go to ``quarantine``; the rest load;
2. each remaining row is classified against the warehouse: ``insert`` (new URL), ``unchanged`` (same
   content hash as the article's latest content: only ``last_seen_at`` moves, and only forward),
   ``update`` (changed content: a new ``article_versions`` row and the article row rewritten), or
   ``reloaded`` (this run already stored exactly this content: nothing to do);
3. new and changed articles get their detected language and story signature (warehouse/text_facts.py,
   in a process pool) and, with their near-duplicates across sources published within the story window
   of each, their story id (warehouse/stories.py);
4. the ``crawl_runs`` row is written with counts that add up to ``discovered``, the run's kind and date
   range, and what became of its discovery URLs; those (``{staged}/discovery.jsonl``) go to
   ``discovery_fetches`` on the run's first load only.

"The same batch" is the same ``run_id``: loading it again finds every row ``reloaded`` or ``unchanged``
with nothing newer to record, counts them as the first load did, keeps the run's first ``finished_at``,
and writes nothing — the warehouse stays byte-identical (a test compares dumps on both engines). No value
depends on the wall clock except ``crawl_runs.finished_at``; seen-times are the records' fetch times.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Date, Engine, bindparam, text

from transforms import storage
from transforms.discovery_log import FILE_NAME as DISCOVERY_FILE
from transforms.discovery_log import read_discovery
from transforms.normalise import canonical_json, stage_records
from transforms.record import ArticleRecord
from transforms.schema import ARTICLES, HEADLINE_MAX, VERSIONS, Kind, arrow_schema, stored_columns
from transforms.sources import DEFAULT_MAX_QUIET_HOURS, Source
from warehouse import migrate
from warehouse.bulk import bulk_insert as _bulk_insert
from warehouse.engine import make_engine
from warehouse.staging import BATCH_COLUMNS, STAGING_TABLES, batch, batch_rejects, batch_tags
from warehouse.stories import assign_stories
from warehouse.text_facts import analyse_texts
from warehouse.types import UTCDateTime

if TYPE_CHECKING:
    import pyarrow as pa

COUNT_NAMES = ("discovered", "inserted", "updated", "unchanged", "quarantined", "skipped", "failed")
LOAD_STAGE = "load"
# The skip reason of a URL the warehouse already holds unchanged (scrapers/known.py writes it; the
# warehouse may not import the spiders).
KNOWN_UNCHANGED = "known_unchanged"
# A discovery line's fields, stored under the same names in discovery_fetches.
DISCOVERY_COLUMNS = ("url", "kind", "http_status", "error", "entries_found", "entries_in_range")


@dataclass(frozen=True)
class RunInfo:
    """The run a batch belongs to: ``kind`` and the date range ``since``..``until`` are the RunPlan's
    (newsetl.pipeline), recorded in crawl_runs for the check step to judge the run by."""

    run_id: str
    source: str
    dag_run_id: str | None
    started_at: datetime
    kind: str = "ingest"
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)


# Checks mirroring the tables' constraints, as (condition on the staging row, reason), derived from the
# schema: every required column, then the URL's form, then every maximum length. Evaluated in this order;
# the first that holds is the row's reason.
_CHECKS: tuple[tuple[str, str], ...] = (
    *(
        (f"{c.name} IS NULL", f"'{c.name} is missing (articles.{c.name} is NOT NULL)'")
        for c in BATCH_COLUMNS
        if not c.nullable
    ),
    ("url NOT LIKE 'http://%' AND url NOT LIKE 'https://%'", "'url ' || url || ' is not an http(s) URL'"),
    ("trim(headline) = ''", "'headline is empty'"),
    *(
        (f"length({c.name}) > {c.max_length}", f"'{c.name} is longer than {c.max_length} characters'")
        for c in BATCH_COLUMNS
        if c.max_length is not None
    ),
    ("word_count < 0", "'word_count is negative'"),
    (
        "NOT EXISTS (SELECT 1 FROM sources AS s WHERE s.source = newsetl_load_batch.source)",
        "'source ' || source || ' is not in the sources table'",
    ),
    (
        "EXISTS (SELECT 1 FROM newsetl_load_tags AS t WHERE t.row_no = newsetl_load_batch.row_no"  # noqa: S608
        f" AND length(t.tag) > {HEADLINE_MAX})",
        f"'a tag is longer than {HEADLINE_MAX} characters'",
    ),
)

# Built from the constants above only (no input reaches the SQL text; values are compared in SQL).
_MARK_REJECTS = (
    "UPDATE newsetl_load_batch SET reject_reason = CASE "  # noqa: S608
    + " ".join(f"WHEN {condition} THEN {reason}" for condition, reason in _CHECKS)
    + " END"
)

# A URL twice in one batch: the latest fetch loads, the others are quarantined.
_MARK_DUPLICATES = """
UPDATE newsetl_load_batch SET reject_reason = 'another record of this URL in the same batch was fetched later'
WHERE reject_reason IS NULL AND EXISTS (
    SELECT 1 FROM newsetl_load_batch AS later
    WHERE later.url = newsetl_load_batch.url AND later.reject_reason IS NULL
      AND (later.fetched_at > newsetl_load_batch.fetched_at
           OR (later.fetched_at = newsetl_load_batch.fetched_at AND later.row_no > newsetl_load_batch.row_no))
)
"""

# Known URLs: one join with articles sets the article and what to do with the row.
_CLASSIFY_KNOWN = """
UPDATE newsetl_load_batch SET
    article_id = a.article_id,
    action = CASE
        WHEN EXISTS (
            SELECT 1 FROM article_versions AS v
            WHERE v.article_id = a.article_id AND v.run_id = CAST(:run_id AS VARCHAR(250))
              AND v.content_hash = newsetl_load_batch.content_hash AND v.version = 1
        ) THEN 'reloaded_insert'
        WHEN EXISTS (
            SELECT 1 FROM article_versions AS v
            WHERE v.article_id = a.article_id AND v.run_id = CAST(:run_id AS VARCHAR(250))
              AND v.content_hash = newsetl_load_batch.content_hash
        ) THEN 'reloaded_update'
        WHEN a.content_hash = newsetl_load_batch.content_hash THEN 'unchanged'
        ELSE 'update'
    END
FROM articles AS a
WHERE a.url = newsetl_load_batch.url AND newsetl_load_batch.reject_reason IS NULL
"""

_CLASSIFY_NEW = """
UPDATE newsetl_load_batch SET action = 'insert' WHERE reject_reason IS NULL AND action IS NULL
"""

_FIND_INSERTED = """
UPDATE newsetl_load_batch SET article_id = a.article_id
FROM articles AS a
WHERE a.url = newsetl_load_batch.url AND newsetl_load_batch.action = 'insert'
"""

# The columns each table copies from the batch under their own names (the schema's names: no input reaches
# the SQL text); the rest are the loader's own. An article row is found by its URL and belongs to its
# source, so a changed content rewrites every other column.
_ARTICLE_COLUMNS = ", ".join(c.name for c in stored_columns(ARTICLES))
_VERSION_COLUMNS = ", ".join(c.name for c in stored_columns(VERSIONS))
_BATCH_VERSION_COLUMNS = ", ".join(f"b.{c.name}" for c in stored_columns(VERSIONS))
_CHANGED_COLUMNS = ", ".join(
    f"{c.name} = b.{c.name}" for c in stored_columns(ARTICLES) if c.name not in ("url", "source")
)

_INSERT_ARTICLES = f"""
INSERT INTO articles ({_ARTICLE_COLUMNS}, first_seen_at, last_seen_at, current_version, last_run_id)
SELECT {_ARTICLE_COLUMNS}, fetched_at, fetched_at, 1, CAST(:run_id AS VARCHAR(250))
FROM newsetl_load_batch
WHERE action = 'insert'
ORDER BY row_no
"""  # noqa: S608

_INSERT_VERSIONS = f"""
INSERT INTO article_versions (article_id, version, {_VERSION_COLUMNS}, seen_at, run_id)
SELECT
    b.article_id,
    CASE WHEN b.action = 'insert' THEN 1 ELSE a.current_version + 1 END,
    {_BATCH_VERSION_COLUMNS}, b.fetched_at, CAST(:run_id AS VARCHAR(250))
FROM newsetl_load_batch AS b
JOIN articles AS a ON a.article_id = b.article_id
WHERE b.action IN ('insert', 'update')
ORDER BY b.row_no
"""  # noqa: S608

_UPDATE_CHANGED = f"""
UPDATE articles SET
    {_CHANGED_COLUMNS},
    last_seen_at = CASE WHEN b.fetched_at > articles.last_seen_at THEN b.fetched_at
                        ELSE articles.last_seen_at END,
    current_version = articles.current_version + 1,
    last_run_id = CAST(:run_id AS VARCHAR(250))
FROM newsetl_load_batch AS b
WHERE b.article_id = articles.article_id AND b.action = 'update'
"""  # noqa: S608

# Only ever forward, and only when there is something newer: a reload must write nothing.
_TOUCH_UNCHANGED = """
UPDATE articles SET last_seen_at = b.fetched_at, last_run_id = CAST(:run_id AS VARCHAR(250))
FROM newsetl_load_batch AS b
WHERE b.article_id = articles.article_id AND b.action = 'unchanged' AND b.fetched_at > articles.last_seen_at
"""

_INSERT_TAGS = """
INSERT INTO tags (name)
SELECT DISTINCT t.tag
FROM newsetl_load_tags AS t
JOIN newsetl_load_batch AS b ON b.row_no = t.row_no
WHERE b.action IN ('insert', 'update') AND NOT EXISTS (SELECT 1 FROM tags AS x WHERE x.name = t.tag)
ORDER BY t.tag
"""

_CLEAR_CHANGED_TAGS = """
DELETE FROM article_tags
WHERE article_id IN (SELECT article_id FROM newsetl_load_batch WHERE action = 'update')
"""

_LINK_TAGS = """
INSERT INTO article_tags (article_id, tag_id)
SELECT DISTINCT b.article_id, x.tag_id
FROM newsetl_load_tags AS t
JOIN newsetl_load_batch AS b ON b.row_no = t.row_no
JOIN tags AS x ON x.name = t.tag
WHERE b.action IN ('insert', 'update')
"""

_QUARANTINE = """
INSERT INTO quarantine (run_id, url, stage, reason, payload)
SELECT CAST(:run_id AS VARCHAR(250)), q.url, q.stage, q.reason, MIN(q.payload)
FROM (
    SELECT COALESCE(url, '') AS url, CAST(:load_stage AS VARCHAR(64)) AS stage, reject_reason AS reason,
        payload, row_no AS ord
    FROM newsetl_load_batch WHERE reject_reason IS NOT NULL
    UNION ALL
    SELECT url, stage, reason, payload, row_no - 1000000000 AS ord FROM newsetl_load_rejects
) AS q
WHERE NOT EXISTS (
    SELECT 1 FROM quarantine AS x
    WHERE x.run_id = CAST(:run_id AS VARCHAR(250))
      AND x.url = q.url AND x.stage = q.stage AND x.reason = q.reason
)
GROUP BY q.url, q.stage, q.reason
ORDER BY MIN(q.ord)
"""

_TALLY = """
SELECT
    SUM(CASE WHEN action IN ('insert', 'reloaded_insert') THEN 1 ELSE 0 END) AS inserted,
    SUM(CASE WHEN action IN ('update', 'reloaded_update') THEN 1 ELSE 0 END) AS updated,
    SUM(CASE WHEN action = 'unchanged' THEN 1 ELSE 0 END) AS unchanged,
    SUM(CASE WHEN reject_reason IS NOT NULL THEN 1 ELSE 0 END) AS quarantined
FROM newsetl_load_batch
"""


# The run's first finished_at is kept, and a row that already says all this is not rewritten at all
# (PostgreSQL would move a rewritten row, and a dump lists rows in storage order).
_RUN_FIGURES = (*COUNT_NAMES, "known_unchanged", "discovery_urls", "discovery_failed")
_FINISH_RUN = f"""
UPDATE crawl_runs SET
    status = 'loaded', finished_at = COALESCE(finished_at, :now),
    {", ".join(f"{name} = :{name}" for name in _RUN_FIGURES)}
WHERE run_id = CAST(:run_id AS VARCHAR(250))
  AND (status <> 'loaded' OR finished_at IS NULL
       OR {" OR ".join(f"{name} <> :{name}" for name in _RUN_FIGURES)})
"""  # noqa: S608 (column names of this module only)

_INSERT_DISCOVERY = """
INSERT INTO discovery_fetches
    (run_id, seq, source, url, kind, http_status, error, entries_found, entries_in_range)
VALUES (:run_id, :seq, :source, :url, :kind, :http_status, :error, :entries_found, :entries_in_range)
"""


def _database_value(kind: Kind, value: Any) -> Any:
    # A text list is stored as its JSON array; every other kind as the value itself.
    if kind is Kind.TEXT_LIST and value is not None:
        return canonical_json(list(value))
    return value


def _batch_rows(table: pa.Table, first_row: int = 0) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The staging rows of one chunk of the staged table, and the rows of its tags."""
    columns = {c.name: table.column(c.name).to_pylist() for c in BATCH_COLUMNS}
    rows: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for i in range(table.num_rows):
        row_no = first_row + i
        rows.append(
            {
                "row_no": row_no,
                **{c.name: _database_value(c.kind, columns[c.name][i]) for c in BATCH_COLUMNS},
                "payload": None,  # filled in for rejected rows only (it is as big as the row)
                "reject_reason": None,
                "article_id": None,
                "action": None,
            }
        )
        names = columns["tags"][i] or ()
        tags.extend(
            {"row_no": row_no, "position": position, "tag": name}
            for position, name in enumerate(dict.fromkeys(names))
        )
    return rows, tags


def _payload(table: pa.Table, index: int) -> str:
    """A staged row as JSON, kept with a quarantined row so it can be inspected or replayed."""
    row = table.slice(index, 1).to_pylist()[0]
    return json.dumps(row, ensure_ascii=False, sort_keys=True, default=_isoformat)


def _isoformat(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _payloads(chunks: Callable[[], Iterator[pa.Table]], row_nos: list[int]) -> list[dict[str, Any]]:
    """``{"r": row_no, "p": payload}`` for each of ``row_nos`` (sorted), reading the chunks again only
    when there are any."""
    if not row_nos:
        return []
    wanted = iter(row_nos)
    row_no = next(wanted, None)
    out = []
    first_row = 0
    for chunk in chunks():
        while row_no is not None and row_no < first_row + chunk.num_rows:
            out.append({"r": row_no, "p": _payload(chunk, row_no - first_row)})
            row_no = next(wanted, None)
        first_row += chunk.num_rows
        if row_no is None:
            break
    return out


def check_staged_table(table: pa.Table, where: str = "the staged table") -> None:
    """Raise ``ValueError`` naming the columns that differ when ``table`` is not of the article schema
    (a records.parquet staged by another version of newsetl, say: run the transform step again)."""
    expected = arrow_schema()
    if table.schema.equals(expected):
        return
    got = {f.name: f.type for f in table.schema}
    wrong = [
        f"{f.name} (expected {f.type}, found {got[f.name] if f.name in got else 'nothing'})"
        for f in expected
        if got.get(f.name) != f.type
    ]
    extra = sorted(set(got) - set(expected.names))
    detail = "; ".join(wrong + ([f"unknown column(s) {', '.join(extra)}"] if extra else []))
    raise ValueError(f"{where} is not a staged article table of this version: {detail or 'column order'}")


def _ensure_sources(conn: Connection, sources: Mapping[str, Source], run: RunInfo) -> None:
    wanted: list[dict[str, str | int | None]] = [
        {"source": s.key, "label": s.label, "base_url": s.base_url, "quiet": s.max_quiet_hours}
        for s in sources.values()
    ]
    if run.source not in sources:
        wanted.append(
            {"source": run.source, "label": run.source, "base_url": None, "quiet": DEFAULT_MAX_QUIET_HOURS}
        )
    conn.execute(
        text(
            # The casts give PostgreSQL one type for a parameter used twice.
            "INSERT INTO sources (source, label, base_url, max_quiet_hours) "
            "SELECT CAST(:source AS VARCHAR(64)), CAST(:label AS TEXT), CAST(:base_url AS TEXT), "
            "CAST(:quiet AS INTEGER) "
            "WHERE NOT EXISTS (SELECT 1 FROM sources WHERE source = CAST(:source AS VARCHAR(64))) "
            # Two loads at once (Celery workers) may both find the row missing; the second must not fail.
            "ON CONFLICT (source) DO NOTHING"
        ),
        wanted,
    )
    # max_quiet_hours follows the sources file; a row that already says it is not rewritten (a reload
    # writes nothing).
    in_file = [row for row in wanted if row["source"] in sources]
    if in_file:
        conn.execute(
            text(
                "UPDATE sources SET max_quiet_hours = CAST(:quiet AS INTEGER) "
                "WHERE source = CAST(:source AS VARCHAR(64)) AND max_quiet_hours <> CAST(:quiet AS INTEGER)"
            ),
            in_file,
        )


# PostgreSQL needs the dates' type in a SELECT list; SQLite would turn CAST('2024-11-01' AS DATE) into the
# number 2024 (DATE has numeric affinity there).
_RANGE_PARAMS = {"postgresql": "CAST(:since AS DATE), CAST(:until AS DATE)"}
_INSERT_RUN = """
INSERT INTO crawl_runs (run_id, source, dag_run_id, started_at, status, discovered, inserted, updated,
    unchanged, quarantined, skipped, failed, kind, range_since, range_until)
SELECT CAST(:run_id AS VARCHAR(250)), :source, :dag_run_id, :started_at, 'loading', 0, 0, 0, 0, 0, 0, 0,
    CAST(:kind AS VARCHAR(16)), RANGE_PARAMS
WHERE NOT EXISTS (SELECT 1 FROM crawl_runs WHERE run_id = CAST(:run_id AS VARCHAR(250)))
"""


def _ensure_run(conn: Connection, run: RunInfo) -> None:
    statement = _INSERT_RUN.replace("RANGE_PARAMS", _RANGE_PARAMS.get(conn.dialect.name, ":since, :until"))
    conn.execute(
        text(statement).bindparams(
            bindparam("started_at", type_=UTCDateTime()),
            bindparam("since", type_=Date()),
            bindparam("until", type_=Date()),
        ),
        {
            "run_id": run.run_id,
            "source": run.source,
            "dag_run_id": run.dag_run_id,
            "started_at": run.started_at,
            "kind": run.kind,
            "since": run.since,
            "until": run.until,
        },
    )


def _record_discovery(conn: Connection, run: RunInfo, discovery: Sequence[Mapping[str, Any]]) -> None:
    """The run's discovery rows, on its first load only: a reload finds them there and writes nothing."""
    if not discovery:
        return
    params = {"run_id": run.run_id}
    stored = conn.execute(
        text("SELECT COUNT(*) FROM discovery_fetches WHERE run_id = CAST(:run_id AS VARCHAR(250))"), params
    ).scalar_one()
    if stored:
        return
    conn.execute(
        text(_INSERT_DISCOVERY),
        [
            {
                **params,
                "seq": seq,
                "source": run.source,
                **{name: row[name] for name in DISCOVERY_COLUMNS},
            }
            for seq, row in enumerate(discovery)
        ],
    )


def load_records(
    engine: Engine,
    records: Iterable[ArticleRecord],
    run: RunInfo,
    *,
    sources: Mapping[str, Source],
    **options: Any,
) -> LoadResult:
    """Load ``records`` (normalised here, as the transform step would stage them) as run ``run``;
    ``options`` are :func:`load_tables`'s (``rejects``, ``skipped``, ``failed``)."""
    table = stage_records(records, sources)
    return load_tables(engine, lambda: iter((table,)), run, sources=sources, **options)


def load_tables(
    engine: Engine,
    chunks: Callable[[], Iterator[pa.Table]],
    run: RunInfo,
    *,
    sources: Mapping[str, Source],
    rejects: Sequence[Mapping[str, Any]] = (),
    skipped: int = 0,
    failed: int = 0,
    known_unchanged: int = 0,
    discovery: Sequence[Mapping[str, Any]] = (),
    workers: int = 1,
) -> LoadResult:
    """Load a run's staged table, given as consecutive chunks, and the transform step's ``rejects`` (rows of
    ``rejects.parquet``) as run ``run``, in one transaction. Returns the crawl_runs counts
    (``discovered`` = the sum of the other six).

    Only one chunk is in memory at a time; ``chunks()`` must give the same chunks each time it is called
    (it is read again only when rows are quarantined, for their payloads). The staging tables are filled
    chunk by chunk, then the set-based statements run once over the whole run. ``skipped`` and ``failed``
    are the run's URLs that never became records; they are only counted (``known_unchanged`` is the part
    of ``skipped`` the warehouse held unchanged). ``discovery`` are the run's discovery lines
    (transforms/discovery_log.py), stored in ``discovery_fetches`` and counted in the run's row.
    ``workers`` processes detect the languages and compute the story signatures of new and changed
    articles (transforms/workers.py); the result does not depend on their number.
    """
    reject_rows = [{"row_no": i, **dict(r)} for i, r in enumerate(rejects)]
    params = {"run_id": run.run_id}
    with engine.begin() as conn:
        for table in STAGING_TABLES:
            table.create(conn)
        try:
            first_row = 0
            for chunk in chunks():
                check_staged_table(chunk)
                rows, tags = _batch_rows(chunk, first_row)
                _bulk_insert(conn, batch, rows)
                _bulk_insert(conn, batch_tags, tags)
                first_row += chunk.num_rows
                del rows, tags
            _bulk_insert(conn, batch_rejects, reject_rows)
            if conn.dialect.name == "postgresql":
                # Temporary tables get no statistics on their own; without them the planner guesses.
                for table in STAGING_TABLES:
                    conn.exec_driver_sql(f"ANALYZE {table.name}")
            _ensure_sources(conn, sources, run)
            _ensure_run(conn, run)
            _record_discovery(conn, run, discovery)
            conn.execute(text(_MARK_REJECTS))
            conn.execute(text(_MARK_DUPLICATES))
            rejected = conn.execute(
                text("SELECT row_no FROM newsetl_load_batch WHERE reject_reason IS NOT NULL ORDER BY row_no")
            ).scalars()
            payloads = _payloads(chunks, sorted(int(n) for n in rejected))
            if payloads:
                conn.execute(
                    batch.update().where(batch.c.row_no == bindparam("r")).values(payload=bindparam("p")),
                    payloads,
                )
            conn.execute(text(_CLASSIFY_KNOWN), params)
            conn.execute(text(_CLASSIFY_NEW))
            conn.execute(text(_INSERT_ARTICLES), params)
            conn.execute(text(_FIND_INSERTED))
            conn.execute(text(_INSERT_VERSIONS), params)
            conn.execute(text(_UPDATE_CHANGED), params)
            conn.execute(text(_TOUCH_UNCHANGED), params)
            conn.execute(text(_INSERT_TAGS))
            conn.execute(text(_CLEAR_CHANGED_TAGS))
            conn.execute(text(_LINK_TAGS))
            # New and changed content only: a reload or an unchanged article writes nothing more.
            written = [
                int(i)
                for i in conn.execute(
                    text(
                        "SELECT article_id FROM newsetl_load_batch WHERE action IN ('insert', 'update') "
                        "ORDER BY article_id"
                    )
                ).scalars()
            ]
            analyse_texts(conn, written, workers=workers)
            assign_stories(conn, written)
            conn.execute(text(_QUARANTINE), {**params, "load_stage": LOAD_STAGE})
            tally = conn.execute(text(_TALLY)).mappings().one()
            counts = {
                name: int(tally[name] or 0) for name in ("inserted", "updated", "unchanged", "quarantined")
            }
            counts["quarantined"] += len(reject_rows)
            counts["skipped"] = int(skipped)
            counts["failed"] = int(failed)
            counts = {"discovered": sum(counts.values()), **counts}
            figures = {
                "known_unchanged": int(known_unchanged),
                "discovery_urls": len(discovery),
                "discovery_failed": sum(1 for row in discovery if row["error"]),
            }
            conn.execute(
                text(_FINISH_RUN).bindparams(bindparam("now", type_=UTCDateTime())),
                {**params, **counts, **figures, "now": datetime.now(UTC)},
            )
        finally:
            if conn.dialect.name == "sqlite" and conn.in_transaction():
                for table in reversed(STAGING_TABLES):
                    table.drop(conn, checkfirst=True)
    return LoadResult(counts={name: counts[name] for name in COUNT_NAMES})


def load_staged(
    staged_url: str, *, engine_url: str, run: RunInfo, sources: Mapping[str, Source], workers: int = 1
) -> LoadResult:
    """Load one staged run folder (records.parquet, rejects.parquet, counts.json, discovery.jsonl) into the
    warehouse. A folder without discovery.jsonl (staged by an older version) has no discovery rows.

    A warehouse that was never migrated (the default SQLite file on a first run) is migrated first.
    """
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="newsetl-load-") as tmp:
        local = Path(tmp)
        records_url = storage.join(staged_url, "records.parquet")
        records = storage.download(records_url, local / "r.pq")
        rejects = pq.read_table(storage.download(storage.join(staged_url, "rejects.parquet"), local / "j.pq"))
        counts_path = storage.download(storage.join(staged_url, "counts.json"), local / "counts.json")
        staged_counts = json.loads(counts_path.read_text(encoding="utf-8"))
        discovery = _read_discovery(staged_url, local)

        def chunks() -> Iterator[pa.Table]:
            # One row group at a time (the transform step writes them 2,000 records each).
            parquet = pq.ParquetFile(records)
            check_staged_table(parquet.schema_arrow.empty_table(), records_url)
            for group in range(parquet.num_row_groups):
                yield parquet.read_row_group(group)

        if migrate.current(engine_url) is None:
            migrate.upgrade(engine_url)
        engine = make_engine(engine_url)
        try:
            return load_tables(
                engine,
                chunks,
                run,
                sources=sources,
                rejects=rejects.to_pylist(),
                skipped=int(staged_counts.get("skipped", 0)),
                failed=int(staged_counts.get("failed", 0)),
                known_unchanged=int((staged_counts.get("skipped_by_reason") or {}).get(KNOWN_UNCHANGED, 0)),
                discovery=discovery,
                workers=workers,
            )
        finally:
            engine.dispose()


def _read_discovery(staged_url: str, local: Path) -> list[dict[str, Any]]:
    """The staged folder's discovery lines, checked; none when the file is missing."""
    file_url = storage.join(staged_url, DISCOVERY_FILE)
    try:
        path = storage.download(file_url, local / DISCOVERY_FILE)
    except FileNotFoundError:
        return []
    if not path.is_file():  # a local URL comes back as is, without looking
        return []
    with path.open(encoding="utf-8") as lines:
        return read_discovery(lines, file_url)
