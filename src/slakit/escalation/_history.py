"""How one SLA metric's facts move over time, as a list of phases from the ticket's creation on.

Between two instants at which something happens to a ticket, a metric's facts move only with the
open time of its clock: ``elapsed`` grows while the clock counts, ``remaining`` falls while it
counts (or, against an agreed deadline, while the ticket is not completed), and the state turns
``breached`` at one known instant. A :class:`~slakit.escalation._phase.Phase` describes one such
stretch exactly, so the escalation evaluator can say when a threshold is crossed without
evaluating the SLA at every instant.

The common case (every priority of the ticket tracks the metric on one clock, one window, no
extension) takes one sweep over the timeline (:mod:`slakit.escalation._sweep`). Otherwise each
phase starts from what :func:`slakit.sla.evaluate` reports at the phase's first instant, an
instant of an event, so that the rarer rules (priorities without the metric, changes of clock,
extensions, clocks restarting on reopen, the stretches between agent updates) are the SLA
engine's own. The tests check every fact against ``slakit.sla.evaluate`` at and around every phase
boundary.
"""

from __future__ import annotations

from collections.abc import Callable

from slakit._time import td_to_us, to_us
from slakit.calendar.business_calendar import Ruler
from slakit.escalation._phase import Phase
from slakit.escalation._sweep import sweep
from slakit.sla.engine import _Plan
from slakit.sla.policy import Metric, Target
from slakit.sla.report import MetricState, SLAReport
from slakit.sla.timeline import Timeline, clock_stop

__all__ = ["MetricHistory"]

_RUNNING, _PAUSED, _BREACHED, _PENDING = (
    MetricState.RUNNING,
    MetricState.PAUSED,
    MetricState.BREACHED,
    MetricState.PENDING,
)


class MetricHistory:
    """The phases of one metric of one ticket, from its creation on (see the module docstring).

    ``instants`` are the instants of the ticket's events (and its creation), in order;
    ``report_at`` gives the SLA report at one of them, for the general case.
    """

    def __init__(
        self,
        metric: Metric,
        line: Timeline,
        plan: _Plan,
        rulers: dict[int, Ruler],
        sinces: list[int],
        instants: Callable[[], list[int]],
        report_at: Callable[[int], SLAReport],
    ) -> None:
        self.metric = metric
        self.line = line
        self.plan = plan
        self.rulers = rulers
        self.sinces = sinces
        targets, withins = plan.targets, plan.withins
        self.targets: list[Target | None] = [targets[code].get(metric) for _, code in line.priorities]
        self.withins: list[int | None] = [withins[code].get(metric) for _, code in line.priorities]
        self.instants = instants
        self.report_at = report_at
        self._holes: dict[bool, list[tuple[int, int | None]]] = {}

    def phases(self) -> list[Phase]:
        """One phase per instant at which something may change for the metric, in time order."""
        swept = sweep(self)
        if swept is not None:
            return swept
        return [self._phase(s) for s in self.instants()]

    def ruler_for(self, target: Target) -> Ruler:
        """The evaluation's ruler for the clock of ``target``."""
        ruler = self.rulers.get(id(target.clock))
        if ruler is None:
            ruler = self.rulers[id(target.clock)] = target.clock.ruler()
        return ruler

    def holes_for(self, pausable: bool) -> list[tuple[int, int | None]]:
        """Where a clock stands still: resolved spans, and paused ones if it is pausable; in order."""
        holes = self._holes.get(pausable)
        if holes is None:
            holes = self._holes[pausable] = list(self.line.resolved)
            if pausable and self.line.paused:
                holes += [(a, b) for a, b, _ in self.line.paused]
                holes.sort(key=lambda hole: hole[0])
        return holes

    def stop(self) -> int | None:
        """When the response or acknowledge clock stops for good: its event, or a resolve (the
        SLA engine's rule: a resolve stops it; one started on a resolved ticket never runs)."""
        line = self.line
        start = line.created if self.metric == "response" else line.first_assign
        if start is None:
            return None
        natural = line.first_response if self.metric == "response" else line.first_acknowledge
        return clock_stop(line.resolved, start, natural)

    def _phase(self, s: int) -> Phase:
        """The phase from event instant ``s``: the SLA report there, and how its figures move on."""
        report = self.report_at(s)
        status = report.metrics.get(self.metric)
        target = report.targets.get(self.metric)
        if status is None or target is None:
            return Phase(s, None)
        elapsed, remaining = td_to_us(status.elapsed), td_to_us(status.remaining)
        state = status.state
        if state is _PENDING:
            return Phase(s, state, None, elapsed, remaining)
        completed = status.completed_at is not None
        if completed or state is _PAUSED:
            counting = False
        elif state is _RUNNING:
            counting = True
        else:  # breached: the clock runs on unless the ticket is paused and the target pausable
            counting = not (target.pausable and any(a <= s and (b is None or b > s) for a, b, _ in self.line.paused))
        targets = status.trace.targets
        until = targets[-1][2] if targets else None
        falling = not completed and (counting or until is not None)
        breach: int | None = None
        if state is _BREACHED:
            breach = s  # throughout
        elif not completed and status.deadline is not None and (counting or until is not None or remaining <= 0):
            breach = to_us(status.deadline) + 1  # the first instant past the deadline
        return Phase(s, state, breach, elapsed, remaining, counting, falling, self.ruler_for(target))
