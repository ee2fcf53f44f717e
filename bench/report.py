"""What every bench script shares: a Markdown table, the machine it was measured on, and recording both.

A figure means little without the machine, the versions and how busy the machine was, so every table is
printed and appended to docs/benchmarks.md under a heading that says all three (the load average matters:
other work may share the two cores while a benchmark runs).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def versions(packages: Iterable[str]) -> str:
    found = []
    for name in packages:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    return ", ".join(found)


def environment(packages: Iterable[str] = ()) -> str:
    """Date, CPU, cores, Python, the given packages' versions and the 1-minute load average."""
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    listed = versions(packages)
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cpu_model()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}{', ' + listed if listed else ''}{load}"
    )


def publish(
    title: str,
    command: str,
    table: str,
    *,
    packages: Iterable[str] = (),
    notes: str = "",
    doc: Path | None = DOCS,
) -> str:
    """Print the table with its environment and append it as a section to ``doc`` (None: print only)."""
    section = f"\n### {title} ({environment(packages)})\n\n`{command}`\n\n{table}\n"
    if notes:
        section += f"\n{notes.strip()}\n"
    print(section)
    if doc is not None:
        with doc.open("a", encoding="utf-8") as out:
            out.write(section)
        print(f"appended to {doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc}")
    return section
