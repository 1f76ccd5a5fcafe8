"""How many ticket numbers per second slakit.numbering issues: memory store, SQLite in 1 and 4 processes.

    python3 tasks.py bench numbering
    .venv/bin/python benchmarks/bench_numbering.py [--runs 5] [--dir PATH]

Each figure is the median of several runs of ``TicketNumberer.next()`` end to end (instant, zone,
store, printed number). SQLite runs use a fresh file in a temporary directory each time; "durable"
is the default ``synchronous="full"`` (every commit flushed to disk), "crash-safe" is
``synchronous="normal"``. The 4-process figures are all numbers issued divided by the wall time from
a common start (after the processes have started and opened the file) to the last one finishing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from zoneinfo import ZoneInfo

from slakit.numbering import MemorySequenceStore, SQLiteSequenceStore, Synchronous, TicketNumberer

AT = datetime(2024, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
KEY = "TS:2024-05-01"
PATTERN = "{prefix}{date:%Y%m%d}{seq:06d}"


def _rate(count: int, run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def _issue(numberer: TicketNumberer, count: int) -> None:
    for _ in range(count):
        numberer.next(at=AT)


def bench_memory(count: int) -> float:
    numberer = TicketNumberer("TS", pattern=PATTERN, store=MemorySequenceStore())
    return _rate(count, lambda: _issue(numberer, count))


def bench_parse(count: int) -> float:
    numberer = TicketNumberer("TS", pattern=PATTERN, check="mod97")
    number = numberer.next(at=AT)
    return _rate(count, lambda: [numberer.parse(number) for _ in range(count)])


def bench_sqlite_one_process(folder: str | None, count: int, synchronous: Synchronous) -> float:
    with tempfile.TemporaryDirectory(dir=folder) as work:
        store = SQLiteSequenceStore(Path(work) / "numbers.db", synchronous=synchronous)
        numberer = TicketNumberer("TS", pattern=PATTERN, store=store)
        rate = _rate(count, lambda: _issue(numberer, count))
        if store.peek(KEY) != count:
            raise SystemExit(f"expected {count} numbers, the store counted {store.peek(KEY)}")
        store.close()
    return rate


def _child(path: str, count: int, synchronous: Synchronous, start: Barrier) -> None:
    store = SQLiteSequenceStore(path, synchronous=synchronous)
    numberer = TicketNumberer("TS", pattern=PATTERN, store=store)
    start.wait()
    _issue(numberer, count)


def bench_sqlite_processes(folder: str | None, processes: int, count: int, synchronous: Synchronous) -> float:
    context = multiprocessing.get_context("spawn")  # works on every platform; start-up is not timed
    with tempfile.TemporaryDirectory(dir=folder) as work:
        path = str(Path(work) / "numbers.db")
        SQLiteSequenceStore(path).close()
        start = context.Barrier(processes + 1)
        children = [context.Process(target=_child, args=(path, count, synchronous, start)) for _ in range(processes)]
        for child in children:
            child.start()
        start.wait()
        began = time.perf_counter()
        for child in children:
            child.join()
        elapsed = time.perf_counter() - began
        issued = SQLiteSequenceStore(path).peek(KEY)
        if issued != processes * count or any(child.exitcode for child in children):
            raise SystemExit(f"expected {processes * count} numbers, the store counted {issued}")
    return issued / elapsed


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is reported")
    parser.add_argument("--dir", default=None, help="where the SQLite files go (default: the temp dir)")
    args = parser.parse_args()
    folder = args.dir
    print(
        f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}, files in {folder or tempfile.gettempdir()}, "
        f"median of {args.runs} runs"
    )
    sqlite_one, sqlite_many = bench_sqlite_one_process, bench_sqlite_processes
    rows: list[tuple[str, str, Callable[[], float]]] = [
        ("memory store, 1 process", "50,000", lambda: bench_memory(50_000)),
        ("parse, mod97 check (not issuing)", "50,000", lambda: bench_parse(50_000)),
        ("SQLite durable (full), 1 process", "3,000", lambda: sqlite_one(folder, 3_000, "full")),
        ("SQLite crash-safe (normal), 1 process", "10,000", lambda: sqlite_one(folder, 10_000, "normal")),
        ("SQLite durable (full), 4 processes", "4 x 2,000", lambda: sqlite_many(folder, 4, 2_000, "full")),
        (
            "SQLite crash-safe (normal), 4 processes",
            "4 x 5,000",
            lambda: sqlite_many(folder, 4, 5_000, "normal"),
        ),
    ]
    print(f"{'what':<42} {'numbers/run':>12} {'median/s':>10} {'min/s':>10} {'max/s':>10}")
    for label, size, measure in rows:
        figures = [measure() for _ in range(args.runs)]
        middle, low, high = statistics.median(figures), min(figures), max(figures)
        print(f"{label:<42} {size:>12} {middle:>10,.0f} {low:>10,.0f} {high:>10,.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
