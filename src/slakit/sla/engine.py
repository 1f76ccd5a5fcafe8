"""``evaluate(ticket, policy, as_of=...)``: every SLA metric of a ticket as of an instant.

The work is the core's (docs/design.md): the ticket's events become a
:class:`~slakit.sla.timeline.Timeline`, :func:`~slakit.sla.clocks.measure` measures every clock in
integer microseconds, and this module only shows the figures as a report, converting each instant
to a datetime once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo

from slakit.instants import from_us, require_aware, to_us
from slakit.sla.clocks import GapFigures, Measurement, MetricFigures, measure
from slakit.sla.policy import HoldsPolicy, Plan, Policy, sla_policy
from slakit.sla.report import AppliedExtension, Gap, IgnoredExtension, MetricStatus, SLAReport
from slakit.sla.ticket import Event, Ticket
from slakit.sla.timeline import Timeline, build_timeline

__all__ = ["check_ticket", "evaluate", "sla_report"]


def evaluate(ticket: Ticket, policy: Policy | HoldsPolicy, *, as_of: datetime) -> SLAReport:
    """Every tracked metric of ``ticket`` under ``policy`` (a :class:`slakit.ServicePolicy` or its
    ``.sla``), counting only events at or before ``as_of``."""
    require_aware(as_of, "as_of")
    sla = sla_policy(policy)
    check_ticket(ticket, sla)
    base = sla.plan
    line = build_timeline(ticket, to_us(as_of), base.pause_statuses, base.definitions, restart=base.restart)
    plan = sla.plan_for(ticket)
    return sla_report(ticket.id, as_of, line, measure(line, sla, plan=plan), plan)


def check_ticket(ticket: Ticket, policy: Policy, *, until: int | None = None) -> None:
    """Raise the first problem :meth:`Policy.problems <slakit.sla.Policy.problems>` finds in ``ticket`` (an
    :class:`~slakit.errors.UnknownPriorityError` for a priority of the ticket or of a priority event, up to
    the instant ``until`` if given, that ``policy`` does not define): the check every evaluation makes."""
    for problem in policy._problems(ticket, until):
        raise problem


def sla_report(ticket_id: str, as_of: datetime, line: Timeline, measured: Measurement, plan: Plan) -> SLAReport:
    """The report showing ``measured`` (of the ticket ``line`` describes) as datetimes in the plan's zone."""
    show = _Shown(plan.zone, plan.durations, line.extensions).status
    metrics: dict[str, MetricStatus] = {metric: show(item) for metric, item in measured.metrics.items()}
    cycles: tuple[dict[str, MetricStatus], ...] = ()
    if measured.cycles:
        cycles = tuple({metric: show(item) for metric, item in cycle.items()} for cycle in measured.cycles)
    ignored: tuple[IgnoredExtension, ...] = ()
    if measured.ignored:
        ignored = tuple(IgnoredExtension(line.extensions[index][1], reason) for index, reason in measured.ignored)
    next_change = None if measured.next_change is None else from_us(measured.next_change, plan.zone)
    return SLAReport(ticket_id, as_of, measured.priority, metrics, next_change, cycles, ignored, measured.targets)


class _Shown:
    """Instants and durations of one report as datetimes and timedeltas, each converted once."""

    __slots__ = ("durations", "extensions", "instants", "zone")

    def __init__(
        self, zone: tzinfo, durations: Mapping[int, timedelta], extensions: tuple[tuple[int, Event], ...]
    ) -> None:
        self.zone = zone
        self.durations = durations
        self.extensions = extensions
        self.instants: dict[int, datetime] = {}

    def instant(self, us: int) -> datetime:
        """``us`` as a datetime in the report's zone."""
        value = self.instants.get(us)
        if value is None:
            value = self.instants[us] = from_us(us, self.zone)
        return value

    def status(self, item: MetricFigures) -> MetricStatus:
        """The status showing ``item``."""
        instants, instant = self.instants, self.instant
        within = self.durations.get(item.within)
        if within is None:
            seconds, micro = divmod(item.within, 1_000_000)
            within = timedelta(0, seconds, micro)
        seconds, micro = divmod(item.elapsed, 1_000_000)
        elapsed = timedelta(0, seconds, micro)
        deadline, started, completed, breached_at = item.deadline, item.started, item.completed, item.breached_at
        target = item.target
        # each instant is looked up before it is converted (``or``: a datetime is always true)
        return MetricStatus(
            item.metric,
            within,
            item.state,
            None if deadline is None else instants.get(deadline) or instant(deadline),
            elapsed,
            within - elapsed,
            item.at_risk,
            None if started is None else instants.get(started) or instant(started),
            None if completed is None else instants.get(completed) or instant(completed),
            None if breached_at is None else instants.get(breached_at) or instant(breached_at),
            target.clock_name,
            target.pausable,
            item.cycle,
            tuple(self._gap(gap) for gap in item.gaps) if item.gaps else (),
            tuple(AppliedExtension(self.extensions[i][1], within) for i in item.extensions) if item.extensions else (),
            item,
            target.sla,
        )

    def _gap(self, gap: GapFigures) -> Gap:
        started, ended, elapsed, breached_at, overdue = gap
        return Gap(
            self.instant(started),
            self.instant(ended) if ended is not None else None,
            timedelta(microseconds=elapsed),
            self.instant(breached_at),
            timedelta(microseconds=overdue),
        )
