"""An ordered, bounded map over worker processes, for batches that do not fit one core.

Workers are forked where the platform allows it (they inherit the policy and its warmed calendar
tables instead of unpickling them) and spawned elsewhere. At most ``ahead`` chunks are in flight,
so a long input is never read ahead into memory; results come back in input order. Worker state is
set once per process by :func:`install` and read with :func:`state`.

A worker that dies (killed, or by the out-of-memory killer) is noticed at once: the pool
(``concurrent.futures.ProcessPoolExecutor``) breaks, and :func:`ordered_map` raises
:class:`~slakit.errors.WorkerLostError` naming the items that were in flight, instead of waiting
for a result that will never come. Workers leave Ctrl-C to the parent, which stops them, and end
themselves when the parent is gone.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, TypeVar

from slakit.errors import WorkerLostError

__all__ = ["Turns", "install", "numbered_chunks", "ordered_map", "state"]

T = TypeVar("T")
R = TypeVar("R")

_STATE: dict[str, Any] = {}
_PARENT_CHECK = 1.0  # seconds between a worker's looks at whether its parent is still there


def install(value: Any, parent: int | None = None) -> None:
    """Make ``value`` this process's worker state (the pool's initializer).

    Everything the worker inherited (modules, the policy, its calendar tables) is moved out of the
    cyclic garbage collector's way: it lives as long as the worker, and scanning it again and again
    would cost time and copy the parent's memory pages. Ctrl-C is left to the parent (which stops
    the workers); with ``parent``, the worker ends itself once that process is gone.
    """
    gc.freeze()
    _STATE["value"] = value
    with contextlib.suppress(ValueError):  # not the main thread: nothing to change
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not what the parent made of it: stopping ends a worker
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True, name="slakit-parent-watch").start()


def _end_with(parent: int) -> None:
    """End this worker when ``parent`` has gone (killed, say): an orphan would wait for work forever."""
    while True:
        time.sleep(_PARENT_CHECK)
        if os.getppid() != parent:
            os._exit(1)


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


class Turns:
    """Worker processes acting one at a time in the order of their items: item ``k`` acts once item ``k - 1``
    has (made in the parent and handed to the workers with their state, :func:`install`). After an item that
    failed, the later items skip their action: the run is being abandoned.

    A worker that dies in its turn never passes it on; the pool then ends the other workers
    (``ProcessPoolExecutor`` does on a lost worker, :func:`ordered_map` on any error), so none waits for ever.
    """

    def __init__(self) -> None:
        context = _context()
        self._condition = context.Condition()
        self._next = context.RawValue("q", 0)
        self._failed = context.RawValue("b", 0)

    def take(self, index: int, action: Callable[[], None] | None) -> None:
        """Wait for item ``index``'s turn, do ``action`` (None: the item failed), and pass the turn on."""
        with self._condition:
            self._condition.wait_for(lambda: self._next.value == index)
            try:
                if action is None:
                    self._failed.value = 1
                elif not self._failed.value:
                    action()
            except BaseException:
                self._failed.value = 1
                raise
            finally:
                self._next.value = index + 1
                self._condition.notify_all()


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def ordered_map(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    jobs: int,
    initial: Any,
    ahead: int | None = None,
    describe: Callable[[T], str] | None = None,
) -> Generator[R, None, None]:
    """``map(function, items)`` over ``jobs`` processes, each with :func:`state` = ``initial``, in input order.

    Closing the iterator early (or an exception, or Ctrl-C, in the caller) stops the workers. When a worker
    dies, :class:`~slakit.errors.WorkerLostError` names the items in flight, each by ``describe``.
    """
    limit = ahead if ahead is not None else 2 * jobs
    executor = ProcessPoolExecutor(jobs, mp_context=_context(), initializer=install, initargs=(initial, os.getpid()))
    pending: deque[tuple[Future[R], T]] = deque()
    try:
        for item in items:
            try:
                future = executor.submit(function, item)
            except BrokenProcessPool:  # a worker died since the last result: name what was in flight
                raise _lost([*(describe(item) if describe else "an item" for _, item in pending)]) from None
            pending.append((future, item))
            if len(pending) >= limit:
                yield _next(pending, describe)
        while pending:
            yield _next(pending, describe)
    except BaseException:
        _stop(executor)
        raise
    executor.shutdown(wait=True)


def _next(pending: deque[tuple[Future[R], T]], describe: Callable[[T], str] | None) -> R:
    """The first pending result; a :class:`~slakit.errors.WorkerLostError` when a worker died."""
    future, _ = pending[0]
    try:
        result = future.result()
    except BrokenProcessPool:
        raise _lost([describe(item) if describe else "an item" for _, item in pending]) from None
    pending.popleft()
    return result


def _lost(named: list[str]) -> WorkerLostError:
    return WorkerLostError(
        "a worker process ended abruptly (killed, perhaps by the out-of-memory killer) while these were being "
        f"evaluated: {', '.join(named) or 'nothing'}; the run is abandoned (fewer --jobs, or more memory, may help)"
    )


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop the workers now: running items are abandoned, not waited for."""
    processes = list((getattr(executor, "_processes", None) or {}).values())  # no public way to end them
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    # the pool's own thread reaps the ended workers too: wait for it, so none is left half-accounted for
    executor.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)
            if process.is_alive():  # SIGTERM not heeded in time (a handler it inherited, a blocked call)
                process.kill()
                process.join()
