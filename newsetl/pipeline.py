"""The ingest pipeline's steps as plain functions: crawl (or re-parse) -> transform -> load -> check.

The Airflow DAGs (dags/) and the CLI (``newsetl ingest``, ``newsetl reparse``) both call these, so a run by
hand and a scheduled run do exactly the same work. Each step takes the run's :class:`RunPlan` (its id and
where its files live: made once, by the first step, and handed on), the settings and the sources registry
its caller read once, and returns what the next step needs; only URLs and small dicts cross between steps,
never payloads. Heavy libraries (Scrapy, pyarrow, SQLAlchemy) are imported inside the functions so that
importing this module from a DAG file is cheap.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from transforms import storage
from transforms.settings import Settings
from transforms.sources import Source

LogFn = Callable[[str], None]


class QualityCheckFailed(RuntimeError):
    """The data-quality checks of a run found problems; the message lists every one of them."""

    def __init__(self, run_id: str, failures: Sequence[str]) -> None:
        self.run_id = run_id
        self.failures = list(failures)
        listed = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(f"data-quality checks failed for run {run_id!r}:\n{listed}")


RUN_KINDS = ("ingest", "backfill", "reparse")


@dataclass(frozen=True)
class RunPlan:
    """One source's run: its id (also the crawl_runs key), the folders its files go to, what kind of run
    it is (``ingest``: recent items; ``backfill``: a date range from the sitemaps; ``reparse``: pages from
    the archive, no fetching) and its date range, if any. The load step records kind and range in
    crawl_runs, and the check step judges the run by them.

    The id starts with the source: one Airflow DAG run crawls every source, and crawl_runs keys by run id.
    """

    source: str
    run_id: str
    raw_url: str
    staged_url: str
    kind: str = "ingest"
    since: date | None = None
    until: date | None = None

    def to_dict(self) -> dict[str, str]:
        """The plan as the JSON-ready dict that Airflow tasks hand to each other (no range: empty strings)."""
        data = {key: value for key, value in asdict(self).items() if key not in ("since", "until")}
        data["since"] = self.since.isoformat() if self.since else ""
        data["until"] = self.until.isoformat() if self.until else ""
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> RunPlan:
        return cls(
            data["source"],
            data["run_id"],
            data["raw_url"],
            data["staged_url"],
            kind=data.get("kind") or "ingest",
            since=date.fromisoformat(data["since"]) if data.get("since") else None,
            until=date.fromisoformat(data["until"]) if data.get("until") else None,
        )

    @classmethod
    def make(
        cls,
        source: str,
        run_id: str,
        settings: Settings,
        *,
        kind: str = "ingest",
        since: date | None = None,
        until: date | None = None,
    ) -> RunPlan:
        if kind not in RUN_KINDS:
            raise ValueError(f"run kind {kind!r}: expected one of {', '.join(RUN_KINDS)}")
        root = absolute_data_root(settings)
        safe = storage.safe_run_id(run_id if run_id.startswith(f"{source}_") else f"{source}_{run_id}")
        return cls(
            source=source,
            run_id=safe,
            raw_url=storage.raw_dir(root, source, safe),
            staged_url=storage.staged_dir(root, source, safe),
            kind=kind,
            since=since,
            until=until,
        )


def absolute_data_root(settings: Settings) -> str:
    """The data root as an absolute path (or unchanged object-store URL).

    Airflow runs tasks in processes whose working directory is not necessarily the project, so a relative
    local root is pinned down once, here, rather than resolved differently by each step.
    """
    if not settings.data_root_is_local:
        return settings.data_root.rstrip("/")
    return str(Path(settings.data_root.removeprefix("file://")).resolve())


def crawl(
    plan: RunPlan,
    settings: Settings,
    source: Source,
    *,
    editions: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    incremental: bool = True,
    log: LogFn = print,
) -> dict[str, Any]:
    """Run the source's spider into ``plan.raw_url``; returns the crawl's figures as a JSON-ready dict.

    With ``incremental`` the spider gets the warehouse's known URLs and their modification times, so pages
    that have not changed since they were loaded are skipped as ``known_unchanged`` instead of re-fetched.
    """
    from scrapers.crawl import SpiderArguments, run_crawl

    with tempfile.TemporaryDirectory(prefix="newsetl-known-") as tmp:
        known_path: Path | None = None
        if incremental:
            from warehouse.known import write_source_known_urls

            known_path = Path(tmp) / "known.tsv"
            write_source_known_urls(settings.resolved_warehouse_url(), plan.source, known_path)
        arguments = SpiderArguments(
            editions=tuple(editions or ()),
            since=since,
            until=until,
            mirror=settings.mirror or None,
            known_path=known_path,
        )
        result = run_crawl(source, plan.raw_url, arguments, settings=settings, log=log)
    return _jsonable(result)


def reparse(
    plan: RunPlan,
    settings: Settings,
    source: Source,
    *,
    since: date | None = None,
    until: date | None = None,
    workers: int | None = None,
    shard_pages: int | None = None,
    log: LogFn = print,
) -> dict[str, Any]:
    """Re-parse the source's stored WARC pages captured in the range into ``plan.raw_url`` (no fetching),
    in shards over ``workers`` processes (default: ``settings.workers``); bodies are capped at the crawl's
    ``max_response_bytes``. The raw folder is the same whatever the workers and shards."""
    from scrapers.reparse import reparse_run_folders

    result = reparse_run_folders(
        source,
        absolute_data_root(settings),
        plan.raw_url,
        max_bytes=settings.max_response_bytes,
        since=since,
        until=until,
        workers=workers or settings.workers,
        shard_pages=shard_pages,
        log=log,
    )
    return _jsonable(result)


def reparse_plan_shards(
    plan: RunPlan, settings: Settings, source: Source, *, shard_pages: int, log: LogFn = print
) -> list[dict[str, Any]]:
    """A re-parse's first step when its shards are separate tasks: index the archive for the plan's range
    and write the shards; returns one JSON-ready dict per shard (the run's plan and where the shard is)."""
    from scrapers.reparse_shards import plan_shards

    shards = plan_shards(
        source,
        absolute_data_root(settings),
        plan.raw_url,
        since=plan.since,
        until=plan.until,
        shard_pages=shard_pages,
        log=log,
    )
    return [{"plan": plan.to_dict(), **shard.to_dict()} for shard in shards]


def reparse_parse_shard(shard: Mapping[str, Any], settings: Settings, source: Source) -> dict[str, Any]:
    """Parse one shard (a dict from :func:`reparse_plan_shards`) into its part; returns its figures."""
    from scrapers.reparse_shards import Shard, ShardJob, parse_shard

    return parse_shard(ShardJob(source, Shard.from_dict(dict(shard)), settings.max_response_bytes))


def reparse_merge_shards(shards: Sequence[Mapping[str, Any]], *, log: LogFn = print) -> RunPlan:
    """Merge the parsed shards (the dicts from :func:`reparse_plan_shards`) into the run's raw folder, as
    the re-parse in one process writes it; returns the run's plan for transform -> load -> check."""
    from scrapers.reparse_shards import Shard, merge_shards

    if not shards:
        raise ValueError("no shards to merge: the plan always has one")
    plan = RunPlan.from_dict(shards[0]["plan"])
    merge_shards(plan.raw_url, [Shard.from_dict(dict(shard)) for shard in shards], log=log)
    return plan


def transform(plan: RunPlan, sources: Mapping[str, Source]) -> dict[str, Any]:
    """Validate and normalise the raw items into ``plan.staged_url``; returns the stage's figures."""
    from transforms.stage import stage_run

    return _jsonable(stage_run(plan.raw_url, plan.staged_url, run_id=plan.run_id, sources=sources))


def load(
    plan: RunPlan,
    settings: Settings,
    sources: Mapping[str, Source],
    *,
    dag_run_id: str | None,
    started_at: datetime,
) -> dict[str, int]:
    """Upsert the staged records, quarantine the rejects and record the crawl run; returns its counts."""
    from warehouse.load import RunInfo, load_staged

    run = RunInfo(
        run_id=plan.run_id,
        source=plan.source,
        dag_run_id=dag_run_id,
        started_at=started_at,
        kind=plan.kind,
        since=plan.since,
        until=plan.until,
    )
    result = load_staged(
        plan.staged_url,
        engine_url=settings.resolved_warehouse_url(),
        run=run,
        sources=sources,
        workers=settings.workers,
    )
    return {str(key): int(value) for key, value in dict(result.counts).items()}


def check(plan: RunPlan, settings: Settings) -> None:
    """Run the data-quality checks on the loaded run, with the thresholds of ``settings``; raises
    :class:`QualityCheckFailed` listing failures (docs/operations.md: which runs fail, and why)."""
    from warehouse.checks import run_checks

    failures = run_checks(
        settings.resolved_warehouse_url(),
        plan.run_id,
        max_quarantine_ratio=settings.max_quarantine_ratio,
        min_fetched_for_ratio=settings.min_fetched_for_ratio,
        max_failed_fetch_ratio=settings.max_failed_fetch_ratio,
        recent_runs=settings.check_recent_runs,
        failed_fetches=lambda: failed_fetches(plan),
        out_of_range=lambda: out_of_range_pages(plan),
    )
    if failures:
        raise QualityCheckFailed(plan.run_id, failures)


def failed_fetches(plan: RunPlan) -> list[tuple[str, str]]:
    """The run's article URLs whose fetch failed, with why (from the crawl's ``outcomes.jsonl``; the
    warehouse keeps only their count): the examples a failed check names. Empty when the file is gone."""
    return [
        (url, str(line.get("reason") or f"HTTP {line.get('http_status')}"))
        for url, line in _outcome_lines(plan)
        if line.get("outcome") == "failed"
    ]


def out_of_range_pages(plan: RunPlan) -> list[str]:
    """The run's pages that parsed but were published outside its date range (``skipped``/``out_of_range``
    in ``outcomes.jsonl``; the warehouse counts them among the skipped only)."""
    from transforms.sitemap_dates import OUT_OF_RANGE

    return [
        url
        for url, line in _outcome_lines(plan)
        if line.get("outcome") == "skipped" and line.get("reason") == OUT_OF_RANGE
    ]


def _outcome_lines(plan: RunPlan) -> list[tuple[str, dict[str, Any]]]:
    from transforms.outcomes import read_outcomes_file

    with tempfile.TemporaryDirectory(prefix="newsetl-check-") as tmp:
        try:
            path = storage.download(storage.join(plan.raw_url, "outcomes.jsonl"), Path(tmp) / "o.jsonl")
            outcomes = read_outcomes_file(path) if path.is_file() else {}
        except (FileNotFoundError, ValueError):
            return []
    return sorted(outcomes.items())


def _jsonable(result: Any) -> dict[str, Any]:
    """A step's result dataclass as a dict of JSON-friendly values (for XCom and the CLI summary)."""
    from dataclasses import is_dataclass

    data = asdict(result) if is_dataclass(result) and not isinstance(result, type) else dict(vars(result))
    return {key: _plain(value) for key, value in data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class MonthWindow:
    """One calendar month of a date range, clipped to the range: what one backfill task crawls."""

    label: str  # YYYY-MM
    since: date
    until: date

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "since": self.since.isoformat(), "until": self.until.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> MonthWindow:
        return cls(data["label"], date.fromisoformat(data["since"]), date.fromisoformat(data["until"]))


def month_windows(start: date, end: date) -> list[MonthWindow]:
    """Split the inclusive range ``start``..``end`` into calendar months (first and last clipped)."""
    if end < start:
        raise ValueError(f"end date {end.isoformat()} is before start date {start.isoformat()}")
    windows: list[MonthWindow] = []
    first = start
    while first <= end:
        next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = min(end, next_month - timedelta(days=1))
        windows.append(MonthWindow(f"{first.year:04d}-{first.month:02d}", first, last))
        first = next_month
    return windows
