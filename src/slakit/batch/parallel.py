"""An ordered, bounded map over worker processes, for batches that do not fit one core.

Workers are forked where the platform allows it (they inherit the policy and its warmed calendar
tables instead of unpickling them) and spawned elsewhere. At most ``ahead`` chunks are in flight,
so a long input is never read ahead into memory (``Pool.imap`` would read all of it); results
come back in input order. Worker state is set once per process by :func:`install` and read with
:func:`state`.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

__all__ = ["install", "numbered_chunks", "ordered_map", "state"]

T = TypeVar("T")
R = TypeVar("R")

_STATE: dict[str, Any] = {}


def install(value: Any) -> None:
    """Make ``value`` this process's worker state (the pool's initializer).

    Everything the worker inherited (modules, the policy, its calendar tables) is moved out of the
    cyclic garbage collector's way: it lives as long as the worker, and scanning it again and again
    would cost time and copy the parent's memory pages.
    """
    gc.freeze()
    _STATE["value"] = value


def state() -> Any:
    """The worker state set by :func:`install`."""
    return _STATE["value"]


def numbered_chunks(items: Iterable[T], size: int) -> Iterator[tuple[int, list[T]]]:
    """``(position of the first item, items)`` of ``size`` items at a time; positions count from 1."""
    iterator = iter(items)
    first = 1
    while chunk := list(islice(iterator, size)):
        yield first, chunk
        first += len(chunk)


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def ordered_map(
    function: Callable[[T], R], items: Iterable[T], *, jobs: int, initial: Any, ahead: int | None = None
) -> Generator[R, None, None]:
    """``map(function, items)`` over ``jobs`` processes, each with :func:`state` = ``initial``, in input order.

    Closing the iterator early stops the workers.
    """
    limit = ahead if ahead is not None else 2 * jobs
    with _context().Pool(jobs, initializer=install, initargs=(initial,)) as pool:
        pending: deque[AsyncResult[R]] = deque()
        for item in items:
            pending.append(pool.apply_async(function, (item,)))
            if len(pending) >= limit:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
