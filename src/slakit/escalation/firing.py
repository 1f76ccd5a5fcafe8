"""``fire``: which escalation rules fire, when exactly, and when the next one will, in integer microseconds.

This is the escalation part of slakit's core (docs/design.md, "The core"). Each fact a rule reads
is known as a function of time from the ticket's :class:`~slakit.sla.timeline.Timeline`: ticket facts
change at events, survey facts hold from the survey's instant, and each SLA metric a rule names is a
list of phases (:mod:`slakit.escalation.phases`) within which its figures move only with the open
time of its clock. So the instants at which each leaf holds are computed exactly, as spans
(:mod:`slakit.escalation._spans`); ``all``/``any``/``not`` combine them, and a rule fires at the first
instant of its spans (per cycle when clocks restart on reopen). ``next_at`` is the first instant after
``as_of`` at which a rule that has not fired would. Nothing is sampled.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from slakit.calendar import Rulers
from slakit.escalation._spans import Spans, complement, intersect, metric_spans, union, value_after, value_at
from slakit.escalation.conditions import Leaf
from slakit.escalation.facts import ticket_fact
from slakit.escalation.measured import measured_phases
from slakit.escalation.phases import INF, Phase, metric_phases
from slakit.escalation.rules import ALL, ANY, NOT, SLA, STATIC, SURVEY, EscalationRules, Node, Rule
from slakit.instants import td_to_us
from slakit.sla import Metric, Policy, Ticket, Timeline
from slakit.sla.clocks import cycle_starts
from slakit.sla.policy import HoldsPolicy, sla_policy
from slakit.survey import SurveyScore

__all__ = ["FactsOverTime", "Fired", "Firing", "fire"]


class Fired(NamedTuple):
    """One rule that fired: at ``at`` in reopen ``cycle``, the contact deadline ``contact_by`` (None
    without ``contact_within``), the ``reason`` (each fact of its condition at that instant) and ``seen``,
    the first instant an evaluation shows it (``at``, or one microsecond later when a strict threshold
    passed at ``at``)."""

    rule: Rule
    at: int
    cycle: int
    contact_by: int | None
    reason: str
    seen: int


class Firing(NamedTuple):
    """The rules fired up to ``as_of`` in firing order, the highest level reached, and ``next_at``."""

    fired: tuple[Fired, ...]
    level: int
    next_at: int | None


def fire(
    ticket: Ticket,
    line: Timeline,
    policy: Policy | HoldsPolicy,
    rules: EscalationRules,
    *,
    survey: SurveyScore | None = None,
    survey_from: int | None = None,
    rulers: Rulers | None = None,
) -> Firing:
    """Every rule of ``rules`` that fired on ``ticket`` (whose timeline is ``line``) up to ``line.as_of``, under
    ``policy`` (a :class:`slakit.ServicePolicy` or its ``.sla``).

    Survey facts hold from ``survey_from``, else from the ticket's last resolve (or close), else from its
    creation. ``rulers`` are the calendar rulers of this evaluation (shared with the SLA measurement).
    """
    facts = FactsOverTime(ticket, line, sla_policy(policy), rulers or Rulers(), survey, survey_from)
    return facts.fire(rules)


class FactsOverTime:
    """The facts of one ticket as functions of time, up to ``line.as_of``."""

    def __init__(
        self,
        ticket: Ticket,
        line: Timeline,
        policy: Policy,
        rulers: Rulers,
        survey: SurveyScore | None,
        survey_from: int | None,
    ) -> None:
        self.ticket = ticket
        self.line = line
        self.policy = policy
        self.plan = policy.plan_for(ticket)  # the targets chosen for this ticket (slas), as the SLA core has them
        self.rulers = rulers
        self.created = line.created
        self.survey = survey
        self.survey_from: int | None = None
        if survey is not None:
            default = line.last_resolve if line.last_resolve is not None else line.created
            self.survey_from = survey_from if survey_from is not None else default
        self.histories: dict[str, tuple[list[int], list[Phase]]] = {}

    # -- rules ---------------------------------------------------------------------------------------

    def fire(self, rules: EscalationRules) -> Firing:
        """Each rule's first instant in each cycle, up to ``as_of``, and the next one after it."""
        as_of = self.line.as_of
        cycles = self._cycles()
        last_start = cycles[-1][0]
        fired: list[tuple[int, int, Rule, int, int]] = []  # (first instant, rule index, rule, cycle, cycle start)
        next_at: int | None = None
        for rule, node in rules.compiled:
            spans = self._spans(node)
            if not spans:
                continue
            for i, (start, cycle) in enumerate(cycles):
                until = cycles[i + 1][0] if i + 1 < len(cycles) else INF
                at = _first(spans, start)
                if at is None or at >= until:
                    continue
                if at <= as_of:
                    fired.append((at, rule.index, rule, cycle, start))
                elif start == last_start and (next_at is None or at < next_at):
                    next_at = at
        # in the order they show (then in rule order), so that a later as_of only adds items: a rule whose
        # condition began to hold at the same instant as another's but shows one microsecond later (a strict
        # threshold passed there) comes after it
        fired.sort(key=lambda item: (item[0], item[1]))
        items = tuple(self._fired(rule, self._began(rule, at, start), at, cycle) for at, _, rule, cycle, start in fired)
        return Firing(items, max((item.rule.level for item in items), default=0), next_at)

    def _cycles(self) -> list[tuple[int, int]]:
        """``(start, cycle)``: one cycle, or one per reopening when the policy restarts clocks (the SLA's own
        cycles; a cycle that ends where it starts keeps no rule, so the next one with the same start does)."""
        cycles: list[tuple[int, int]] = []
        for count, t in enumerate(cycle_starts(self.line, self.plan.restart)):
            if cycles and cycles[-1][0] == t:
                cycles[-1] = (t, count)
            else:
                cycles.append((t, count))
        return cycles

    def _began(self, rule: Rule, seen: int, start: int) -> int:
        """When the condition of ``rule``, holding from ``seen`` on (and not just before it), began to hold:
        ``seen - 1`` when it holds just after that instant (a strict threshold passed there, such as a
        deadline: breached just after it), else ``seen``; never before the cycle's ``start``."""
        t = seen - 1
        if t < start:
            return seen
        after = {leaf.fact: self.fact_after(leaf.fact, t) for leaf in rule.condition.leaves()}
        return t if rule.condition.holds(after) else seen

    def _fired(self, rule: Rule, t: int, seen: int, cycle: int) -> Fired:
        """The rule as fired: it began to hold at ``t`` and shows from ``seen`` (its facts are those there)."""
        contact_by = None
        if rule.contact_within is not None:
            within = td_to_us(rule.contact_within)
            if rule.clock == "business":  # BusinessCalendar.add on the policy's default calendar
                contact_by = self.rulers.of(self.policy.default_calendar).add(t, within) if within else t
            else:
                contact_by = t + within
        facts = {leaf.fact: self.fact(leaf.fact, seen) for leaf in rule.condition.leaves()}
        return Fired(rule, t, cycle, contact_by, rule.condition.describe(facts), seen)

    def _spans(self, node: Node) -> Spans:
        """The instants (from creation on) at which ``node`` holds."""
        kind = node[0]
        if kind == SLA:
            starts, phases = self.history(node[2])
            return metric_spans(node[1], node[3], node[4], starts, phases, self.plan.ratio)
        if kind == STATIC:
            leaf = node[1]
            return [(self.created, INF)] if leaf.holds({leaf.fact: ticket_fact(self.ticket, node[2])}) else []
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
        return _step_spans(node[1], self._steps("survey" if kind == SURVEY else "ticket", node[2]))

    # -- facts as functions of time ------------------------------------------------------------------

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
            instants = self.line.complaints if name == "complaints" else self.line.reopens
            return [(created, 0), *((t, count) for count, t in enumerate(instants, start=1))]
        return [(created, ticket_fact(self.ticket, name))]

    def history(self, metric: Metric) -> tuple[list[int], list[Phase]]:
        """The phases of ``metric`` and the instant each starts."""
        history = self.histories.get(metric)
        if history is None:
            if metric in self.plan.definitions:
                phases = measured_phases(metric, self.ticket, self.line, self.plan, self.rulers)
            else:
                phases = metric_phases(metric, self.line, self.plan, self.rulers)
            history = self.histories[metric] = ([phase.start for phase in phases], phases)
        return history

    def fact(self, fact: str, t: int) -> Any:
        """The value of ``fact`` at instant ``t`` (at or after creation), as a rule sees it."""
        scope, _, name = fact.partition(".")
        if scope == "sla":
            metric, _, field = name.partition(".")
            starts, phases = self.history(metric)  # the rules name only metrics (checked at load)
            return value_at(phases[bisect_right(starts, t) - 1], field, t, self.plan.ratio)
        value = None
        for since, step in self._steps(scope, name):
            if since > t:
                break
            value = step
        return value

    def fact_after(self, fact: str, t: int) -> Any:
        """The value of ``fact`` just after instant ``t`` (before the next microsecond), as a rule sees it:
        events at ``t`` have happened, the next ones not yet, SLA figures move with their clocks
        (:func:`~slakit.escalation._spans.value_after`)."""
        scope, _, name = fact.partition(".")
        if scope != "sla":
            return self.fact(fact, t)
        metric, _, field = name.partition(".")
        starts, phases = self.history(metric)
        return value_after(phases[bisect_right(starts, t) - 1], field, t, self.plan.ratio)

    def facts(self, t: int) -> Mapping[str, Any]:
        """Every fact at instant ``t``, as :func:`slakit.escalation.facts.snapshot` gives them (for tests)."""
        names = ["priority", "category", "channel", "product", "customer", "affected_customers", "flags"]
        values = {f"ticket.{name}": self.fact(f"ticket.{name}", t) for name in [*names, "complaints", "reopens"]}
        for name in self.ticket.attributes:
            values[f"ticket.attributes.{name}"] = self.fact(f"ticket.attributes.{name}", t)
        for metric in self.plan.metrics:
            starts, phases = self.history(metric)
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


def _step_spans(leaf: Leaf, steps: list[tuple[int, Any]]) -> Spans:
    """The instants at which ``leaf`` holds, for a fact that takes the value of each ``(since, value)`` step
    from its instant to the next."""
    spans: Spans = []
    answers: dict[Any, bool] = {}  # a fact takes few values (priorities, counts): each asked once
    for i, (since, value) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else INF
        if since >= end:
            continue
        try:
            holds = answers.get(value)
            if holds is None:
                holds = answers[value] = leaf.holds({leaf.fact: value})
        except TypeError:  # not hashable (a set of flags): asked each time
            holds = leaf.holds({leaf.fact: value})
        if holds:
            if spans and spans[-1][1] == since:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((since, end))
    return spans
