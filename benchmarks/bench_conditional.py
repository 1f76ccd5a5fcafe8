"""What ``slas`` entries and relative deadlines cost per ticket: the typical tickets of bench_sla.py under the
p1-p3 preset as it is, with two ``slas`` entries (on a ticket attribute and on the channel; half the tickets
gold), and with relative resolution targets (``due: end_of_business_day``), in one process, taking turns.
Prints each policy's median tickets per second (``slakit.sla.evaluate``) and its ratio to the plain preset.

    .venv/bin/python benchmarks/bench_conditional.py [N] [RUNS]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sla import SH, typical_ticket
from slakit import ServicePolicy, presets
from slakit.sla import evaluate


def policies() -> dict[str, ServicePolicy]:
    """The plain preset, with slas entries, and with relative resolution targets."""
    config = presets.config("p1-p3")
    config["calendars"]["support-24x7"] = {"timezone": "Asia/Shanghai", "hours": {"mon-sun": "00:00-24:00"}}
    conditional = {
        **config,
        "slas": [
            {"name": "vip", "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
             "calendar": "support-24x7",
             "targets": {"P1": {"response": "30m", "resolution": "4h"}, "*": {"update": "1h"}}},
            {"name": "phone", "when": {"fact": "ticket.channel", "op": "eq", "value": "phone"},
             "targets": {"*": {"response": {"within": "30s", "clock": "calendar"}}}},
        ],
    }  # fmt: skip
    relative = presets.config("p1-p3")
    for days, priority in enumerate(relative["priorities"].values(), start=1):
        priority["targets"]["resolution"] = {"due": "end_of_business_day", "days": days}
    return {
        "p1-p3": presets.load("p1-p3"),
        "with slas": ServicePolicy.from_config(conditional),
        "relative": ServicePolicy.from_config(relative),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    rng = random.Random(2025)
    tickets = [typical_ticket(rng, i) for i in range(n)]
    tickets = [
        replace(t, attributes={"tier": "gold" if i % 2 else "silver"}, channel="phone" if i % 5 == 0 else "email")
        for i, t in enumerate(tickets)
    ]
    as_of = datetime(2026, 1, 1, tzinfo=SH)
    found = policies()
    rates: dict[str, list[float]] = {name: [] for name in found}
    for policy in found.values():
        for ticket in tickets[:50]:  # build the calendar tables outside the timing
            evaluate(ticket, policy, as_of=as_of)
    for _ in range(runs):
        for name, policy in found.items():
            began = time.process_time()
            for ticket in tickets:
                evaluate(ticket, policy, as_of=as_of)
            rates[name].append(n / (time.process_time() - began))
    base = statistics.median(rates["p1-p3"])
    print(f"sla.evaluate, {n} typical tickets, CPU time, medians of {runs} runs taking turns")
    for name, found_rates in rates.items():
        rate = statistics.median(found_rates)
        print(f"{name:>10}: {rate:8,.0f} tickets/s  ratio {rate / base:.2f}")


if __name__ == "__main__":
    main()
