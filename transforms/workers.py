"""Worker processes for CPU-bound steps: one rule for how many, and one way to map work over them.

Parsing pages, detecting languages and computing story signatures are pure Python and CPU-bound, so
threads do not help; a process pool does. Work is handed over in batches (a list of pages, a list of
texts), never item by item, because sending an item to another process costs about as much as a small
item's work. With one worker everything runs in the calling process, so results never depend on the
number of workers and a test can compare both (tests/test_workers.py).

Processes are started with ``forkserver`` rather than ``fork``: the caller may be an Airflow task or a
Celery worker with threads and open connections, which a forked child must not inherit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

MAX_DEFAULT_WORKERS = 8
"""The default never starts more processes than this, however many cores the machine reports."""

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count), at most
    :data:`MAX_DEFAULT_WORKERS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


def map_batches(function: Callable[[T], R], batches: Iterable[T], workers: int) -> Iterator[R]:
    """``function`` of each batch, in the batches' order; in ``workers`` processes when more than one.

    ``function`` must be a module-level function (it is pickled by name) and its batches and results
    picklable. At most ``2 * workers`` batches are in flight, so a long iterable is not read ahead whole.
    """
    if workers < 1:
        raise ValueError(f"workers={workers}: expected at least 1")
    if workers == 1:
        yield from map(function, batches)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
        pending = []
        for batch in batches:
            pending.append(pool.submit(function, batch))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()
