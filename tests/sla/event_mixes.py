"""Tickets with many events of one kind, and a count of the work evaluating them takes (for the growth tests).

The count is the lines of slakit's own code a call runs: the same on every machine, so a test can say that
eight times the events cost about eight times the work (docs/performance.md has the times).
"""

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import slakit
from slakit import ServicePolicy
from slakit.sla import Event

# every metric on rules of each kind, a change of clock and pausability between priorities, a priority
# without some targets, and clocks that restart on reopen: the sweep's rarer cases
MIXED = ServicePolicy.from_config(
    {
        "calendars": {"default": {"timezone": "Asia/Shanghai", "hours": {"mon-fri": ["09:00-18:00"]}}},
        "priorities": {
            "P1": {"name": "P1", "rank": 1, "targets": {
                "response": {"within": "1h", "clock": "calendar", "pausable": False},
                "update": "4h", "resolution": {"within": "24h", "clock": "calendar", "pausable": False}}},
            "P2": {"name": "P2", "rank": 2, "targets": {"response": "4h", "acknowledge": "1h", "update": "4h",
                                                        "resolution": "48h"}},
            "P3": {"name": "P3", "rank": 3, "targets": {"update": "8h", "resolution": "72h"}},
        },
        "pause_statuses": ["pending_customer"],
        "on_reopen": "restart",
        "escalation": {"rules": [
            {"name": "response", "when": {"fact": "sla.response.state", "op": "eq", "value": "breached"}, "level": 0},
            {"name": "acknowledge", "when": {"fact": "sla.acknowledge.remaining", "op": "lt", "value": "10m"},
             "level": 0},
            {"name": "update", "when": {"fact": "sla.update.overdue", "op": "gt", "value": "1h"}, "level": 0},
            {"name": "risk", "when": {"fact": "sla.resolution.at_risk", "op": "eq", "value": True}, "level": 0},
            {"name": "ratio", "when": {"fact": "sla.resolution.elapsed_ratio", "op": "ge", "value": 2}, "level": 0},
            {"name": "late", "when": {"not": {"fact": "sla.resolution.state", "op": "ne", "value": "breached"}},
             "level": 0},
        ]},
    }
)  # fmt: skip
CREATED = datetime(2025, 9, 1, 1, tzinfo=UTC)  # a Monday, 09:00 in Shanghai
KINDS = ("notes", "replies", "pauses", "priorities", "extensions", "reopens", "mix")


def events_of(kind: str, n: int) -> tuple[Event, ...]:
    """``n`` events of ``kind`` ten minutes apart (as benchmarks/bench_events.py makes them)."""
    found: list[Event] = []
    for i in range(n):
        at = CREATED + timedelta(minutes=10 * (i + 1))
        step = kind if kind != "mix" else KINDS[i % 6]
        j = i if kind != "mix" else i // 6
        if step == "notes":
            found.append(Event(at, "note"))
        elif step == "replies":
            found.append(Event(at, "reply", author="agent" if j % 2 else "customer", public=True))
        elif step == "pauses":
            found.append(Event(at, "status", status="pending_customer" if j % 2 == 0 else "open"))
        elif step == "priorities":
            found.append(Event(at, "priority", priority=("P1", "P2", "P3")[j % 3]))
        elif step == "extensions":
            until = at + timedelta(days=30, minutes=10 * j)
            found.append(Event(at, "extend", metric="resolution", until=until, customer_agreed=True, reason="agreed"))
        else:
            found.append(Event(at, "resolve" if j % 2 == 0 else "reopen"))
    return tuple(found)


def lines_run(run) -> int:
    """The lines of slakit's own code that ``run()`` runs."""
    root = str(Path(slakit.__file__).parent)
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(root) else None

    sys.settrace(calls)
    try:
        run()
    finally:
        sys.settrace(None)
    return count
