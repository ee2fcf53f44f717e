"""``newsetl sources``: the sources file checked and listed from the shell, with exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEWSETL = str(Path(sys.executable).parent / "newsetl")


def newsetl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSETL, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_lists_every_source_with_its_spider() -> None:
    done = newsetl("sources")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("seeds/sources.yaml: 8 sources, 8 enabled")
    by_key = {line.split()[0]: line for line in lines[1:]}
    assert "spider pravda" in by_key["pravda"]
    assert "spider generic" in by_key["kyivpost"] and "https://www.kyivpost.com" in by_key["kyivpost"]


def test_a_bad_file_exits_2_naming_line_key_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "sources.yaml"
    text = (ROOT / "seeds" / "sources.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("    base_url: https://www.unian.info\n", "    base_url: www.unian.info\n"))
    done = newsetl("sources", "--file", str(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    line = text.splitlines().index("    base_url: https://www.unian.info") + 1
    assert f"{bad}:{line}: source 'unian', field base_url: 'www.unian.info' is not valid" in done.stderr


def test_reads_the_file_named_by_the_environment(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text((ROOT / "tests/fixtures/pravda/sources.yaml").read_text(encoding="utf-8"))
    done = newsetl("sources", env={**os.environ, "NEWSETL_SOURCES_FILE": str(mine)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"{mine}: 1 sources, 0 enabled"
    assert done.stdout.splitlines()[1].split()[:2] == ["epravda", "disabled"]
