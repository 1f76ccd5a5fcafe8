#!/usr/bin/env python3
"""The columnar batch engine against the row engine: a demo-shaped flat export end to end (docs/performance.md).

    python3 benchmarks/bench_columnar.py                 # 1,000,000 rows: both engines, stages, peak memory
    python3 benchmarks/bench_columnar.py --rows 100000 --runs 3 --rss 1000000,10000000

The export is the demo's (``slakit demo``): 100,000 generated tickets repeated with distinct ids up to
``--rows``. The policy is the p1-p3 preset, escalation rules and all (what ``slakit demo`` uses). Each run is a
fresh process (``slakit.batch.run`` with the default outputs) so that its wall time and peak RSS are its own;
the figure is the median of ``--runs``, with one job and with ``--jobs`` (default 2: this machine's cores). The
stage breakdown (read, evaluate, summarise, format, write) comes from one more columnar run in this process,
beside pyarrow's own read of the export and write of results.csv's text.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2025-10-31T23:59:59+08:00"
BASE_ROWS = 100_000

_CHILD = r"""
import json, resource, sys, time
from datetime import datetime
from slakit.batch import run
source, policy, out, engine, jobs = sys.argv[1:6]
began = time.perf_counter()
outcome = run(source, policy, as_of=datetime.fromisoformat(sys.argv[6]), out_dir=out, engine=engine, jobs=int(jobs))
wall = time.perf_counter() - began
usage = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
# this process's own peak (VmHWM: ru_maxrss would carry the benchmark's own peak over the fork), its workers'
own = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"wall": wall, "rss_mb": max(own, children.ru_maxrss) / 1024,
                  "cpu": usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime,
                  "engines": dict(outcome.engines), "rows": outcome.rows}))
"""


def make_export(folder: Path, rows: int) -> Path:
    """A demo-shaped flat export of ``rows`` rows: the demo's tickets, repeated with distinct ids."""
    from slakit.demo.export import write_export

    base = write_export(folder / "base", min(rows, BASE_ROWS), seed=20251031, as_of=datetime.fromisoformat(AS_OF))
    lines = base.csv.read_bytes().split(b"\r\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    path = folder / f"export-{rows}.csv"
    with path.open("wb") as out:
        out.write(header + b"\r\n")
        written, copy = 0, 0
        while written < rows:
            for line in body:
                if written >= rows:
                    break
                if copy:
                    cell, rest = line.split(b",", 1)
                    line = cell + b"-" + str(copy).encode() + b"," + rest
                out.write(line + b"\r\n")
                written += 1
            copy += 1
    return path


def make_policy(folder: Path) -> Path:
    import yaml

    from slakit import presets

    config = yaml.safe_load((Path(presets.__file__).parent / "p1-p3.yaml").read_text(encoding="utf-8"))
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def one_run(source: Path, policy: Path, out: Path, engine: str, jobs: int = 1) -> dict[str, object]:
    command = [sys.executable, "-c", _CHILD, str(source), str(policy), str(out), engine, str(jobs), AS_OF]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 -- this interpreter, our own script
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def stages(source: Path, policy: Path, out: Path) -> dict[str, float]:
    """Seconds per stage of one columnar run in this process (wrapped functions, inclusive of what they call)."""
    from slakit.batch import appending, columnar, run

    spent = dict.fromkeys(("read", "evaluate", "summarise", "format", "write", "row engine"), 0.0)

    def timed(owner: object, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - began

        setattr(owner, name, wrapper)

    timed(columnar.Plan, "read", "read")
    timed(columnar._Chunk, "times", "read")
    timed(columnar._Chunk, "col", "read")
    timed(columnar._Block, "evaluate", "evaluate")
    timed(columnar._Block, "_count", "summarise")
    timed(columnar._Block, "texts", "format")
    timed(appending.Appender, "append", "write")
    timed(appending.Appender, "finish", "write")
    began = time.perf_counter()
    outcome = run(source, policy, as_of=datetime.fromisoformat(AS_OF), out_dir=out, engine="columnar")
    spent["total"] = time.perf_counter() - began
    spent["format"] -= spent["summarise"]  # texts() counts the summary too
    spent["rows by the row engine"] = outcome.engines.get("rows", 0)
    return spent


def arrow_alone(source: Path, out: Path) -> dict[str, float]:
    """pyarrow reading the export (every column as text) and writing results.csv's text back as a CSV."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    began = time.perf_counter()
    header = source.open(encoding="utf-8-sig").readline().strip().split(",")
    table = pacsv.read_csv(
        source, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()))
    )
    read = time.perf_counter() - began
    results = pacsv.read_csv(out / "results.csv")
    began = time.perf_counter()
    pacsv.write_csv(results, out / "arrow-results.csv")
    write = time.perf_counter() - began
    return {"arrow read of the export": read, "arrow write of results.csv": write, "rows": table.num_rows}


def _median_runs(source: Path, policy: Path, out: Path, runs: int, jobs: int) -> tuple[float, dict[str, object]]:
    """The median wall time of ``runs`` columnar runs with ``jobs`` jobs, and the first run's figures (the first
    run's files are kept, to compare; the others are removed, so that the disk and its cache do not fill up)."""
    found = []
    for i in range(runs):
        found.append(one_run(source, policy, out / f"c{jobs}-{i}", "columnar", jobs))
        if i:
            shutil.rmtree(out / f"c{jobs}-{i}")
    walls = [float(r["wall"]) for r in found]  # type: ignore[arg-type]
    median = statistics.median(walls)
    print(f"columnar, jobs {jobs}: median {median:.2f} s wall of {runs} ({', '.join(f'{w:.2f}' for w in walls)}), "
          f"cpu {found[0]['cpu']:.1f} s, peak RSS {found[0]['rss_mb']:.0f} MB, "
          f"engines {found[0]['engines']}")  # fmt: skip
    return median, found[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="columnar runs (median); the row engine runs once")
    parser.add_argument("--jobs", type=int, default=2, help="jobs of the second set of runs (and the row engine's)")
    parser.add_argument("--rss", default="1000000,10000000", help="row counts to measure columnar peak RSS at")
    parser.add_argument("--no-rows-engine", action="store_true", help="skip the row engine (it takes minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        policy = make_policy(folder)
        source = make_export(folder, args.rows)
        print(f"export: {args.rows:,} rows, {source.stat().st_size / 1e6:.0f} MB; policy p1-p3 (escalation rules too)")
        _median_runs(source, policy, folder, args.runs, 1)
        median, _ = _median_runs(source, policy, folder, args.runs, args.jobs)
        if not args.no_rows_engine:
            rows = one_run(source, policy, folder / "r", "rows", args.jobs)
            print(f"rows, jobs {args.jobs}: {rows['wall']:.2f} s wall, cpu {rows['cpu']:.1f} s, "
                  f"peak RSS {rows['rss_mb']:.0f} MB; columnar is {float(rows['wall']) / median:.1f}x faster")  # type: ignore[arg-type]  # fmt: skip
            same = all(
                (folder / "r" / name).read_bytes() == (folder / f"c{args.jobs}-0" / name).read_bytes()
                for name in ("results.csv", "results.jsonl", "breaches.csv", "summary.json", "report.html")
            )
            print(f"files identical across engines: {same}")
        spent = stages(source, policy, folder / "s")
        print("stages (one columnar run in this process): " + ", ".join(f"{k} {v:.2f}" for k, v in spent.items()))
        alone = arrow_alone(source, folder / "s")
        print("pyarrow alone: " + ", ".join(f"{k} {v:.2f}" for k, v in alone.items()))
        for done in ("c1-0", f"c{args.jobs}-0", "r", "s"):  # room on the disk for the largest export's files
            shutil.rmtree(folder / done, ignore_errors=True)
        for count in (int(n) for n in args.rss.split(",") if n):
            big = source if count == args.rows else make_export(folder, count)
            for jobs in (1, args.jobs):
                figures = one_run(big, policy, folder / f"rss{count}-{jobs}", "columnar", jobs)
                print(f"peak RSS at {count:,} rows, jobs {jobs}: {figures['rss_mb']:.0f} MB "
                      f"({figures['wall']:.1f} s wall)")  # fmt: skip
                shutil.rmtree(folder / f"rss{count}-{jobs}")
            if big != source:
                big.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
