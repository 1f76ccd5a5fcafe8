"""Cost per ticket as the number of events grows: 10 to 10,000 events of one kind, and a mix.

For each mix (notes, public replies, pauses, priority changes, agreed extensions, reopenings, and
all of them mixed) a ticket of the p1-p3 preset gets N events ten minutes apart and is evaluated at
its last event with ``slakit.sla.evaluate`` and with ``slakit.escalation.evaluate`` on the preset's
own rules. Each figure is the median of 3 runs in milliseconds of CPU time per ticket; the ratio from
one N to ten times N shows the growth (10 for linear cost, about 10.x for n log n, 100 for quadratic).

    .venv/bin/python benchmarks/bench_events.py [MAX_N]
    .venv/bin/python benchmarks/bench_events.py 10000 --against 172cd6c --limit 20

``--against REV`` measures another revision too (checked out with ``git worktree`` into a temporary
folder), each ticket in a fresh process taking turns with this checkout, and prints both; the other
revision skips a size when, at the growth it showed from the size before, one evaluation would take
longer than ``--limit`` seconds (quadratic cost makes that minutes). ``--kinds`` picks mixes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from slakit import presets
from slakit.escalation import evaluate
from slakit.sla import Event, Ticket
from slakit.sla import evaluate as evaluate_sla

ROOT = Path(__file__).resolve().parent.parent
SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")
CREATED = datetime(2025, 9, 1, 9, 0, tzinfo=SH)
STEP = timedelta(minutes=10)
KINDS = ("notes", "replies", "pauses", "priorities", "extensions", "reopens", "mix")
SIZES = (10, 100, 1_000, 10_000)


def _event(kind: str, i: int, at: datetime) -> list[Event]:
    """The events of one step of ``kind`` (a pause is a hold and its end: two events)."""
    if kind == "notes":
        return [Event(at, "note")]
    if kind == "replies":
        return [Event(at, "reply", author="agent" if i % 2 else "customer", public=True)]
    if kind == "pauses":
        return [Event(at, "status", status="pending_customer" if i % 2 == 0 else "open")]
    if kind == "priorities":
        return [Event(at, "priority", priority=("P1", "P2", "P3")[i % 3])]
    if kind == "extensions":
        until = at + timedelta(days=30) + i * STEP
        return [Event(at, "extend", metric="resolution", until=until, customer_agreed=True, reason="agreed")]
    if kind == "reopens":
        return [Event(at, "resolve" if i % 2 == 0 else "reopen")]
    mixed = ("notes", "replies", "pauses", "priorities", "extensions", "reopens")
    return _event(mixed[i % len(mixed)], i // len(mixed), at)


def ticket(kind: str, n: int) -> Ticket:
    """A P2 ticket with ``n`` events of ``kind``."""
    events: list[Event] = []
    for i in range(n):
        events += _event(kind, i, CREATED + (i + 1) * STEP)
    return Ticket(f"{kind}-{n}", CREATED, "P2", events=tuple(events[:n]))


def _ms(run: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        began = time.process_time()
        run()
        times.append(time.process_time() - began)
    return statistics.median(times) * 1000


def measure(kind: str, n: int) -> tuple[float, float]:
    """Milliseconds per ticket of ``sla.evaluate`` and ``escalation.evaluate`` for ``n`` events of ``kind``."""
    one = ticket(kind, n)
    as_of = max(e.at for e in one.events)
    sla = _ms(lambda: evaluate_sla(one, POLICY, as_of=as_of))
    escalation = _ms(lambda: evaluate(one, POLICY, as_of=as_of))
    return sla, escalation


def _measure_in(src: Path, kind: str, n: int) -> tuple[float, float]:
    """:func:`measure` in a fresh process with the slakit of ``src``."""
    code = f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import bench_events as b; "
    code += f"print(json.dumps(b.measure({kind!r}, {n})))"
    environment = {**os.environ, "PYTHONPATH": str(src)}
    output = subprocess.run(  # noqa: S603 -- this interpreter, with our own code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    ).stdout
    sla, escalation = json.loads(output.strip().splitlines()[-1])
    return sla, escalation


def _growth(now: float | None, before: float | None) -> str:
    return f"{now / before:.1f}" if now is not None and before else ""


def _against(revision: str, sizes: list[int], kinds: list[str], limit: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder) / "other"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", "--quiet", str(other), revision], check=True)  # noqa: S603
        try:
            print(f"ms of CPU time per ticket, medians of 3 runs; each side in a fresh process, taking turns; "
                  f"'-' not run (expected to take over {limit:g} s at the growth shown)")  # fmt: skip
            print(f"{'events':<11}{'n':>7} | {'sla':>9}{revision:>10}{'x10':>6} | {'escalation':>11}{revision:>10}"
                  f"{'x10':>7}{revision + ' x10':>12}")  # fmt: skip
            for kind in kinds:
                previous: tuple[float | None, ...] = (None, None, None, None)
                slowest: list[float] = []  # the other revision's slower engine at each size
                for n in sizes:
                    sla, escalation = _measure_in(ROOT / "src", kind, n)
                    before_sla = before_escalation = None
                    growth = slowest[-1] / slowest[-2] if len(slowest) > 1 and slowest[-2] else 10.0
                    if len(slowest) == sizes.index(n) and (
                        not slowest or slowest[-1] * max(growth, 10.0) <= limit * 1000
                    ):
                        before_sla, before_escalation = _measure_in(other / "src", kind, n)
                        slowest.append(max(before_sla, before_escalation))
                    cells = [
                        f"{sla:>9.2f}",
                        f"{before_sla:>10.2f}" if before_sla is not None else f"{'-':>10}",
                        f"{_growth(sla, previous[0]):>6}",
                        f"{escalation:>11.2f}",
                        f"{before_escalation:>10.2f}" if before_escalation is not None else f"{'-':>10}",
                        f"{_growth(escalation, previous[2]):>7}",
                        f"{_growth(before_escalation, previous[3]):>12}",
                    ]
                    print(f"{kind:<11}{n:>7} | {cells[0]}{cells[1]}{cells[2]} | {''.join(cells[3:])}", flush=True)
                    previous = (sla, before_sla, escalation, before_escalation)
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(other)], check=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("max_n", nargs="?", type=int, default=10_000)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--against", metavar="REV", help="another revision to measure in the same run")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds (with --against)")
    args = parser.parse_args()
    sizes = [n for n in SIZES if n <= args.max_n]
    kinds = args.kinds.split(",")
    if args.against:
        _against(args.against, sizes, kinds, args.limit)
        return
    print(f"{'events':<11}{'n':>7}{'sla ms':>10}{'escalation ms':>15}{'growth x10':>12}")
    for kind in kinds:
        previous = None
        for n in sizes:
            sla, escalation = measure(kind, n)
            growth = f"{escalation / previous:.1f}" if previous else ""
            print(f"{kind:<11}{n:>7}{sla:>10.2f}{escalation:>15.2f}{growth:>12}", flush=True)
            previous = escalation


if __name__ == "__main__":
    main()
