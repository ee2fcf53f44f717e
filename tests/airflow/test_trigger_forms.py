"""Trigger forms that cannot be filled wrongly (issue 12, item 7), and the backfill's month labels.

news_backfill's editions default to ``all`` (every edition of the chosen source); an edition the chosen
source does not have and an end date before the start are refused by the run's first task with one line
logged at ERROR, without retrying. Mapped backfill months are labelled ``2025-11`` in the grid. Edition
keys follow one scheme (docs/sources.md, "Edition keys"), checked when the sources file is read.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import site_fixtures

from transforms.sources import DEFAULT_SOURCES_FILE, SourcesFileError, load_sources, parse_sources

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"

pytestmark = [pytest.mark.slow, pytest.mark.airflow]


@pytest.fixture(scope="module")
def dags() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS)).dags


def _task_instances(dag_run: Any) -> list[Any]:
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = dag_run.get_task_instances(session=session)
        session.expunge_all()
        return tis


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_editions_field_defaults_to_every_edition_of_the_chosen_source(dags: Any) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    editions = dags["news_backfill"].params.get_param("editions")
    assert editions.value == ["all"]
    assert "every edition of the chosen source" in editions.description
    assert editions.resolve(["eng", "ukr"]) == ["eng", "ukr"]
    assert editions.resolve(["en"]) == ["en"]  # an edition of another source: the first task decides
    for bad in ([], ["klingon"], ["all", "all"]):
        with pytest.raises(ParamValidationError):
            editions.resolve(bad)


@pytest.mark.parametrize(
    ("dag_id", "first", "conf", "message"),
    [
        (
            "news_backfill",
            "plan_months",
            {"source": "kyivpost", "editions": ["eng"], "start": "2025-11-01", "end": "2025-11-30"},
            "editions=['eng']: unknown edition eng of kyivpost; expected one of en or all",
        ),
        (
            "news_backfill",
            "plan_months",
            {"source": "pravda", "start": "2025-12-01", "end": "2025-11-01"},
            "end 2025-11-01 is before start 2025-12-01: the range would be empty",
        ),
        (
            "news_reparse",
            "plan_shards",
            {"source": "pravda", "start": "2025-12-01", "end": "2025-11-01"},
            "end 2025-11-01 is before start 2025-12-01: the range would be empty",
        ),
    ],
)
def test_a_form_that_cannot_run_is_refused_in_one_line_without_retrying(
    airflow_db: Path,
    dags: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    dag_id: str,
    first: str,
    conf: dict[str, Any],
    message: str,
) -> None:
    from airflow.utils.state import DagRunState

    monkeypatch.setenv("NEWSETL_DATA_ROOT", str(tmp_path / "data"))
    with caplog.at_level(logging.ERROR):
        dag_run = dags[dag_id].test(run_conf=conf)
    assert dag_run.state == DagRunState.FAILED
    (ti,) = [ti for ti in _task_instances(dag_run) if ti.task_id == first]
    assert str(ti.state) == "failed" and ti.try_number == 1  # no retry: the form stays wrong
    assert message in _errors(caplog)
    assert not (tmp_path / "data" / "raw").exists()


def test_backfill_months_are_labelled_by_the_month_and_all_editions_are_the_default(
    airflow_db: Path, dags: Any, fixture_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.utils.state import DagRunState

    data_root = tmp_path / "data"
    conf = {"source": "pravda", "start": "2025-11-20", "end": "2025-12-05"}  # editions: the default
    with site_fixtures.replay_process([fixture_site.warc]) as mirror:
        for name, value in site_fixtures.quiet_env(data_root, NEWSETL_MIRROR=mirror).items():
            if name.startswith("NEWSETL_"):
                monkeypatch.setenv(name, value)
        dag_run = dags["news_backfill"].test(run_conf=conf)
    assert dag_run.state == DagRunState.SUCCESS
    labels: dict[str, set[str]] = {}
    for ti in _task_instances(dag_run):
        if ti.task_id.startswith("month."):
            labels.setdefault(ti.task_id, set()).add(ti.rendered_map_index)
    assert set(labels) == {"month.crawl_month", "month.transform", "month.load", "month.check"}
    assert all(found == {"2025-11", "2025-12"} for found in labels.values()), labels
    # "all" crawled every edition of pravda: the range holds articles of more than one.
    from wh_query import query

    editions = {row[0] for row in query(data_root, "SELECT DISTINCT edition FROM articles")}
    in_range = {a.edition for a in fixture_site.articles if conf["start"] <= a.published <= conf["end"]}
    assert len(in_range) > 1 and editions == in_range


def test_edition_keys_follow_one_scheme() -> None:
    """An edition key is the ISO 639 code of the edition's language (docs/sources.md, "Edition keys")."""
    for source in load_sources(DEFAULT_SOURCES_FILE).values():
        for key, language in source.editions.items():
            code = key.split("_")[0]
            assert len(code) in (2, 3) and code[:1] == language[:1], (source.key, key, language)
    entry = (
        "sources:\n  - key: lvivnews\n    label: Lviv News\n    base_url: https://lvivnews.example\n"
        "    editions:\n      {key}: en\n    discovery:\n      feeds: [/rss/]\n    parser: generic\n"
    )
    assert set(parse_sources(entry.format(key="en"))["lvivnews"].editions) == {"en"}
    assert set(parse_sources(entry.format(key="en_us"))["lvivnews"].editions) == {"en_us"}
    with pytest.raises(
        SourcesFileError, match=r"^f.yaml:5: source 'lvivnews': edition key 'uk' does not name"
    ):
        parse_sources(entry.format(key="uk"), "f.yaml")
    with pytest.raises(SourcesFileError, match=r"^f.yaml:6: .*editions.*expected an ISO 639 language code"):
        parse_sources(entry.format(key="english"), "f.yaml")
