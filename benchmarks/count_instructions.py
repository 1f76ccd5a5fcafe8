"""Instructions per ticket of this checkout against another checkout's ``src``, with ``valgrind --tool=callgrind``.

Exact and repeatable whatever else the machine runs (timings on a shared machine are not). The typical
tickets of benchmarks/bench_sla.py are evaluated once (calendar tables and caches made), then the first K
again; the instructions of two runs with different K, subtracted, are those of evaluating K1 - K2 warm
tickets, divided by that number. Scenarios: ``slakit.sla.evaluate`` (typical; with a priority change) and
``slakit.escalation.evaluate`` with the six rules of benchmarks/bench_escalation.py.

    .venv/bin/python benchmarks/count_instructions.py ../main/src [--tickets 300] [--scenarios "sla typical"]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("sla typical", "sla priority change", "escalation typical", "escalation priority change")

_CHILD = """
import random, sys
sys.path.insert(0, {benchmarks!r})
from datetime import datetime
from bench_escalation import RULES
from bench_sla import SH, typical_ticket
from slakit import presets
from slakit.escalation import EscalationRules
from slakit.escalation import evaluate as evaluate_escalation
from slakit.sla import evaluate as evaluate_sla

policy = presets.load("p1-p3")
rules = EscalationRules.from_config(RULES)
as_of = datetime(2026, 1, 1, tzinfo=SH)
name = {name!r}
rng = random.Random(2025)
tickets = [typical_ticket(rng, i, priority_change="change" in name) for i in range({tickets})]
if name.startswith("sla"):
    one = lambda ticket: evaluate_sla(ticket, policy, as_of=as_of)
else:
    one = lambda ticket: evaluate_escalation(ticket, policy, as_of=as_of, rules=rules)
for ticket in tickets:
    one(ticket)
for ticket in tickets[:{again}]:
    one(ticket)
"""


def _instructions(src: Path, name: str, tickets: int, again: int) -> int:
    code = _CHILD.format(benchmarks=str(ROOT / "benchmarks"), name=name, tickets=tickets, again=again)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(  # noqa: S603 -- valgrind on this interpreter, with our own code
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", code],  # noqa: S607
            env={**os.environ, "PYTHONPATH": str(src)},
            capture_output=True,
            check=True,
        )
        found = re.search(r"^summary: (\d+)", out.read_text(encoding="utf-8"), flags=re.MULTILINE)
        assert found is not None  # noqa: S101 -- callgrind always writes its summary
        return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", help="another checkout's src folder")
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--scenarios", nargs="*", default=SCENARIOS, choices=SCENARIOS)
    args = parser.parse_args()
    low, high = args.tickets // 3, args.tickets
    print(f"instructions per warm ticket (callgrind; {high - low} tickets: runs evaluating {high} and {low} again)")
    for name in args.scenarios:
        here = (
            _instructions(ROOT / "src", name, args.tickets, high) - _instructions(ROOT / "src", name, args.tickets, low)
        ) // (high - low)
        there = (
            _instructions(Path(args.other), name, args.tickets, high)
            - _instructions(Path(args.other), name, args.tickets, low)
        ) // (high - low)
        print(f"{name:>28}: this {here:>10,}   other {there:>10,}   ratio (this / other) {here / there:.3f}")


if __name__ == "__main__":
    main()
