"""Escalation speed: tickets per second for ``slakit.escalation.evaluate`` with the issue's six rules.

The same typical tickets as benchmarks/bench_sla.py (10 events, p1-p3 preset), evaluated at a fixed
as_of with the six example rules of issue 8 (overdue, overdue 4h, second complaint, wide impact,
P1 not acknowledged, at-risk warning), then the same with a priority change in every ticket, then
resolved ten days late so that three rules fire (escalations built, contact deadlines computed). Each
line also gives ``slakit.sla.evaluate`` on the same tickets in the same run, for the ratio (the
machine's speed cancels out). Seeded; the median of 5 runs.

    python3 tasks.py bench escalation      # or: .venv/bin/python benchmarks/bench_escalation.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sla import SH, typical_ticket
from slakit import presets
from slakit.escalation import EscalationRules, evaluate
from slakit.sla import Event, Ticket
from slakit.sla import evaluate as evaluate_sla

RULES = {
    "levels": [{"level": 1, "role": "主管"}, {"level": 2, "role": "部门负责人"}, {"level": 3, "role": "管理层"}],
    "rules": [
        {"name": "resolution-overdue", "when": {"fact": "sla.resolution.state", "op": "eq", "value": "breached"},
         "level": 1, "contact_within": "2h"},
        {"name": "resolution-overdue-4h", "when": {"fact": "sla.resolution.overdue", "op": "ge", "value": "4h"},
         "level": 2},
        {"name": "second-complaint", "when": {"fact": "ticket.complaints", "op": "ge", "value": 2}, "level": 1},
        {"name": "wide-impact", "when": {"any": [{"fact": "ticket.affected_customers", "op": "ge", "value": 10},
                                                 {"fact": "ticket.flags", "op": "contains",
                                                  "value": "public_opinion_risk"}]}, "level": 2},
        {"name": "p1-not-acknowledged", "when": {"all": [{"fact": "ticket.priority", "op": "eq", "value": "P1"},
                                                         {"fact": "sla.acknowledge.state", "op": "eq",
                                                          "value": "breached"}]}, "level": 2},
        {"name": "resolution-at-risk", "when": {"fact": "sla.resolution.remaining", "op": "le", "value": "1h"},
         "level": 0},
    ],
}  # fmt: skip


def _rates(peers: dict[str, Callable[[Ticket], object]], tickets: list[Ticket]) -> dict[str, list[float]]:
    """Tickets per second of each peer, 5 runs each, the peers taking turns (so that both see the
    same load on a busy machine)."""
    for evaluate_one in peers.values():
        evaluate_one(tickets[0])  # build the calendar tables outside the timing
    rates: dict[str, list[float]] = {name: [] for name in peers}
    for _ in range(5):
        for name, evaluate_one in peers.items():
            began = time.perf_counter()
            for ticket in tickets:
                evaluate_one(ticket)
            rates[name].append(len(tickets) / (time.perf_counter() - began))
    return rates


def _resolved_late(ticket: Ticket) -> Ticket:
    *events, resolve = ticket.events
    return replace(ticket, events=(*events, Event(resolve.at + timedelta(days=10), "resolve")))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    policy = presets.load("p1-p3")
    rules = EscalationRules.from_config(RULES)
    as_of = datetime(2026, 1, 1, tzinfo=SH)
    print(f"escalation benchmark: {n} tickets (10 events), six rules; medians of 5 runs, SLA alone taking turns")
    for label, change, late in (
        ("typical ticket", False, False),
        ("with a priority change", True, False),
        ("resolved 10 days late (3 rules fire)", False, True),
    ):
        rng = random.Random(2025)
        tickets = [typical_ticket(rng, i, priority_change=change) for i in range(n)]
        if late:  # overdue, overdue 4h and the at-risk warning fire: the cost of building escalations
            tickets = [_resolved_late(ticket) for ticket in tickets]
        rates = _rates(
            {
                "escalation": lambda ticket: evaluate(ticket, policy, as_of=as_of, rules=rules),
                "sla": lambda ticket: evaluate_sla(ticket, policy, as_of=as_of),
            },
            tickets,
        )
        escalation, sla = statistics.median(rates["escalation"]), statistics.median(rates["sla"])
        ratio = statistics.median(e / s for e, s in zip(rates["escalation"], rates["sla"], strict=True))
        print(
            f"{label}: escalation.evaluate {escalation:,.0f} tickets/s (min {min(rates['escalation']):,.0f}, "
            f"max {max(rates['escalation']):,.0f}); sla.evaluate {sla:,.0f} tickets/s; escalation/sla {ratio:.2f}"
        )


if __name__ == "__main__":
    main()
