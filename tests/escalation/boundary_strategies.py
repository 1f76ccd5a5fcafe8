"""Cases for the escalation parity tests that sit on the boundaries random histories reach only by chance.

Every ticket drawn here has, by construction:

- an event exactly at a metric's deadline, or one microsecond either side of it (the deadline read off the
  SLA report of the history so far, so it is exact whatever the clock, pauses and earlier changes; a pause
  exactly at a deadline included);
- a priority change between priorities whose targets for one metric differ in clock (24x7 or business
  hours), in pausability, or in both (with :func:`mixed_policies`);
- a pause and a customer-agreed extension of a running metric, in either order.

The expectation is still the reference evaluator's; these strategies only choose where to look.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from slakit import ServicePolicy
from slakit.sla import MetricState, SLAReport, Ticket
from slakit.sla import evaluate as evaluate_sla
from slakit.sla.ticket import Event
from slakit.testing import strategies as sst

__all__ = ["boundary_cases", "boundary_tickets", "mixed_policies"]

METRICS = ("response", "acknowledge", "update", "resolution")
OFFICE = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}}
_WITHINS = ("0m", "30m", "1h", "2h", "4h", "8h", "24h")
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_OPEN = (MetricState.RUNNING, MetricState.PAUSED)


@st.composite
def mixed_policies(draw: st.DrawFn) -> ServicePolicy:
    """Two or three priorities; for one metric, P2's target counts on the other clock than P1's, or the other
    way about pauses, or both. Other targets are drawn freely, and P2/P3 may lack a metric (the earlier
    priority's target then stays in force)."""
    calendar = draw(st.one_of(st.just(OFFICE), sst.calendar_configs()))
    codes = ["P1", "P2", "P3"][: draw(st.integers(2, 3))]
    subject = draw(st.sampled_from(METRICS))
    differs = draw(st.sampled_from(["clock", "pausable", "both"]))
    first: dict[str, tuple[str, bool]] = {}
    priorities: dict[str, Any] = {}
    for rank, code in enumerate(codes, start=1):
        targets: dict[str, Any] = {}
        for metric in METRICS:
            if code != "P1" and metric != subject and draw(st.integers(0, 5)) == 0:
                continue
            clock, pausable = draw(st.sampled_from(["business", "calendar"])), draw(st.booleans())
            if code == "P1":
                first[metric] = (clock, pausable)
            elif code == "P2" and metric == subject:
                clock, pausable = first[metric]
                if differs != "pausable":
                    clock = "calendar" if clock == "business" else "business"
                if differs != "clock":
                    pausable = not pausable
            within = draw(st.sampled_from(_WITHINS))
            targets[metric] = {"within": within, "clock": clock, "pausable": pausable}
        priorities[code] = {"name": code, "rank": rank, "targets": targets}
    return ServicePolicy.from_config(
        {
            "calendars": {"default": calendar},
            "priorities": priorities,
            "at_risk": draw(st.sampled_from([0.5, 0.75, 1.0])),
            "on_reopen": draw(st.sampled_from(["resume", "restart"])),
        }
    )


class _History:
    """A ticket history built in time order, with the SLA report of what is known so far at hand."""

    def __init__(self, policy: ServicePolicy, created: datetime, priority: str) -> None:
        self.policy = policy
        self.created = created
        self.priority = priority
        self.current = priority
        self.events: list[Event] = []
        self.t = created
        self.paused = self.resolved = False

    def ticket(self) -> Ticket:
        return Ticket("B1", self.created, self.priority, events=tuple(self.events))

    def report(self) -> SLAReport:
        return evaluate_sla(self.ticket(), self.policy, as_of=self.t)

    def add(self, kind: str, **fields: Any) -> None:
        pausing = kind == "status" and fields["status"] in self.policy.sla.config.pause_statuses
        self.events.append(Event(self.t, kind, **fields))  # type: ignore[arg-type]
        if kind == "priority":
            self.current = fields["priority"]
        elif kind == "status":
            self.paused = pausing
        elif kind in ("resolve", "close"):
            self.resolved, self.paused = True, False
        elif kind == "reopen":
            self.resolved, self.paused = False, False


def _completing(metric: str) -> tuple[str, dict[str, Any]]:
    """The event that completes ``metric``."""
    return {
        "response": ("reply", {"author": "agent", "public": True}),
        "acknowledge": ("acknowledge", {}),
        "update": ("note", {}),
        "resolution": ("resolve", {}),
    }[metric]


@st.composite
def boundary_tickets(draw: st.DrawFn, policy: ServicePolicy, max_extra: int = 4) -> Ticket:
    """A ticket with an event at (or a microsecond either side of) a deadline, a priority change when the policy
    has another priority, and a pause with an agreed extension; plus a few ordinary events (see the module)."""
    zone = policy.sla.default_calendar.timezone
    created = draw(sst.aware_datetimes(policy.sla.default_calendar)).astimezone(zone).replace(microsecond=0)
    codes = sorted(policy.sla.priorities)
    line = _History(policy, created, draw(st.sampled_from(codes)))
    others = ["deadline", "deadline"] + (["priority"] if len(codes) > 1 else [])
    extra = ["assign", "acknowledge", "reply", "note", "unpause", "resolve", "reopen", "complaint", "priority"]
    others += draw(st.lists(st.sampled_from(extra), max_size=max_extra))
    steps = draw(st.permutations(others))
    # a pause and an agreed extension, one after the other in either order: first (while the clocks still run)
    # or anywhere
    paired = draw(st.sampled_from([["pause", "extend"], ["extend", "pause"]]))
    at = 0 if draw(st.booleans()) else draw(st.integers(0, len(steps)))
    steps[at:at] = paired
    if draw(st.booleans()):
        steps.insert(0, "assign")  # the acknowledge clock runs from the start
    for step in steps:
        if step == "extend":  # soon, while a clock may still run
            line.t += timedelta(minutes=draw(st.integers(0, 60)))
        elif step != "deadline":
            line.t += timedelta(minutes=draw(st.one_of(st.integers(0, 180), st.integers(0, 3 * 24 * 60))))
        if step == "deadline":
            _at_a_deadline(draw, line, codes)
        elif step == "pause":
            if not line.paused and not line.resolved:
                line.add("status", status=draw(st.sampled_from(sorted(policy.sla.config.pause_statuses))))
        elif step == "unpause":
            if line.paused:
                line.add("status", status="open")
        elif step == "extend":
            _agreed_extension(draw, line)
        elif step == "priority":
            choices = [code for code in codes if code != line.current]
            if choices:
                line.add("priority", priority=draw(st.sampled_from(choices)))
        elif step == "resolve":
            if not line.resolved:
                line.add("resolve")
        elif step == "reopen":
            if line.resolved:
                line.add("reopen")
        elif step == "assign":
            line.add("assign", assignee=draw(st.sampled_from(["wang", "li"])))
        elif step == "reply":
            line.add("reply", author="agent", public=draw(st.booleans()))
        else:
            line.add(step)
    return line.ticket()


def _at_a_deadline(draw: st.DrawFn, line: _History, codes: list[str]) -> None:
    """Move to a deadline still ahead (running, or paused against an agreed one), nudged by -1, 0 or +1 µs, and
    put an event there: the one completing the metric, or a priority change, a pause or an update."""
    report = line.report()
    ahead = sorted(
        (metric, status.deadline)
        for metric, status in report.items()
        if status.state in _OPEN and status.deadline is not None and status.deadline >= line.t
    )
    if not ahead:
        line.t += timedelta(minutes=draw(st.integers(0, 600)))
        line.add("note")
        return
    metric, deadline = draw(st.sampled_from(ahead))
    line.t = max(line.t, deadline + draw(st.sampled_from([0, 0, 0, 1, -1])) * _US)
    kind = draw(st.sampled_from(["complete", "complete", "priority", "status", "note"]))
    if kind == "complete" and not line.resolved:
        name, fields = _completing(metric)
        line.add(name, **fields)
    elif kind == "priority" and len(codes) > 1:
        line.add("priority", priority=draw(st.sampled_from([code for code in codes if code != line.current])))
    elif kind == "status" and not line.resolved:
        line.add("status", status="open" if line.paused else sorted(line.policy.sla.config.pause_statuses)[0])
    else:
        line.add("note")


def _agreed_extension(draw: st.DrawFn, line: _History) -> None:
    """An extension of a metric that is running or paused, to a minute, an hour, a day or a few days after its
    deadline; the customer agreed to four in five of them."""
    report = line.report()
    candidates = sorted(
        (metric, status.deadline)
        for metric, status in report.items()
        if status.state in _OPEN and status.deadline is not None and status.deadline > line.t
    )
    if candidates:
        metric, deadline = draw(st.sampled_from(candidates))
    else:
        metric, deadline = draw(st.sampled_from(METRICS)), line.t + timedelta(hours=1)
    until = deadline + timedelta(minutes=draw(st.sampled_from([1, 60, 24 * 60]) | st.integers(1, 5 * 24 * 60)))
    line.add(
        "extend",
        metric=metric,
        until=until,
        reason="备件缺货",
        customer_agreed=draw(st.sampled_from([True] * 4 + [False])),
    )


@st.composite
def boundary_cases(draw: st.DrawFn, policy: ServicePolicy | None = None) -> tuple[ServicePolicy, Ticket, datetime]:
    """A policy (mixed clocks unless given), a boundary ticket under it, and an ``as_of``: at or a microsecond
    around a deadline the report at the last event announces, or anywhere up to days after the last event."""
    policy = policy or draw(mixed_policies())
    ticket = draw(boundary_tickets(policy))
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    report = evaluate_sla(ticket, policy, as_of=last)
    deadlines = sorted(s.deadline for s in report.values() if s.deadline is not None and s.deadline >= last)
    if deadlines and draw(st.booleans()):
        return policy, ticket, draw(st.sampled_from(deadlines)) + draw(st.sampled_from([0, 1, -1])) * _US
    seconds = draw(st.integers(0, int((last - ticket.created_at).total_seconds()) + 3 * 86400))
    return policy, ticket, ticket.created_at + timedelta(seconds=seconds, microseconds=draw(st.sampled_from([0, 1])))
