"""What the report needs from one evaluated ticket, worked out once: keys, handling time, FCR, states, breaches.

:class:`Context` is what a summary needs from the policy (its zone, calendar, taxonomy, survey
labels); :class:`TicketFacts` reduces one :class:`~slakit.batch.records.TicketResult` to plain
values, which both the summary and the per-ticket files read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
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
    from slakit.priority import Classification, Classifier
    from slakit.retention import Retention
    from slakit.sla import Ticket
    from slakit.survey import SurveyScheme, SurveyScore

__all__ = [
    "GROUP_KEYS",
    "Context",
    "Derived",
    "EscalationCells",
    "Labels",
    "MetricCells",
    "TicketFacts",
    "attribute_texts",
    "derive",
    "is_group_key",
    "labels",
]

GROUP_KEYS = (
    "month",
    "quarter",
    "week",
    "priority",
    "type",
    "category",
    "route",
    "channel",
    "product",
    "customer",
    "agent",
)
"""What ``by`` accepts: periods of ``created_at`` in the policy's zone, and ticket fields."""

US_PER_HOUR = 3_600_000_000
_MAX_SUBJECTS = 4096
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


def is_group_key(key: str) -> bool:
    """Whether ``key`` groups a report: one of :data:`GROUP_KEYS`, or ``attributes.<name>`` (a ticket attribute)."""
    name = key.removeprefix("attributes.")
    return key in GROUP_KEYS or (
        key.startswith("attributes.") and bool(name) and "." not in name and name == name.strip()
    )


def check_by(by: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``by`` as a tuple of known group keys; a ConfigError naming the unknown one otherwise."""
    keys = (by,) if isinstance(by, str) else tuple(by)
    for key in keys:
        if not isinstance(key, str) or not is_group_key(key):
            raise ConfigError.for_value("by", key, f"one of {', '.join(GROUP_KEYS)} or attributes.<name>")
    if len(set(keys)) != len(keys):
        raise ConfigError.for_value("by", list(keys), "distinct group keys")
    return keys


@dataclass(frozen=True, slots=True)
class Context:
    """What summarising needs from the policy, without holding on to the policy itself.

    ``zone`` and ``calendar`` are the policy's default calendar's (periods, business handling time);
    ``types`` maps each category path and bare subtype of the taxonomy to its top-level type and
    ``routes`` each type to its dispatch route; ``survey`` is the survey scheme (its ``due_within``)
    and ``retention`` the policy's record retention.
    """

    zone: tzinfo
    calendar: BusinessCalendar
    policy_name: str | None = None
    types: Mapping[str, str] = field(default_factory=dict)
    classifier: Classifier | None = None
    dimension_labels: Mapping[str, str] = field(default_factory=dict)
    priority_ranks: Mapping[str, int] = field(default_factory=dict)
    metrics: tuple[str, ...] = METRICS
    priority_names: Mapping[str, str] = field(default_factory=dict)
    routes: Mapping[str, str] = field(default_factory=dict)
    survey: SurveyScheme | None = None
    retention: Retention | None = None
    _classified: dict[str, Classification | None] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, policy: ServicePolicy) -> Context:
        """The context of ``policy``."""
        types: dict[str, str] = {}
        routes: dict[str, str] = {}
        classifier = policy.classifier
        if classifier is not None:
            subtypes: dict[str, set[str]] = {}
            for ticket_type in classifier.taxonomy.types.values():
                types[ticket_type.name] = ticket_type.name
                if ticket_type.route is not None:
                    routes[ticket_type.name] = ticket_type.route
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
            priority_names={code: p.name for code, p in sla.priorities.items() if p.name},
            routes=routes,
            survey=policy.survey,
            retention=policy.retention,
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

    def classify(self, subject: str | None) -> Classification | None:
        """The policy's keyword classifier over a ticket's subject (None without either, or without a match)."""
        if not subject or self.classifier is None:
            return None
        known = self._classified  # exports repeat subjects: each is classified once (at most 4,096 kept)
        if subject in known:
            return known[subject]
        if len(known) >= _MAX_SUBJECTS:
            known.clear()
        found = known[subject] = self.classifier.classify(subject)
        return found


@dataclass(frozen=True, slots=True)
class Derived:
    """The per-ticket values the report and the results files derive from a ticket beyond its SLA figures.

    ``category`` is the ticket's own category or, when it has none, the one the policy's classifier gives its
    subject (``category_source`` says which: ``"ticket"``, ``"subject"`` or None); ``type`` and ``route`` follow
    from it (``classification.types.<type>.route``). ``phrase`` is the classifier's matched problem phrase in the
    subject (the keyword that decided the category, :attr:`~slakit.priority.Classification.phrase`), which the
    top problems count; ``issue``/``issue_source`` what the ticket counts under there (the phrase, else the
    category's subtype). ``first_response_business_us`` and ``..._wall_us`` run from creation to the first public
    agent reply (None without one). ``survey_on_time`` says whether the survey came within the scheme's
    ``due_within`` of the resolution (None while it still can, when unresolved, or without a scheme).
    ``retain_until`` is the date the record may be deleted from (:class:`~slakit.retention.Retention`), from the
    resolution's local date; None while unresolved or without ``retention``. ``survey_dated`` says whether the
    ticket carries the instant its survey came (``survey_at``).
    """

    category: str | None
    category_source: str | None
    type: str | None
    route: str | None
    phrase: str | None
    issue: str | None
    issue_source: str | None
    first_response_business_us: int | None
    first_response_wall_us: int | None
    survey_on_time: bool | None
    retain_until: date | None
    survey_dated: bool = False


def derive(ticket: Ticket, line: Timeline, resolved_at: int | None, context: Context) -> Derived:
    """The :class:`Derived` values of one evaluated ticket: every per-ticket field of the results files and the
    report beyond the SLA figures is computed here, once (every batch engine calls this function).

    ``line`` is the ticket's timeline (its ``as_of`` is the evaluation instant) and ``resolved_at`` its last
    resolution while resolved (epoch µs), else None.
    """
    category, source, kind, route, phrase, issue, issue_source = labels(ticket.category, ticket.subject, context)
    created = line.created
    first = line.first_response
    business = context.calendar.elapsed_us(created, first) if first is not None else None
    on_time = retain = None
    if resolved_at is not None:
        on_time = _survey_on_time(ticket, resolved_at, line.as_of, context.survey)
        if context.retention is not None:
            retain = context.retention.retain_until(from_us(resolved_at, context.zone).date())
    return Derived(
        category=category,
        category_source=source,
        type=kind,
        route=route,
        phrase=phrase,
        issue=issue,
        issue_source=issue_source,
        first_response_business_us=business,
        first_response_wall_us=first - created if first is not None else None,
        survey_on_time=on_time,
        retain_until=retain,
        survey_dated=getattr(ticket, "survey_at", None) is not None,
    )


Labels = tuple[str | None, str | None, str | None, str | None, str | None, str | None, str | None]
"""``(category, category_source, type, route, phrase, issue, issue_source)`` of a ticket (:func:`labels`)."""


def labels(category: str | None, subject: str | None, context: Context) -> Labels:
    """What a ticket's category and subject decide (part of :func:`derive`, and the whole of what depends on them
    alone): its category (the export's, else classified from the subject, with where it came from), type, route,
    problem phrase, and the problem it counts under with where that came from."""
    source = "ticket" if category is not None else None
    found = context.classify(subject)
    if category is None and found is not None:
        category, source = found.category, "subject"
    kind = context.type_of(category)
    phrase = found.phrase if found is not None else None
    issue: str | None
    issue_source: str | None
    if phrase is not None:
        issue, issue_source = phrase, "subject"
    elif category is not None:
        issue, issue_source = category.rsplit("/", 1)[-1], "category"
    else:
        issue = issue_source = None
    route = context.routes.get(kind) if kind is not None else None
    return category, source, kind, route, phrase, issue, issue_source


def _survey_on_time(ticket: Ticket, resolved: int, as_of: int, scheme: SurveyScheme | None) -> bool | None:
    """Whether the resolved ticket's survey came within ``due_within`` (the scheme's own rule); False once the
    time is up without one, None while it may still come (or without a scheme)."""
    if scheme is None:
        return None
    survey_at: datetime | None = getattr(ticket, "survey_at", None)
    if survey_at is not None:
        return scheme.survey_on_time_us(resolved, to_us(survey_at))
    if getattr(ticket, "survey", None):  # answered, but the export does not say when: not measured
        return None
    if scheme.survey_due_us(resolved) <= as_of:
        return False
    return None


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """The plain values the report needs from one evaluated ticket (see docs/report.md for each).

    Build it with :meth:`from_result`. ``created`` is the creation in the policy's zone, ``states`` each
    metric with its state number (0 met, 1 breached, 2 running or paused, 3 pending), ``breaches`` one
    row per breached metric (its deadline first, to order them), ``metric_cells`` each metric's
    ``(metric, state, deadline, completed_at, elapsed_hours, remaining_hours)`` and ``escalation_cells``
    the escalations' (None without rules), as results.csv and results.jsonl write them; ``latest`` the latest
    instant its figures depend on (creation or a deadline, epoch µs), for the report's notes; ``warnings`` the
    row's ignored cells (warnings.csv); ``derived`` the values :func:`derive` works out (route, first response,
    survey timeliness, retention, problem phrase), always set by :meth:`from_result`.
    """

    line: int | None
    id: str
    priority: str
    category: str | None
    type: str | None
    route: str | None
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
    derived: Derived | None = None
    attributes: tuple[tuple[str, str], ...] = ()

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
        derived = derive(ticket, line, resolved_at, context)
        escalations = result.escalations
        rules = tuple(dict.fromkeys(item.rule for item in escalations.fired)) if escalations is not None else ()
        return cls(
            line=result.line,
            id=ticket.id,
            priority=report.priority,
            category=derived.category,
            type=derived.type,
            route=derived.route,
            channel=ticket.channel,
            product=ticket.product,
            customer=ticket.customer,
            agent=line.assignee,
            created=ticket.created_at.astimezone(context.zone),
            issue=derived.issue,
            issue_source=derived.issue_source,
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
            derived=derived,
            attributes=attribute_texts(ticket),
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
        if part in PERIODS:
            return period_of(self.created, part)
        if part.startswith("attributes."):
            name = part[len("attributes.") :]
            return next((value for key, value in self.attributes if key == name), None)
        value: str | None = getattr(self, part)
        return value


def attribute_texts(ticket: Ticket) -> tuple[tuple[str, str], ...]:
    """The ticket's attributes as the report's groups show them (``--by attributes.<name>``)."""
    return tuple((name, _attribute_text(value)) for name, value in ticket.attributes.items())


def _attribute_text(value: object) -> str:
    """An attribute's value as a report group shows it: text as it is, true/false in lower case, numbers as
    Python writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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


PERIODS = ("month", "quarter", "week")
"""The group keys that are periods of ``created_at`` in the policy's zone."""


def period_of(created: date, part: str) -> str:
    """The period ``part`` (``month``, ``quarter`` or ``week``) of a local creation instant or date: ``2025-09``,
    ``2025-Q3``, ``2025-W36`` (both engines group by it)."""
    if part == "month":
        return f"{created.year:04d}-{created.month:02d}"
    if part == "quarter":
        return f"{created.year:04d}-Q{(created.month - 1) // 3 + 1}"
    return week_of(created)


def week_of(moment: date) -> str:
    """The ISO week of a local instant or date, ``2025-W36``."""
    year, week, _ = moment.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
