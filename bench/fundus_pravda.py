"""Fundus's Ukrainska Pravda parser on the pages named on stdin: its body text and its pages/s on one core.

Run by bench/parse_pravda.py with the Python of a separate virtualenv that has ``fundus`` installed
(fundus pins older lxml and curl-cffi than newsetl's lock, so it cannot share .venv). Reads a JSON list of
``{"path", "url", "crawled"}`` on stdin and writes ``{"bodies": [...], "pages_per_second": x}``. Needs only
the standard library and fundus, not newsetl.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path


def main() -> int:
    from fundus import PublisherCollection

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    pages = json.load(sys.stdin)
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    htmls = []
    for page in pages:
        data = Path(page["path"]).read_bytes()
        htmls.append((gzip.decompress(data) if page["path"].endswith(".gz") else data).decode("utf-8"))
    proxy = PublisherCollection.ua.Pravda.parser

    def parse(i: int) -> dict:
        parser = proxy(datetime.fromisoformat(pages[i]["crawled"]).date())
        return parser.parse(htmls[i], error_handling="suppress")

    bodies = []
    for i in range(len(pages)):  # the first pass also warms up imports and caches, untimed
        body = parse(i).get("body")
        bodies.append(str(body) if body else "")
    # The best of several short rounds, as for the other extractors: other load only ever slows a round.
    best = 0.0
    for _ in range(rounds):
        passes, start = 0, time.perf_counter()
        while True:
            for i in range(len(pages)):
                parse(i)
            passes += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / rounds:
                break
        best = max(best, passes * len(pages) / elapsed)
    json.dump({"bodies": bodies, "pages_per_second": best}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
