"""Reading docs/warehouse.md: its data dictionary and its example questions with their answers.

Run as a script to print every example's answer on the docs fixture (SQLite) as a Markdown table, to
paste into the doc after changing an example:  .venv/bin/python tests/warehouse/wh_docs.py
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"

_EXAMPLE = re.compile(r"^### (\d+)\. (.+)$", re.MULTILINE)
_SQL = re.compile(r"```sql( sqlite| postgresql)?\n(.*?)```", re.DOTALL)
_TIMESTAMP_TEXT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)?$")


@dataclass(frozen=True)
class Example:
    number: int
    question: str
    sql: dict[str, str]  # engine ("any", "sqlite", "postgresql") -> query
    columns: list[str]
    answer: list[list[str]]

    def query_for(self, dialect: str) -> str:
        return self.sql.get(dialect) or self.sql["any"]


def _table(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    return rows[0], rows[2:]


def examples(text: str | None = None) -> list[Example]:
    text = DOC.read_text(encoding="utf-8") if text is None else text
    found = []
    heads = list(_EXAMPLE.finditer(text))
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end].split("\n## ")[0]
        sql = {(m.group(1) or " any").strip(): m.group(2).strip() for m in _SQL.finditer(body)}
        table = [line for line in body.splitlines() if line.startswith("|")]
        columns, answer = _table(table) if table else ([], [])
        found.append(Example(int(head.group(1)), head.group(2), sql, columns, answer))
    return found


def dictionary(text: str | None = None) -> dict[str, list[str]]:
    """Documented columns per table or view: the first cell of each row under a ``#### `name` `` heading."""
    return {name: list(columns) for name, columns in column_types(text).items()}


def column_types(text: str | None = None) -> dict[str, dict[str, str]]:
    """Documented columns per table or view, each with its type cell (``text, nullable``, say)."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    documented: dict[str, dict[str, str]] = {}
    for block in re.split(r"^#### ", text, flags=re.MULTILINE)[1:]:
        name = re.match(r"`(\w+)`", block)
        if not name:
            continue
        rows = [line for line in block.split("\n## ")[0].splitlines() if line.startswith("| `")]
        cells = [_table([row, row, row])[0] for row in rows]
        documented[name.group(1)] = {c[0].strip("`"): c[1] for c in cells}
    return documented


def cell(value: Any) -> str:
    """One result value as the docs print it, the same on both engines."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | float):
        return f"{float(value):g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        match = _TIMESTAMP_TEXT.match(value)
        return match.group(1) if match else value
    return str(value)


def run_example(conn: Any, example: Example) -> tuple[list[str], list[list[str]]]:
    from sqlalchemy import text

    result = conn.execute(text(example.query_for(conn.dialect.name)))
    return list(result.keys()), [[cell(v) for v in row] for row in result]


def markdown(columns: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    import tempfile

    from wh_docs_data import load_docs_fixture

    from warehouse import migrate
    from warehouse.engine import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/docs.sqlite"
        migrate.upgrade(url)
        engine = make_engine(url)
        load_docs_fixture(engine)
        with engine.connect() as conn:
            for example in examples():
                print(f"### {example.number}. {example.question}\n")
                print(markdown(*run_example(conn, example)) + "\n")
        engine.dispose()


if __name__ == "__main__":
    main()
