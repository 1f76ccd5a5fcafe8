"""Escalation speed: tickets per second for ``slakit.escalation.evaluate`` with the issue's six rules.

The same typical tickets as benchmarks/bench_sla.py (10 events, p1-p3 preset), evaluated at a fixed
as_of with the six example rules of issue 8 (overdue, overdue 4h, second complaint, wide impact,
P1 not acknowledged, at-risk warning). Seeded; the median of several runs.

    python3 tasks.py bench escalation      # or: .venv/bin/python benchmarks/bench_escalation.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sla import SH, typical_ticket
from slakit import presets
from slakit.escalation import EscalationRules, evaluate

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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    policy = presets.load("p1-p3")
    rules = EscalationRules.from_config(RULES)
    rng = random.Random(2025)
    tickets = [typical_ticket(rng, i) for i in range(n)]
    as_of = datetime(2026, 1, 1, tzinfo=SH)
    evaluate(tickets[0], policy, as_of=as_of, rules=rules)
    rates = []
    for _ in range(5):
        began = time.perf_counter()
        for ticket in tickets:
            evaluate(ticket, policy, as_of=as_of, rules=rules)
        rates.append(n / (time.perf_counter() - began))
    print(f"escalation benchmark: {n} typical tickets, six rules, 5 runs")
    print(f"evaluate: {statistics.median(rates):,.0f} tickets/s (median; min {min(rates):,.0f}, max {max(rates):,.0f})")


if __name__ == "__main__":
    main()
