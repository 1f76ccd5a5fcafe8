"""Per-ticket speed of this checkout against another revision, measured in the same run.

Evaluates the typical tickets of benchmarks/bench_sla.py (10 events, p1-p3 preset) with
``slakit.sla.evaluate`` (typical; with a priority change) and ``slakit.escalation.evaluate`` with the
six rules of benchmarks/bench_escalation.py (typical; with a priority change; resolved 10 days late),
once with this checkout's ``src`` and once with the other revision's, in fresh processes taking turns
(A B A B ...), so that both see the same machine. Prints, per scenario, each side's median tickets per
second and the median of the paired ratios (this checkout / the other): above 1 is faster.

    .venv/bin/python benchmarks/compare_revisions.py 8e315c5            # a commit, a tag or a branch
    .venv/bin/python benchmarks/compare_revisions.py 8e315c5 --runs 7 --tickets 3000
    .venv/bin/python benchmarks/compare_revisions.py ../main/src --runs 7   # another checkout's src folder

The other revision is checked out with ``git worktree`` into a temporary folder and removed after; a folder
(another checkout's ``src``) is used as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("sla typical", "sla priority change", "escalation typical", "escalation priority change",
             "escalation resolved late")  # fmt: skip

_CHILD = """
import json, random, sys, time
sys.path.insert(0, {benchmarks!r})
from datetime import datetime
from bench_escalation import RULES, _resolved_late
from bench_sla import SH, typical_ticket
from slakit import presets
from slakit.escalation import EscalationRules
from slakit.escalation import evaluate as evaluate_escalation
from slakit.sla import evaluate as evaluate_sla

policy = presets.load("p1-p3")
rules = EscalationRules.from_config(RULES)
as_of = datetime(2026, 1, 1, tzinfo=SH)
rates = {{}}
for name in {scenarios!r}:
    rng = random.Random(2025)
    tickets = [typical_ticket(rng, i, priority_change="change" in name) for i in range({tickets})]
    if "late" in name:
        tickets = [_resolved_late(ticket) for ticket in tickets]
    if name.startswith("sla"):
        one = lambda ticket: evaluate_sla(ticket, policy, as_of=as_of)
    else:
        one = lambda ticket: evaluate_escalation(ticket, policy, as_of=as_of, rules=rules)
    for ticket in tickets:  # calendar tables and caches outside the timing
        one(ticket)
    began = time.process_time()
    for ticket in tickets:
        one(ticket)
    rates[name] = len(tickets) / (time.process_time() - began)
print(json.dumps(rates))
"""


def _rates(src: Path, tickets: int) -> dict[str, float]:
    code = _CHILD.format(benchmarks=str(ROOT / "benchmarks"), scenarios=SCENARIOS, tickets=tickets)
    environment = {**os.environ, "PYTHONPATH": str(src)}
    output = subprocess.run(  # noqa: S603 -- this interpreter, with our own code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    ).stdout
    rates: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the other revision (commit, tag or branch), or another checkout's src")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=2000)
    args = parser.parse_args()
    if Path(args.revision).is_dir():
        here_runs, other_runs = _turns(Path(args.revision), args.runs, args.tickets)
    else:
        here_runs, other_runs = _against_revision(args.revision, args.runs, args.tickets)
    _show(args.revision, args.runs, args.tickets, here_runs, other_runs)


Rates = list[dict[str, float]]


def _turns(other_src: Path, runs: int, tickets: int) -> tuple[Rates, Rates]:
    here_runs, other_runs = [], []
    for _ in range(runs):  # taking turns, so that both see the same machine
        here_runs.append(_rates(ROOT / "src", tickets))
        other_runs.append(_rates(other_src, tickets))
    return here_runs, other_runs


def _against_revision(revision: str, runs: int, tickets: int) -> tuple[Rates, Rates]:
    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder) / "other"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", "--quiet", str(other), revision], check=True)  # noqa: S603
        try:
            return _turns(other / "src", runs, tickets)
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(other)], check=True)  # noqa: S603


def _show(revision: str, runs: int, tickets: int, here_runs: Rates, other_runs: Rates) -> None:
    print(f"tickets/s, CPU time, medians of {runs} runs of {tickets} tickets, taking turns; "
          f"ratio: this checkout / {revision}, the median of the paired ratios")  # fmt: skip
    for name in SCENARIOS:
        here = [run[name] for run in here_runs]
        there = [run[name] for run in other_runs]
        ratio = statistics.median(a / b for a, b in zip(here, there, strict=True))
        print(f"{name:>28}: this {statistics.median(here):>8,.0f}   {revision} {statistics.median(there):>8,.0f}"
              f"   ratio {ratio:.2f} (min {min(a / b for a, b in zip(here, there, strict=True)):.2f},"
              f" max {max(a / b for a, b in zip(here, there, strict=True)):.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
