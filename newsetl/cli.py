"""``newsetl``: the project's command-line interface.

Each module in ``newsetl.commands`` contributes one subcommand through ``register(subparsers)``; the
command modules only parse arguments and call functions from the packages, importing heavy libraries
inside their handlers so that ``newsetl --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    _describe_from_help(parser)
    return parser


def _describe_from_help(parser: argparse.ArgumentParser) -> None:
    """Give every (sub-)subcommand without a description its one-line help as description.

    argparse shows ``help=`` only in the parent's listing; without this, ``newsetl db upgrade --help``
    would print a bare usage line instead of saying what the command does.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                if not subparser.description and helps.get(name):
                    subparser.description = helps[name]
                _describe_from_help(subparser)


def main(argv: Sequence[str] | None = None) -> int:
    from transforms.settings import Settings

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # The one read of the environment: every command takes its settings from here.
        args.settings = Settings.from_env()
    except ValueError as exc:
        print(f"newsetl: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``newsetl db search … | head``): stop quietly, as a Unix tool killed by
        # SIGPIPE would. Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13
    except Exception as exc:
        reason = _database_verdict(exc)
        if reason is None:
            raise
        action = getattr(args, f"{args.command}_command", None)  # db upgrade, seed import, …
        print(f"newsetl {args.command}{f' {action}' if action else ''}: {reason}", file=sys.stderr)
        return 2


def _database_verdict(exc: Exception) -> str | None:
    """One line when ``exc`` is the database's verdict on what the user gave (a warehouse URL that does not
    parse or names no driver, a server that does not answer, a warehouse missing or never migrated, a value
    it refuses, a migration revision that does not exist); None for anything else, which is a bug and keeps
    its traceback. Looked up in sys.modules: a module never imported raised nothing."""
    found: str | None = None
    sa = sys.modules.get("sqlalchemy.exc")
    alembic = sys.modules.get("alembic.util.exc")
    migrate = sys.modules.get("warehouse.migrate")
    if migrate is not None and isinstance(exc, migrate.WarehouseNotReady):
        found = str(exc)
    elif sa is not None and isinstance(exc, sa.OperationalError | sa.DataError):
        found = str(exc.orig)
    elif sa is not None and isinstance(exc, sa.ArgumentError | sa.NoSuchModuleError):
        found = str(exc)
    elif alembic is not None and isinstance(exc, alembic.CommandError):
        found = str(exc)
    return None if found is None else " ".join(found.split())


if __name__ == "__main__":
    sys.exit(main())
