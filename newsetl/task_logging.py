"""What the DAG tasks write to their Airflow task log: the crawl child's lines at their own level, each
step's counts as a short aligned table, and a refusal as one ERROR line.

Airflow shows a task's log with a level per line and lets the operator filter by it; a crawl's ERROR
printed at INFO is hidden by that filter, and ``{'inserted': 3, ...}`` on one line is hard to read.
Imported by tasks only (nothing heavy: ``logging`` and ``re``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

# Scrapy's LOG_FORMAT, which the crawl child (scrapers/crawl.py) keeps: "%(asctime)s [%(name)s]
# %(levelname)s: %(message)s" with LOG_DATEFORMAT "%Y-%m-%d %H:%M:%S".
SCRAPY_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)? \[(?P<name>[^\]]+)\] "
    r"(?P<level>CRITICAL|ERROR|WARNING|INFO|DEBUG): (?P<message>.*)$",
    re.DOTALL,
)


class ChildLogForwarder:
    """A ``log=`` callable for the crawl step: each line of the child's output goes to ``logger`` at the
    level Scrapy gave it (``[name] message``; the task log adds its own time). A line without a level
    (a traceback, a wrapped message) keeps the level of the line before it."""

    def __init__(self, logger: logging.Logger, default: int = logging.INFO) -> None:
        self.logger = logger
        self.level = default

    def __call__(self, line: str) -> None:
        match = SCRAPY_LINE.match(line)
        if match:
            self.level = logging.getLevelNamesMapping()[match["level"]]
            line = f"[{match['name']}] {match['message']}"
        self.logger.log(self.level, "%s", line)


def forward_child_log(logger: logging.Logger) -> Callable[[str], None]:
    """A fresh :class:`ChildLogForwarder` for one crawl (the level carried between lines is per child)."""
    return ChildLogForwarder(logger)


def counts_table(title: str, counts: Mapping[str, Any]) -> str:
    """``title`` and one ``name  value`` row per count, names left-aligned and numbers right-aligned;
    a nested mapping (e.g. outcomes) is indented under its name."""
    rows: list[tuple[str, str]] = []

    def add(prefix: str, mapping: Mapping[str, Any]) -> None:
        for name, value in mapping.items():
            if isinstance(value, Mapping):
                rows.append((f"{prefix}{name}", ""))
                add(prefix + "  ", value)
            else:
                rows.append((f"{prefix}{name}", _shown(value)))

    add("", counts)
    if not rows:
        return f"{title}: nothing to count"
    name_width = max(len(name) for name, _ in rows)
    value_width = max(len(value) for _, value in rows)
    lines = [f"  {name:<{name_width}}  {value:>{value_width}}".rstrip() for name, value in rows]
    return "\n".join([title, *lines])


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return "-" if value is None or value == "" else str(value)


def refuse(message: str, logger: logging.Logger | None = None) -> NoReturn:
    """Fail the running task at once, without retries (the input stays wrong): ``message`` (one line) is
    logged at ERROR first, so the task log's first error is that line rather than the traceback Airflow
    prints for the exception, and it is the exception's text shown in the UI and in alerts."""
    from airflow.sdk.exceptions import AirflowFailException

    (logger or logging.getLogger("newsetl.task")).error("%s", message)
    raise AirflowFailException(message)


def step_counts(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The counts of a step's figures (``newsetl.pipeline``'s JSON-ready results): numbers and mappings
    of numbers; URLs and Scrapy's full stats stay out of the table (they are in the run's files)."""
    shown: dict[str, Any] = {}
    for name, value in figures.items():
        if name == "stats" or isinstance(value, str):
            continue
        if isinstance(value, list):
            shown[name] = len(value)
        elif isinstance(value, Mapping):
            shown[name] = step_counts(value)
        else:
            shown[name] = value
    return shown
