"""What the report needs from one evaluated ticket, worked out once: keys, handling time, FCR, states, breaches.

:class:`Context` is what a summary needs from the policy (its zone, calendar, taxonomy, survey
labels); :class:`TicketFacts` reduces one :class:`~slakit.batch.records.TicketResult` to plain
values, which both the summary and the per-ticket files read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from fractions import Fraction
from typing import TYPE_CHECKING

from slakit._rounding import round_half_up
from slakit.calendar import BusinessCalendar
from slakit.errors import ConfigError
from slakit.instants import from_us, td_to_us, to_us
from slakit.policy import ServicePolicy
from slakit.sla import METRICS, MetricState, SLAReport, Timeline, build_timeline

if TYPE_CHECKING:
    from slakit.batch.records import RowWarning, TicketResult
    from slakit.escalation import EscalationReport
    from slakit.priority import Classifier
    from slakit.survey import SurveyScore

__all__ = ["GROUP_KEYS", "Context", "EscalationCells", "MetricCells", "TicketFacts"]

GROUP_KEYS = ("month", "quarter", "week", "priority", "type", "category", "channel", "product", "customer", "agent")
"""What ``by`` accepts: periods of ``created_at`` in the policy's zone, and ticket fields."""

US_PER_HOUR = 3_600_000_000
_TWO_HOURS = 2 * US_PER_HOUR
_STATE_INDEX = {
    MetricState.MET: 0,
    MetricState.BREACHED: 1,
    MetricState.RUNNING: 2,
    MetricState.PAUSED: 2,
    MetricState.PENDING: 3,
}
_STATE_TEXT = {state: state.value for state in MetricState}  # plain str, without the enum's descriptor

MetricCells = tuple[tuple[str, str, str | None, str | None, float, float], ...]
"""Per metric: ``(metric, state, deadline, completed_at, elapsed_hours, remaining_hours)``, instants as ISO text."""
EscalationCells = tuple[int, tuple[tuple[str, int, str | None, str, str | None, int], ...], str | None]
"""``(level, fired, next_at)``, each fired rule as ``(rule, level, role, fired_at, contact_by, cycle)``; ISO text."""
BreachRow = tuple[int, str, str, int, str, str, str, float]
"""``(deadline, ticket, metric, line, priority, deadline text, completed_at text, late_by_hours)``."""


def hours(us: int | float) -> float:
    """Microseconds as hours, rounded half-up (away from zero) to 2 places."""
    if us.__class__ is int:  # the common case first: it runs several times for every ticket
        if us >= 0:
            return ((us * 200 + US_PER_HOUR) // _TWO_HOURS) / 100
        return -(((-us) * 200 + US_PER_HOUR) // _TWO_HOURS) / 100
    if isinstance(us, float):
        return float(round_half_up(Fraction(us) / US_PER_HOUR, 2))
    sign = -1 if us < 0 else 1
    return sign * ((abs(us) * 200 + US_PER_HOUR) // _TWO_HOURS) / 100


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded half-up to 4 places; None when ``whole`` is 0."""
    return float(round_half_up(Fraction(part, whole), 4)) if whole else None


def check_by(by: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``by`` as a tuple of known group keys; a ConfigError naming the unknown one otherwise."""
    keys = (by,) if isinstance(by, str) else tuple(by)
    for key in keys:
        if key not in GROUP_KEYS:
            raise ConfigError.for_value("by", key, f"one of {', '.join(GROUP_KEYS)}")
    if len(set(keys)) != len(keys):
        raise ConfigError.for_value("by", list(keys), "distinct group keys")
    return keys


@dataclass(frozen=True, slots=True)
class Context:
    """What summarising needs from the policy, without holding on to the policy itself.

    ``zone`` and ``calendar`` are the policy's default calendar's (periods, business handling time);
    ``types`` maps each category path and bare subtype of the taxonomy to its top-level type.
    """

    zone: tzinfo
    calendar: BusinessCalendar
    policy_name: str | None = None
    types: Mapping[str, str] = field(default_factory=dict)
    classifier: Classifier | None = None
    dimension_labels: Mapping[str, str] = field(default_factory=dict)
    priority_ranks: Mapping[str, int] = field(default_factory=dict)
    metrics: tuple[str, ...] = METRICS

    @classmethod
    def of(cls, policy: ServicePolicy) -> Context:
        """The context of ``policy``."""
        types: dict[str, str] = {}
        classifier = policy.classifier
        if classifier is not None:
            subtypes: dict[str, set[str]] = {}
            for ticket_type in classifier.taxonomy.types.values():
                types[ticket_type.name] = ticket_type.name
                for subtype in ticket_type.subtypes:
                    types[f"{ticket_type.name}/{subtype}"] = ticket_type.name
                    subtypes.setdefault(subtype, set()).add(ticket_type.name)
            for subtype, owners in subtypes.items():
                if len(owners) == 1 and subtype not in types:  # a bare subtype, when only one type has it
                    types[subtype] = next(iter(owners))
        labels = {name: d.label for name, d in policy.survey.dimensions.items()} if policy.survey is not None else {}
        sla = policy.sla
        tracked = {metric for targets in sla.targets.values() for metric in targets}
        calendar = sla.default_calendar
        return cls(
            zone=calendar.timezone,
            calendar=calendar,
            policy_name=policy.config.name,
            types=types,
            classifier=classifier,
            dimension_labels=labels,
            priority_ranks={code: p.rank for code, p in sla.priorities.items()},
            metrics=tuple(metric for metric in sla.plan.metrics if metric in tracked),
        )

    @classmethod
    def infer(cls, result: TicketResult) -> Context:
        """A context from an evaluated result alone (no policy): its SLA report's zone and calendar."""
        if isinstance(result.policy, ServicePolicy):
            return cls.of(result.policy)
        report = result.sla
        zone: tzinfo | None = None
        calendar = None
        if report is not None:
            for status in report.values():
                for instant in (status.started_at, status.deadline):
                    if instant is not None and zone is None:
                        zone = instant.tzinfo
            for target in report.targets.values():
                calendar = calendar or target.clock
        if zone is None and result.ticket is not None:
            zone = result.ticket.created_at.tzinfo
        calendar = calendar or BusinessCalendar.always_open("UTC")
        return cls(zone=zone or calendar.timezone, calendar=calendar)

    def type_of(self, category: str | None) -> str | None:
        """The top-level type of a category (``type/subtype``, a type, or a bare subtype the taxonomy knows)."""
        if category is None:
            return None
        known = self.types.get(category)
        if known is not None:
            return known
        return category.split("/", 1)[0] if "/" in category else category

    def issue_of(self, category: str | None, subject: str | None) -> tuple[str | None, str | None]:
        """The issue a ticket counts under for "top issues", and where it came from (category or subject)."""
        if category is not None:
            return category.rsplit("/", 1)[-1], "category"
        if subject and self.classifier is not None:
            found = self.classifier.classify(subject)
            if found is not None:
                return found.subtype or found.type, "subject"
        return None, None


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """The plain values the report needs from one evaluated ticket (see docs/report.md for each).

    Build it with :meth:`from_result`. ``created`` is the creation in the policy's zone, ``states`` each
    metric with its state number (0 met, 1 breached, 2 running or paused, 3 pending), ``breaches`` one
    row per breached metric (its deadline first, to order them), ``metric_cells`` each metric's
    ``(metric, state, deadline, completed_at, elapsed_hours, remaining_hours)`` and ``escalation_cells``
    the escalations' (None without rules), as results.csv and results.jsonl write them; ``latest`` the latest
    instant its figures depend on (creation or a deadline, epoch µs), for the report's notes; ``warnings`` the
    row's ignored cells (warnings.csv).
    """

    line: int | None
    id: str
    priority: str
    category: str | None
    type: str | None
    channel: str | None
    product: str | None
    customer: str | None
    agent: str | None
    created: datetime
    issue: str | None
    issue_source: str | None
    replies: int
    reopens: int
    complaints: int
    resolved: bool
    resolved_at: datetime | None
    business_us: int
    wall_us: int
    fcr: bool
    states: tuple[tuple[str, int], ...]
    breaches: tuple[BreachRow, ...]
    survey: SurveyScore | None
    escalated: bool
    level: int | None
    rules: tuple[str, ...]
    metric_cells: MetricCells
    escalation_cells: EscalationCells | None
    latest: int = 0
    warnings: tuple[RowWarning, ...] = ()

    @classmethod
    def from_result(cls, result: TicketResult, context: Context, timeline: Timeline | None = None) -> TicketFacts:
        """The facts of an evaluated ``result``; ``timeline`` is its ticket's, when the evaluation has it."""
        ticket, report = result.ticket, result.sla
        assert ticket is not None  # noqa: S101 -- only evaluated results
        assert report is not None  # noqa: S101
        created = to_us(ticket.created_at)
        line = timeline if timeline is not None else build_timeline(ticket, to_us(report.as_of), frozenset())
        resolved_at = line.resolved[-1][0] if line.resolved_now else None
        business = wall = 0
        if resolved_at is not None:
            business = context.calendar.elapsed_us(created, resolved_at)
            wall = resolved_at - created
        reopens = len(line.reopens)
        category = ticket.category
        issue, issue_source = context.issue_of(category, ticket.subject)
        escalations = result.escalations
        rules = tuple(dict.fromkeys(item.rule for item in escalations.fired)) if escalations is not None else ()
        return cls(
            line=result.line,
            id=ticket.id,
            priority=report.priority,
            category=category,
            type=context.type_of(category),
            channel=ticket.channel,
            product=ticket.product,
            customer=ticket.customer,
            agent=line.assignee,
            created=ticket.created_at.astimezone(context.zone),
            issue=issue,
            issue_source=issue_source,
            replies=line.public_replies,
            reopens=reopens,
            complaints=len(line.complaints),
            resolved=resolved_at is not None,
            resolved_at=from_us(resolved_at, context.zone) if resolved_at is not None else None,
            business_us=business,
            wall_us=wall,
            fcr=resolved_at is not None and line.public_replies == 1 and reopens == 0,
            states=tuple((metric, _STATE_INDEX[status.state]) for metric, status in report.metrics.items()),
            breaches=_breaches(result),
            survey=result.survey,
            escalated=escalations is not None and bool(escalations.fired),
            level=escalations.level if escalations is not None else None,
            rules=rules,
            metric_cells=_metric_cells(report),
            escalation_cells=_escalation_cells(escalations) if escalations is not None else None,
            latest=_latest(report, created),
            warnings=result.warnings,
        )

    def texts(self) -> tuple[str, str | None, float | None, float | None]:
        """``created_at`` and ``resolved_at`` as ISO text, business and wall handling hours (None unresolved)."""
        resolved = self.resolved_at
        return (
            self.created.isoformat(),
            resolved.isoformat() if resolved is not None else None,
            hours(self.business_us) if resolved is not None else None,
            hours(self.wall_us) if resolved is not None else None,
        )

    def key(self, part: str) -> str | None:
        """This ticket's value of group key ``part`` (one of :data:`GROUP_KEYS`)."""
        created = self.created
        if part == "month":
            return f"{created.year:04d}-{created.month:02d}"
        if part == "week":
            return week_of(created)
        if part == "quarter":
            return f"{created.year:04d}-Q{(created.month - 1) // 3 + 1}"
        value: str | None = getattr(self, part)
        return value


def _latest(report: SLAReport, created: int) -> int:
    """The latest instant the ticket's figures depend on: its creation or a metric's deadline (epoch µs)."""
    latest = created
    for status in report.metrics.values():
        figures = status.figures
        if figures is not None and figures.deadline is not None and figures.deadline > latest:
            latest = figures.deadline
    return latest


def _breaches(result: TicketResult) -> tuple[BreachRow, ...]:
    """One row per breach: its deadline (to order by), ticket, metric, line, priority, deadline and completion
    as text, and how late in hours. A breached metric is one breach; for ``update``, each stretch between agent
    updates that went over its target is one, with its own figures (not the current stretch's)."""
    report = result.sla
    assert report is not None  # noqa: S101 -- only evaluated results
    line = result.line if result.line is not None else 0
    rows = []
    for metric, status in report.metrics.items():
        if status.state is not MetricState.BREACHED:
            continue
        breaches: list[tuple[datetime, datetime | None, timedelta]]
        if status.gaps:
            breaches = [(gap.breached_at, gap.ended_at, gap.overdue) for gap in status.gaps]
        else:
            assert status.deadline is not None  # noqa: S101 -- a breached metric has a deadline
            breaches = [(status.deadline, status.completed_at, status.overdue)]
        for deadline, completed, overdue in breaches:
            rows.append(
                (
                    to_us(deadline),
                    report.ticket_id,
                    metric,
                    line,
                    report.priority,
                    deadline.isoformat(),
                    completed.isoformat() if completed is not None else "",
                    hours(td_to_us(overdue)),
                )
            )
    return tuple(rows)


def _metric_cells(report: SLAReport) -> MetricCells:
    return tuple(
        (
            metric,
            _STATE_TEXT[status.state],
            deadline.isoformat() if (deadline := status.deadline) is not None else None,
            completed.isoformat() if (completed := status.completed_at) is not None else None,
            hours(td_to_us(status.elapsed)),
            hours(td_to_us(status.remaining)),
        )
        for metric, status in report.metrics.items()
    )


def _escalation_cells(report: EscalationReport) -> EscalationCells:
    return (
        report.level,
        tuple(
            (item.rule, item.level, item.role, item.fired_at.isoformat(), _iso(item.contact_by), item.cycle)
            for item in report.fired
        ),
        _iso(report.next_at),
    )


def week_of(moment: datetime) -> str:
    """The ISO week of a local instant, ``2025-W36``."""
    year, week, _ = moment.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
