"""A throwaway PostgreSQL cluster for a benchmark: the one the test suite starts (tests/conftest.py), so a
benchmark runs on the same kind of server as the tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class PostgresMissing(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl) are not installed."""


@contextmanager
def postgres_server() -> Iterator[Callable[[str], str]]:
    """Start a cluster; yields a function that creates a database by name and returns its URL."""
    conftest = _test_conftest()
    bin_dir = conftest.find_bin_dir()
    if bin_dir is None:
        raise PostgresMissing("PostgreSQL binaries (initdb, pg_ctl) not found")
    with conftest.throwaway_cluster(bin_dir) as server:
        yield lambda name: str(conftest.create_database(server, name))


def _test_conftest() -> Any:
    # conftest imports its helpers as pytest would find them: from tests/ and tests/site/.
    for helpers in (ROOT / "tests" / "site", ROOT / "tests"):
        if str(helpers) not in sys.path:
            sys.path.append(str(helpers))
    spec = importlib.util.spec_from_file_location("newsetl_test_conftest", ROOT / "tests" / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module
