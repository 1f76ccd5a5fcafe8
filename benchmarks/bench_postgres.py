"""How many numbers per second PostgresSequenceStore issues, beside a raw psycopg loop doing the same SQL.

    .venv/bin/python benchmarks/bench_postgres.py [--runs 5] [--count 2000] [--conninfo "host=... dbname=..."]

Without ``--conninfo`` it makes a throwaway cluster with this machine's ``initdb`` and ``pg_ctl`` (on
PATH or in /usr/lib/postgresql/*/bin; run as the ``postgres`` account when started as root) on a unix
socket in a temporary folder, with the server's defaults except ``fsync=off`` (``synchronous_commit``
stays on), and stops it at the end.

Two loops, each in 1 and in 4 processes counting the same key (so the 4 processes queue for its row):

- ``store``: ``PostgresSequenceStore.next(key)``: a connection from the store's pool, the locked read
  of the counter and its mark, the checks of :mod:`slakit.numbering.guards`, the write, the commit;
- ``raw``: one psycopg connection running the same two statements in a transaction (read FOR
  UPDATE, write both rows), with no checks, no pool and no error mapping: the floor for this SQL.

Each figure is the median of ``--runs`` runs of ``--count`` numbers per process; the 4-process
figures are all numbers divided by the wall time from a common start to the last one finishing.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier

import psycopg

from slakit.numbering import PostgresSequenceStore
from slakit.numbering.guards import mark_checksum

READ = (
    "WITH c AS (SELECT value FROM slakit_sequences WHERE key = %(key)s FOR UPDATE), "
    "m AS (SELECT value, checksum FROM slakit_sequence_marks WHERE key = %(key)s FOR UPDATE) "
    "SELECT 0, value, NULL::bigint FROM c UNION ALL SELECT 1, value, checksum FROM m"
)
WRITE = (
    "WITH c AS (UPDATE slakit_sequences SET value = %(value)s WHERE key = %(key)s) "
    "UPDATE slakit_sequence_marks SET value = %(value)s, checksum = %(checksum)s WHERE key = %(key)s"
)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A fresh PostgreSQL cluster on a unix socket in a temporary folder; yields its connection string."""
    found = shutil.which("initdb") or (sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [None])[-1]
    if found is None:
        raise SystemExit("initdb not found: install PostgreSQL or pass --conninfo")
    bin_dir = os.path.dirname(os.path.realpath(found))
    root = tempfile.mkdtemp(prefix="slakit-bench-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(root, "data")

    def pg(program: str, *args: str) -> None:
        command = [*prefix, os.path.join(bin_dir, program), *args]
        subprocess.run(command, cwd=root, check=True, capture_output=True, timeout=120)  # noqa: S603 - our own arguments

    options = f"-c listen_addresses='' -c unix_socket_directories={root} -c fsync=off"
    try:
        pg("initdb", "-D", data, "-U", "slakit", "-A", "trust", "-E", "UTF8", "--no-sync")
        pg("pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-o", options, "-w", "start")
        yield f"host={root} port=5432 user=slakit dbname=postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            pg("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _store_loop(conninfo: str, key: str, count: int) -> None:
    with PostgresSequenceStore(conninfo, max_size=1) as store:
        store.peek(key)  # the pool is open before the clock starts
        _START.wait()
        for _ in range(count):
            store.next(key)


def _raw_loop(conninfo: str, key: str, count: int) -> None:
    with psycopg.connect(conninfo) as connection:
        _START.wait()
        for _ in range(count):
            with connection.transaction():
                rows = connection.execute(READ, {"key": key}).fetchall()
                value = int(max(row[1] for row in rows)) + 1
                connection.execute(WRITE, {"key": key, "value": value, "checksum": mark_checksum(key, value)})


_START: Barrier


def _init(start: Barrier) -> None:
    global _START
    _START = start


LOOPS = {"store": _store_loop, "raw": _raw_loop}


def measure(conninfo: str, loop: str, processes: int, count: int, key: str) -> float:
    """Numbers per second of ``loop`` in ``processes`` processes, from a common start."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes + 1)
    with context.Pool(processes, initializer=_init, initargs=(start,)) as pool:
        results = [pool.apply_async(LOOPS[loop], (conninfo, key, count)) for _ in range(processes)]
        start.wait()
        began = time.perf_counter()
        for result in results:
            result.get(timeout=600)
        elapsed = time.perf_counter() - began
    return processes * count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--conninfo", default=None)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        conninfo = args.conninfo or stack.enter_context(throwaway_cluster())
        key = f"bench:{os.getpid()}"
        PostgresSequenceStore(conninfo).next(key)  # tables and both rows exist: every loop updates
        with psycopg.connect(conninfo) as connection:
            version = connection.execute("SHOW server_version").fetchone()
        print(
            f"PostgreSQL {version[0] if version else '?'}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores, {args.runs} runs x {args.count} numbers per process"
        )
        print(f"{'processes':>9}  {'store /s':>9}  {'raw /s':>9}  {'store/raw':>9}")
        for processes in (1, 4):
            figures: dict[str, list[float]] = {"store": [], "raw": []}
            for _ in range(args.runs):
                for loop in ("store", "raw"):  # taking turns, so both see the same machine
                    figures[loop].append(measure(conninfo, loop, processes, args.count, key))
            store, raw = (statistics.median(figures[loop]) for loop in ("store", "raw"))
            print(f"{processes:>9}  {store:>9.0f}  {raw:>9.0f}  {store / raw:>9.2f}")


if __name__ == "__main__":
    main()
