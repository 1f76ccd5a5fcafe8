"""The phases of a metric the policy defines by events, from the SLA measurement at each instant.

:func:`slakit.escalation.phases.metric_phases` sweeps the built-in metrics' facts in one pass. A metric the
``metrics:`` section defines (a restated built-in included) is measured by the one rule of its runs
(:class:`slakit.sla.timeline.Instances`), so its phases are taken from that measurement itself: the ticket
measured as it stood at each instant an event happened (and one microsecond after it, where an extension's
deadline may move once the clock runs on), its figures moving with its clock's open time until the next. The
facts are the SLA report's at every instant by construction; the cost is quadratic in the ticket's events, and
is paid only for the metrics an escalation rule names.
"""

from __future__ import annotations

from dataclasses import replace

from slakit.calendar import Rulers
from slakit.escalation.phases import Phase
from slakit.sla import MetricState, Ticket, Timeline, build_timeline
from slakit.sla.clocks import Measuring
from slakit.sla.policy import Metric, Plan
from slakit.sla.track import breach_instant

__all__ = ["measured_phases"]

_RUNNING, _PAUSED, _MET = MetricState.RUNNING, MetricState.PAUSED, MetricState.MET


def measured_phases(metric: Metric, ticket: Ticket, line: Timeline, plan: Plan, rulers: Rulers) -> list[Phase]:
    """The phases of ``metric`` from the ticket's creation on (events up to ``line.as_of``), in time order."""
    instants = {line.created}
    known = []  # the events up to as_of: later ones have not happened, whatever instant is asked
    for event in ticket.events:
        t = event.at_us
        if t <= line.as_of:
            known.append(event)
            instants.add(t)
            instants.add(t + 1)
    if len(known) < len(ticket.events):
        ticket = replace(ticket, events=tuple(known))
    phases: list[Phase] = []
    for s in sorted(instants):
        at = build_timeline(ticket, s, plan.pause_statuses, plan.definitions, restart=plan.restart)
        phases.append(_phase(metric, s, at, plan, rulers))
    return phases


def _phase(metric: Metric, s: int, line: Timeline, plan: Plan, rulers: Rulers) -> Phase:
    """The phase from ``s``: the metric's figures as measured at ``s`` (``line`` is the ticket at ``s``)."""
    figures = Measuring(line, plan, rulers).measurement().metrics.get(metric)
    if figures is None:
        return Phase(s, None)
    if figures.state is MetricState.PENDING:
        return Phase(s, MetricState.PENDING, None, 0, figures.remaining)
    target = figures.target
    if figures.completed is not None:
        state = _MET
    elif target.pausable and line.paused_now():
        state = _PAUSED
    else:
        state = _RUNNING
    counting = state is _RUNNING
    until = figures.final[2] if figures.final is not None else None
    falling = counting or (until is not None and state is not _MET)
    breach = figures.breached_at
    if breach is None:
        if until is not None and falling:
            breach = breach_instant(until)
        elif counting and figures.deadline is not None:
            breach = breach_instant(figures.deadline)
    ruler = rulers.of(target.clock) if counting or falling else None
    return Phase(s, state, breach, figures.elapsed, figures.remaining, counting, falling, ruler)
