"""The worker pool gives the same results, in the same order, with one process or several."""

from __future__ import annotations

import pytest

from transforms.settings import Settings
from transforms.workers import default_workers, map_batches


def _square_all(batch: list[int]) -> list[int]:
    return [n * n for n in batch]


def test_results_keep_the_batches_order_whatever_the_worker_count() -> None:
    batches = [list(range(start, start + 7)) for start in range(0, 140, 7)]
    serial = list(map_batches(_square_all, batches, workers=1))
    pooled = list(map_batches(_square_all, iter(batches), workers=2))
    assert serial == pooled == [_square_all(b) for b in batches]


def test_a_worker_count_below_one_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="workers=0"):
        list(map_batches(_square_all, [[1]], workers=0))
    with pytest.raises(ValueError, match="NEWSETL_WORKERS=0"):
        Settings.from_env({"NEWSETL_WORKERS": "0"})


def test_the_default_is_at_least_one_and_at_most_eight() -> None:
    assert 1 <= default_workers() <= 8
    assert Settings().workers == default_workers()
