"""What the report needs from one evaluated ticket, worked out once: keys, handling time, FCR, states, breaches.

:class:`Context` is what a summary needs from the policy (its zone, calendar, taxonomy, survey
labels); :class:`TicketFacts` reduces one :class:`~slakit.batch.records.TicketResult` to plain
values, which both the summary and the per-ticket files read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from fractions import Fraction
from typing import TYPE_CHECKING

from slakit._time import from_us, td_to_us, to_us
from slakit.calendar import BusinessCalendar
from slakit.errors import ConfigError
from slakit.sla import METRICS, Event, MetricState, Policy
from slakit.sla.timeline import ordered
from slakit.survey._numbers import round_half_up

if TYPE_CHECKING:
    from slakit.batch.records import TicketResult
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


@dataclass(frozen=True)
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
    def of(cls, policy: Policy) -> Context:
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
        tracked = {metric for targets in policy.targets.values() for metric in targets}
        calendar = policy.default_calendar
        return cls(
            zone=calendar.timezone,
            calendar=calendar,
            policy_name=policy.config.name,
            types=types,
            classifier=classifier,
            dimension_labels=labels,
            priority_ranks={code: p.rank for code, p in policy.priorities.items()},
            metrics=tuple(metric for metric in METRICS if metric in tracked),
        )

    @classmethod
    def infer(cls, result: TicketResult) -> Context:
        """A context from an evaluated result alone (no policy): its SLA report's zone and calendar."""
        if isinstance(result.policy, Policy):
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


class TicketFacts:
    """The plain values the report needs from one evaluated ticket (see docs/report.md for each)."""

    __slots__ = (
        "_cells",
        "_escalations",
        "_texts",
        "agent",
        "breaches",
        "business_us",
        "category",
        "channel",
        "complaints",
        "created",
        "customer",
        "escalated",
        "fcr",
        "id",
        "issue",
        "issue_source",
        "level",
        "line",
        "priority",
        "product",
        "reopens",
        "replies",
        "report",
        "resolved",
        "resolved_at",
        "rules",
        "states",
        "survey",
        "type",
        "wall_us",
    )

    def __init__(self, result: TicketResult, context: Context) -> None:
        ticket, report = result.ticket, result.sla
        assert ticket is not None  # noqa: S101 -- only evaluated results
        assert report is not None  # noqa: S101
        self.line = result.line
        self.id = ticket.id
        self.report = report
        self._cells: MetricCells | None = None
        self._texts: tuple[str, str | None, float | None, float | None] | None = None
        self.priority = report.priority
        self.category = ticket.category
        self.type = context.type_of(ticket.category)
        self.channel = ticket.channel
        self.product = ticket.product
        self.customer = ticket.customer
        self.created = ticket.created_at.astimezone(context.zone)
        self.issue, self.issue_source = context.issue_of(ticket.category, ticket.subject)
        self._history(ticket.events, to_us(report.as_of), to_us(ticket.created_at), context)
        states: list[tuple[str, int]] = []
        self.breaches: list[tuple[int, str, str, int, str, str, str, float]] = []
        for metric, status in report.metrics.items():
            state = _STATE_INDEX[status.state]
            states.append((metric, state))
            if state == 1:
                deadline = status.deadline
                assert deadline is not None  # noqa: S101 -- a breached metric has a deadline
                completed = status.completed_at
                self.breaches.append(
                    (
                        to_us(deadline),
                        self.id,
                        metric,
                        self.line if self.line is not None else 0,
                        self.priority,
                        deadline.isoformat(),
                        completed.isoformat() if completed is not None else "",
                        hours(td_to_us(status.overdue)),
                    )
                )
        self.states = tuple(states)
        self.survey: SurveyScore | None = result.survey
        escalations = result.escalations
        self._escalations: EscalationReport | EscalationCells | None = escalations
        self.escalated = escalations is not None and bool(escalations.fired)
        self.rules: tuple[str, ...] = ()
        self.level: int | None = None
        if escalations is not None:
            self.level = escalations.level
            self.rules = tuple(dict.fromkeys(item.rule for item in escalations.fired))

    def _history(self, events: tuple[Event, ...] | list[Event], as_of: int, created: int, context: Context) -> None:
        """Replies, reopens, complaints, the assignee and the resolution in force at ``as_of``."""
        previous = -1
        for event in events:
            t = event.at_us
            if t <= previous:
                events = ordered(events)
                break
            previous = t
        replies = reopens = complaints = 0
        agent: str | None = None
        resolved_at: int | None = None
        for event in events:
            if event.at_us > as_of:
                break
            kind = event.type
            if kind == "reply":
                if event.author == "agent" and event.public:
                    replies += 1
            elif kind in ("resolve", "close"):
                if resolved_at is None:
                    resolved_at = event.at_us
            elif kind == "reopen":
                if resolved_at is not None:
                    resolved_at = None
                    reopens += 1
            elif kind == "complaint":
                complaints += 1
            elif kind == "assign" and event.assignee:
                agent = event.assignee
        self.replies, self.reopens, self.complaints, self.agent = replies, reopens, complaints, agent
        self.resolved = resolved_at is not None
        if resolved_at is not None:
            self.resolved_at: datetime | None = from_us(resolved_at, context.zone)
            self.business_us = context.calendar.elapsed_us(created, resolved_at)
            self.wall_us = resolved_at - created
        else:
            self.resolved_at = None
            self.business_us = self.wall_us = 0
        self.fcr = self.resolved and replies == 1 and reopens == 0

    def texts(self) -> tuple[str, str | None, float | None, float | None]:
        """``created_at`` and ``resolved_at`` as ISO text, business and wall handling hours (None unresolved)."""
        texts = self._texts
        if texts is None:
            resolved = self.resolved_at
            texts = self._texts = (
                self.created.isoformat(),
                resolved.isoformat() if resolved is not None else None,
                hours(self.business_us) if resolved is not None else None,
                hours(self.wall_us) if resolved is not None else None,
            )
        return texts

    def preset(
        self,
        cells: MetricCells,
        escalations: EscalationCells | None,
        texts: tuple[str, str | None, float | None, float | None],
    ) -> None:
        """Give facts made without a report (``TicketFacts.__new__``, every public field set) their cells and texts.

        ``resolved_at`` and ``report`` stay unset: :meth:`texts` and :meth:`metric_cells`, which read them, are
        answered from these.
        """
        self._cells = cells
        self._escalations = escalations
        self._texts = texts

    def escalation_cells(self) -> EscalationCells | None:
        """The escalation report as plain values, ready to write (None when the policy has no rules)."""
        report = self._escalations
        if report is None or isinstance(report, tuple):  # none, or already cells
            return report
        cells: EscalationCells = (
            report.level,
            tuple(
                (item.rule, item.level, item.role, item.fired_at.isoformat(), _iso(item.contact_by), item.cycle)
                for item in report.fired
            ),
            _iso(report.next_at),
        )
        self._escalations = cells
        return cells

    def metric_cells(self) -> MetricCells:
        """Per metric: ``(metric, state, deadline, completed_at, elapsed_hours, remaining_hours)``, ready to write."""
        cells = self._cells
        if cells is None:
            cells = self._cells = tuple(
                (
                    metric,
                    _STATE_TEXT[status.state],
                    deadline.isoformat() if (deadline := status.deadline) is not None else None,
                    completed.isoformat() if (completed := status.completed_at) is not None else None,
                    hours(td_to_us(status.elapsed)),
                    hours(td_to_us(status.remaining)),
                )
                for metric, status in self.report.metrics.items()
            )
        return cells

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


def week_of(moment: datetime) -> str:
    """The ISO week of a local instant, ``2025-W36``."""
    year, week, _ = moment.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
