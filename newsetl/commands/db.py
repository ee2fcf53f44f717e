"""``newsetl db``: migrate the warehouse and manage its analyst roles."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "db",
        help="migrate the warehouse (upgrade, downgrade, current), grant analyst access, search articles, "
        "summarise it",
        description="The warehouse schema, changed only through Alembic migrations. The warehouse is "
        "NEWSETL_WAREHOUSE_URL, by default the SQLite file warehouse.sqlite under NEWSETL_DATA_ROOT.",
    )
    parser.add_argument("--url", help="warehouse URL (default: from NEWSETL_* settings)")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    upgrade = actions.add_parser(
        "upgrade",
        help="migrate to a revision (default: the latest)",
        description="Apply the warehouse's Alembic migrations up to REVISION (default: head, the latest).",
    )
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=_upgrade)

    downgrade = actions.add_parser(
        "downgrade",
        help="migrate down to REV ('base' removes everything)",
        description="Undo migrations down to REVISION; 'base' removes every table and view.",
    )
    downgrade.add_argument("revision")
    downgrade.set_defaults(handler=_downgrade)

    current = actions.add_parser(
        "current",
        help="print the revision the warehouse is at",
        description="Print the warehouse's revision; exits 1 when it was never migrated.",
    )
    current.set_defaults(handler=_current)

    grant = actions.add_parser(
        "grant-analyst",
        help="PostgreSQL: create or refresh a read-only role NAME that can read every table and view",
        description="Create (or refresh) a PostgreSQL login role that may SELECT every table and view of "
        "the warehouse and change nothing; its sessions are read-only by default too. It also revokes TEMP "
        "and the large-object functions from PUBLIC (the warehouse's writers keep TEMP), so run it as a "
        "superuser (--url). Refuses a role that exists and owns objects, has a special attribute, belongs "
        "to another role or is the one connecting.",
    )
    grant.add_argument("name", help="role name (lower-case letters, digits, underscore)")
    grant.add_argument(
        "--password-env",
        metavar="VAR",
        help="set the role's login password from this environment variable (never from the command line)",
    )
    grant.set_defaults(handler=_grant_analyst)

    search = actions.add_parser(
        "search",
        help="full-text search over headlines and bodies",
        description="Print the articles whose headline or body contains every word of QUERY, best first "
        "(see docs/warehouse.md); exits 1 when none does.",
    )
    search.add_argument("query", help="words that must all occur, e.g. 'NATO ammunition'")
    search.add_argument("--limit", type=int, default=20)
    search.set_defaults(handler=_search)

    summary = actions.add_parser(
        "summary",
        help="describe the warehouse: engine, revision, rows per table, per source its articles and loads",
        description="Print the engine, the URL (password hidden), the schema revision, the rows of every "
        "table and, per source, its articles, their first and last publication, its last load and its "
        "latest run. Exits 1 when the warehouse is missing, never migrated or behind this version.",
    )
    summary.add_argument(
        "--json", action="store_true", help="print one JSON object instead (see docs/operations.md)"
    )
    summary.set_defaults(handler=_summary)

    local = actions.add_parser(
        "local-postgres",
        help="run a PostgreSQL warehouse on this machine without Docker (start, stop, status)",
        description="Initialise (the first time) and start a PostgreSQL cluster from the installed server "
        "binaries in DIR (default {data root}/postgres), listening on 127.0.0.1 only, with the warehouse "
        "database 'newsetl' migrated to the latest revision, its owner role 'newsetl' and a read-only role "
        "'analyst'. Passwords are generated and kept in DIR/passfile (mode 0600), which the printed URLs "
        "name; none is printed. Run as root, the server runs as the 'postgres' account. 'stop' stops it "
        "and keeps its data; 'status' exits 0 when it runs, 1 when not.",
    )
    local.add_argument("action", choices=("start", "stop", "status"))
    local.add_argument("--dir", type=Path, help="the cluster's folder (default: {data root}/postgres)")
    local.add_argument(
        "--port",
        type=int,
        default=5433,
        help="TCP port on 127.0.0.1, fixed at the first start (default 5433)",
    )
    local.set_defaults(handler=_local_postgres)


def _url(args: argparse.Namespace) -> str:
    return str(args.url or args.settings.resolved_warehouse_url())


def _database_errors(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Our own checks of the user's input (the warehouse URL's form, the search's words and limit) as one
    line and exit 2; what the database itself refuses is reported the same way by newsetl.cli."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ValueError as exc:
            print(f"newsetl db {args.db_command}: {exc}", file=sys.stderr)
            return 2

    return run


@_database_errors
def _upgrade(args: argparse.Namespace) -> int:
    from warehouse import migrate

    url = _url(args)
    migrate.upgrade(url, args.revision)
    print(f"warehouse at revision {migrate.current(url)}")
    return 0


@_database_errors
def _downgrade(args: argparse.Namespace) -> int:
    from warehouse import migrate

    url = _url(args)
    migrate.downgrade(url, args.revision)
    print(f"warehouse at revision {migrate.current(url) or 'base (empty)'}")
    return 0


@_database_errors
def _current(args: argparse.Namespace) -> int:
    from warehouse import migrate

    url = _url(args)
    revision = migrate.current(url)
    head = migrate.head()
    missing = _not_migrated(url, revision, head)
    if missing:
        print(missing)
        return 1
    print(f"{revision} (head)" if revision == head else f"{revision} (latest is {head})")
    return 0


def _not_migrated(url: str, revision: str | None, head: str) -> str | None:
    """The line `db current` and `db summary` print (and exit 1) for a warehouse with no schema yet."""
    from warehouse import migrate

    if migrate.sqlite_file_missing(url):
        return f"not found (no file at {url}); run: newsetl db upgrade"
    if revision is None:
        return f"not migrated (latest revision is {head}); run: newsetl db upgrade"
    return None


@_database_errors
def _summary(args: argparse.Namespace) -> int:
    import json

    from warehouse import migrate
    from warehouse.summary import summarize

    url = _url(args)
    revision = migrate.current(url)
    head = migrate.head()
    # To stderr: with --json, stdout holds JSON or nothing.
    missing = _not_migrated(url, revision, head)
    if missing:
        print(missing, file=sys.stderr)
        return 1
    if revision != head:
        # Its tables may lack columns the summary reads: name the cause rather than a missing column.
        print(f"{revision} (latest is {head}); run: newsetl db upgrade", file=sys.stderr)
        return 1
    found = summarize(url)
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_summary(found)
    return 0


def _print_summary(found: Any) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def shown(value: Any) -> Text:
        # Text, not markup: labels and run ids come from the warehouse and may hold [brackets].
        if value is None:
            return Text("-", style="dim")
        return Text(value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else str(value))

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped: one line per row, no wrapping at 80 columns
    console.print(Text(f"engine    {found.engine}\nurl       {found.url}"))
    at_head = "(head)" if found.revision == found.head else f"(latest is {found.head})"
    console.print(Text(f"revision  {found.revision} {at_head}"))
    rows = ", ".join(f"{name} {count}" for name, count in found.tables.items())
    console.print(Text(f"rows      {rows}", overflow="fold"))
    if not found.sources:
        console.print(Text("no source loaded yet"))
        return
    console.print(Text("per source (times UTC):"))
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    for name in ("source", "articles", "first published", "last published", "last load", "latest run"):
        table.add_column(name, justify="right" if name == "articles" else "left", no_wrap=True)
    table.add_column("stale", no_wrap=True)
    for source in found.sources:
        run = None
        if source.last_run_started_at is not None:
            started = source.last_run_started_at.strftime("%Y-%m-%d %H:%M")
            run = f"{source.last_run_status} {source.last_run_kind} {started}"
        table.add_row(
            shown(source.source),
            shown(source.articles),
            shown(source.first_published_at),
            shown(source.last_published_at),
            shown(source.last_load_at),
            shown(run),
            Text("stale", style="red") if source.stale else Text("no"),
        )
    console.print(table)


def _grant_analyst(args: argparse.Namespace) -> int:
    import os

    from warehouse.roles import grant_analyst

    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            print(f"environment variable {args.password_env} is empty or unset", file=sys.stderr)
            return 2
    try:
        granted = grant_analyst(_url(args), args.name, password=password)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"role {args.name} can read {len(granted)} tables and views, and change nothing")
    return 0


@_database_errors
def _search(args: argparse.Namespace) -> int:
    from warehouse.engine import make_engine
    from warehouse.migrate import require_current
    from warehouse.search import check_search, search_articles

    check_search(args.query, args.limit)  # the user's input first, then the warehouse it is run against
    url = _url(args)
    require_current(url)
    engine = make_engine(url)
    try:
        hits = search_articles(engine, args.query, limit=args.limit)
    finally:
        engine.dispose()
    if not hits:
        print("no matches")
        return 1
    for hit in hits:
        published = hit.published_at.date().isoformat() if hit.published_at else "          "
        print(f"{published}  {hit.headline}\n            {hit.source}/{hit.edition}  {hit.url}")
    return 0


def _local_postgres(args: argparse.Namespace) -> int:
    from newsetl import local_postgres
    from newsetl.pipeline import absolute_data_root

    folder = args.dir
    if folder is None:
        root = absolute_data_root(args.settings)
        if "://" in root:
            print(
                f"newsetl db local-postgres: the data root {root} is not a local folder; pass --dir",
                file=sys.stderr,
            )
            return 2
        folder = Path(root) / "postgres"
    try:
        if args.action == "start":
            cluster, state = local_postgres.start(folder, args.port)
        elif args.action == "stop":
            stopped = local_postgres.stop(folder)
            print(f"PostgreSQL in {folder} {'stopped (its data kept)' if stopped else 'was not running'}")
            return 0
        else:
            cluster, up = local_postgres.status(folder)
            if not up:
                print(f"PostgreSQL in {folder} is not running; start it: newsetl db local-postgres start")
                return 1
            state = "running"
    except local_postgres.LocalPostgresError as exc:
        print(f"newsetl db local-postgres {args.action}: {exc}", file=sys.stderr)
        return 2
    print(f"PostgreSQL {state} on 127.0.0.1:{cluster.port}, cluster in {cluster.folder}")
    print(f"  analyst (read-only): {cluster.url(local_postgres.ANALYST)}")
    print("point newsetl at it (the password is in the passfile the URL names):")
    print(f"  export NEWSETL_WAREHOUSE_URL='{cluster.url()}'")
    return 0
