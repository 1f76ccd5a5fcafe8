"""How many ticket numbers per second slakit.numbering issues: memory store, SQLite in 1 and 4 processes.

    python3 tasks.py bench numbering
    .venv/bin/python benchmarks/bench_numbering.py [--runs 5] [--dir PATH]
    .venv/bin/python benchmarks/bench_numbering.py --against 840ddc7 [--runs 7]

Each figure is the median of several runs of ``TicketNumberer.next()`` end to end (instant, zone,
store, printed number). SQLite runs use a fresh file in a temporary directory each time; "durable"
is the default ``synchronous="full"`` (every commit flushed to disk), "crash-safe" is
``synchronous="normal"``. The 4-process figures are all numbers issued divided by the wall time from
a common start (after the processes have started and opened the file) to the last one finishing.

``--against REV`` measures this checkout against another revision in the same run: the other
revision's ``src`` is exported with ``git archive`` into a temporary folder, and each figure is
measured in fresh processes taking turns (A B A B ...), so that both see the same machine. It prints
each side's median and the median of the paired ratios (this checkout / the other).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sqlite3
import statistics
import subprocess
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


def _rows(folder: str | None) -> list[tuple[str, str, Callable[[], float]]]:
    sqlite_one, sqlite_many = bench_sqlite_one_process, bench_sqlite_processes
    return [
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


def _measure_in_child(src: Path, row: int, folder: str | None) -> float:
    command = [sys.executable, __file__, "--row", str(row), *(["--dir", folder] if folder else [])]
    environment = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)  # noqa: S603 -- ours
    return float(done.stdout.strip())


def compare(against: str, runs: int, folder: str | None) -> int:
    """Print this checkout's and revision ``against``'s figures, measured taking turns."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as other:
        git, tar = ["git", "-C", str(root)], ["tar", "-x", "-C", other]
        archive = subprocess.run([*git, "archive", against, "src"], capture_output=True, check=True).stdout  # noqa: S603
        subprocess.run(tar, input=archive, check=True)  # noqa: S603 -- unpacks our own archive
        print(f"this checkout against {against}, median of {runs} runs taking turns")
        print(f"{'what':<42} {'this /s':>10} {'other /s':>10} {'ratio':>7}")
        for row, (label, _, _) in enumerate(_rows(folder)):
            pairs = [
                (_measure_in_child(root / "src", row, folder), _measure_in_child(Path(other) / "src", row, folder))
                for _ in range(runs)
            ]
            this, that = (statistics.median(side) for side in zip(*pairs, strict=True))
            ratio = statistics.median(a / b for a, b in pairs)
            print(f"{label:<42} {this:>10,.0f} {that:>10,.0f} {ratio:>7.2f}", flush=True)
    return 0


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is reported")
    parser.add_argument("--dir", default=None, help="where the SQLite files go (default: the temp dir)")
    parser.add_argument("--against", metavar="REV", help="compare with this git revision, taking turns")
    parser.add_argument("--row", type=int, help=argparse.SUPPRESS)  # one figure, printed alone (for --against)
    args = parser.parse_args()
    folder = args.dir
    if args.row is not None:
        print(_rows(folder)[args.row][2]())
        return 0
    if args.against:
        return compare(args.against, args.runs, folder)
    print(
        f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}, files in {folder or tempfile.gettempdir()}, "
        f"median of {args.runs} runs"
    )
    print(f"{'what':<42} {'numbers/run':>12} {'median/s':>10} {'min/s':>10} {'max/s':>10}")
    for label, size, measure in _rows(folder):
        figures = [measure() for _ in range(args.runs)]
        middle, low, high = statistics.median(figures), min(figures), max(figures)
        print(f"{label:<42} {size:>12} {middle:>10,.0f} {low:>10,.0f} {high:>10,.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
