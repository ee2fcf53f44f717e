"""Wait until the Airflow UI answers, then print its address and login (used by ``make run``).

``airflow standalone`` prints the generated admin password only the first time it creates it; this prints it
on every start, from the file Airflow keeps it in, so the operator never has to go looking.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--airflow-home", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    else:
        print(f"newsetl: the Airflow UI did not answer on {url} within {args.timeout:.0f} s", file=sys.stderr)
        return 1
    passwords = args.airflow_home / "simple_auth_manager_passwords.json.generated"
    try:
        login = ", ".join(f"{user} / {pw}" for user, pw in json.loads(passwords.read_text()).items())
    except (OSError, ValueError):
        login = f"admin / (see {passwords})"
    banner = [
        "",
        "=" * 72,
        f"  newsetl: Airflow UI at {url}",
        f"  login:   {login}",
        "  DAGs:    news_ingest (hourly), news_backfill, news_reparse, news_export",
        "  stop:    Ctrl-C",
        "=" * 72,
        "",
    ]
    print("\n".join(banner), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
