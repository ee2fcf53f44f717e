"""Writing ``outcomes.jsonl`` (the format: ``transforms.outcomes``) as a crawl or re-parse goes.

Lines are appended as outcomes happen (so a killed crawl keeps what it learnt) and the file is rewritten
without repeats when the run closes; a later outcome for the same URL wins.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import IO, Any

from transforms.outcomes import outcome_line, read_outcomes_file


class OutcomeLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.latest: dict[str, dict[str, Any]] = {}
        if path.is_file():  # a resumed crawl keeps the outcomes of the process before it
            self.latest.update(read_outcomes_file(path))
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
        fetched_with: str | None = None,
    ) -> None:
        line = outcome_line(url, outcome, reason, http_status, record_url, fetched_with)
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
