"""What metrics defined by events cost per ticket: the typical tickets of benchmarks/bench_sla.py (10 events,
p1-p3 preset) evaluated with ``slakit.sla.evaluate`` under the preset as it is, under the preset with its
``update`` restated in ``metrics:`` (measured then by the definition), and with a ``next_reply`` metric added.
Each figure is the median of the runs, in tickets per second of CPU time.

    .venv/bin/python benchmarks/bench_metrics.py [TICKETS] [RUNS]

The speed of policies without ``metrics:`` against the code before is measured by
``benchmarks/compare_revisions.py`` (docs/performance.md).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import yaml

from slakit import ServicePolicy
from slakit.sla import BUILT_IN
from slakit.sla import evaluate as evaluate_sla

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sla import SH, typical_ticket

PRESET = Path(__file__).resolve().parent.parent / "src" / "slakit" / "presets" / "p1-p3.yaml"
NEXT_REPLY = {
    "start": [{"event": "reply", "author": "customer"}],
    "stop": [{"event": "reply", "author": "agent", "public": True}],
    "repeat": True,
}


def policies() -> dict[str, ServicePolicy]:
    config = yaml.safe_load(PRESET.read_text(encoding="utf-8"))
    with_next_reply = {**config, "metrics": {"next_reply": NEXT_REPLY}}
    with_next_reply["priorities"] = {
        code: {**priority, "targets": {**priority["targets"], "next_reply": "4h"}}
        for code, priority in config["priorities"].items()
    }
    return {
        "p1-p3 as it is": ServicePolicy.from_config(config),
        "update restated in metrics:": ServicePolicy.from_config(
            {**config, "metrics": {"update": BUILT_IN["update"].to_config()}}
        ),
        "next_reply added": ServicePolicy.from_config(with_next_reply),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    as_of = datetime(2026, 1, 1, tzinfo=SH)
    rng = random.Random(2025)
    tickets = [typical_ticket(rng, i) for i in range(n)]
    found: dict[str, list[float]] = {}
    chosen = policies()
    for policy in chosen.values():  # calendar tables outside the timing
        for ticket in tickets[:200]:
            evaluate_sla(ticket, policy, as_of=as_of)
    for _ in range(runs):  # taking turns
        for name, policy in chosen.items():
            began = time.process_time()
            for ticket in tickets:
                evaluate_sla(ticket, policy, as_of=as_of)
            found.setdefault(name, []).append(n / (time.process_time() - began))
    base = statistics.median(found["p1-p3 as it is"])
    print(f"sla.evaluate, {n} typical tickets, medians of {runs} runs (tickets/s, CPU time)")
    for name, rates in found.items():
        print(f"{name:>30}: {statistics.median(rates):>8,.0f}   ratio {statistics.median(rates) / base:.2f}")


if __name__ == "__main__":
    main()
