"""Airflow for the tests: a private AIRFLOW_HOME with its own SQLite metadata DB, DAGs from dags/.

Airflow reads its configuration when first imported, so the environment is set here, at collection time,
before any test module imports it; nothing outside this folder uses Airflow.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

_HOME = Path(tempfile.mkdtemp(prefix="newsetl-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME / 'airflow.db'}"


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """Airflow's metadata database, created once per test session (what dag.test() needs)."""
    from airflow.utils import db

    db.resetdb()
    yield _HOME
