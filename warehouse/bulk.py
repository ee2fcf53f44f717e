"""Bulk inserts for the load: one executemany on SQLite, one COPY on PostgreSQL (several times faster)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Fill a table (a staging table, story_bands): one executemany on SQLite, one COPY on PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    names = list(table.c.keys())
    # The column types' bind processors (UTCDateTime's conversion to UTC included), as an INSERT would run.
    processors = [table.c[name].type.bind_processor(conn.dialect) for name in names]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    processor(row.get(name)) if processor else row.get(name)
                    for name, processor in zip(names, processors, strict=True)
                ]
            )
