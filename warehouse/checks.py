"""Data-quality checks on one loaded crawl run: what the ``check`` task of the DAGs runs.

Each check returns readable failure lines (empty when it passes), naming the run, the figures and a few
example URLs, so that the failed task's message alone tells the operator what is wrong.

Besides the data's quality, a run fails when it did not really crawl (docs/operations.md, "Which runs
fail"): every discovery URL failed; an ingest run discovered nothing although the source loaded articles in
its recent runs; a date-range run's sitemaps had no entry in the range, or every page they led to was
published outside it; too many article fetches failed or met a bot challenge. A run that found only
articles the warehouse holds unchanged (``known_unchanged``) passes. A re-parse fetches nothing, so the
discovery and fetch rules do not apply to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, or_, select, text

from warehouse.engine import make_engine
from warehouse.models import Article, ArticleVersion, CrawlRun, DiscoveryFetch, Quarantine
from warehouse.types import UTCDateTime

# Above this share of quarantined articles among the fetched ones, the parsers or the site have changed.
MAX_QUARANTINE_RATIO = 0.5
# ...judged only on enough pages: an incremental run that fetched two new pages, one of them a listing
# page, says nothing about the parsers.
MIN_FETCHED_FOR_RATIO = 10
# Nothing the sources publish predates this; an earlier date is a parsing error.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
# A publication time may run ahead of the load by a time-zone mistake at most.
FUTURE_SLACK = timedelta(days=1)
EXAMPLES = 3
# Above this share of article fetches that failed (after retries) or met a bot challenge, the site is
# down or blocking the crawler (judged on MIN_FETCHED_FOR_RATIO fetches, as the quarantine share is).
MAX_FAILED_FETCH_RATIO = 0.2
# An ingest run that discovers nothing fails when any of the source's last this-many loaded runs inserted
# or updated articles.
RECENT_RUNS = 5
# The quarantine reason of a bot-protection page (scrapers/parsers/not_article.py says ``bot_challenge``,
# the transform step quarantines it as "not an article: <reason>").
BOT_CHALLENGE_REASON = "not an article: bot_challenge"
CRAWL_STAGE = "crawl"
# Run kinds that fetch (newsetl.pipeline.RUN_KINDS); a re-parse reads the archive.
FETCHING_KINDS = ("ingest", "backfill")
# Sitemaps that list articles (an index lists sitemaps): where a date range's entries come from.
ARTICLE_SITEMAPS = ("news_sitemap", "child_sitemap")

_COUNTS = ("inserted", "updated", "unchanged", "quarantined", "skipped", "failed")


def run_checks(
    engine_url: str,
    run_id: str,
    *,
    max_quarantine_ratio: float = MAX_QUARANTINE_RATIO,
    min_fetched_for_ratio: int = MIN_FETCHED_FOR_RATIO,
    max_failed_fetch_ratio: float = MAX_FAILED_FETCH_RATIO,
    recent_runs: int = RECENT_RUNS,
    failed_fetches: Callable[[], Sequence[tuple[str, str]]] | None = None,
    out_of_range: Callable[[], Sequence[str]] | None = None,
) -> list[str]:
    """Every failed check of run ``run_id`` as a readable line; an empty list means the run is good.

    ``failed_fetches`` gives the run's failed article URLs with why (the warehouse keeps only their
    count); it is called only when the failed fetches break their limit, for the examples.
    ``out_of_range`` gives the pages a date-range run parsed but found published outside its range; it is
    called only when such a run loaded nothing."""
    engine = make_engine(engine_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(CrawlRun.__table__).where(CrawlRun.run_id == run_id)).mappings().first()
            if row is None:
                return [f"run {run_id!r}: no crawl_runs row (was the load step run?)"]
            run = {str(key): value for key, value in row.items()}
            failures = _counts(run)
            if run["kind"] in FETCHING_KINDS:
                discovery = _discovery(conn, run_id)
                failures += _discovery_failed(run, discovery)
                failures += _nothing_discovered(conn, run, discovery, recent_runs)
                failures += _range_empty(run, discovery)
                failures += _range_all_outside(run, out_of_range)
                failures += _fetch_failures(
                    conn, run, max_failed_fetch_ratio, min_fetched_for_ratio, failed_fetches
                )
            failures += _empty_fields(conn, run_id)
            failures += _implausible_dates(conn, run_id, run["finished_at"] or run["started_at"])
            failures += _quarantine_ratio(run, max_quarantine_ratio, min_fetched_for_ratio)
            return failures
    finally:
        engine.dispose()


def _counts(run: Mapping[str, Any]) -> list[str]:
    failures = []
    if run["status"] != "loaded":
        failures.append(f"run {run['run_id']!r}: status is {run['status']!r}, not 'loaded'")
    parts = {name: int(run[name]) for name in _COUNTS}
    if int(run["discovered"]) != sum(parts.values()):
        listed = " + ".join(f"{name} {value}" for name, value in parts.items())
        failures.append(
            f"run {run['run_id']!r}: counts do not add up: discovered {run['discovered']} != {listed}"
            f" = {sum(parts.values())}"
        )
    return failures


def _discovery(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    table = DiscoveryFetch.__table__
    rows = conn.execute(select(table).where(table.c.run_id == run_id).order_by(table.c.seq)).mappings()
    return [dict(row) for row in rows]


def _who(run: Mapping[str, Any]) -> str:
    return f"source {run['source']!r}, run {run['run_id']!r}"


def _all_failed(run: Mapping[str, Any]) -> bool:
    return 0 < int(run["discovery_urls"]) == int(run["discovery_failed"])


def _fetch_line(row: Mapping[str, Any]) -> str:
    """One discovery URL and what came of it: its error, or its status and entries."""
    status = row["http_status"]
    error = str(row["error"])
    if error:
        shown = error if status is None or error.startswith("HTTP ") else f"HTTP {status}: {error}"
    else:
        shown = f"HTTP {status}, {row['entries_found']} entries, {row['entries_in_range']} kept"
    return f"{row['url']} ({shown})"


def _listed(lines: Sequence[str], limit: int = EXAMPLES) -> str:
    more = f"; and {len(lines) - limit} more" if len(lines) > limit else ""
    return "; ".join(lines[:limit]) + more


def _discovery_failed(run: Mapping[str, Any], discovery: Sequence[Mapping[str, Any]]) -> list[str]:
    if not _all_failed(run):
        return []
    return [
        f"{_who(run)}: every discovery URL failed ({run['discovery_failed']} of {run['discovery_urls']}): "
        + _listed([_fetch_line(row) for row in discovery if row["error"]])
    ]


def _nothing_discovered(
    conn: Connection, run: Mapping[str, Any], discovery: Sequence[Mapping[str, Any]], recent_runs: int
) -> list[str]:
    if run["kind"] != "ingest" or int(run["discovered"]) or _all_failed(run):
        return []
    earlier = conn.execute(
        text(
            "SELECT run_id, inserted + updated AS loaded FROM crawl_runs "
            "WHERE source = :source AND run_id <> :run_id AND status = 'loaded' "
            "AND kind IN ('ingest', 'backfill') AND started_at <= :started_at "
            "ORDER BY started_at DESC, run_id DESC LIMIT :n"
        ).bindparams(bindparam("started_at", type_=UTCDateTime())),
        {"source": run["source"], "run_id": run["run_id"], "started_at": run["started_at"], "n": recent_runs},
    ).all()
    productive = [r for r in earlier if int(r.loaded)]
    if not productive:
        return []
    read = _listed([_fetch_line(row) for row in discovery]) if discovery else "no discovery URL was recorded"
    return [
        f"{_who(run)}: discovered no article URL, while {len(productive)} of the source's last "
        f"{len(earlier)} loaded runs inserted or updated articles ({sum(int(r.loaded) for r in productive)} "
        f"in all, e.g. run {productive[0].run_id!r}); discovery read: {read}"
    ]


def _range_empty(run: Mapping[str, Any], discovery: Sequence[Mapping[str, Any]]) -> list[str]:
    if run["kind"] != "backfill" or run["range_since"] is None or _all_failed(run):
        return []
    sitemaps = [row for row in discovery if row["kind"] != "feed"]
    if sum(int(row["entries_in_range"]) for row in sitemaps if row["kind"] in ARTICLE_SITEMAPS):
        return []
    until = run["range_until"].isoformat() if run["range_until"] else "today"
    read = _listed([_fetch_line(row) for row in sitemaps]) if sitemaps else "no sitemap was asked for"
    return [
        f"{_who(run)}: date-range run {run['range_since'].isoformat()}..{until}: its sitemaps gave no "
        f"entry in the range; read: {read}"
    ]


def _range_all_outside(run: Mapping[str, Any], out_of_range: Callable[[], Sequence[str]] | None) -> list[str]:
    """A date-range run whose sitemaps could not rule its pages out (dated only by lastmod, or not at all)
    and whose every parsed page was published outside the range: nothing of the range was found, which
    must not pass as an empty success."""
    if run["kind"] != "backfill" or run["range_since"] is None or out_of_range is None:
        return []
    held = ("inserted", "updated", "unchanged", "quarantined", "failed", "known_unchanged")
    if any(int(run[name]) for name in held):
        return []
    pages = list(out_of_range())
    if not pages:
        return []
    until = run["range_until"].isoformat() if run["range_until"] else "today"
    return [
        f"{_who(run)}: date-range run {run['range_since'].isoformat()}..{until}: its sitemaps could not rule "
        f"out {len(pages)} page(s), but every one was published outside the range, e.g. {_listed(pages)}"
    ]


def _fetch_failures(
    conn: Connection,
    run: Mapping[str, Any],
    limit: float,
    min_fetched: int,
    failed_fetches: Callable[[], Sequence[tuple[str, str]]] | None,
) -> list[str]:
    fetched = sum(int(run[name]) for name in ("inserted", "updated", "unchanged", "quarantined", "failed"))
    if not fetched or fetched < min_fetched:
        return []
    challenge = (
        (Quarantine.run_id == run["run_id"])
        & (Quarantine.stage == CRAWL_STAGE)
        & (Quarantine.reason == BOT_CHALLENGE_REASON)
    )
    challenged = int(conn.execute(select(func.count()).where(challenge)).scalar_one())
    failed = int(run["failed"])
    ratio = (failed + challenged) / fetched
    if ratio <= limit:
        return []
    parts = []
    if failed:
        examples = list(failed_fetches() if failed_fetches else ())
        shown = f", e.g. {_listed([f'{url} ({why})' for url, why in examples])}" if examples else ""
        parts.append(f"{failed} failed{shown}")
    if challenged:
        urls = conn.execute(
            select(Quarantine.url).where(challenge).order_by(Quarantine.url).limit(EXAMPLES)
        ).scalars()
        parts.append(f"{challenged} bot-protection page(s), e.g. {', '.join(urls)}")
    return [
        f"{_who(run)}: {failed + challenged} of {fetched} article fetches failed or met a bot challenge "
        f"({ratio:.0%}, limit {limit:.0%}): {'; '.join(parts)}"
    ]


def _run_articles(run_id: str) -> ColumnElement[bool]:
    """Articles whose current content this run stored or confirmed."""
    stored = select(ArticleVersion.article_id).where(ArticleVersion.run_id == run_id)
    return or_(Article.last_run_id == run_id, Article.article_id.in_(stored))


def _examples(conn: Connection, condition: ColumnElement[bool]) -> tuple[int, list[str]]:
    count = conn.execute(select(func.count()).select_from(Article).where(condition)).scalar_one()
    urls = conn.execute(select(Article.url).where(condition).order_by(Article.url).limit(EXAMPLES)).scalars()
    return int(count), list(urls)


def _empty_fields(conn: Connection, run_id: str) -> list[str]:
    failures = []
    for label, column in (("headline", Article.headline), ("body", Article.body_text)):
        count, urls = _examples(conn, _run_articles(run_id) & (func.trim(column) == ""))
        if count:
            failures.append(
                f"run {run_id!r}: {count} article(s) with an empty {label}, e.g. {', '.join(urls)}"
            )
    return failures


def _implausible_dates(conn: Connection, run_id: str, loaded_at: datetime) -> list[str]:
    latest = _aware(loaded_at) + FUTURE_SLACK
    failures = []
    for label, condition in (
        (f"published after {latest.isoformat()}", Article.published_at > latest),
        (
            f"published before {EARLIEST_PLAUSIBLE.date().isoformat()}",
            Article.published_at < EARLIEST_PLAUSIBLE,
        ),
    ):
        count, urls = _examples(conn, _run_articles(run_id) & condition)
        if count:
            failures.append(f"run {run_id!r}: {count} article(s) {label}, e.g. {', '.join(urls)}")
    return failures


def _quarantine_ratio(run: Mapping[str, Any], limit: float, min_fetched: int) -> list[str]:
    fetched = sum(int(run[name]) for name in ("inserted", "updated", "unchanged", "quarantined"))
    if not fetched or fetched < min_fetched:
        return []
    ratio = int(run["quarantined"]) / fetched
    if ratio > limit:
        return [
            f"run {run['run_id']!r}: {run['quarantined']} of {fetched} fetched articles quarantined"
            f" ({ratio:.0%}, limit {limit:.0%}); see the quarantine table for the reasons"
        ]
    return []


def _aware(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
