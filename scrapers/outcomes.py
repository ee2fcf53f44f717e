"""``outcomes.jsonl``: what became of every discovered candidate article URL in a crawl run.

One line per URL: ``{"url", "outcome", "reason", "http_status"}`` with outcome ``parsed``, ``not_article``,
``failed`` or ``skipped``. A ``parsed`` line whose record has another URL (the discovered URL redirected, or
the page's canonical link points elsewhere) also carries ``record_url``, so the transform step can pair the
discovered URL with its record. Lines are appended as outcomes happen (so a killed crawl keeps what it learnt)
and the file is rewritten without repeats when the crawl closes; a later outcome for the same URL wins.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import IO, Any

OUTCOMES = ("parsed", "not_article", "failed", "skipped")


class OutcomeLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.latest: dict[str, dict[str, Any]] = {}
        if path.is_file():  # a resumed crawl keeps the outcomes of the process before it
            self.latest.update(read_outcomes(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = path.open("a", encoding="utf-8")

    def record(
        self,
        url: str,
        outcome: str,
        reason: str = "",
        http_status: int | None = None,
        *,
        record_url: str | None = None,
    ) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
        line: dict[str, Any] = {"url": url, "outcome": outcome, "reason": reason, "http_status": http_status}
        if record_url is not None and record_url != url:
            line["record_url"] = record_url
        self.latest[url] = line
        if self._file is not None:
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._file.flush()

    def has(self, url: str) -> bool:
        return url in self.latest

    def counts(self) -> Counter[str]:
        return Counter(line["outcome"] for line in self.latest.values())

    def close(self) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        temporary = self.path.with_suffix(".jsonl.tmp")
        with temporary.open("w", encoding="utf-8") as out:
            for line in self.latest.values():
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        temporary.replace(self.path)


def read_outcomes(path: Path) -> dict[str, dict[str, Any]]:
    """URL -> its last outcome line; raises ValueError naming the file and line when one is malformed."""
    latest: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except json.JSONDecodeError as exc:
                if not text.endswith("\n"):
                    break  # the last line of a killed process, cut short
                raise ValueError(f"{path}:{number}: not a JSON line: {exc}") from None
            if not isinstance(line, dict) or line.get("outcome") not in OUTCOMES or "url" not in line:
                raise ValueError(f"{path}:{number}: expected an outcome line with 'url' and 'outcome'")
            latest[line["url"]] = line
    return latest


class RequestedLog:
    """The article URLs a crawl has requested (``url<TAB>edition`` lines), kept in the Scrapy JOBDIR so a
    resumed crawl can tell which requests a killed process lost."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.previous: dict[str, str] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                url, sep, edition = line.partition("\t")
                if sep:  # a line cut short by a kill has no tab yet, or is rewritten below
                    self.previous[url] = edition
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = path.open("a", encoding="utf-8")

    def add(self, url: str, edition: str) -> None:
        if self._file is not None:
            self._file.write(f"{url}\t{edition}\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
