"""One check for the parity properties: every fact the escalation sweep gives is the SLA report's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from slakit import ServicePolicy
from slakit.calendar import Rulers
from slakit.escalation.facts import snapshot
from slakit.escalation.firing import FactsOverTime
from slakit.escalation.phases import INF
from slakit.instants import from_us
from slakit.sla import Ticket, Timeline
from slakit.sla import evaluate as evaluate_sla


def assert_every_fact_is_the_reports(
    policy: ServicePolicy,
    ticket: Ticket,
    as_of: datetime,
    line: Timeline,
    offsets: Iterable[int],
    metrics: Iterable[str],
) -> None:
    """The sweep's facts equal ``snapshot`` of ``sla.evaluate`` at every phase edge of ``metrics`` (an
    instant before, at and after each start, before and at each breach) and at ``offsets`` after creation."""
    evaluation = FactsOverTime(ticket, line, policy.sla, Rulers(), None, None)
    known = replace(ticket, events=tuple(e for e in ticket.events if e.at <= as_of))
    instants = {evaluation.created + offset for offset in offsets}
    for metric in metrics:
        for phase in evaluation.history(metric)[1]:
            instants.update((phase.start - 1, phase.start, phase.start + 1))
            if phase.breach is not None and phase.breach < INF:
                instants.update((phase.breach - 1, phase.breach))
    zone = policy.sla.default_calendar.timezone
    for t in sorted(t for t in instants if t >= evaluation.created):
        at = from_us(t, zone)
        expected = snapshot(known, evaluate_sla(known, policy, as_of=at), at, None)
        assert dict(evaluation.facts(t)) == expected, at.isoformat()
