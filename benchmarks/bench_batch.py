"""Batch speed and memory: ``slakit.batch.run`` end to end on a seeded flat CSV export.

Generates a realistic flat export (Chinese categories, products and channels; P1-P3 mix; some naive
timestamps read with ``assume_tz``, reopenings, complaints, wide-impact tickets, surveys, and a few
bad rows) of N rows, then runs ``run()`` (read, evaluate with the p1-p3 preset and its escalation
rules, summarize, write the per-ticket files and the JSON report) in a fresh process per
measurement, sampling the resident memory of that process and its workers. Figures: wall time,
peak RSS (process tree) and CPU time per row (process and workers), the median of several runs, at
100k and 1M rows; the ratio of the peak RSS at 1M to that at 100k (the issue's target: at most 2);
and, as the peer in the same run, the CPU time of ``slakit.sla.evaluate`` alone on the same
tickets, so that figures from a busy machine can still be compared.

    .venv/bin/python benchmarks/bench_batch.py                  # 100k and 1M rows, jobs=2, 3 runs each
    .venv/bin/python benchmarks/bench_batch.py --rows 100000 --jobs 1 --runs 1
    .venv/bin/python benchmarks/bench_batch.py --stages --runs 5   # CPU us/row per stage, jobs=1, 20k rows
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 1, 1, tzinfo=SH)
HEADER = [
    "id", "created_at", "priority", "category", "channel", "product", "customer", "assigned_at",
    "acknowledged_at", "first_response_at", "resolved_at", "reopened_at", "complaints", "affected_customers",
    "subject", "agent", "survey_efficiency", "survey_ability", "survey_attitude",
]  # fmt: skip
CATEGORIES = [
    ("技术支持类/功能咨询", 12), ("技术支持类/操作指导", 15), ("技术支持类/软件故障排查", 22),
    ("售后服务类/硬件维修", 18), ("售后服务类/退换货", 8), ("售后服务类/安装调试", 10),
    ("投诉建议类/服务投诉", 4), ("投诉建议类/产品建议", 3), ("技术支持类", 4), ("软件故障排查", 4),
]  # fmt: skip
CHANNELS = [("400热线", 30), ("电子邮件", 15), ("在线客服", 25), ("微信公众号", 12), ("企业微信", 6),
            ("钉钉", 4), ("自助服务门户", 5), ("客户经理转介", 2), ("现场", 1)]  # fmt: skip
PRODUCTS = ["工控机 IPC-610", "数控系统 CNC-8", "PLC 控制器 S7", "变频器 VF-300", "伺服驱动 SD-20", "HMI 触摸屏 T10",
            "MES 软件 v3", "ERP 接口模块", "扫码枪 BS-2", "工业相机 GC-5"]  # fmt: skip
SUBJECTS = ["设备无法启动", "软件卡顿", "登录不了系统", "报错 E102", "如何设置参数", "申请退货", "上门安装预约",
            "服务态度差", "希望增加导出功能", "数据丢失", "屏幕白屏", "接线咨询"]  # fmt: skip
AGENTS = [f"工程师{i:02d}" for i in range(1, 41)]
CUSTOMERS = [f"客户{i:04d}有限公司" for i in range(1, 801)]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _stamp(rng: random.Random, moment: datetime) -> str:
    if rng.random() < 0.3:  # a third of the exporters write local time without an offset
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.isoformat()


def generate(path: Path, rows: int, seed: int = 2025) -> None:
    """Write a seeded flat export of ``rows`` tickets to ``path``."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=SH)
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow(HEADER)
        for i in range(rows):
            day = rng.randrange(365)
            hour = rng.choices([rng.randrange(9, 18), rng.randrange(24)], [85, 15])[0]
            created = start + timedelta(days=day, hours=hour, minutes=rng.randrange(60))
            priority = rng.choices(["P1", "P2", "P3", "P9"], [10, 30, 60, 0.05])[0]
            row: dict[str, object] = {
                "id": f"TS{created:%Y%m%d}{i:07d}",
                "created_at": _stamp(rng, created),
                "priority": priority,
                "category": _pick(rng, CATEGORIES),
                "channel": _pick(rng, CHANNELS),
                "product": rng.choice(PRODUCTS),
                "customer": rng.choice(CUSTOMERS),
                "subject": rng.choice(SUBJECTS),
                "agent": rng.choice(AGENTS),
                "complaints": rng.choices([0, 1, 2, 3], [93, 5, 1.5, 0.5])[0],
                "affected_customers": rng.choices([1, 3, 15], [97, 2, 1])[0],
            }
            if rng.random() < 0.95:
                assigned = created + timedelta(minutes=rng.randrange(2, 90))
                row["assigned_at"] = _stamp(rng, assigned)
                if rng.random() < 0.92:
                    row["acknowledged_at"] = _stamp(rng, assigned + timedelta(minutes=rng.randrange(1, 120)))
            if rng.random() < 0.95:
                first = created + timedelta(minutes=rng.randrange(5, 600))
                row["first_response_at"] = _stamp(rng, first)
            if rng.random() < 0.88:
                resolved = created + timedelta(minutes=int(rng.expovariate(1 / 2400)) + 30)
                if resolved < AS_OF:
                    row["resolved_at"] = _stamp(rng, resolved)
                    if rng.random() < 0.05:
                        back = created + (resolved - created) * rng.random()
                        row["reopened_at"] = _stamp(rng, back if rng.random() < 0.7 else resolved + timedelta(hours=5))
                    if rng.random() < 0.4:
                        scores = [rng.choices([1, 2, 3, 4, 5], [3, 4, 10, 33, 50])[0] for _ in range(3)]
                        if rng.random() < 0.002:
                            scores[0] = 7  # off the scale: rejected
                        row["survey_efficiency"], row["survey_ability"], row["survey_attitude"] = scores
            if rng.random() < 0.0005:
                row["created_at"] = "yesterday"  # unparseable: rejected
            out.writerow([row.get(name, "") for name in HEADER])


def child(path: str, jobs: int, out_dir: str) -> None:
    """Run the batch once in this process and print its figures (wall and CPU time, rows) as JSON."""
    from slakit import presets
    from slakit.batch import run

    policy = presets.load("p1-p3")
    began, cpu = time.perf_counter(), _cpu()
    outcome = run(path, policy, as_of=AS_OF, out_dir=out_dir, formats=("json",), jobs=jobs, assume_tz="Asia/Shanghai")
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "cpu": _cpu() - cpu, "rows": outcome.rows, "rejected": outcome.rejected}))


def _cpu() -> float:
    """CPU seconds of this process and its (finished) children."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reference(path: str, rows: int = 20_000) -> float:
    """The peer in the same run: CPU microseconds per ticket of ``slakit.sla.evaluate`` alone on the same rows."""
    from itertools import islice

    from slakit import presets
    from slakit.batch import InputTicket, read
    from slakit.sla import evaluate

    policy = presets.load("p1-p3")
    tickets = [t for t in islice(read(path, assume_tz="Asia/Shanghai"), rows) if isinstance(t, InputTicket)]
    tickets = [t for t in tickets if t.priority in policy.sla.priorities]
    evaluate(tickets[0], policy, as_of=AS_OF)
    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        for ticket in tickets:
            evaluate(ticket, policy, as_of=AS_OF)
        best = min(best, (time.process_time() - began) / len(tickets) * 1e6)
    return best


def stages(path: str, rows: int = 20_000, runs: int = 5) -> dict[str, float]:
    """CPU microseconds per row of each stage of a chunk's work (as ``run`` does it with ``jobs=1``), medians.

    Stages: reading (bytes to tickets), evaluation (SLA, escalations, survey), facts, summary
    (accumulator updates) and output (results.csv, results.jsonl, rejected and breach rows, encoded).
    """
    from itertools import islice

    from slakit import presets
    from slakit.batch.evaluation import Evaluator
    from slakit.batch.facts import Context
    from slakit.batch.output import TicketWriter
    from slakit.batch.reading import open_source

    policy = presets.load("p1-p3")
    source = open_source(path, assume_tz="Asia/Shanghai")
    payloads = list(islice(source.chunks(2000), max(1, rows // 2000)))
    source.close()
    assert source.layout is not None  # noqa: S101 -- a CSV
    evaluator = Evaluator(policy, AS_OF)
    context = Context.of(evaluator.policy_for(source.layout.measured))
    writer = TicketWriter(context.metrics)
    steps = _STAGES
    samples: dict[str, list[float]] = {name: [] for name, _ in steps}
    count = 0
    for _ in range(runs):
        values: Any = (payloads, source)
        for name, step in steps:
            began = time.process_time()
            values = step(values, evaluator, context, writer)
            samples[name].append(time.process_time() - began)
        count = values
    return {name: statistics.median(values) / count * 1e6 for name, values in samples.items()}


def _reading(values: Any, *_: Any) -> Any:
    from slakit.batch.reading import parse_chunk

    payloads, source = values
    return [
        item
        for first, payload in payloads
        for item in parse_chunk("csv", payload, first, source.layout, ",", source.encoding)
    ]


def _evaluation(items: Any, evaluator: Any, *_: Any) -> Any:
    return [evaluator.evaluate_with_timeline(item, n) for n, item in enumerate(items, 1)]


def _facts(evaluated: Any, _: Any, context: Any, __: Any) -> Any:
    from slakit.batch.facts import TicketFacts

    results = [result for result, _ in evaluated]
    facts = [TicketFacts.from_result(r, context, line) if r.rejection is None else None for r, line in evaluated]
    return results, facts


def _summary(values: Any, _: Any, context: Any, __: Any) -> Any:
    from slakit.batch.accumulator import Accumulator

    results, facts = values
    summary = Accumulator(("month",), as_of=AS_OF)
    summary.context = context
    for result, fact in zip(results, facts, strict=True):
        if fact is None:
            summary.add_rejected(result.rejection)
        else:
            summary.add_facts(fact)
    return values


def _output(values: Any, _: Any, __: Any, writer: Any) -> int:
    from slakit.batch import csv_safe

    results, facts = values
    out: list[str] = []
    rejected, breaches, lines = io.StringIO(), io.StringIO(), []
    rejected_rows, breach_rows = csv_safe.writer(rejected), csv.writer(breaches)
    for result, fact in zip(results, facts, strict=True):
        if fact is None:
            rejected_rows.writerow(writer.rejected_row(result.rejection))
            continue
        out.append(writer.csv_line(fact))
        lines.append(writer.json_line(fact))
        if fact.breaches:
            breach_rows.writerows(writer.breach_rows(fact, safe=True))
    for text in ("".join(out), "".join(lines), rejected.getvalue(), breaches.getvalue()):
        text.encode()
    return len(results)


_STAGES = (("reading", _reading), ("evaluation", _evaluation), ("facts", _facts), ("summary", _summary),
           ("output", _output))  # fmt: skip


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss
        for sub in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # a worker may just have exited
                total += sub.memory_info().rss
        return total
    except psutil.Error:
        return 0


def measure(path: Path, jobs: int) -> tuple[float, int, dict[str, object]]:
    """Wall time of run() and the peak RSS of its process tree, in a fresh process."""
    with tempfile.TemporaryDirectory() as out_dir:
        process = subprocess.Popen(  # noqa: S603 -- our own script
            [sys.executable, __file__, "--child", str(path), "--jobs", str(jobs), "--out", out_dir],
            stdout=subprocess.PIPE,
            text=True,
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)
        output = process.stdout.read() if process.stdout else ""
        if process.returncode:
            raise SystemExit(f"the child run failed ({process.returncode})")
    figures = json.loads(output.strip().splitlines()[-1])
    return float(figures["seconds"]), peak, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="rows per export (repeatable); default 100k and 1M")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="CPU us/row per stage (jobs=1, 20k rows) and stop")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "slakit-bench-batch"))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.jobs, args.out)
        return
    sizes = args.rows or [100_000, 1_000_000]
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    if args.stages:
        path = data / "export-20000.csv"
        if not path.exists():
            generate(path, 20_000)
        figures = stages(str(path), runs=args.runs)
        print(f"CPU us/row by stage (jobs=1, 20k rows, median of {args.runs}): "
              + ", ".join(f"{name} {value:.1f}" for name, value in figures.items())
              + f"; total {sum(figures.values()):.1f}")  # fmt: skip
        return
    print(f"batch benchmark: run() on a flat CSV, p1-p3 preset with escalation rules, jobs={args.jobs}, "
          f"{args.runs} runs each (median)")  # fmt: skip
    peaks: dict[int, float] = {}
    for rows in sizes:
        path = data / f"export-{rows}.csv"
        if not path.exists():
            began = time.perf_counter()
            generate(path, rows)
            print(f"  generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - began:.0f} s")
        times, rss, cpus, cores = [], [], [], []
        for _ in range(args.runs):
            seconds, peak, figures = measure(path, args.jobs)
            times.append(seconds)
            rss.append(peak)
            cpus.append(float(figures["cpu"]) / rows * 1e6)  # type: ignore[arg-type]
            cores.append(float(figures["cpu"]) / float(figures["seconds"]))  # type: ignore[arg-type]
        peer = reference(str(path))
        peaks[rows] = statistics.median(rss)
        mib = [value / 2**20 for value in rss]
        print(
            f"{rows:>9,} rows: {statistics.median(times):6.1f} s "
            f"({rows / statistics.median(times):,.0f} rows/s; min {min(times):.1f}, max {max(times):.1f}), "
            f"peak RSS {statistics.median(mib):,.0f} MiB (min {min(mib):,.0f}, max {max(mib):,.0f}); "
            f"CPU {statistics.median(cpus):.0f} us/row = {statistics.median(cpus) / peer:.1f}x "
            f"sla.evaluate alone ({peer:.0f} us/ticket in the same run); "
            f"CPU/wall {statistics.median(cores):.2f} cores (a shared VM gives less than {args.jobs} when busy)"
        )
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        print(f"peak RSS {large:,} rows / {small:,} rows: {peaks[large] / peaks[small]:.2f}x (target: at most 2x)")


if __name__ == "__main__":
    main()
