"""SLA evaluation speed: tickets per second for ``slakit.sla.evaluate`` on one core.

A typical ticket (issue 3): 10 events (assignment, acknowledgement, replies both ways, a note, a
pause and its end, resolve) and the four metrics of the p1-p3 preset, evaluated at a fixed as_of.
A second run gives every ticket a priority change as well (the slower, general path). Seeded;
each figure is the median of several runs.

    python3 tasks.py bench sla        # or: .venv/bin/python benchmarks/bench_sla.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slakit import presets
from slakit.sla import Event, Ticket, evaluate

SH = ZoneInfo("Asia/Shanghai")


def typical_ticket(rng: random.Random, index: int, *, priority_change: bool = False) -> Ticket:
    created = datetime(2025, 1, 1, tzinfo=SH) + timedelta(minutes=rng.randrange(360 * 24 * 60))

    def later(minutes: int) -> datetime:
        return created + timedelta(minutes=minutes + rng.randrange(30))

    events = [
        Event(later(5), "assign", assignee="wang"),
        Event(later(40), "acknowledge"),
        Event(later(60), "reply", author="agent"),
        Event(later(120), "reply", author="customer"),
        Event(later(200), "note"),
        Event(later(300), "status", status="pending_customer"),
        Event(later(900), "status", status="open"),
        Event(later(950), "priority", priority=rng.choice(["P1", "P2", "P3"]))
        if priority_change
        else Event(later(950), "reply", author="customer"),
        Event(later(1000), "reply", author="agent"),
        Event(later(2000), "resolve"),
    ]
    return Ticket(f"T{index}", created, rng.choice(["P1", "P2", "P3"]), events=tuple(events))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    policy = presets.load("p1-p3")
    as_of = datetime(2026, 1, 1, tzinfo=SH)
    print(f"sla benchmark: {n} tickets (10 events, 4 metrics), 5 runs each")
    for label, change in (("typical ticket", False), ("with a priority change", True)):
        rng = random.Random(2025)
        tickets = [typical_ticket(rng, i, priority_change=change) for i in range(n)]
        evaluate(tickets[0], policy, as_of=as_of)  # build the calendar tables outside the timing
        rates = []
        for _ in range(5):
            began = time.perf_counter()
            for ticket in tickets:
                evaluate(ticket, policy, as_of=as_of)
            rates.append(n / (time.perf_counter() - began))
        print(
            f"evaluate, {label}: {statistics.median(rates):,.0f} tickets/s "
            f"(median; min {min(rates):,.0f}, max {max(rates):,.0f})"
        )


if __name__ == "__main__":
    main()
