#!/usr/bin/env python3
"""The same demo-shaped rows as a CSV file, a Parquet file, an Arrow table and a pandas DataFrame, on both engines.

    python3 benchmarks/bench_tables.py                   # 100,000 rows, each input on each engine
    python3 benchmarks/bench_tables.py --rows 1000000 --runs 3 --forms csv,parquet

The export is bench_columnar.py's (the demo's tickets repeated with distinct ids); the Parquet file is the same
rows with typed columns (aware timestamps, whole numbers), which the Arrow table and the DataFrame are read from
before the clock starts. The policy is the p1-p3 preset without its escalation rules. Each run is a fresh
process (``slakit.batch.run`` with the default outputs): its wall time, CPU, peak RSS and the rows each engine
took; the figure is the median of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_columnar import AS_OF, ROOT, make_export, make_policy

_CHILD = r"""
import json, resource, sys, time
from datetime import datetime
from slakit.batch import run
form, path, policy, out, engine = sys.argv[1:6]
if form in ("arrow", "pandas"):
    import pyarrow.parquet as pq
    source = pq.read_table(path)
    if form == "pandas":
        source = source.to_pandas()
else:
    source = path
began = time.perf_counter()
outcome = run(source, policy, as_of=datetime.fromisoformat(sys.argv[6]), out_dir=out, engine=engine)
wall = time.perf_counter() - began
usage = resource.getrusage(resource.RUSAGE_SELF)
# this process's own peak (VmHWM: ru_maxrss would carry the benchmark's own peak over the fork)
own = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"wall": wall, "rss_mb": own / 1024, "cpu": usage.ru_utime + usage.ru_stime,
                  "engines": dict(outcome.engines)}))
"""


def make_parquet(csv_path: Path) -> Path:
    """The export as Parquet with typed columns: aware timestamps where every cell of a column reads as one."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from pyarrow import csv as pacsv

    from slakit.batch.columnar_cells import TIMES

    table = pacsv.read_csv(
        csv_path,
        convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=False, auto_dict_encode=False),
    )
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if name in TIMES and pa.types.is_string(column.type):
            nulls = pc.equal(column, "")
            try:
                parsed = pc.strptime(pc.if_else(nulls, None, column), "%Y-%m-%dT%H:%M:%S%z", "us")
                column = parsed.cast(pa.timestamp("us", "Asia/Shanghai"))
            except pa.ArrowInvalid:
                pass  # a column with a cell of another shape stays text
        columns.append(column)
    path = csv_path.with_suffix(".parquet")
    pq.write_table(pa.table(columns, names=table.column_names), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--forms", default="csv,parquet,arrow,pandas")
    parser.add_argument("--engines", default="rows,auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        csv_path = make_export(folder, args.rows)
        parquet = make_parquet(csv_path)
        policy = make_policy(folder)
        for form in args.forms.split(","):
            for engine in args.engines.split(","):
                found = []
                for run in range(args.runs):
                    out = folder / f"out-{form}-{engine}-{run}"
                    source = csv_path if form == "csv" else parquet
                    done = subprocess.run(  # noqa: S603 -- this interpreter on our own script
                        [sys.executable, "-c", _CHILD, form, str(source), str(policy), str(out), engine, AS_OF],
                        capture_output=True,
                        text=True,
                        check=True,
                        env={"PYTHONPATH": str(ROOT / "src")},
                    )
                    found.append(json.loads(done.stdout.strip().splitlines()[-1]))
                wall = statistics.median(f["wall"] for f in found)
                cpu = statistics.median(f["cpu"] for f in found)
                rss = max(f["rss_mb"] for f in found)
                print(
                    f"{form:8} {engine:5} {args.rows:>10,} rows  wall {wall:7.2f} s  cpu {cpu:7.2f} s  "
                    f"peak {rss:7.0f} MB  {found[-1]['engines']}"
                )


if __name__ == "__main__":
    main()
