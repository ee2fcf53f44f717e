"""Quality gate: the generic parser on the 258 real fundus pages must not fall below the pinned figures.

The figures are measured by bench/eval_generic.py (the same code, imported here) and recorded in
docs/benchmarks.md. Each pin is set slightly *below* the measured value, so that ordinary noise-free
changes pass and a real regression fails; raise a pin when the parser improves. The full set takes about
fifteen seconds on one core.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "eval_generic.py"

# Measured 2026-11-27 (trafilatura 2.3.1): body F1 0.963 (P 0.947, R 0.979), title 0.826, date 0.961,
# authors 0.837. trafilatura alone on the same pages: F1 0.949, title 0.671, authors 0.736.
MIN_BODY_F1 = 0.958
MIN_BODY_PRECISION = 0.941
MIN_BODY_RECALL = 0.972
MIN_TITLE = 0.81
MIN_DATE = 0.95
MIN_AUTHORS = 0.825
TRAFILATURA_ALONE_F1 = 0.949


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_generic", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    module = load_bench()
    if not module.FUNDUS.is_dir():
        pytest.fail(f"{module.FUNDUS}: the fundus fixtures (../shared/fixtures/fundus) are missing")
    return module


def test_every_page_pairs_with_its_expected_version(bench: ModuleType) -> None:
    cases = bench.load_cases()
    assert len(cases) == 258
    assert len({case.path for case in cases}) == 258
    # Publishers with several pages pair them with their versions in date order.
    apnews = [(case.path.name, case.version) for case in cases if case.path.name.startswith("APNews_")]
    assert apnews == [("APNews_2023_04_28.html.gz", "V1"), ("APNews_2024_09_03.html.gz", "V1_1")]


def test_scoring_counts_shingles_of_four_words(bench: ModuleType) -> None:
    expected = "One two three four five six."
    assert bench.shingles(expected) == {"one two three four", "two three four five", "three four five six"}
    case = bench.load_cases()[0]
    perfect = bench.Extraction(
        title=case.expected["title"],
        body=bench.expected_body(case.expected),
        authors=tuple(case.expected["authors"]),
    )
    score = bench.score(case, perfect)
    assert (score.precision, score.recall, score.title, score.authors) == (1.0, 1.0, True, True)
    empty = bench.score(case, bench.Extraction())
    assert (empty.precision, empty.recall, empty.title) == (0.0, 0.0, False)


@pytest.mark.slow
def test_generic_parser_quality_does_not_drop(bench: ModuleType) -> None:
    summary = bench.evaluate("newsetl generic", bench.extract_generic, bench.load_cases())
    report = bench.table([summary])
    assert summary.pages == 258
    assert summary.f1 >= MIN_BODY_F1, report
    assert summary.f1 > TRAFILATURA_ALONE_F1, report
    assert summary.precision >= MIN_BODY_PRECISION, report
    assert summary.recall >= MIN_BODY_RECALL, report
    assert summary.title >= MIN_TITLE, report
    assert summary.date >= MIN_DATE, report
    assert summary.authors >= MIN_AUTHORS, report
