"""``newsetl seed``: check, show, import and export seed-format documents (docs/seed-format.md).

Each action is one ``_add_<action>(actions)`` function listed in ``ACTIONS``; another action on seed
files is one more such function and one more entry.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsetl.commands import day

DESCRIPTION = (
    "Seed files hold one article each in the seed format: the collected date, headline, source label, "
    "body blocks and canonical URL as plain UTF-8 text (see docs/seed-format.md)."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "seed",
        help="check seed-format files, show them as JSON, import them into the warehouse or export it",
        description=DESCRIPTION,
    )
    actions = parser.add_subparsers(dest="seed_command", metavar="ACTION", required=True)
    for add_action in ACTIONS:
        add_action(actions)


def _add_check(actions: Any) -> None:
    check = actions.add_parser(
        "check",
        help="validate seed files",
        description="Validate each FILE against the seed format. Prints 'FILE: OK' for a good file and "
        "'FILE:LINE: message' on stderr for the first error in a bad one; exits 1 if any file is bad.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", type=Path, help="seed file(s), e.g. seeds/*.txt")
    check.set_defaults(handler=_check)


def _add_show(actions: Any) -> None:
    show = actions.add_parser(
        "show",
        help="print a seed file as JSON",
        description="Parse FILE and print the document as JSON (UTF-8, not ASCII-escaped): collected_on, "
        "headline, source_label, blocks (paragraph, heading or list) and url. A malformed file is "
        "reported as 'FILE:LINE: message' on stderr with exit status 1.",
    )
    show.add_argument("file", metavar="FILE", type=Path, help="a seed file")
    show.set_defaults(handler=_show)


def _add_import(actions: Any) -> None:
    imp = actions.add_parser(
        "import",
        help="load seed files into the warehouse",
        description="Load each FILE, and every *.txt in each DIR, into the warehouse "
        "(NEWSETL_WAREHOUSE_URL). "
        "Nothing is loaded when any file is malformed or matches no source; importing the same files "
        "again changes nothing. Logic: warehouse/seeds.py.",
    )
    imp.add_argument("paths", nargs="+", metavar="DIR|FILE", type=Path)
    imp.add_argument("--url", help="warehouse URL (default: from NEWSETL_* settings)")
    imp.set_defaults(handler=_import)


def _add_export(actions: Any) -> None:
    exp = actions.add_parser(
        "export",
        help="write the warehouse's articles as seed files",
        description="Write one seed file per article to DIR, named NNN_<first 16 hex of sha256(URL)>.txt "
        "and numbered by publication date. --since and --until (dates, inclusive) filter on the "
        "publication date (the collected date when it is unknown).",
    )
    exp.add_argument("directory", metavar="DIR", type=Path)
    exp.add_argument("--source", help="only this source key")
    exp.add_argument("--since", type=day, metavar="YYYY-MM-DD")
    exp.add_argument("--until", type=day, metavar="YYYY-MM-DD")
    exp.add_argument("--url", help="warehouse URL (default: from NEWSETL_* settings)")
    exp.set_defaults(handler=_export)


def _warehouse_url(args: argparse.Namespace) -> str:
    return str(args.url or args.settings.resolved_warehouse_url())


def _import(args: argparse.Namespace) -> int:
    from transforms.sources import load_sources
    from warehouse.seeds import SeedImportError, import_seeds

    sources = load_sources(args.settings.sources_path())
    try:
        result = import_seeds(_warehouse_url(args), args.paths, sources=sources)
    except SeedImportError as exc:
        _write(sys.stderr, "".join(f"{problem}\n" for problem in exc.problems) + "nothing was imported\n")
        return 1
    for run_id, counts in result.runs.items():
        summary = ", ".join(f"{name} {value}" for name, value in counts.items())
        _write(sys.stdout, f"{run_id}: {summary}\n")
    _write(sys.stdout, f"{result.files} file(s) read\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    from warehouse.migrate import require_current
    from warehouse.seeds import export_seeds

    require_current(_warehouse_url(args))
    written = export_seeds(
        _warehouse_url(args), args.directory, source=args.source, since=args.since, until=args.until
    )
    _write(sys.stdout, f"{len(written)} seed file(s) written to {args.directory}\n")
    return 0


# The actions of ``newsetl seed``, in the order they are listed in its help.
ACTIONS: tuple[Callable[[Any], None], ...] = (_add_check, _add_show, _add_import, _add_export)


class _BadFile(Exception):
    """A seed file that cannot be read or parsed; ``str()`` is the ``file:line: message`` report."""


def _load(path: Path) -> Any:
    """The parsed SeedDocument of ``path``, or ``_BadFile`` saying where and what is wrong."""
    from transforms.seed import SeedFormatError, parse

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _BadFile(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _BadFile(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "expected a UTF-8 encoded seed document"
        ) from None
    try:
        return parse(text)
    except SeedFormatError as exc:
        raise _BadFile(f"{path}:{exc.line}: {exc.message}") from None


def _check(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.files:
        try:
            doc = _load(path)
        except _BadFile as exc:
            bad += 1
            _write(sys.stderr, f"{exc}\n")
            continue
        _write(
            sys.stdout, f"{path}: OK ({len(doc.blocks)} blocks, collected {doc.collected_on.isoformat()})\n"
        )
    return 1 if bad else 0


def _show(args: argparse.Namespace) -> int:
    try:
        doc = _load(args.file)
    except _BadFile as exc:
        _write(sys.stderr, f"{exc}\n")
        return 1
    _write(sys.stdout, json.dumps(doc.to_json_dict(), ensure_ascii=False, indent=2) + "\n")
    return 0


def _write(stream: Any, text: str) -> None:
    # Article text (Cyrillic, curly quotes, no-break spaces) must come out as UTF-8 whatever the
    # terminal's locale says, so write bytes when the stream has a byte buffer.
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
