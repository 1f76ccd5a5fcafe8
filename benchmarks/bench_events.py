"""Cost per ticket as the number of events grows: 10 to 10,000 events of one kind, and a mix.

For each mix (notes, public replies, pauses, priority changes, agreed extensions, reopenings, and
all of them mixed) a ticket of the p1-p3 preset gets N events ten minutes apart and is evaluated at
its last event with ``slakit.sla.evaluate`` and with ``slakit.escalation.evaluate`` on the preset's
own rules. Each figure is the median of 3 runs in milliseconds per ticket; the ratio from one N to
ten times N shows the growth (10 for linear cost, about 10.x for n log n, 100 for quadratic).

    .venv/bin/python benchmarks/bench_events.py [MAX_N]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slakit import presets
from slakit.escalation import evaluate
from slakit.sla import Event, Ticket
from slakit.sla import evaluate as evaluate_sla

SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")
CREATED = datetime(2025, 9, 1, 9, 0, tzinfo=SH)
STEP = timedelta(minutes=10)


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


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sizes = [n for n in (10, 100, 1_000, 10_000) if n <= top]
    kinds = ("notes", "replies", "pauses", "priorities", "extensions", "reopens", "mix")
    print(f"{'events':<11}{'n':>7}{'sla ms':>10}{'escalation ms':>15}{'growth x10':>12}")
    for kind in kinds:
        previous = None
        for n in sizes:
            one = ticket(kind, n)
            as_of = max(e.at for e in one.events)
            sla = _ms(lambda one=one, as_of=as_of: evaluate_sla(one, POLICY, as_of=as_of))
            escalation = _ms(lambda one=one, as_of=as_of: evaluate(one, POLICY, as_of=as_of))
            growth = f"{escalation / previous:.1f}" if previous else ""
            print(f"{kind:<11}{n:>7}{sla:>10.2f}{escalation:>15.2f}{growth:>12}", flush=True)
            previous = escalation


if __name__ == "__main__":
    main()
