"""One module per ``newsetl`` subcommand; each defines ``register(subparsers)``.

A handler is stored with ``parser.set_defaults(handler=...)`` and returns the process exit code. Argument
types shared by several subcommands live here.
"""

from __future__ import annotations

import argparse
from datetime import date


def day(text: str) -> date:
    """argparse type of a ``YYYY-MM-DD`` option (``transforms.times.parse_day``)."""
    from transforms.times import parse_day

    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
