"""``outcomes.jsonl``: what became of every discovered candidate article URL in a run.

One JSON object per line: ``{"url", "outcome", "reason", "http_status"}`` with outcome ``parsed``,
``not_article``, ``failed`` or ``skipped``. A ``parsed`` line whose record has another URL (the discovered
URL redirected, or the page's canonical link points elsewhere) also carries ``record_url``, so the transform
step can pair the discovered URL with its record. The crawl and the re-parse write it
(``scrapers.outcomes.OutcomeLog``), the transform step reads it; should a URL repeat, its last line counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from transforms.jsonlines import url_objects

OUTCOMES = ("parsed", "not_article", "failed", "skipped")


def outcome_line(
    url: str,
    outcome: str,
    reason: str = "",
    http_status: int | None = None,
    record_url: str | None = None,
    fetched_with: str | None = None,
) -> dict[str, Any]:
    """One line of the file; raises ``ValueError`` for an outcome that is not one of :data:`OUTCOMES`."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
    line: dict[str, Any] = {"url": url, "outcome": outcome, "reason": reason, "http_status": http_status}
    if record_url is not None and record_url != url:
        line["record_url"] = record_url
    if fetched_with:
        line["fetched_with"] = fetched_with
    return line


def read_outcomes(
    lines: Iterable[str], where: str, *, cut_last_line: bool = False
) -> dict[str, dict[str, Any]]:
    """URL -> its last outcome line; raises ``ValueError`` naming ``where`` and the line of a malformed one.

    With ``cut_last_line`` the lines keep their line ends, and a last line without one that is not JSON is
    the write of a process killed mid-line: it is left out.
    """
    latest: dict[str, dict[str, Any]] = {}
    for number, line in url_objects(lines, where, "an outcome line", cut_last_line=cut_last_line):
        if line.get("outcome") not in OUTCOMES:
            raise ValueError(
                f"{where}:{number}: outcome {line.get('outcome')!r} is not one of {', '.join(OUTCOMES)}"
            )
        latest[line["url"].strip()] = line
    return latest


def read_outcomes_file(path: Path) -> dict[str, dict[str, Any]]:
    """:func:`read_outcomes` of a file that a killed process may have left with its last line cut short."""
    with path.open(encoding="utf-8") as lines:
        return read_outcomes(lines, str(path), cut_last_line=True)
