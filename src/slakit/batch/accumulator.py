"""The mergeable accumulator behind :func:`~slakit.batch.summarize`: add results, merge partials, finish.

Everything it keeps is a count, an exact sum, a bounded list or a
:class:`~slakit.batch.distribution.Distribution`, so memory does not grow with the number of
tickets (only with the number of distinct groups, products, channels, ...), and merging two
accumulators gives exactly what one accumulator fed every result would have (the Dask and
multiprocessing paths rely on it). Breaches keep the 200 with the latest deadlines, rejected rows
the 50 with the smallest line numbers.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from calendar import monthrange
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from slakit import presets
from slakit._rounding import round_half_up
from slakit.batch.distribution import Distribution
from slakit.batch.facts import (
    PERIODS,
    US_PER_HOUR,
    BreachRow,
    Context,
    Derived,
    TicketFacts,
    check_by,
    hours,
    period_of,
    rate,
)
from slakit.batch.records import Rejected, RowWarning, TicketResult
from slakit.batch.summary import (
    Breach,
    Compliance,
    EscalationFigures,
    Figures,
    FirstResponse,
    Group,
    HandlingTime,
    RetentionFigures,
    Satisfaction,
    Stats,
    Summary,
    SurveyTimeliness,
    TopIssue,
    TopIssues,
)
from slakit.instants import from_us, to_us
from slakit.policy import ServicePolicy
from slakit.sla import METRICS, Policy

if TYPE_CHECKING:
    from slakit.survey import SurveyScore

__all__ = [
    "BREACHES_SHOWN",
    "HISTOGRAM",
    "REJECTED_SHOWN",
    "Accumulator",
    "GroupCounts",
    "periods_of",
    "quarter_after",
    "summarize",
]

BREACHES_SHOWN = 200
REJECTED_SHOWN = 50
HISTOGRAM: tuple[tuple[str, int], ...] = (("<4h", 4), ("4-8h", 8), ("8-24h", 24), ("24-72h", 72), (">72h", 0))
"""Business handling-time bins: ``[0, 4)``, ``[4, 8)``, ``[8, 24)``, ``[24, 72)`` and 72 hours or more."""
_BOUNDS = tuple(limit * US_PER_HOUR for _, limit in HISTOGRAM[:-1])
_NONE = "(none)"
_MAX_DAYS = 4096
_DAY_PERIODS: dict[date, dict[str, str]] = {}
"""The period keys of each day, worked out once per process: tickets come many a day, and a run makes an
accumulator per chunk."""


def periods_of(created: date) -> dict[str, str]:
    """The period keys (month, quarter, week) of a local creation instant or date."""
    return {part: period_of(created, part) for part in PERIODS}


def _ordered(counts: Mapping[str, int]) -> dict[str, int]:
    """Descending count, then key."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """Many evaluated tickets of one group, counted by an engine that evaluates whole columns: what
    :meth:`_GroupState.add` of each would count. ``business`` and ``wall`` are the distributions of the resolved
    ones' handling times, ``sla`` tickets by ``(priority, states)``, ``surveys`` ``(score, tickets)``, ``issues``
    each ``(source, problem)`` with its :class:`IssueCounts`, ``first_response`` per priority the distributions of
    the time from creation to the first public agent reply in business and wall time, ``retain`` tickets by
    ``retain_until`` date; ``classified``, ``survey_on_time``, ``survey_due`` and ``survey_dated`` count the tickets
    whose :class:`~slakit.batch.facts.Derived` says so; ``escalated`` the tickets on which an escalation rule
    fired, ``by_rule`` those of each rule and ``by_level`` those by the level reached (as text)."""

    tickets: int
    by_type: Mapping[str, int]
    by_priority: Mapping[str, int]
    by_product: Mapping[str, int]
    by_channel: Mapping[str, int]
    by_week: Mapping[str, int]
    resolved: int
    business: Distribution
    wall: Distribution
    histogram: tuple[int, ...]
    fcr: int
    sla: Mapping[tuple[str, tuple[tuple[str, int], ...]], int]
    surveys: tuple[tuple[SurveyScore, int], ...]
    issues: Mapping[tuple[str, str], IssueCounts]
    issue_sources: Mapping[str, int]
    by_route: Mapping[str, int]
    classified: int
    first_response: Mapping[str, tuple[Distribution, Distribution]]
    survey_on_time: int
    survey_due: int
    survey_dated: int
    retain: Mapping[date, int]
    escalated: int = 0
    by_rule: Mapping[str, int] = field(default_factory=dict)
    by_level: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IssueCounts:
    """Many tickets of one frequent problem: how many, how many resolved and their business handling time in
    total, and their categories (``(none)`` for a ticket without one)."""

    tickets: int
    handled: int
    handling_us: int
    categories: Mapping[str, int]


def _by_rank(counts: Mapping[str, int], ranks: Mapping[str, int]) -> dict[str, int]:
    """Priority codes by rank (most urgent first), unknown codes after them by code."""
    return dict(sorted(counts.items(), key=lambda item: (ranks.get(item[0], len(ranks)), item[0])))


def quarter_after(as_of: date) -> tuple[date, date]:
    """The window ``(as_of, end]`` of "the next quarter after the as-of": ``end`` is the same day three months
    later (the month's last day when it has no such day: 30 November -> 28 or 29 February)."""
    month = as_of.month + 3
    year, month = as_of.year + (month - 1) // 12, (month - 1) % 12 + 1
    if year > date.max.year:
        return as_of, date.max
    return as_of, date(year, month, min(as_of.day, monthrange(year, month)[1]))


class _IssueState:
    """One frequent problem's running figures: tickets, resolved ones and their business handling, categories."""

    __slots__ = ("categories", "handled", "handling_us", "tickets")

    def __init__(self) -> None:
        self.tickets = 0
        self.handled = 0
        self.handling_us = 0
        self.categories: Counter[str] = Counter()

    def merge(self, other: _IssueState) -> None:
        self.tickets += other.tickets
        self.handled += other.handled
        self.handling_us += other.handling_us
        self.categories.update(other.categories)


class _GroupState:
    """The running figures of one group."""

    __slots__ = (
        "business",
        "by_channel",
        "by_level",
        "by_priority",
        "by_product",
        "by_route",
        "by_rule",
        "by_type",
        "by_week",
        "classified",
        "dimensions",
        "escalated",
        "fcr",
        "first_business",
        "first_wall",
        "follow_up",
        "histogram",
        "issue_sources",
        "issues",
        "overall_sum",
        "resolved",
        "responses",
        "retain",
        "satisfied",
        "sla",
        "survey_dated",
        "survey_due",
        "survey_on_time",
        "thresholds",
        "tickets",
        "wall",
    )

    def __init__(self) -> None:
        self.tickets = 0
        self.by_type: Counter[str] = Counter()
        self.by_priority: Counter[str] = Counter()
        self.by_product: Counter[str] = Counter()
        self.by_channel: Counter[str] = Counter()
        self.by_week: Counter[str] = Counter()
        self.by_route: Counter[str] = Counter()
        self.classified = 0
        self.first_business: dict[str, Distribution] = {}  # priority -> created -> first public agent reply
        self.first_wall: dict[str, Distribution] = {}
        self.survey_on_time = 0
        self.survey_due = 0
        self.survey_dated = 0
        self.retain: Counter[date] = Counter()
        self.resolved = 0
        self.business = Distribution()
        self.wall = Distribution()
        self.histogram = [0] * len(HISTOGRAM)
        self.fcr = 0
        self.sla: Counter[tuple[str, tuple[tuple[str, int], ...]]] = Counter()  # (priority, states) -> tickets
        self.responses = 0
        self.overall_sum = Decimal(0)
        self.dimensions: dict[str, list[Any]] = {}  # name -> [responses, sum]
        self.satisfied = 0
        self.thresholds = 0
        self.follow_up = 0
        self.issues: dict[tuple[str, str], _IssueState] = {}  # (source, issue) -> figures
        self.issue_sources: Counter[str] = Counter()
        self.escalated = 0
        self.by_rule: Counter[str] = Counter()
        self.by_level: Counter[str] = Counter()

    def add(self, facts: TicketFacts, week: str) -> None:
        self.tickets += 1
        self.by_type[facts.type or _NONE] += 1
        self.by_priority[facts.priority] += 1
        self.by_product[facts.product or _NONE] += 1
        self.by_channel[facts.channel or _NONE] += 1
        self.by_week[week] += 1
        self.by_route[facts.route or _NONE] += 1
        derived = facts.derived
        if derived is not None:
            self._add_derived(facts, derived)
        if facts.resolved:
            self.resolved += 1
            business = facts.business_us
            self.business.add(business)
            self.wall.add(facts.wall_us)
            self.histogram[bisect_right(_BOUNDS, business)] += 1
            self.fcr += facts.fcr
        self.sla[facts.priority, facts.states] += 1
        score = facts.survey
        if score is not None:
            self.responses += 1
            self.overall_sum += score.overall
            for name, answer in score.answers.items():
                entry = self.dimensions.get(name)
                if entry is None:
                    entry = self.dimensions[name] = [0, Decimal(0)]
                entry[0] += 1
                entry[1] += answer
            if score.follow_up_below is not None:
                self.thresholds += 1
                self.satisfied += score.overall >= score.follow_up_below
            self.follow_up += score.needs_follow_up
        if facts.issue is not None and facts.issue_source is not None:
            key = (facts.issue_source, facts.issue)
            issue = self.issues.get(key)
            if issue is None:
                issue = self.issues[key] = _IssueState()
            issue.tickets += 1
            if facts.resolved:
                issue.handled += 1
                issue.handling_us += facts.business_us
            issue.categories[facts.category or _NONE] += 1
            self.issue_sources[facts.issue_source] += 1
        if facts.escalated:
            self.escalated += 1
            for rule in facts.rules:
                self.by_rule[rule] += 1
            self.by_level[str(facts.level)] += 1

    def add_counts(self, counts: GroupCounts) -> None:
        """Count many tickets at once, already counted (:class:`GroupCounts`): what :meth:`add` of each would."""
        self.tickets += counts.tickets
        self.by_type.update(counts.by_type)
        self.by_priority.update(counts.by_priority)
        self.by_product.update(counts.by_product)
        self.by_channel.update(counts.by_channel)
        self.by_week.update(counts.by_week)
        self.resolved += counts.resolved
        self.business.merge(counts.business)
        self.wall.merge(counts.wall)
        self.histogram = [a + b for a, b in zip(self.histogram, counts.histogram, strict=True)]
        self.fcr += counts.fcr
        self.sla.update(counts.sla)
        for score, n in counts.surveys:
            self.responses += n
            self.overall_sum += score.overall * n
            for name, answer in score.answers.items():
                entry = self.dimensions.get(name)
                if entry is None:
                    entry = self.dimensions[name] = [0, Decimal(0)]
                entry[0] += n
                entry[1] += answer * n
            if score.follow_up_below is not None:
                self.thresholds += n
                self.satisfied += n if score.overall >= score.follow_up_below else 0
            self.follow_up += n if score.needs_follow_up else 0
        for key, issue in counts.issues.items():
            state = self.issues.setdefault(key, _IssueState())
            state.tickets += issue.tickets
            state.handled += issue.handled
            state.handling_us += issue.handling_us
            state.categories.update(issue.categories)
        self.issue_sources.update(counts.issue_sources)
        self.escalated += counts.escalated
        self.by_rule.update(counts.by_rule)
        self.by_level.update(counts.by_level)
        self.by_route.update(counts.by_route)
        self.classified += counts.classified
        for priority, (business, wall) in counts.first_response.items():
            if priority not in self.first_business:
                self.first_business[priority] = Distribution()
                self.first_wall[priority] = Distribution()
            self.first_business[priority].merge(business)
            self.first_wall[priority].merge(wall)
        self.survey_on_time += counts.survey_on_time
        self.survey_due += counts.survey_due
        self.survey_dated += counts.survey_dated
        self.retain.update(counts.retain)

    def _add_derived(self, facts: TicketFacts, derived: Derived) -> None:
        self.classified += derived.category_source == "subject"
        first = derived.first_response_business_us
        if first is not None and derived.first_response_wall_us is not None:
            business = self.first_business.get(facts.priority)
            if business is None:
                business = self.first_business[facts.priority] = Distribution()
                self.first_wall[facts.priority] = Distribution()
            business.add(first)
            self.first_wall[facts.priority].add(derived.first_response_wall_us)
        if derived.survey_on_time is not None:
            self.survey_due += 1
            self.survey_on_time += derived.survey_on_time
        self.survey_dated += derived.survey_dated
        if derived.retain_until is not None:
            self.retain[derived.retain_until] += 1

    def merge(self, other: _GroupState) -> None:
        self.tickets += other.tickets
        for name in ("by_type", "by_priority", "by_product", "by_channel", "by_week", "by_route", "issue_sources"):
            getattr(self, name).update(getattr(other, name))
        for key, issue in other.issues.items():
            self.issues.setdefault(key, _IssueState()).merge(issue)
        self.classified += other.classified
        for priority, distribution in other.first_business.items():
            if priority not in self.first_business:
                self.first_business[priority] = Distribution()
                self.first_wall[priority] = Distribution()
            self.first_business[priority].merge(distribution)
            self.first_wall[priority].merge(other.first_wall[priority])
        self.survey_on_time += other.survey_on_time
        self.survey_due += other.survey_due
        self.survey_dated += other.survey_dated
        self.retain.update(other.retain)
        self.by_rule.update(other.by_rule)
        self.by_level.update(other.by_level)
        self.resolved += other.resolved
        self.business.merge(other.business)
        self.wall.merge(other.wall)
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]
        self.fcr += other.fcr
        self.sla.update(other.sla)
        self.responses += other.responses
        self.overall_sum += other.overall_sum
        for name, (n, total) in other.dimensions.items():
            entry = self.dimensions.setdefault(name, [0, Decimal(0)])
            entry[0] += n
            entry[1] += total
        self.satisfied += other.satisfied
        self.thresholds += other.thresholds
        self.follow_up += other.follow_up
        self.escalated += other.escalated

    def _sla_counts(self) -> dict[str, dict[str, list[int]]]:
        """Per priority and metric: tickets met, breached, running, pending."""
        counts: dict[str, dict[str, list[int]]] = {}
        for (priority, states), n in self.sla.items():
            per_metric = counts.setdefault(priority, {})
            for metric, state in states:
                per_metric.setdefault(metric, [0, 0, 0, 0])[state] += n
        return counts

    def _top_issues(self) -> TopIssues:
        source = "subject" if self.issue_sources["subject"] else "category"
        counted = self.issue_sources[source]
        mine = [(issue, state) for (kind, issue), state in self.issues.items() if kind == source]
        mine.sort(key=lambda item: (-item[1].tickets, item[0]))
        return TopIssues(
            source,
            tuple(
                TopIssue(
                    issue,
                    state.tickets,
                    rate(state.tickets, counted),
                    float(round_half_up(Fraction(state.handling_us, state.handled * US_PER_HOUR), 2))
                    if state.handled
                    else None,
                    _ordered(state.categories),
                )
                for issue, state in mine[:5]
            ),
        )

    def _first_response(self, ranks: Mapping[str, int]) -> tuple[dict[str, FirstResponse], FirstResponse]:
        order = sorted(self.first_business, key=lambda code: (ranks.get(code, len(ranks)), code))
        per = {code: FirstResponse(_stats(self.first_business[code]), _stats(self.first_wall[code])) for code in order}
        business, wall = Distribution(), Distribution()
        for code in order:
            business.merge(self.first_business[code])
            wall.merge(self.first_wall[code])
        return per, FirstResponse(_stats(business), _stats(wall))

    def _retention(self, context: Context, as_of: datetime | None) -> RetentionFigures | None:
        if context.retention is None or as_of is None:
            return None
        start, end = quarter_after(as_of.astimezone(context.zone).date())
        ending = sum(n for day, n in self.retain.items() if start < day <= end)
        ended = sum(n for day, n in self.retain.items() if day <= start)
        return RetentionFigures(ending, ended, start.isoformat(), end.isoformat())

    def _timeliness(self, context: Context) -> SurveyTimeliness | None:
        if context.survey is None:
            return None
        due_within = hours(context.survey.due_within // timedelta(microseconds=1))
        measured = rate(self.survey_on_time, self.survey_due) if self.survey_dated else None
        return SurveyTimeliness(self.survey_on_time, self.survey_due, measured, due_within)

    def figures(self, context: Context, as_of: datetime | None = None) -> Figures:
        ranks = context.priority_ranks
        by_priority = self._sla_counts()
        priorities = sorted(by_priority, key=lambda code: (ranks.get(code, len(ranks)), code))
        seen = {metric for p in priorities for metric in by_priority[p]}
        order = [*context.metrics, *METRICS]  # the policy's metrics in its order; the rest (inferred) after
        metrics = [metric for metric in dict.fromkeys([*order, *sorted(seen)]) if metric in seen]
        sla: dict[str, dict[str, Compliance]] = {}
        for priority in priorities:
            by_metric = by_priority[priority]
            sla[priority] = {metric: _compliance(by_metric[metric]) for metric in metrics if metric in by_metric}
        overall_counts: dict[str, list[int]] = {metric: [0, 0, 0, 0] for metric in metrics}
        for per_metric in by_priority.values():
            for metric, counts in per_metric.items():
                for i, n in enumerate(counts):
                    overall_counts[metric][i] += n
        labels = context.dimension_labels
        names = [name for name in labels if name in self.dimensions] + sorted(
            name for name in self.dimensions if name not in labels
        )
        dimensions = {
            name: (
                labels.get(name, name),
                _mean2(self.dimensions[name][1], self.dimensions[name][0]),
                self.dimensions[name][0],
            )
            for name in names
        }
        first_response, first_overall = self._first_response(ranks)
        return Figures(
            tickets=self.tickets,
            by_type=_ordered(self.by_type),
            by_priority=_by_rank(self.by_priority, ranks),
            by_product=_ordered(self.by_product),
            by_channel=_ordered(self.by_channel),
            volume_by_week=dict(sorted(self.by_week.items())),
            resolved=self.resolved,
            handling_time=HandlingTime(
                business=_stats(self.business),
                wall=_stats(self.wall),
                histogram=tuple((label, n) for (label, _), n in zip(HISTOGRAM, self.histogram, strict=True)),
            ),
            first_contact_resolution=(self.fcr, rate(self.fcr, self.resolved)),
            sla=sla,
            sla_overall={metric: _compliance(counts) for metric, counts in overall_counts.items()},
            satisfaction=Satisfaction(
                responses=self.responses,
                mean_overall=_mean2(self.overall_sum, self.responses) if self.responses else None,
                dimensions=dimensions,
                csat=rate(self.satisfied, self.thresholds),
                follow_up=self.follow_up,
            ),
            top_issues=self._top_issues(),
            escalations=EscalationFigures(self.escalated, _ordered(self.by_rule), _ordered(self.by_level)),
            by_route=_ordered(self.by_route),
            classified_from_subject=self.classified,
            resolution_rate=rate(self.resolved, self.tickets),
            first_response=first_response,
            first_response_overall=first_overall,
            survey_timeliness=self._timeliness(context),
            retention=self._retention(context, as_of),
        )


def _mean2(total: Decimal, count: int) -> float:
    return float(round_half_up(Fraction(total) / count, 2))


def _compliance(counts: list[int]) -> Compliance:
    met, breached, running, pending = counts
    return Compliance(met, breached, running, pending, rate(met, met + breached))


def _stats(values: Distribution) -> Stats:
    if not values.count:
        return Stats(0, None, None, None)
    mean, median, p90 = values.mean(), values.quantile(0.5), values.quantile(0.9)
    assert mean is not None  # noqa: S101 -- not empty
    assert median is not None  # noqa: S101
    assert p90 is not None  # noqa: S101
    return Stats(values.count, hours(mean), hours(median), hours(p90), values.exact)


class Accumulator:
    """Builds a :class:`~slakit.batch.summary.Summary` from results added one at a time or merged in.

    ``by`` are the group keys (``month``, ``week``, ``priority``, ...). ``policy`` gives the zone,
    calendar, taxonomy and survey labels; without it they come from the first evaluated result's
    policy. ``add(result)``, ``merge(other)`` (another accumulator with the same ``by``) and
    ``finish()`` are all it does; it pickles without its policy, for other processes to merge.
    """

    def __init__(
        self,
        by: str | tuple[str, ...] | list[str] = ("month",),
        *,
        policy: ServicePolicy | Policy | None = None,
        as_of: datetime | None = None,
    ) -> None:
        self.by = check_by(by)
        self.context: Context | None = Context.of(presets.resolve(policy)) if policy is not None else None
        self.as_of = as_of
        self.evaluated = 0
        self.overall = _GroupState()
        self.groups: dict[tuple[str | None, ...], _GroupState] = {}
        self.breaches: list[BreachRow] = []
        self.breaches_total = 0
        self.breached_tickets = 0
        self.rejected_total = 0
        self.reasons: Counter[str] = Counter()
        self.rejected: list[tuple[int, str, str]] = []
        self.latest = 0  # the latest instant any figure depends on (epoch µs), for the notes
        self.rejected_first: dict[str, tuple[int, str, str]] = {}  # per kind: the row with the smallest line
        self.warnings_total = 0
        self.warning_reasons: Counter[str] = Counter()
        self.warnings_first: dict[str, tuple[int, str, str]] = {}

    def add(self, result: TicketResult) -> None:
        """Count one result: an evaluated ticket or a rejected row."""
        if result.rejected is not None:
            rejection = result.rejection or Rejected(result.line, result.ticket_id, result.rejected)
            self.add_rejected(rejection)
            return
        if self.context is None:
            self.context = Context.infer(result)
        if self.as_of is None and result.sla is not None:
            self.as_of = result.sla.as_of
        self.add_facts(TicketFacts.from_result(result, self.context))

    def add_facts(self, facts: TicketFacts) -> None:
        """Count one evaluated ticket already reduced to its facts."""
        self.evaluated += 1
        if facts.latest > self.latest:
            self.latest = facts.latest
        day = facts.created.date()
        periods = _DAY_PERIODS.get(day)
        if periods is None:
            if len(_DAY_PERIODS) >= _MAX_DAYS:
                _DAY_PERIODS.clear()
            periods = _DAY_PERIODS[day] = periods_of(facts.created)
        week = periods["week"]
        if self.by:  # the overall figures are the groups' merged, when the summary is finished
            key = tuple([periods[part] if part in periods else facts.key(part) for part in self.by])
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = _GroupState()
            group.add(facts, week)
        else:
            self.overall.add(facts, week)
        if facts.warnings:
            self.add_warnings(facts.warnings)
        if facts.breaches:
            self.breached_tickets += 1
            self.breaches_total += len(facts.breaches)
            self.breaches.extend(facts.breaches)
            if len(self.breaches) > 2 * BREACHES_SHOWN:
                self.breaches = heapq.nlargest(BREACHES_SHOWN, self.breaches)

    def add_counts(self, key: tuple[str | None, ...], counts: GroupCounts, latest: int) -> None:
        """Count many evaluated tickets of the group ``key`` (its value of each ``by`` key) at once; ``latest`` is
        the latest instant their figures depend on (:meth:`add_facts` of each would count the same)."""
        self.evaluated += counts.tickets
        if latest > self.latest:
            self.latest = latest
        if self.by:
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = _GroupState()
            group.add_counts(counts)
        else:
            self.overall.add_counts(counts)

    def add_breaches(self, rows: Iterable[BreachRow], total: int, tickets: int) -> None:
        """Count ``total`` breaches of ``tickets`` tickets, of which ``rows`` hold at least the
        :data:`BREACHES_SHOWN` with the latest deadlines (the rest cannot be shown)."""
        self.breached_tickets += tickets
        self.breaches_total += total
        self.breaches.extend(rows)
        if len(self.breaches) > 2 * BREACHES_SHOWN:
            self.breaches = heapq.nlargest(BREACHES_SHOWN, self.breaches)

    def add_rejected(self, rejected: Rejected) -> None:
        """Count one rejected row."""
        self.rejected_total += 1
        self.reasons[rejected.kind] += 1
        entry = (rejected.line if rejected.line is not None else 0, rejected.id or "", rejected.reason)
        self.rejected.append(entry)
        if len(self.rejected) > 2 * REJECTED_SHOWN:
            self.rejected = heapq.nsmallest(REJECTED_SHOWN, self.rejected)
        _keep_first(self.rejected_first, rejected.kind, entry)

    def add_warnings(self, warnings: Iterable[RowWarning]) -> None:
        """Count the ignored cells of an evaluated row (``add_facts`` counts those of its facts)."""
        for warning in warnings:
            self.warnings_total += 1
            self.warning_reasons[warning.kind] += 1
            entry = (warning.line if warning.line is not None else 0, warning.id or "", warning.reason)
            _keep_first(self.warnings_first, warning.kind, entry)

    def update(self, results: Iterable[TicketResult]) -> Accumulator:
        """Add every result; returns self."""
        for result in results:
            self.add(result)
        return self

    def merge(self, other: Accumulator) -> Accumulator:
        """Add everything ``other`` counted (same ``by``); returns self."""
        if other.by != self.by:
            raise ValueError(f"cannot merge summaries grouped by {other.by!r} into one grouped by {self.by!r}")
        if self.context is None:
            self.context = other.context
        if self.as_of is None:
            self.as_of = other.as_of
        self.evaluated += other.evaluated
        self.latest = max(self.latest, getattr(other, "latest", 0))
        self.overall.merge(other.overall)
        for key, group in other.groups.items():
            mine = self.groups.get(key)
            if mine is None:
                mine = self.groups[key] = _GroupState()
            mine.merge(group)
        self.breaches_total += other.breaches_total
        self.breached_tickets += other.breached_tickets
        self.breaches = heapq.nlargest(BREACHES_SHOWN, self.breaches + other.breaches)
        self.rejected_total += other.rejected_total
        self.reasons.update(other.reasons)
        self.rejected = heapq.nsmallest(REJECTED_SHOWN, self.rejected + other.rejected)
        for kind, entry in other.rejected_first.items():
            _keep_first(self.rejected_first, kind, entry)
        self.warnings_total += other.warnings_total
        self.warning_reasons.update(other.warning_reasons)
        for kind, entry in other.warnings_first.items():
            _keep_first(self.warnings_first, kind, entry)
        return self

    def finish(self) -> Summary:
        """The summary of everything added and merged so far (the accumulator stays usable)."""
        context = self.context
        if context is None:
            from slakit.calendar import BusinessCalendar

            calendar = BusinessCalendar.always_open("UTC")
            context = Context(zone=calendar.timezone, calendar=calendar)
        breaches = heapq.nlargest(BREACHES_SHOWN, self.breaches)
        rejected = heapq.nsmallest(REJECTED_SHOWN, self.rejected)
        groups = sorted(self.groups.items(), key=lambda item: tuple((v is None, v or "") for v in item[0]))
        overall = _GroupState()
        for state in (self.overall, *(state for _, state in groups)):
            overall.merge(state)
        return Summary(
            policy=context.policy_name,
            as_of=self.as_of,
            group_by=self.by,
            rows=self.evaluated + self.rejected_total,
            evaluated=self.evaluated,
            overall=overall.figures(context, self.as_of),
            groups=tuple(
                Group(dict(zip(self.by, key, strict=True)), state.figures(context, self.as_of)) for key, state in groups
            ),
            breaches_total=self.breaches_total,
            breached_tickets=self.breached_tickets,
            breaches=tuple(
                Breach(ticket, line or None, priority, metric, deadline, completed or None, late)
                for _, ticket, metric, line, priority, deadline, completed, late in breaches
            ),
            rejected_total=self.rejected_total,
            rejected_reasons=_ordered(self.reasons),
            rejected=tuple((line or None, ticket or None, reason) for line, ticket, reason in rejected),
            notes=self._notes(context),
            rejected_first=_firsts(self.reasons, self.rejected_first),
            warnings_total=self.warnings_total,
            warning_reasons=_ordered(self.warning_reasons),
            warnings_first=_firsts(self.warning_reasons, self.warnings_first),
            timezone=str(context.zone),
            priorities={
                code: (context.priority_names.get(code), rank)
                for code, rank in sorted(context.priority_ranks.items(), key=lambda item: (item[1], item[0]))
            },
        )

    def _notes(self, context: Context) -> tuple[str, ...]:
        """The cautions of the whole report: the default calendar's note for the latest day the figures depend
        on (``as_of``, or a later deadline)."""
        latest = self.latest
        if self.as_of is not None:
            latest = max(latest, to_us(self.as_of))
        if not latest:
            return ()
        note = context.calendar.makeup_workdays_note(from_us(latest, context.zone))
        return (note,) if note is not None else ()

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__ | {"context": None}  # the receiving side has its own policy


def _keep_first(firsts: dict[str, tuple[int, str, str]], kind: str, entry: tuple[int, str, str]) -> None:
    """Keep ``entry`` as the first of ``kind`` when it comes before the one kept (smallest line, then id, reason)."""
    kept = firsts.get(kind)
    if kept is None or entry < kept:
        firsts[kind] = entry


def _firsts(
    counts: Mapping[str, int], firsts: Mapping[str, tuple[int, str, str]]
) -> dict[str, tuple[int | None, str | None, str]]:
    """The first row of each kind, in the order of the counts (descending, then kind)."""
    return {
        kind: (line or None, ticket or None, reason)
        for kind in _ordered(counts)
        for line, ticket, reason in (firsts[kind],)
    }


def summarize(
    results: Iterable[TicketResult],
    by: str | tuple[str, ...] | list[str] = ("month",),
    *,
    policy: ServicePolicy | Policy | None = None,
    as_of: datetime | None = None,
) -> Summary:
    """The report's figures for ``results`` (from :func:`~slakit.batch.evaluate_many`), overall and per group.

    ``by`` names the group keys: ``month``, ``quarter``, ``week`` (of ``created_at`` in the policy's
    zone), ``priority``, ``type``, ``category``, ``channel``, ``product``, ``customer``, ``agent``.
    ``policy`` and ``as_of`` default to those the results were evaluated with.
    """
    return Accumulator(by, policy=policy, as_of=as_of).update(results).finish()
