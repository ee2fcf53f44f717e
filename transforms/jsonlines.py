"""The JSON-lines files the steps hand each other (``outcomes.jsonl``, ``discovery.jsonl``): one object with a
``url`` string per line, read with the line of any malformed one named."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def url_objects(
    lines: Iterable[str], where: str, what: str, *, cut_last_line: bool
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of each non-blank line; raises ``ValueError`` naming ``where`` and the line
    of one that is not JSON or not ``what`` (an object with a ``url`` string).

    With ``cut_last_line`` the lines keep their line ends, and a last line without one that is not JSON is
    the write of a process killed mid-line: it is left out."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if cut_last_line and not text.endswith("\n"):
                break
            raise ValueError(f"{where}:{number}: not a JSON line: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            raise ValueError(f"{where}:{number}: expected {what} with a 'url' string")
        yield number, data
