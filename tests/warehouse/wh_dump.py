"""A full dump of a warehouse, to compare states byte for byte (sqlite3 iterdump, or the real pg_dump)."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from sqlalchemy.engine import make_url


def dump(url: str, request: pytest.FixtureRequest) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(parsed.database))
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()
    server = request.getfixturevalue("pg_server")
    result = subprocess.run(
        [
            str(server.bin_dir / "pg_dump"),
            "--no-owner",
            # Otherwise each dump carries a random \restrict key line.
            "--restrict-key=newsetl",
            "-h",
            str(parsed.host),
            "-p",
            str(parsed.port),
            "-U",
            str(parsed.username),
            str(parsed.database),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout
