"""``newsetl reparse`` as a user runs it: the stored pages of a real crawl parsed again by a pool of workers,
staged, loaded and checked; nothing is fetched and nothing changed, so every article loads as unchanged."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import site_fixtures
from wh_query import query


def newsetl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(site_fixtures.VENV_BIN / "newsetl"), *args],
        cwd=site_fixtures.ROOT,
        env={**env, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_reparse_parses_the_archive_again_with_workers_and_loads_it(
    fixture_site: Any, tmp_path: Path
) -> None:
    data_root = tmp_path / "data"
    env = site_fixtures.quiet_env(data_root)
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        crawl = newsetl(env, "ingest", "pravda", "--mirror", mirror, "--run-id", "crawl")
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    expected = len(fixture_site.articles)

    # The replay server is gone: a re-parse that tried to fetch would fail its pages.
    result = newsetl(env, "reparse", "pravda", "--workers", "2", "--run-id", "again")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "newsetl reparse pravda run pravda_again (2 worker(s))" in result.stdout
    for step in ("reparse", "transform", "load", "check"):
        assert f"✓ {step}" in result.stdout
    runs = query(
        data_root,
        "SELECT kind, discovered, inserted, updated, unchanged, failed FROM crawl_runs"
        " WHERE run_id = 'pravda_again'",
    )
    assert runs == [("reparse", runs[0][1], 0, 0, expected, 0)]
    raw = data_root / "raw" / "pravda" / "pravda_again"
    assert sorted(p.name for p in raw.iterdir()) == [
        "crawl.log",
        "items.jsonl",
        "outcomes.jsonl",
        "stats.json",
    ]

    # A range of capture days with nothing in it: an empty run, recorded, that passes.
    empty = newsetl(
        env, "reparse", "pravda", "--since", "2001-01-01", "--until", "2001-01-31", "--run-id", "old"
    )
    assert empty.returncode == 0, empty.stdout + empty.stderr
    assert query(data_root, "SELECT discovered FROM crawl_runs WHERE run_id = 'pravda_old'") == [(0,)]


def test_reparse_rejects_bad_arguments_in_one_line(tmp_path: Path) -> None:
    env = site_fixtures.quiet_env(tmp_path / "data")
    unknown = newsetl(env, "reparse", "no-such-source")
    assert unknown.returncode == 2
    assert "newsetl reparse: unknown source 'no-such-source'; known: " in unknown.stderr
    backwards = newsetl(env, "reparse", "pravda", "--since", "2025-02-01", "--until", "2025-01-01")
    assert backwards.returncode == 2
    assert "newsetl reparse: --until 2025-01-01 is before --since 2025-02-01" in backwards.stderr
    workers = newsetl(env, "reparse", "pravda", "--workers", "0")
    assert workers.returncode == 2
    assert "argument --workers: 0: expected at least 1" in workers.stderr
    day = newsetl(env, "reparse", "pravda", "--since", "2025-13-01")
    assert day.returncode == 2 and "--since" in day.stderr
    assert not (tmp_path / "data" / "raw").exists()
