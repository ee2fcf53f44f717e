"""The ``newsetl`` console script, run as a user runs it: a real process, real files, real exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsetl.cli import build_parser
from transforms.seed import parse

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "seeds" / "000_fca3a0f034b59467.txt"
# The console script installed next to the interpreter running the tests (.venv/bin/newsetl).
NEWSETL = Path(sys.executable).parent / "newsetl"


def newsetl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert NEWSETL.exists(), f"console script {NEWSETL} is missing; run `make install`"
    return subprocess.run(
        [str(NEWSETL), *args],
        cwd=cwd,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture
def bad_seed(tmp_path: Path) -> Path:
    # The reference document with the date line made impossible.
    text = REFERENCE.read_text(encoding="utf-8").replace("• 11/25/2024", "• 13/45/2024", 1)
    path = tmp_path / "impossible_date.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def list_without_prefix(tmp_path: Path) -> Path:
    lines = REFERENCE.read_text(encoding="utf-8").split("\n")
    second_item = lines.index(next(line for line in lines if line.startswith("  • During the Forum")))
    assert second_item + 1 == 26  # the line number the error must name
    lines[second_item] = lines[second_item].removeprefix("  • ")
    path = tmp_path / "list.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# --- seed check ------------------------------------------------------------------------------------


def test_seed_check_reports_ok_for_every_seed_in_the_repository() -> None:
    seeds = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "seeds").glob("*.txt"))
    assert seeds, "no seed files under seeds/"
    result = newsetl("seed", "check", *seeds)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(seeds)
    for seed, line in zip(seeds, lines, strict=True):
        assert line.startswith(f"{seed}: OK ("), line
    assert f"{REFERENCE.relative_to(ROOT)}: OK (11 blocks, collected 2024-11-25)" in lines


def test_seed_check_prints_file_line_message_and_exits_1(
    bad_seed: Path, list_without_prefix: Path, tmp_path: Path
) -> None:
    not_utf8 = tmp_path / "latin1.txt"
    not_utf8.write_bytes(REFERENCE.read_bytes() + b"\n\xe9")  # the reference has 31 lines
    missing = tmp_path / "missing.txt"
    result = newsetl(
        "seed", "check", str(REFERENCE), str(bad_seed), str(list_without_prefix), str(not_utf8), str(missing)
    )
    assert result.returncode == 1
    assert result.stdout == f"{REFERENCE}: OK (11 blocks, collected 2024-11-25)\n"
    errors = result.stderr.splitlines()
    assert errors[0] == (
        f"{bad_seed}:1: impossible date '13/45/2024' (month must be in 1..12); "
        "expected a real date as M/D/YYYY"
    )
    assert errors[1].startswith(f"{list_without_prefix}:26: expected a list item starting with '  • '")
    assert errors[2].startswith(f"{not_utf8}:32: not UTF-8 text (byte 0xe9")
    assert errors[3].startswith(f"{missing}: cannot read:")
    assert len(errors) == 4


def test_seed_check_without_files_is_a_usage_error() -> None:
    result = newsetl("seed", "check")
    assert result.returncode == 2
    assert "FILE" in result.stderr


# --- seed show -------------------------------------------------------------------------------------


def test_seed_show_prints_the_document_as_utf8_json() -> None:
    result = newsetl("seed", "show", str(REFERENCE))
    assert result.returncode == 0, result.stderr
    # Not ASCII-escaped: the curly apostrophe and the no-break space appear as themselves.
    assert "can’t" in result.stdout and "–\u00a0more" in result.stdout
    assert "\\u2019" not in result.stdout
    data = json.loads(result.stdout)
    assert data == parse(REFERENCE.read_text(encoding="utf-8")).to_json_dict()
    assert data["collected_on"] == "2024-11-25"
    assert [block["kind"] for block in data["blocks"]][-3:] == ["heading", "list", "paragraph"]


def test_seed_show_reports_a_malformed_file(bad_seed: Path) -> None:
    result = newsetl("seed", "show", str(bad_seed))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{bad_seed}:1: impossible date '13/45/2024'")


# --- every command describes itself -----------------------------------------------------------------


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The argument prefix of every command and sub-command reachable from ``parser``, itself included."""
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                paths.extend(command_paths(subparser, (*prefix, name)))
    return paths


def parser_for(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


def test_the_seed_group_is_discovered() -> None:
    paths = command_paths(build_parser())
    assert {("seed",), ("seed", "check"), ("seed", "show")} <= set(paths)


@pytest.mark.parametrize("path", command_paths(build_parser()), ids=lambda p: " ".join(("newsetl", *p)))
def test_help_exits_0_and_describes_the_command(path: tuple[str, ...]) -> None:
    description = parser_for(path).description
    assert description and description.strip(), f"`newsetl {' '.join(path)}` has no description"
    result = newsetl(*path, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {' '.join(('newsetl', *path))}")
    # argparse re-wraps descriptions, so compare with whitespace collapsed.
    assert " ".join(description.split()) in " ".join(result.stdout.split())
