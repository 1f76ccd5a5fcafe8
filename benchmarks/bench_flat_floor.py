"""A yardstick for the batch: the least work a flat row needs in Python, next to what ``run`` spends.

The "floor" reads the same chunks of bench_batch.py's export and does, per row, only the
unavoidable part of the batch's work: split the CSV record, parse its six timestamps, look up
three SLA clocks on the p1-p3 calendar (elapsed time and deadline), the preset's time-free
escalation triggers, and write a results.csv row and a results.jsonl line with ISO instants. It
validates nothing, keeps no summary, writes fewer columns and is **not** slakit's semantics (no
reopenings, resolves stopping clocks, at-risk, next changes, surveys, rejections); it only
measures how far below the real pipeline pure-Python per-row code could go. The peer in the same run
is ``slakit.batch.pipeline``'s per-chunk work on the same chunks (read, evaluate, facts, summary,
output), so the ratio holds on a busy machine.

    .venv/bin/python benchmarks/bench_flat_floor.py [--runs 5]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
from bench_batch import generate  # the same seeded export as the batch benchmark

SH = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 1, 1, tzinfo=SH)
HOUR = 3_600_000_000
TARGETS = {"P1": (2 * HOUR, HOUR, 24 * HOUR), "P2": (4 * HOUR, HOUR, 48 * HOUR), "P3": (8 * HOUR, HOUR, 72 * HOUR)}
METRICS = ("response", "acknowledge", "resolution")
_quote = json.encoder.encode_basestring


def _us(cell: str) -> int | None:
    if not cell:
        return None
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SH)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us // 1_000_000, SH).isoformat()


def _text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def floor(chunk: str, calendar: Any, as_of: int) -> tuple[bytes, bytes]:
    """The floor's work on one chunk of CSV text: results.csv and results.jsonl bytes."""
    out = io.StringIO()
    rows = csv.writer(out)
    lines = []
    for row in csv.reader(io.StringIO(chunk)):
        created, priority = _us(row[1]), row[2]
        if created is None or priority not in TARGETS:
            continue
        assigned, acknowledged, response, resolved = _us(row[7]), _us(row[8]), _us(row[9]), _us(row[10])
        complaints = int(row[12]) if row[12].isdigit() else 0
        affected = int(row[13]) if row[13].isdigit() else 1
        ruler = calendar.ruler()
        respond, acknowledge, resolve = TARGETS[priority]
        cells = []
        clocks = ((created, response, respond), (assigned, acknowledged, acknowledge), (created, resolved, resolve))
        for start, stop, within in clocks:
            if start is None:
                cells.append(("pending", None, None, 0.0, within / HOUR))
                continue
            horizon = stop if stop is not None else as_of
            elapsed = ruler.elapsed(start, horizon)
            deadline = ruler.add(start, within)
            state = "breached" if deadline < horizon else ("met" if stop is not None else "running")
            completed = _iso(stop) if stop is not None else None
            hours = (round(elapsed / HOUR, 2), round((within - elapsed) / HOUR, 2))
            cells.append((state, _iso(deadline), completed, *hours))
        fired = []
        if cells[0][0] == "breached":
            at = ruler.add(created, respond)
            fired.append(("response-overdue", at, ruler.add(at, 2 * HOUR)))
        if complaints >= 2:
            fired.append(("second-complaint", created, ruler.add(created, 2 * HOUR)))
        if affected >= 10:
            fired.append(("wide-impact", created, ruler.add(created, 2 * HOUR)))
        texts = [(rule, _iso(at), _iso(by)) for rule, at, by in fired]
        created_text = _iso(created)
        resolved_text = _iso(resolved) if resolved is not None else None
        business = ruler.elapsed(created, resolved) if resolved is not None else None
        cells_flat = [value for cell in cells for value in cell]
        rows.writerow([*row[:7], row[15], created_text, resolved_text, business, complaints, *cells_flat])
        sla = ",".join(
            f'"{metric}":{{"state":"{state}","deadline":{_text(deadline)},"completed_at":{_text(done)},'
            f'"elapsed_hours":{elapsed!r},"remaining_hours":{remaining!r}}}'
            for metric, (state, deadline, done, elapsed, remaining) in zip(METRICS, cells, strict=True)
        )
        fired_json = ",".join(f'{{"rule":{_quote(r)},"fired_at":"{a}","contact_by":"{b}"}}' for r, a, b in texts)
        lines.append(
            f'{{"id":{_quote(row[0])},"priority":{_quote(priority)},"category":{_quote(row[3])},'
            f'"created_at":"{created_text}","resolved_at":{_text(resolved_text)},"sla":{{{sla}}},'
            f'"escalations":[{fired_json}]}}\n'
        )
    return out.getvalue().encode(), "".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "slakit-bench-batch"))
    args = parser.parse_args()

    from slakit import presets
    from slakit.batch import pipeline
    from slakit.batch.evaluation import Evaluator
    from slakit.batch.facts import Context
    from slakit.batch.output import TicketWriter
    from slakit.batch.reading import open_source

    path = Path(args.data) / "export-20000.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(path, 20_000)
    policy = presets.load("p1-p3")
    source = open_source(path, assume_tz="Asia/Shanghai")
    chunks = list(islice(source.chunks(2000), 10))
    source.close()
    assert source.layout is not None  # noqa: S101 -- a CSV
    rows = sum(chunk.count(b"\n") for _, chunk in chunks)
    evaluator = Evaluator(policy, AS_OF)
    context = Context.of(evaluator.policy_for(source.layout.measured))
    work = pipeline._Work(
        evaluator, context, ("month",), TicketWriter(context.metrics), "csv", source.layout, ",", source.encoding
    )
    texts = [chunk.decode() for _, chunk in chunks]
    calendar, as_of = policy.sla.default_calendar, int(AS_OF.timestamp()) * 1_000_000
    steps = {
        "floor": lambda: [floor(text, calendar, as_of) for text in texts],
        "run": lambda: [pipeline._process(work, chunk) for chunk in chunks],
    }
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        step()  # warm-up: calendar tables, caches
    for _ in range(args.runs):  # taking turns, so that both see the same machine
        for name, step in steps.items():
            began = time.process_time()
            step()
            samples[name].append((time.process_time() - began) / rows * 1e6)
    floor_us, run_us = statistics.median(samples["floor"]), statistics.median(samples["run"])
    print(f"CPU us/row, median of {args.runs} ({rows} rows): floor {floor_us:.1f}, run's chunk work {run_us:.1f}")
    print(f"run / floor: {run_us / floor_us:.2f}")


if __name__ == "__main__":
    main()
