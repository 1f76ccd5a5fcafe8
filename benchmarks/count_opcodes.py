"""Python bytecode instructions per ticket of this checkout against another checkout's ``src``: exact and
repeatable whatever the load (``sys.settrace`` counting opcodes), where timings on a shared machine are not.

The typical tickets of benchmarks/bench_sla.py are evaluated once (calendar tables made), then counted on a
second pass with ``slakit.sla.evaluate`` and with ``slakit.escalation.evaluate`` (the six rules of
benchmarks/bench_escalation.py). Prints the opcodes per ticket of each side and the ratio.

    .venv/bin/python benchmarks/count_opcodes.py ../main/src [--tickets 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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
rng = random.Random(2025)
tickets = [typical_ticket(rng, i) for i in range({tickets})]
count = 0
def tracer(frame, event, arg):
    global count
    frame.f_trace_opcodes = True
    if event == "opcode":
        count += 1
    return tracer
found = {{}}
for name, one in (("sla.evaluate", lambda t: evaluate_sla(t, policy, as_of=as_of)),
                  ("escalation.evaluate", lambda t: evaluate_escalation(t, policy, as_of=as_of, rules=rules))):
    for ticket in tickets:
        one(ticket)
    count = 0
    sys.settrace(tracer)
    for ticket in tickets:
        one(ticket)
    sys.settrace(None)
    found[name] = count // len(tickets)
print(found)
"""


def _opcodes(src: Path, tickets: int) -> dict[str, int]:
    code = _CHILD.format(benchmarks=str(ROOT / "benchmarks"), tickets=tickets)
    output = subprocess.run(  # noqa: S603 -- this interpreter, with our own code
        [sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    found: dict[str, int] = eval(output.strip().splitlines()[-1])  # noqa: S307 -- our own child's dict of ints
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", help="another checkout's src folder")
    parser.add_argument("--tickets", type=int, default=50)
    args = parser.parse_args()
    here, there = _opcodes(ROOT / "src", args.tickets), _opcodes(Path(args.other), args.tickets)
    print(f"Python opcodes per typical ticket ({args.tickets} tickets, second pass)")
    for name, count in here.items():
        print(f"{name:>22}: this {count:>8,}   other {there[name]:>8,}   ratio {count / there[name]:.3f}")


if __name__ == "__main__":
    main()
