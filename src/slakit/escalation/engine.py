"""``evaluate``: which escalation rules fired, when exactly, and when the next one will.

The ticket's timeline is built once. Each fact a rule reads is then known as a function of time:
ticket facts change at events, survey facts hold from the survey's instant, and each SLA metric
a rule names is a list of phases (:mod:`slakit.escalation._history`) within which its figures
move only with the open time of its clock. So the instants at which each leaf holds are computed
exactly, as spans (:mod:`slakit.escalation._spans`); ``all``/``any``/``not`` combine them, and a
rule fires at the first instant of its spans (per cycle when clocks restart on reopen).
``next_at`` is the first instant after ``as_of`` at which a rule that has not fired would.
Nothing is sampled. In the common case the SLA report is not evaluated at all; otherwise it is
evaluated once per event instant, never per threshold or breakpoint.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from slakit._time import from_us, require_aware, td_to_us, to_us
from slakit.calendar.business_calendar import Ruler
from slakit.escalation._compiled import ALL, ANY, NOT, SLA, STATIC, SURVEY, Node, compiled
from slakit.escalation._history import MetricHistory
from slakit.escalation._phase import INF, Phase
from slakit.escalation._spans import Spans, complement, intersect, metric_spans, union, value_at
from slakit.escalation.report import Escalation, EscalationReport
from slakit.escalation.rules import EscalationRules, Rule
from slakit.sla import METRICS, Policy, SLAReport, Ticket
from slakit.sla import evaluate as evaluate_sla
from slakit.sla.engine import _evaluate_sharing, _plan
from slakit.sla.timeline import Timeline, build_timeline
from slakit.survey import SurveyScore

__all__ = ["evaluate", "evaluate_with_sla"]


def evaluate(
    ticket: Ticket,
    policy: Policy,
    *,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
    rules: EscalationRules | None = None,
) -> EscalationReport:
    """Every rule that fired up to ``as_of`` (once per ticket, or per cycle when reopen restarts),
    the highest level reached, and ``next_at``.

    ``rules`` defaults to the policy's ``escalation`` section. Survey facts hold from
    ``survey_at``, else from the ticket's last resolution before ``as_of``, else from its creation.
    """
    require_aware(as_of, "as_of")
    if survey_at is not None:
        require_aware(survey_at, "survey_at")
    if rules is None:
        rules = policy.escalation
    return _Evaluation(ticket, policy, to_us(as_of), survey, survey_at).report(rules, as_of)


def evaluate_with_sla(
    ticket: Ticket,
    policy: Policy,
    *,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
) -> tuple[SLAReport, EscalationReport]:
    """``(slakit.sla.evaluate(...), evaluate(...))`` of one ticket, with the policy's rules, for less.

    Both start from one timeline of the ticket and share its calendar lookups: for hosts that
    show both for every ticket, as :class:`slakit.batch.evaluation.Evaluator` does.
    """
    if survey_at is not None:
        require_aware(survey_at, "survey_at")
    report, line, rulers = _evaluate_sharing(ticket, policy, as_of)
    evaluation = _Evaluation(ticket, policy, line.as_of, survey, survey_at, line=line, rulers=rulers)
    return report, evaluation.report(policy.escalation, as_of)


class _Evaluation:
    """The facts of one ticket as functions of time, for one ``as_of``.

    ``line`` and ``rulers``, when given, are the SLA engine's timeline of the same ticket and
    instant and its rulers (which also means the ticket has passed the SLA engine's checks).
    """

    def __init__(
        self,
        ticket: Ticket,
        policy: Policy,
        as_of: int,
        survey: SurveyScore | None,
        survey_at: datetime | None,
        *,
        line: Timeline | None = None,
        rulers: dict[int, Ruler] | None = None,
    ) -> None:
        checked = line is not None
        if not checked:
            policy.priority(ticket.priority)  # the SLA engine's checks, on the events it would see
        complaints: list[int] = []
        reopens: list[int] = []
        resolves: list[int] = []
        for event in ticket.events:
            if event.at_us > as_of:
                continue
            kind = event.type
            if kind == "priority":
                if not checked:
                    policy.priority(event.priority or "")
            elif kind == "complaint":
                complaints.append(event.at_us)
            elif kind == "reopen":
                reopens.append(event.at_us)
            elif kind == "resolve" or kind == "close":
                resolves.append(event.at_us)
        self.ticket = ticket
        self.policy = policy
        self.as_of = as_of
        self.plan = plan = _plan(policy)
        if line is None:
            line = build_timeline(ticket, as_of, plan.pause_statuses)
        self.line = line
        self.created = line.created
        self.sinces = [since for since, _ in line.priorities]
        self.zone = plan.zone
        complaints.sort()
        reopens.sort()
        self.complaints = complaints
        self.reopens = reopens
        self.survey = survey
        self.survey_from: int | None = None
        if survey is not None:
            self.survey_from = to_us(survey_at) if survey_at is not None else max(resolves, default=line.created)
        self.rulers: dict[int, Ruler] = rulers if rulers is not None else {}
        self.histories: dict[str, tuple[list[int], list[Phase]]] = {}
        self.instants: list[int] | None = None
        self.reports: dict[int, SLAReport] = {}
        self.known: Ticket | None = None

    # -- rules -------------------------------------------------------------------------------------

    def report(self, rules: EscalationRules, as_of: datetime) -> EscalationReport:
        cycles = self._cycles()
        last_start = cycles[-1][0]
        fired: list[tuple[int, int, Rule, int]] = []  # (fired_at, rule index, rule, cycle)
        next_at: int | None = None
        for rule, node in compiled(rules):
            spans = self._spans(node)
            if not spans:
                continue
            for i, (start, cycle) in enumerate(cycles):
                until = cycles[i + 1][0] if i + 1 < len(cycles) else INF
                at = _first(spans, start)
                if at is None or at >= until:
                    continue
                if at <= self.as_of:
                    fired.append((at, rule.index, rule, cycle))
                elif start == last_start and (next_at is None or at < next_at):
                    next_at = at
        fired.sort(key=lambda item: (item[0], item[1]))
        items = tuple(self._escalation(rule, at, cycle) for at, _, rule, cycle in fired)
        level = max((item.level for item in items), default=0)
        return EscalationReport(
            self.ticket.id, as_of, items, level, self._datetime(next_at) if next_at is not None else None
        )

    def _cycles(self) -> list[tuple[int, int]]:
        """``(start, cycle)``: one cycle, or one per reopening when the policy restarts clocks."""
        cycles = [(self.created, 0)]
        if self.plan.restart:
            for count, t in enumerate(self.reopens, start=1):
                if cycles[-1][0] == t:
                    cycles[-1] = (t, count)
                else:
                    cycles.append((t, count))
        return cycles

    def _escalation(self, rule: Rule, t: int, cycle: int) -> Escalation:
        contact_by = None
        if rule.contact_within is not None:
            within = td_to_us(rule.contact_within)
            if rule.clock == "business":  # BusinessCalendar.add on the policy's default calendar
                calendar = self.policy.default_calendar
                ruler = self.rulers.get(id(calendar))
                if ruler is None:
                    ruler = self.rulers[id(calendar)] = calendar.ruler()
                contact_by = self._datetime(ruler.add(t, within) if within else t)
            else:
                contact_by = self._datetime(t + within)
        facts = {leaf.fact: self.fact(leaf.fact, t) for leaf in rule.condition.leaves()}
        reason = rule.condition.describe(facts)
        return Escalation(rule.name, rule.level, rule.role, self._datetime(t), contact_by, reason, cycle)

    def _datetime(self, t: int) -> datetime:
        """The instant in the policy's zone."""
        return from_us(t, self.zone)

    def _spans(self, node: Node) -> Spans:
        """The instants (from creation on) at which ``node`` holds."""
        kind = node[0]
        if kind == SLA:
            starts, phases = self._history(node[2])
            return metric_spans(node[1], node[3], node[4], starts, phases, self.plan.ratio)
        if kind == STATIC:
            leaf = node[1]
            return [(self.created, INF)] if leaf.holds({leaf.fact: getattr(self.ticket, node[2])}) else []
        if kind == NOT:
            return complement(self._spans(node[1][0]), self.created)
        if kind in (ALL, ANY):
            parts = node[1]
            result = self._spans(parts[0])
            for part in parts[1:]:
                if kind == ALL:
                    if not result:
                        break
                    result = intersect(result, self._spans(part))
                else:
                    result = union(result, self._spans(part))
            return result
        leaf = node[1]
        spans: Spans = []
        steps = self._steps("survey" if kind == SURVEY else "ticket", node[2])
        for i, (since, value) in enumerate(steps):
            end = steps[i + 1][0] if i + 1 < len(steps) else INF
            if since < end and leaf.holds({leaf.fact: value}):
                if spans and spans[-1][1] == since:
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((since, end))
        return spans

    # -- facts as functions of time ----------------------------------------------------------------

    def _steps(self, scope: str, name: str) -> list[tuple[int, Any]]:
        """A ticket or survey fact as ``(since, value)`` steps from creation on."""
        created = self.created
        if scope == "survey":
            if self.survey is None or self.survey_from is None:
                return []
            value = self.survey.facts().get(name)
            return [(max(created, self.survey_from), Decimal(str(value)) if value is not None else None)]
        if name == "priority":
            return [(max(since, created), code) for since, code in self.line.priorities]
        if name == "complaints" or name == "reopens":
            instants = self.complaints if name == "complaints" else self.reopens
            return [(created, 0), *((t, count) for count, t in enumerate(instants, start=1))]
        return [(created, getattr(self.ticket, name))]

    def _history(self, metric: str) -> tuple[list[int], list[Phase]]:
        history = self.histories.get(metric)
        if history is None:
            if metric not in METRICS:
                phases = [Phase(self.created, None)]
            else:
                phases = MetricHistory(
                    metric, self.line, self.plan, self.rulers, self.sinces, self._instants, self._report_at
                ).phases()
            history = self.histories[metric] = ([phase.start for phase in phases], phases)
        return history

    def _instants(self) -> list[int]:
        """The ticket's creation and the instants of its events up to ``as_of``, in order."""
        if self.instants is None:
            as_of = self.as_of
            self.instants = sorted({self.created, *(e.at_us for e in self.ticket.events if e.at_us <= as_of)})
        return self.instants

    def _report_at(self, t: int) -> SLAReport:
        """The SLA report at instant ``t`` (one per instant, shared by the metrics)."""
        report = self.reports.get(t)
        if report is None:
            if self.known is None:  # the ticket as known at as_of: later events are not even checked
                as_of = self.as_of
                self.known = replace(self.ticket, events=tuple(e for e in self.ticket.events if e.at_us <= as_of))
            report = self.reports[t] = evaluate_sla(self.known, self.policy, as_of=from_us(t, self.zone))
        return report

    def fact(self, fact: str, t: int) -> Any:
        """The value of ``fact`` at instant ``t`` (at or after creation), as a rule sees it."""
        scope, _, name = fact.partition(".")
        if scope == "sla":
            metric, _, field = name.partition(".")
            starts, phases = self._history(metric)
            return value_at(phases[bisect_right(starts, t) - 1], field, t, self.plan.ratio)
        value = None
        for since, step in self._steps(scope, name):
            if since > t:
                break
            value = step
        return value

    def facts(self, t: int) -> Mapping[str, Any]:
        """Every fact at instant ``t``, as :func:`slakit.escalation.facts.snapshot` gives them (for tests)."""
        names = ["priority", "category", "channel", "product", "customer", "affected_customers", "flags"]
        values = {f"ticket.{name}": self.fact(f"ticket.{name}", t) for name in [*names, "complaints", "reopens"]}
        for metric in METRICS:
            starts, phases = self._history(metric)
            if phases[bisect_right(starts, t) - 1].state is None:
                continue
            for field in ("state", "elapsed", "remaining", "overdue", "elapsed_ratio", "at_risk"):
                values[f"sla.{metric}.{field}"] = self.fact(f"sla.{metric}.{field}", t)
        if self.survey is not None and self.survey_from is not None and t >= self.survey_from:
            values.update({f"survey.{name}": Decimal(str(value)) for name, value in self.survey.facts().items()})
        return values


def _first(spans: Spans, start: int) -> int | None:
    """The first instant of ``spans`` at or after ``start``."""
    for a, b in spans:
        if b > start:
            return max(a, start)
    return None
