"""The ordered map over worker processes: results in order, a dead worker noticed at once, workers stopped."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from slakit.batch import parallel
from slakit.errors import WorkerLostError


def _square(item: int) -> int:
    return item * item + parallel.state()


def _die_at_seven(item: int) -> int:
    if item == 7:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    time.sleep(0.01)
    return item


def test_results_come_back_in_input_order() -> None:
    assert list(parallel.ordered_map(_square, range(20), jobs=2, initial=1)) == [n * n + 1 for n in range(20)]
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_fails_the_map_at_once_naming_what_was_in_flight() -> None:
    began = time.monotonic()
    with pytest.raises(WorkerLostError, match="a worker process ended abruptly") as caught:
        list(parallel.ordered_map(_die_at_seven, range(100), jobs=2, initial=None, describe=lambda n: f"item {n}"))
    assert time.monotonic() - began < 10
    assert "item 7" in str(caught.value)
    # the other worker is stopped too (the pool ends it as it breaks: allow a loaded machine a moment to reap it)
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


def test_closing_the_map_early_stops_the_workers() -> None:
    results = parallel.ordered_map(_square, range(1000), jobs=2, initial=0)
    assert next(results) == 0
    results.close()
    assert multiprocessing.active_children() == []
