"""Escalation rules over a flat row's timeline, for :mod:`slakit.batch.fast_path`.

:func:`slakit.escalation.evaluate` works out when each leaf of a rule holds, as spans of instants,
and fires a rule at the first instant of its spans. A flat row has one priority, no pauses, its
complaints at one instant and at most one reopening, so here each rule's condition is compiled
once per policy into functions of the row: leaves on fixed facts are decided by their value
(remembered per value), leaves on complaints, reopens and the survey by at most two steps, and
leaves on SLA metrics by the escalation engine's own phases (:func:`~slakit.escalation._sweep.sweep`)
and spans (:func:`~slakit.escalation._spans.metric_spans`). The span algebra is the engine's.
tests/batch/test_fast_path.py checks the results against the engine's through whole runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from slakit._time import td_to_us
from slakit.calendar.business_calendar import Ruler
from slakit.escalation._compiled import ALL, ANY, NOT, SLA, STATIC, STEPS, SURVEY, Node, compiled
from slakit.escalation._history import MetricHistory
from slakit.escalation._phase import INF, Phase
from slakit.escalation._spans import Spans, complement, intersect, metric_spans, union
from slakit.escalation.rules import EscalationRules, Rule
from slakit.sla import Policy
from slakit.sla.engine import _Plan
from slakit.sla.policy import Metric
from slakit.sla.report import MetricState
from slakit.sla.timeline import Timeline, clock_stop
from slakit.survey import SurveyScore

__all__ = ["FlatRow", "FlatRules", "NotFlat"]

_MAX_REMEMBERED = 4096
_RUNNING, _MET, _PENDING = MetricState.RUNNING, MetricState.MET, MetricState.PENDING


class NotFlat(Exception):  # noqa: N818 -- a signal to the fast path, not an error
    """A rule needs what only the general evaluation has (an SLA report at an event instant)."""


class FlatRow:
    """What the rules read of one flat row: the timeline and the facts, as epoch microseconds."""

    __slots__ = (
        "attributes",
        "complaints",
        "complaints_at",
        "histories",
        "reopened",
        "rulers",
        "survey",
        "survey_from",
        "timeline",
    )

    def __init__(
        self,
        timeline: Timeline,
        rulers: dict[int, Ruler],
        attributes: Mapping[str, Any],
        complaints: int,
        complaints_at: int,
        reopened: int | None,
        survey: SurveyScore | None,
        survey_from: int | None,
    ) -> None:
        self.timeline = timeline
        self.rulers = rulers
        self.attributes = attributes
        self.complaints = complaints
        self.complaints_at = complaints_at
        self.reopened = reopened
        self.survey = survey
        self.survey_from = survey_from
        self.histories: dict[str, tuple[list[int], list[Phase]]] = {}


Compiled = Callable[[FlatRow], Spans]


def _general(_: Any = None) -> Any:
    raise NotFlat


class FlatRules:
    """A policy's escalation rules compiled for flat rows (see the module docstring)."""

    def __init__(self, rules: EscalationRules, policy: Policy, plan: _Plan) -> None:
        self.plan = plan
        self.ratio = plan.ratio
        self.calendar = policy.default_calendar
        self.rules: list[tuple[Rule, Compiled, int | None]] = [
            (rule, self._compile(node), td_to_us(rule.contact_within) if rule.contact_within is not None else None)
            for rule, node in compiled(rules)
        ]

    def fired(self, row: FlatRow, as_of: int) -> tuple[list[tuple[int, Rule, int | None]], int | None]:
        """``(fired_at, rule, contact_by)`` of each rule fired by ``as_of``, in firing order, and ``next_at``."""
        created = row.timeline.created
        fired: list[tuple[int, int, Rule, int | None]] = []
        next_at: int | None = None
        for rule, spans_of, within in self.rules:
            at = None
            for a, b in spans_of(row):  # the first instant of the spans, from creation on
                if b > created:
                    at = a if a > created else created
                    break
            if at is None:
                continue
            if at <= as_of:
                fired.append((at, rule.index, rule, self._contact_by(rule, within, at, row.rulers)))
            elif next_at is None or at < next_at:
                next_at = at
        if len(fired) > 1:
            fired.sort(key=_firing_order)
        return [(at, rule, contact_by) for at, _, rule, contact_by in fired], next_at

    def _contact_by(self, rule: Rule, within: int | None, t: int, rulers: dict[int, Ruler]) -> int | None:
        if within is None:
            return None
        if rule.clock != "business":
            return t + within
        calendar = self.calendar  # BusinessCalendar.add on the policy's default calendar
        ruler = rulers.get(id(calendar))
        if ruler is None:
            ruler = rulers[id(calendar)] = calendar.ruler()
        return ruler.add(t, within) if within else t

    # -- compiling a condition -----------------------------------------------------------------------

    def _compile(self, node: Node) -> Compiled:
        kind = node[0]
        if kind == SLA:
            return self._metric(node)
        if kind in (STATIC, STEPS) and node[2] in ("complaints", "reopens"):
            return self._counted(node)
        if kind in (STATIC, STEPS):
            return self._fixed(node)
        if kind == SURVEY:
            return self._survey(node)
        parts = [self._compile(part) for part in node[1]]
        if kind == NOT:
            only = parts[0]
            return lambda row: complement(only(row), row.timeline.created)
        if kind == ALL:
            return lambda row: _all(parts, row)
        assert kind == ANY  # noqa: S101 -- the node kinds there are
        return lambda row: _any(parts, row)

    def _fixed(self, node: Node) -> Compiled:
        """A leaf on a fact that stays as it is (the priority, too: a flat row has one)."""
        leaf, name = node[1], node[2]
        known: dict[Any, bool] = {}

        def spans(row: FlatRow) -> Spans:
            value = row.timeline.priorities[0][1] if name == "priority" else row.attributes[name]
            holds = known.get(value)
            if holds is None:
                if len(known) >= _MAX_REMEMBERED:
                    known.clear()
                holds = known[value] = leaf.holds({leaf.fact: value})
            return [(row.timeline.created, INF)] if holds else []

        return spans

    @staticmethod
    def _counted(node: Node) -> Compiled:
        """A leaf on complaints (all at the row's latest instant) or reopens (at most one): two steps."""
        leaf, name = node[1], node[2]
        known: dict[int, bool] = {}

        def holds(count: int) -> bool:
            result = known.get(count)
            if result is None:
                result = known[count] = leaf.holds({leaf.fact: count})
            return result

        def spans(row: FlatRow) -> Spans:
            created = row.timeline.created
            if name == "complaints":
                count, at = row.complaints, row.complaints_at
            else:
                count, at = (0, INF) if row.reopened is None else (1, row.reopened)
            result: Spans = []
            if (count == 0 or at > created) and holds(0):
                result.append((created, at if count else INF))
            if count and holds(count):
                if result:
                    result[-1] = (created, INF)
                else:
                    result.append((at, INF))
            return result

        return spans

    @staticmethod
    def _survey(node: Node) -> Compiled:
        leaf, name = node[1], node[2]
        known: dict[int, tuple[SurveyScore, bool]] = {}  # by the score's id; the entry keeps the score alive

        def spans(row: FlatRow) -> Spans:
            survey, since = row.survey, row.survey_from
            if survey is None or since is None:
                return []
            entry = known.get(id(survey))
            if entry is None or entry[0] is not survey:
                if len(known) >= _MAX_REMEMBERED:
                    known.clear()
                value = survey.facts().get(name)
                entry = known[id(survey)] = (
                    survey,
                    leaf.holds({leaf.fact: Decimal(str(value)) if value is not None else None}),
                )
            if not entry[1]:
                return []
            created = row.timeline.created
            return [(since if since > created else created, INF)]

        return spans

    def _metric(self, node: Node) -> Compiled:
        leaf, metric, field, prepared = node[1], node[2], node[3], node[4]
        ratio = self.ratio
        phases_of = self._phases

        def spans(row: FlatRow) -> Spans:
            history = row.histories.get(metric)
            if history is None:
                phases = phases_of(metric, row)
                history = row.histories[metric] = ([phase.start for phase in phases], phases)
            return metric_spans(leaf, field, prepared, history[0], history[1], ratio)

        return spans

    def _phases(self, metric: Metric, row: FlatRow) -> list[Phase]:
        """The metric's phases: :func:`~slakit.escalation._sweep.sweep`'s, written out for a clock that runs
        in one stretch (no resolve before it stops); the engine's own sweep otherwise."""
        timeline = row.timeline
        target = self.plan.targets[timeline.priorities[0][1]].get(metric)
        if target is None:  # not tracked for the row's priority (or not measured): no figures, at any instant
            return [Phase(timeline.created, None)]
        if metric != "update":
            created, spans = timeline.created, timeline.resolved
            ruler = row.rulers.get(id(target.clock))
            if ruler is None:
                ruler = row.rulers[id(target.clock)] = target.clock.ruler()
            within = target.within_us
            if metric == "resolution":
                if not spans:
                    return [_running(created, None, within, ruler)]
                if len(spans) == 1 and spans[0][1] is None:
                    return _stopped(created, created, spans[0][0], within, ruler)
            else:
                start, natural = (
                    (created, timeline.first_response)
                    if metric == "response"
                    else (timeline.first_assign, timeline.first_acknowledge)
                )
                if start is None:
                    return [Phase(created, _PENDING, None, 0, within)]
                stop = clock_stop(spans, start, natural)
                if not spans or (stop is not None and spans[0][0] >= stop):
                    if stop is None:
                        phases = [_running(start, None, within, ruler)]
                    else:
                        phases = _stopped(created, start, stop, within, ruler)
                    if start > created:
                        phases.insert(0, Phase(created, _PENDING, None, 0, within))
                    return phases
        return MetricHistory(metric, timeline, self.plan, row.rulers, [timeline.created], _general, _general).phases()


def _running(start: int, stop: int | None, within: int, ruler: Ruler) -> Phase:
    """The clock counting from ``start`` until ``stop`` (None: on and on), breached past its deadline."""
    run = INF if stop is None else ruler.elapsed(start, stop)
    deadline = start if within <= 0 else (ruler.add(start, within) if run >= within else None)
    breach = deadline + 1 if deadline is not None else None
    return Phase(start, _RUNNING, breach, 0, within, True, True, ruler, run)


def _stopped(created: int, start: int, stop: int, within: int, ruler: Ruler) -> list[Phase]:
    """The clock counting from ``start`` and stopped for good at ``stop``: met, or breached at ``stop``."""
    if stop <= start:
        return [Phase(start, _MET, None, 0, within)]
    running = _running(start, stop, within, ruler)
    breached = running.breach is not None and running.breach <= stop  # the deadline is before the stop
    run = running.span
    assert run is not None  # noqa: S101 -- set by _running
    return [running, Phase(stop, _MET, stop if breached else None, run, within - run)]


def _all(parts: list[Compiled], row: FlatRow) -> Spans:
    result = parts[0](row)
    for part in parts[1:]:
        if not result:
            break
        result = intersect(result, part(row))
    return result


def _any(parts: list[Compiled], row: FlatRow) -> Spans:
    result = parts[0](row)
    for part in parts[1:]:
        result = union(result, part(row))
    return result


def _firing_order(item: tuple[int, int, Rule, int | None]) -> tuple[int, int]:
    return item[0], item[1]
