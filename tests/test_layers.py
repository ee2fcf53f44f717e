"""The layers (docs/layout.md): imports only point down.

dags/ and the CLI (newsetl/) wire; scrapers/ and warehouse/ never import each other; transforms/ is the
ground and imports none of the others. Checked on every module's import statements, including the ones
inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "transforms": {"scrapers", "warehouse", "newsetl", "dags"},
    "scrapers": {"warehouse", "newsetl", "dags"},
    "warehouse": {"scrapers", "newsetl", "dags"},
}


def imported_top_levels(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_point_down(package: str) -> None:
    violations = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, line in sorted(imported_top_levels(path))
        if name in FORBIDDEN[package]
    ]
    assert not violations, "layer violations:\n" + "\n".join(violations)
