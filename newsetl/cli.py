"""``newsetl``: the project's command-line interface.

Each module in ``newsetl.commands`` contributes one subcommand through ``register(subparsers)``; the
command modules only parse arguments and call functions from the packages, importing heavy libraries
inside their handlers so that ``newsetl --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from newsetl import commands

DESCRIPTION = """\
newsetl: a scheduled news-ingestion ETL.

Scrapy spiders fetch news articles, transforms normalise them into clean article records and
seed-format text, and Airflow DAGs load them into a SQL warehouse. These subcommands run the same
functions by hand. Settings come from NEWSETL_* environment variables (see docs/configuration.md).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsetl", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
