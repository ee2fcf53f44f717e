"""Rewrite the Pravda golden expectations from what the parsers give now.

    .venv/bin/python tests/parsers/regenerate.py

Run it after a deliberate parser change, then read ``git diff tests/fixtures/pravda/expected/``: every
changed line is a behaviour change to justify in the commit.
"""

from __future__ import annotations

import sys

from pravda_golden import EXPECTED, dumps, golden_pages, parse_golden, sources


def main() -> int:
    EXPECTED.mkdir(parents=True, exist_ok=True)
    known = sources()
    for page in golden_pages():
        text = dumps(parse_golden(page, known))
        path = page.expected_path
        old = path.read_text(encoding="utf-8") if path.exists() else None
        state = "unchanged" if old == text else ("new" if old is None else "CHANGED")
        path.write_text(text, encoding="utf-8")
        print(f"{state:9} {path.relative_to(EXPECTED.parent.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
