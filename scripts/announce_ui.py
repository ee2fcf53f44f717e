"""The console of ``make run`` and ``make demo`` (started by scripts/run.sh): waits until the Airflow UI
answers and its DAG files are parsed, prints one banner (address, login, each DAG and whether it is paused,
the warehouse and the ``export`` line that points the CLI at it), and from start to stop repeats the error
lines of the components' logs, so the console shows what needs attention and nothing else.

``airflow standalone`` prints the generated admin password only the first time it creates it; this prints it
on every start, from the file Airflow keeps it in, so the operator never has to go looking.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from transforms.settings import Settings

# A structlog line of an Airflow component: "2026-11-28T16:19:26.759938Z [error    ] message [logger] k=v".
# The scheduler's log also repeats every line of every task ("2026-11-28 16:25:29.94+00:00 [info     ] …",
# a space, not a T, after the date); those are the task logs' business, shown in the UI, not here.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+\[(?P<level>[a-z]+)\s*\]\s*(?P<message>.*)$")
ERROR_LEVELS = {"error", "critical", "fatal", "exception"}
PRINT_LOCK = threading.Lock()


def say(text: str) -> None:
    with PRINT_LOCK:
        print(text, flush=True)


def follow_errors(name: str, logs: dict[str, Path], stop: threading.Event) -> None:
    """Repeats each new error line of ``logs`` (component -> file) on the console, each distinct one once."""
    offsets = dict.fromkeys(logs, 0)
    pending = dict.fromkeys(logs, "")
    seen: set[tuple[str, str]] = set()
    while not stop.wait(1.0):
        for component, path in logs.items():
            try:
                with path.open("r", encoding="utf-8", errors="replace") as log:
                    log.seek(offsets[component])
                    chunk = log.read()
                    offsets[component] = log.tell()
            except OSError:
                continue  # not created yet
            *lines, pending[component] = (pending[component] + chunk).split("\n")
            for line in lines:
                shown = _error_text(line)
                if shown and (component, shown) not in seen:
                    seen.add((component, shown))
                    say(f"{name}: {component}: {shown} (more in {path})")


def _error_text(line: str) -> str:
    """The line without its timestamp and source location when it reports an error, else ''."""
    match = LOG_LINE.match(line)
    if not match or match["level"] not in ERROR_LEVELS:
        return ""
    message = re.sub(r"\s+loc=\S+", "", match["message"]).strip()
    return f"{match['level'].upper()} {message[:400]}"


def _get(url: str, token: str = "") -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _wait_for_health(url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    return False


def _password_file(airflow_home: Path) -> Path:
    configured = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "")
    return Path(configured) if configured else airflow_home / "simple_auth_manager_passwords.json.generated"


def _token(url: str, user: str, password: str) -> str:
    request = urllib.request.Request(
        f"{url}/auth/token",
        method="POST",
        data=json.dumps({"username": user, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["access_token"])


def _dag_files(dags_folder: Path) -> set[str]:
    """The files the DAG processor parses: Python files that mention both "airflow" and "dag" (its safe
    mode), relative to the DAGs folder."""
    found = set()
    for path in dags_folder.rglob("*.py"):
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        if "airflow" in text and "dag" in text:
            found.add(path.relative_to(dags_folder).as_posix())
    return found


def _parsed_dags(url: str, token: str, dags_folder: Path, deadline: float) -> tuple[list[Any], list[Any]]:
    """The DAGs and import errors, once every DAG file gave one or the other (or the deadline passed)."""
    expected = _dag_files(dags_folder)
    dags: list[Any] = []
    errors: list[Any] = []
    while time.monotonic() < deadline:
        try:
            dags = _get(f"{url}/api/v2/dags?limit=100&order_by=dag_id", token)["dags"]
            errors = _get(f"{url}/api/v2/importErrors?limit=100", token)["import_errors"]
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass
        covered = {d.get("relative_fileloc") for d in dags} | {
            _relative(e["filename"], dags_folder) for e in errors
        }
        if expected <= covered:
            break
        time.sleep(2)
    return dags, errors


def _relative(filename: str, folder: Path) -> str:
    """An import error's file as a path in the DAGs folder (the API gives it relative or absolute)."""
    path = Path(filename)
    return (
        path.relative_to(folder).as_posix()
        if path.is_absolute() and path.is_relative_to(folder)
        else filename
    )


def _dag_lines(dags: list[Any], errors: list[Any], paused_at_creation: bool) -> list[str]:
    if not dags and not errors:
        return ["(not parsed yet: they appear in the UI's DAG list in a moment)"]
    width = max((len(d["dag_id"]) for d in dags), default=0)
    lines = [
        f"{d['dag_id']:<{width}}  {'paused' if d['is_paused'] else 'ON    '}  "
        f"{d.get('timetable_description') or d.get('timetable_summary') or ''}"
        for d in dags
    ]
    if paused_at_creation:
        lines.append("new DAGs start paused (Airflow's default): switch one on with its toggle in the UI")
    else:
        lines.append("new DAGs start switched on (AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False)")
    lines.append("a DAG keeps its switch across restarts")
    for error in errors:
        last = (error.get("stack_trace") or "").strip().splitlines()[-1:] or [""]
        lines.append(f"IMPORT ERROR {Path(error['filename']).name}: {last[0][:200]} (details in the UI)")
    return lines


def _warehouse_lines(settings: Settings) -> tuple[str, str]:
    """What the DAGs use as the warehouse, and the line that points the CLI at the same place."""
    from sqlalchemy.engine import make_url

    exports = {"NEWSETL_DATA_ROOT": settings.data_root}
    if settings.warehouse_url:
        exports["NEWSETL_WAREHOUSE_URL"] = settings.warehouse_url
    url = make_url(settings.resolved_warehouse_url())
    hidden = url.render_as_string(hide_password=True)
    warehouse = hidden
    if settings.warehouse_conn_id:
        warehouse = f"the Airflow connection {settings.warehouse_conn_id!r} (NEWSETL_WAREHOUSE_CONN_ID)"
    export = "export " + " ".join(f"{key}={shlex.quote(value)}" for key, value in exports.items())
    if url.password:
        export = export.replace(settings.warehouse_url, hidden) + "  (with the real password)"
    return warehouse, export


# What `make demo` crawls is test data; said in the banner so that nobody takes its articles for real news
# (what the fixture site holds: docs/operations.md, "The demo's data").
DEMO_DATA = (
    "TEST DATA, not real news: a few Pravda pages copied under made-up",
    '"(№…)" headlines and dates, hand-written stories for the other sources',
    '(docs/operations.md, "The demo\'s data")',
)


def banner(
    url: str, login: str, dag_lines: Iterable[str], settings: Settings, logs: str, demo: bool = False
) -> str:
    warehouse, export = _warehouse_lines(settings)
    rows: list[tuple[str, str]] = [("UI", url), ("login", login)]
    rows += [("DAGs" if i == 0 else "", line) for i, line in enumerate(dag_lines)]
    if settings.mirror:
        rows.append(("crawls", f"the replay server at {settings.mirror}, not the live sites"))
    else:
        rows.append(("crawls", "the live sites (NEWSETL_MIRROR=http://127.0.0.1:PORT crawls a replay)"))
    if demo:
        rows += [("data" if i == 0 else "", line) for i, line in enumerate(DEMO_DATA)]
    rows += [
        ("warehouse", warehouse),
        ("CLI", export),
        ("logs", logs),
        ("stop", "Ctrl-C (stops every process this started)"),
    ]
    rule = "=" * 78
    body = [f"  {label:<10} {value}" for label, value in rows]
    return "\n".join(["", rule, *body, rule, ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", default="make run", help="how the console lines start")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--airflow-home", type=Path, required=True)
    parser.add_argument("--dags-folder", type=Path, required=True)
    parser.add_argument(
        "--follow", action="append", default=[], help="a component whose log errors to repeat"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="give up waiting after this many seconds"
    )
    parser.add_argument(
        "--demo", action="store_true", help="make demo: say that the data is a test site, not real news"
    )
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    log_dir = args.airflow_home / "logs"
    stop = threading.Event()
    logs = {component: log_dir / f"{component}.log" for component in args.follow}
    follower = threading.Thread(target=follow_errors, args=(args.name, logs, stop), daemon=True)
    follower.start()

    deadline = time.monotonic() + args.timeout
    if not _wait_for_health(url, deadline):
        say(f"{args.name}: the Airflow UI did not answer on {url} within {args.timeout:.0f} s; see {log_dir}")
        follower.join()
        return 1
    passwords_path = _password_file(args.airflow_home)
    passwords: dict[str, str] = {}
    try:
        passwords = json.loads(passwords_path.read_text())
    except (OSError, ValueError):
        pass
    login = ", ".join(f"{user} / {pw}" for user, pw in passwords.items()) or f"(see {passwords_path})"
    if passwords:
        login += f"   (generated by Airflow, kept in {passwords_path})"
    token = ""
    try:
        if passwords:
            token = _token(url, *next(iter(passwords.items())))
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        pass
    dags, errors = _parsed_dags(url, token, args.dags_folder, time.monotonic() + 180)
    paused_default = os.environ.get("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "True").lower() != "false"
    settings = Settings.from_env()
    components = ", ".join(f"{c}.log" for c in args.follow)
    say(
        banner(
            url,
            login,
            _dag_lines(dags, errors, paused_default),
            settings,
            f"{log_dir}/ ({components}; each task's log in the UI)",
            demo=args.demo,
        )
    )
    follower.join()  # until run.sh stops this process
    return 0


if __name__ == "__main__":
    sys.exit(main())
