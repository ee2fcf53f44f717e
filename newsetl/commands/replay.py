"""``newsetl replay FILE.warc.gz… [--port N]``: serve recorded responses on 127.0.0.1 as an offline mirror."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="serve recorded WARC responses on 127.0.0.1 (an offline mirror for spiders)",
        description=(
            "Serve the responses recorded in WARC files by URL: status, headers and body as recorded, "
            "404 for unknown URLs. Point a spider at it with -a mirror=http://127.0.0.1:PORT or "
            "NEWSETL_MIRROR."
        ),
    )
    parser.add_argument("warcs", nargs="+", type=Path, metavar="FILE.warc.gz")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="URL_OR_PATH=SPEC",
        help="inject a fault before the recording: 503x2 (503 twice), 429x1:5 (Retry-After 5), resetx1",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scrapers.replay import FaultPlan, ReplayServer, parse_fault_spec

    missing = [str(p) for p in args.warcs if not p.is_file()]
    if missing:
        print(f"newsetl replay: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"newsetl replay: --port {args.port}: expected 0 (a free one) to 65535", file=sys.stderr)
        return 2
    faults = FaultPlan()
    try:
        for spec in args.fault:
            faults.add(*parse_fault_spec(spec))
        server = ReplayServer(args.warcs, host=args.host, port=args.port, faults=faults, verbose=args.verbose)
    except (ValueError, OSError) as exc:
        print(f"newsetl replay: {exc}", file=sys.stderr)
        return 2
    for warning in server.index.warnings:
        print(f"newsetl replay: warning: {warning}", file=sys.stderr, flush=True)
    print(f"serving {len(server.index)} recorded URLs at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
