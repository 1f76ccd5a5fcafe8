"""Escalation rules for the columnar batch engine: each rule's firing instant for whole columns of flat rows.

The row engine fires rules with :func:`slakit.escalation.fire` (:mod:`slakit.escalation.firing`): every leaf of a
condition is the set of instants at which it holds (spans ``[a, b)`` from the ticket's creation on), ``all`` /
``any`` / ``not`` are intersection, union and complement (:mod:`slakit.escalation._spans`), a rule fires at the
first instant of its spans, and ``next_at`` is the first such instant after ``as_of`` of a rule that has not
fired. This module restates that for the rows the columnar engine covers (no pauses, no priority change, no
extension, one cycle: a reopen only under ``on_reopen: resume``), with each row's spans held as a few columns of
starts and ends (:class:`_Spans`, ``INF`` for an empty slot):

- Ticket facts (``_static``, ``_steps``; reference ``FactsOverTime._steps``, ``_step_spans`` and
  :func:`slakit.batch.flat.FlatLayout._events`): category, channel, product, customer, affected customers, flags
  and the priority hold from creation on; the complaints are events at the row's latest instant (none before it);
  the reopen is one at ``reopened_at``; an attribute is the prepared ticket's (a leaf on one the row does not
  have never holds). Each leaf is asked once per distinct value (:meth:`Leaf.holds`).
- Survey facts (``_survey``; reference ``FactsOverTime.__init__`` and ``_steps``): from ``survey_at``, else from
  the last resolve, else from creation.
- SLA facts (``_sla``; reference :mod:`slakit.escalation.phases` and ``_spans.metric_spans``): a flat row's
  metric is pending until its clock starts, running until it stops, met after, breached from the breach instant
  (:func:`slakit.sla.track.breach_instant`, one microsecond after the deadline) on. ``elapsed``, ``remaining``
  and ``overdue`` are functions of the open time ``e`` the clock has counted; a leaf on one holds for ``e`` in a
  range (``_reach``: where the figure reaches and passes the threshold, as ``_spans._RUNS`` has them), which the
  calendar's open-interval table turns into instants exactly (the first instant by which the clock has counted
  ``e``: a deadline for another target length, ``Tables.deadline``). ``at_risk`` holds from the first
  ``e`` at which :func:`slakit.sla.track.is_at_risk` (:func:`~slakit.sla.track.at_risk_threshold`) until the
  breach or the stop. ``elapsed_ratio`` is the Decimal quotient of ``e`` by the target (fixed for a flat row), so
  a threshold on it is the least ``e`` at which that quotient reaches or passes it (``_least``, a search on the
  same quotient, as ``_ratio.ratio_spans`` does it; a zero target has no ratio). Targets are the row's own
  (conditional SLAs chosen per row by the columnar engine).
- A rule's ``fired_at`` (``_began``; reference ``FactsOverTime._began`` and ``_spans.value_after``) is one
  microsecond before the first instant its spans show when its condition holds just after that instant (a strict
  threshold passed there); ``contact_by`` is that plus ``contact_within`` on the policy's default calendar
  (business) or the wall clock (reference ``FactsOverTime._fired``). Rules are in the order they show, then in
  rule order, and the level is the highest fired (reference ``FactsOverTime.fire``).

What is not restated here keeps the row engine (:func:`refusal`, for the whole run): facts of metrics the policy
defines by events (the row engine measures those at each event). A row whose instants reach past the calendar's
table is not ``covered``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from slakit.escalation.phases import INF, threshold_runs
from slakit.escalation.rules import ALL, ANY, NOT, SLA, STEPS, SURVEY, EscalationRules, Node, Rule
from slakit.instants import td_to_us
from slakit.sla import MetricState
from slakit.sla.track import at_risk_threshold, breach_instant
from slakit.survey import SurveyScore

if TYPE_CHECKING:
    import numpy as np

    from slakit.calendar import BusinessCalendar

__all__ = ["NO_TIME", "Coded", "Escalations", "MetricClock", "RuleRows", "Tables", "escalations", "refusal"]

NO_TIME = -(1 << 63)
"""No instant (an empty time cell, a rule that did not fire): the columnar engine's ``_EMPTY``."""

_PENDING, _RUNNING, _MET, _BREACHED = MetricState.PENDING, MetricState.RUNNING, MetricState.MET, MetricState.BREACHED
_STATE_CODES = (_PENDING, _RUNNING, _MET, _BREACHED)
_FIGURES = ("elapsed", "remaining", "overdue")


class Coded(Protocol):
    """A column as the index of each row's value (``codes``) among distinct values (``values``)."""

    codes: np.ndarray
    values: list[Any]


class Tables(Protocol):
    """The calendar table functions the columnar engine measures its clocks with."""

    def elapsed(self, calendar: BusinessCalendar, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Open time from ``a`` to ``b`` and where the table covers both."""
        ...

    def deadline(
        self, calendar: BusinessCalendar, start: np.ndarray, within: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The earliest instant with ``within`` (> 0) open time after ``start``, and where the table reaches it."""
        ...


@dataclass(frozen=True, slots=True)
class MetricClock:
    """One metric's clock per row: whether the row's priority tracks it, when it starts and stops for good
    (:data:`NO_TIME`: not started, still running), its target and deadline, and the key of the calendar it runs
    on (``calendars``)."""

    tracked: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    within: np.ndarray
    deadline: np.ndarray
    clock: np.ndarray
    calendars: Mapping[int, BusinessCalendar]


@dataclass(frozen=True, slots=True)
class RuleRows:
    """What the rules read of the covered rows: creation, the ticket facts (``facts``: priority, category, channel,
    product, customer, affected_customers, flags, complaints, and ``attributes.<name>`` as prepared for evaluation:
    an attribute not there never holds), the complaints' instant, the reopen, the survey
    score and the instant its facts hold from, each measured metric's clock, the calendar table functions, the
    policy's default calendar (contact deadlines) and at-risk ratio, and ``as_of``."""

    created: np.ndarray
    facts: Mapping[str, Coded]
    complaints_at: np.ndarray
    reopened: np.ndarray
    survey: Coded
    survey_from: np.ndarray
    metrics: Mapping[str, MetricClock]
    tables: Tables
    calendar: BusinessCalendar
    ratio: tuple[int, int]
    as_of: int


@dataclass(frozen=True, slots=True)
class Escalations:
    """Each row's escalations: ``covered`` (False: the row engine's), and per rule (columns in rule order) whether
    it fired, ``fired_at``, ``seen`` (the first instant an evaluation shows it) and ``contact_by``
    (:data:`NO_TIME` when not fired or without ``contact_within``); the highest ``level`` and ``next_at``."""

    rules: tuple[Rule, ...]
    covered: np.ndarray
    fired: np.ndarray
    fired_at: np.ndarray
    seen: np.ndarray
    contact_by: np.ndarray
    level: np.ndarray
    next_at: np.ndarray

    def take(self, rows: np.ndarray) -> Escalations:
        """The same for ``rows`` (a mask or indexes)."""
        return Escalations(
            self.rules,
            self.covered[rows],
            self.fired[rows],
            self.fired_at[rows],
            self.seen[rows],
            self.contact_by[rows],
            self.level[rows],
            self.next_at[rows],
        )

    def order(self) -> np.ndarray:
        """Per row, the rule columns in the order the report lists them: fired ones by the instant they show, then
        by rule order (``FactsOverTime.fire``); those not fired after them."""
        import numpy as np

        count = len(self.rules)
        key = np.where(self.fired, self.seen, INF)
        found: np.ndarray = np.lexsort((np.broadcast_to(np.arange(count), key.shape), key), axis=1)
        return found


def refusal(rules: EscalationRules, defined: frozenset[str]) -> str | None:
    """Why the columnar engine cannot fire ``rules`` (None when it can): a leaf on a metric of ``defined`` (those
    the policy defines by events)."""
    for rule, node in rules.compiled:
        for leaf in _leaves(node):
            if leaf[0] == SLA and leaf[2] in defined:
                return f"escalation rule {rule.name!r} reads {leaf[2]}, a metric the policy defines by events"
    return None


def _leaves(node: Node) -> list[Node]:
    if node[0] in (ALL, ANY, NOT):
        return [leaf for part in node[1] for leaf in _leaves(part)]
    return [node]


def escalations(rules: EscalationRules, rows: RuleRows) -> Escalations:
    """Every rule of ``rules`` fired on each row up to ``rows.as_of`` (the row engine's ``fire``)."""
    import numpy as np

    work = _Work(rows)
    n = len(rows.created)
    width = len(rules.compiled)
    fired = np.zeros((n, width), dtype=bool)
    fired_at = np.full((n, width), NO_TIME, dtype=np.int64)
    seen = np.full((n, width), NO_TIME, dtype=np.int64)
    contact_by = np.full((n, width), NO_TIME, dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    next_at = np.full(n, INF, dtype=np.int64)
    for column, (rule, node) in enumerate(rules.compiled):
        first = work.spans(node).first()
        shows = first <= rows.as_of
        began = work.began(node, first, shows)
        fired[:, column] = shows
        fired_at[:, column] = np.where(shows, began, NO_TIME)
        seen[:, column] = np.where(shows, first, NO_TIME)
        contact_by[:, column] = work.contact(rule, began, shows)
        level = np.where(shows, np.maximum(level, rule.level), level)
        next_at = np.where(~shows, np.minimum(next_at, first), next_at)
    next_at = np.where(next_at < INF, next_at, NO_TIME)
    return Escalations(
        tuple(rule for rule, _ in rules.compiled), ~work.uncovered, fired, fired_at, seen, contact_by, level, next_at
    )


class _Spans:
    """Per row, a set of instants as ``width`` spans ``[a, b)`` (an empty slot has ``a >= b``)."""

    __slots__ = ("a", "b")

    def __init__(self, a: np.ndarray, b: np.ndarray) -> None:
        self.a = a
        self.b = b

    @staticmethod
    def of(mask: np.ndarray, a: np.ndarray | int, b: np.ndarray | int) -> _Spans:
        """One span ``[a, b)`` where ``mask`` holds, none elsewhere."""
        import numpy as np

        real = mask & (np.asarray(a) < np.asarray(b))
        return _Spans(np.where(real, a, INF)[:, None], np.where(real, b, INF)[:, None])

    def normal(self) -> _Spans:
        """The same instants sorted, with touching or overlapping spans merged, as few columns as the most any row
        needs (:func:`slakit.escalation._spans.union` merges alike)."""
        import numpy as np

        real = self.a < self.b
        a = np.where(real, self.a, INF)
        b = np.where(real, self.b, INF)
        n, width = a.shape
        if width > 1 and n:
            order = np.argsort(a, axis=1, kind="stable")
            a = np.take_along_axis(a, order, 1)
            b = np.take_along_axis(b, order, 1)
            reach = np.maximum.accumulate(b, axis=1)
            new = np.ones(a.shape, dtype=bool)
            new[:, 1:] = a[:, 1:] > reach[:, :-1]
            last = np.ones(a.shape, dtype=bool)
            last[:, :-1] = new[:, 1:]
            group = np.cumsum(new, axis=1) - 1
            rows = np.broadcast_to(np.arange(n)[:, None], a.shape)
            merged_a = np.full(a.shape, INF, dtype=np.int64)
            merged_b = np.full(a.shape, INF, dtype=np.int64)
            merged_a[rows[new], group[new]] = a[new]
            merged_b[rows[last], group[last]] = reach[last]
            a, b = merged_a, merged_b
        used = int((a < b).sum(axis=1).max()) if n else 0
        return _Spans(a[:, : max(used, 1)], b[:, : max(used, 1)])

    def union(self, other: _Spans) -> _Spans:
        import numpy as np

        mine, theirs = self.a < self.b, other.a < other.b
        if not theirs.any():
            return self
        if not mine.any():
            return other
        if mine.shape[1] == 1 and theirs.shape[1] == 1:  # one span each (the usual case): merged where they touch
            mine, theirs = mine[:, 0], theirs[:, 0]
            a, b, c, d = self.a[:, 0], self.b[:, 0], other.a[:, 0], other.b[:, 0]
            both = mine & theirs
            if not (both & ((a > d) | (c > b))).any():
                low = np.where(both, np.minimum(a, c), np.where(mine, a, c))
                high = np.where(both, np.maximum(b, d), np.where(mine, b, d))
                real = mine | theirs
                return _Spans(np.where(real, low, INF)[:, None], np.where(real, high, INF)[:, None])
        return _Spans(np.concatenate([self.a, other.a], axis=1), np.concatenate([self.b, other.b], axis=1)).normal()

    def intersect(self, other: _Spans) -> _Spans:
        import numpy as np

        shape = (len(self.a), self.a.shape[1] * other.a.shape[1])
        a = np.maximum(self.a[:, :, None], other.a[:, None, :]).reshape(shape)
        b = np.minimum(self.b[:, :, None], other.b[:, None, :]).reshape(shape)
        return _Spans(a, b).normal()

    def complement(self, low: np.ndarray) -> _Spans:
        """The instants from ``low`` on not in these (:func:`slakit.escalation._spans.complement`)."""
        import numpy as np

        spans = self.normal()
        n = len(low)
        starts = np.maximum(np.concatenate([low[:, None], spans.b], axis=1), low[:, None])
        ends = np.concatenate([spans.a, np.full((n, 1), INF, dtype=np.int64)], axis=1)
        return _Spans(starts, ends).normal()

    def first(self) -> np.ndarray:
        """The first instant of each row's spans (``INF`` when none)."""
        import numpy as np

        found: np.ndarray = np.where(self.a < self.b, self.a, INF).min(axis=1)
        return found

    def contains(self, t: np.ndarray) -> np.ndarray:
        """Whether each row's ``t`` is among its instants."""
        import numpy as np

        found: np.ndarray = np.any((self.a <= t[:, None]) & (t[:, None] < self.b), axis=1)
        return found


def _reach(field: str, op: str, x: int, within: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The open time counted at which ``field`` (``elapsed``, ``remaining`` or ``overdue``; ``op`` and ``x`` as
    ``_spans.prepare`` made them: mirrored for ``remaining``) reaches ``x`` and passes it, as
    ``_spans._duration_run`` finds them (0: from the start)."""
    import numpy as np

    if field == "elapsed":
        return np.full(len(within), max(x, 0), dtype=np.int64), np.full(len(within), max(x + 1, 0), dtype=np.int64)
    if field == "remaining":  # -remaining = e - within
        return np.maximum(within + x, 0), np.maximum(within + x + 1, 0)
    # overdue = max(e - within, 0)
    reached = np.zeros(len(within), dtype=np.int64) if x <= 0 else within + x
    passed = np.zeros(len(within), dtype=np.int64) if x < 0 else within + x + 1
    return reached, passed


def _ratio_reach(values: Any, within: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each value ``y``, the open time counted at which ``elapsed_ratio`` (the Decimal quotient of the elapsed
    time by the target, as ``_spans.value_at`` has it) reaches ``y`` and passes it, per row's target: the ratio
    grows with the clock, so a threshold is found by a search on that quotient, once per distinct target."""
    import numpy as np

    distinct, inverse = np.unique(within, return_inverse=True)
    inverse = inverse.reshape(-1)
    found = []
    for y in values:
        reached = [_least(int(w), y, strict=False) if w > 0 else INF for w in distinct.tolist()]
        passed = [_least(int(w), y, strict=True) if w > 0 else INF for w in distinct.tolist()]
        found.append(
            (
                np.array(reached or [0], dtype=np.int64)[inverse],
                np.array(passed or [0], dtype=np.int64)[inverse],
            )
        )
    return found


def _least(target: int, y: Decimal, *, strict: bool) -> int:
    """The least elapsed time ``e`` >= 0 at which ``Decimal(e) / Decimal(target)`` reaches ``y`` (passes it when
    ``strict``); ``INF`` when it never does before ``INF``. A gallop from ``y * target``, then bisection (the
    quotient rounds, so the guess may be off by a little)."""

    def holds(e: int) -> bool:
        value = Decimal(e) / Decimal(target)
        return value > y if strict else value >= y

    if holds(0):
        return 0
    guess = min(max(int(y * target), 1), INF)
    if not holds(INF):
        return INF
    step = 1
    good, bad = guess, 0
    if holds(guess):  # bad < good: find a bad below
        while guess - step > 0 and holds(guess - step):
            step *= 2
        bad = max(guess - step, 0)
    else:
        bad = guess
        while not holds(min(bad + step, INF)):
            bad += step
            step *= 2
        good = min(bad + step, INF)
    while good - bad > 1:  # holds at good, not at bad
        middle = (bad + good) // 2
        if holds(middle):
            good = middle
        else:
            bad = middle
    return good


def _just_after(op: str, at: np.ndarray, equal: np.ndarray, rising: np.ndarray) -> np.ndarray:
    """Whether a growing figure ``op`` its threshold just after an instant (``_spans.JustAfter``): ``at`` where it
    has reached the threshold, ``equal`` where it equals it, ``rising`` where it grows just after."""
    found: np.ndarray
    if op == "ge":
        found = at
    elif op == "gt":
        found = (at & ~equal) | (equal & rising)
    elif op == "le":
        found = ~at | (equal & ~rising)
    elif op == "lt":
        found = ~at
    elif op == "eq":
        found = equal & ~rising
    else:  # ne
        found = ~(equal & ~rising)
    return found


class _Work:
    """The rules of one block of rows being fired."""

    def __init__(self, rows: RuleRows) -> None:
        import numpy as np

        self.rows = rows
        self.n = len(rows.created)
        self.uncovered = np.zeros(self.n, dtype=bool)
        self.spans_made: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    # -- spans ---------------------------------------------------------------------------------------

    def spans(self, node: Node) -> _Spans:
        """The instants at which ``node`` holds (``FactsOverTime._spans``)."""
        kind = node[0]
        created = self.rows.created
        if kind == NOT:
            return self.spans(node[1][0]).complement(created)
        if kind in (ALL, ANY):
            found = self.spans(node[1][0])
            for part in node[1][1:]:
                found = found.intersect(self.spans(part)) if kind == ALL else found.union(self.spans(part))
            return found
        if kind == SLA:
            return self._sla(node)
        if kind == SURVEY:
            return _Spans.of(self._survey_holds(node), self._survey_since(), INF)
        if kind == STEPS and node[2] != "priority":
            return self._steps(node)
        return _Spans.of(self._static(node), created, INF)

    def _static(self, node: Node) -> np.ndarray:
        """Where a fact that never changes holds (an attribute is never there)."""
        import numpy as np

        leaf, name = node[1], node[2]
        column = self.rows.facts.get(name)
        if column is None:
            return np.zeros(self.n, dtype=bool)
        return _holds_each(leaf, column)

    def _step(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The value a changing ticket fact takes and the instant it takes it (it is 0 before)."""
        import numpy as np

        if name == "complaints":
            complaints = self.rows.facts["complaints"]
            counts = np.array([v if isinstance(v, int) else 0 for v in complaints.values] or [0], dtype=np.int64)
            return counts[complaints.codes], self.rows.complaints_at
        reopened = self.rows.reopened
        return (reopened != NO_TIME).astype(np.int64), reopened

    def _steps(self, node: Node) -> _Spans:
        """``ticket.complaints`` / ``ticket.reopens``: 0 from creation, the count from its instant on
        (``_step_spans``: a step that lasts no time is none)."""
        import numpy as np

        leaf = node[1]
        value, since = self._step(node[2])
        created = self.rows.created
        distinct, inverse = np.unique(value, return_inverse=True)
        after = np.array([leaf.holds({leaf.fact: v}) for v in distinct.tolist()] or [False], dtype=bool)[inverse]
        zero = bool(leaf.holds({leaf.fact: 0}))
        changes = (value > 0) & (since > created)
        before = _Spans.of(np.full(self.n, zero) & changes, created, since)
        later = _Spans.of(np.where(value > 0, after, zero), np.where(changes, since, created), INF)
        return before.union(later)

    def _survey_since(self) -> np.ndarray:
        import numpy as np

        found: np.ndarray = np.maximum(self.rows.created, self.rows.survey_from)
        return found

    def _survey_holds(self, node: Node) -> np.ndarray:
        """Where a survey leaf holds on the row's score (none without one)."""
        import numpy as np

        leaf, name = node[1], node[2]
        column = self.rows.survey
        flags = []
        for score in column.values:
            value = score.facts().get(name) if isinstance(score, SurveyScore) else None
            flags.append(value is not None and leaf.holds({leaf.fact: Decimal(str(value))}))
        found: np.ndarray = np.array(flags or [False], dtype=bool)[column.codes]
        return found

    # -- SLA facts -----------------------------------------------------------------------------------

    def _clock(self, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where the clock has started, when it stops (``INF``: never) and the open time it counts until then."""
        import numpy as np

        known = self.spans_made.get(metric)
        if known is not None:
            return known
        clock = self.rows.metrics[metric]
        started = clock.tracked & (clock.start != NO_TIME)
        stopped = started & (clock.stop != NO_TIME)
        stop = np.where(stopped, clock.stop, INF)
        span = np.full(self.n, INF, dtype=np.int64)
        for key, calendar in clock.calendars.items():
            mask = stopped & (clock.clock == key)
            if mask.any():
                created = self.rows.created
                counted, good = self.rows.tables.elapsed(
                    calendar, np.where(mask, clock.start, created), np.where(mask, clock.stop, created)
                )
                self.uncovered |= mask & ~good
                span = np.where(mask, counted, span)
        found = self.spans_made[metric] = (started, stop, span)
        return found

    def instant(self, metric: str, counted: np.ndarray | int, zero: np.ndarray) -> np.ndarray:
        """The first instant by which ``metric``'s clock has counted ``counted`` (``zero`` for none at all, ``INF``
        when it stops first or never starts): ``_spans._instant``, on the calendar's table."""
        import numpy as np

        clock = self.rows.metrics[metric]
        started, _, span = self._clock(metric)
        counted = np.broadcast_to(np.asarray(counted, dtype=np.int64), (self.n,))
        found = np.where(counted <= 0, zero, INF)
        need = started & (counted > 0) & (counted < INF) & (counted <= span)
        for key, calendar in clock.calendars.items():
            mask = need & (clock.clock == key)
            if mask.any():
                due, good = self.rows.tables.deadline(
                    calendar, np.where(mask, clock.start, self.rows.created), np.where(mask, counted, 1)
                )
                self.uncovered |= mask & ~good
                found = np.where(mask, due, found)
        result: np.ndarray = found
        return result

    def _sla(self, node: Node) -> _Spans:
        """A leaf on a metric's fact (``_spans.metric_spans`` over the phases of a flat row's clock)."""
        import numpy as np

        _, _, metric, field, prepared = node
        clock = self.rows.metrics.get(metric)
        if clock is None:  # no row's priority tracks it: no figures, ever
            return _Spans.of(np.zeros(self.n, dtype=bool), 0, 0)
        started, stop, _ = self._clock(metric)
        created = self.rows.created
        tracked = clock.tracked
        start = np.where(started, clock.start, INF)
        breach = np.where(started, _breach(clock.deadline), INF)
        if field == "state":
            pieces = {
                _PENDING: (tracked, created, start),
                _RUNNING: (started, start, np.minimum(breach, stop)),
                _MET: (started & (stop < breach), stop, INF),
                _BREACHED: (started & (breach <= stop), breach, INF),
            }
            found = _Spans.of(np.zeros(self.n, dtype=bool), 0, 0)
            for state in prepared:
                if state in pieces:
                    found = found.union(_Spans.of(*pieces[state]))
            return found
        if field == "at_risk":
            risky = self._risky(metric)
            when_true, when_false = prepared
            found = risky if when_true else _Spans.of(np.zeros(self.n, dtype=bool), 0, 0)
            if when_false:
                found = found.union(risky.complement(created).intersect(_Spans.of(tracked, created, INF)))
            return found
        runs: list[tuple[np.ndarray | int, np.ndarray | int]]
        if field == "elapsed_ratio":
            leaf = node[1]
            if leaf.op == "in":
                runs = [(low, high) for low, high in _ratio_reach(leaf.value, clock.within)]
            else:
                runs = threshold_runs(leaf.op, *_ratio_reach((leaf.value,), clock.within)[0])
        else:
            op, x = prepared
            runs = threshold_runs(op, *_reach(field, op, x, clock.within))
        found = _Spans.of(np.zeros(self.n, dtype=bool), 0, 0)
        if field == "elapsed_ratio":  # a zero target has no ratio: the leaf never holds
            tracked = tracked & (clock.within > 0)
        for low, high in runs:
            a = self.instant(metric, low, created)
            b = self.instant(metric, high, created)
            found = found.union(_Spans.of(tracked, a, b))
        return found

    def _risky(self, metric: str) -> _Spans:
        """When ``metric`` is at risk: running, not breached, from its at-risk threshold (``_spans._other_spans``)."""
        import numpy as np

        clock = self.rows.metrics[metric]
        started, stop, _ = self._clock(metric)
        ratio = self.rows.ratio
        threshold = _thresholds(clock.within, ratio)
        start = np.where(started, clock.start, 0)
        begin = self.instant(metric, threshold, start)
        end = np.minimum(np.where(started, _breach(clock.deadline), INF), stop)
        return _Spans.of(started, begin, end)

    # -- firing --------------------------------------------------------------------------------------

    def began(self, node: Node, first: np.ndarray, shows: np.ndarray) -> np.ndarray:
        """When each rule that shows at ``first`` began to hold: a microsecond earlier when its condition holds just
        after that instant, and that is not before creation (``FactsOverTime._began``)."""
        import numpy as np

        created = self.rows.created
        earlier = shows & (first - 1 >= created)
        t = np.where(earlier, first - 1, created)
        just_after = self.after(node, t) & earlier
        found: np.ndarray = np.where(just_after, first - 1, first)
        return found

    def after(self, node: Node, t: np.ndarray) -> np.ndarray:
        """Whether ``node`` holds just after each row's instant ``t`` (``FactsOverTime.fact_after``)."""
        import numpy as np

        kind = node[0]
        if kind == NOT:
            found: np.ndarray = ~self.after(node[1][0], t)
            return found
        if kind in (ALL, ANY):
            parts = [self.after(part, t) for part in node[1]]
            combined: np.ndarray = np.logical_and.reduce(parts) if kind == ALL else np.logical_or.reduce(parts)
            return combined
        if kind == SLA:
            return self._sla_after(node, t)
        return self.spans(node).contains(t)  # ticket and survey facts: events at t have happened

    def _sla_after(self, node: Node, t: np.ndarray) -> np.ndarray:
        """A metric leaf just after ``t``, in the phase of ``t`` (``_spans.value_after``)."""
        import numpy as np

        _, _, metric, field, prepared = node
        clock = self.rows.metrics.get(metric)
        if clock is None:
            return np.zeros(self.n, dtype=bool)
        started, stop, _ = self._clock(metric)
        tracked = clock.tracked
        running = started & (t >= clock.start) & (t < stop)
        breach = np.where(started, _breach(clock.deadline), INF)
        if field == "state":
            state = np.where(
                ~started | (t < clock.start),
                0,
                np.where(running, np.where(breach <= t + 1, 3, 1), np.where(breach <= stop, 3, 2)),
            )
            holds = np.array([code in prepared for code in _STATE_CODES], dtype=bool)
            found: np.ndarray = tracked & holds[state]
            return found
        counted, moving = self._counted_at(metric, t, running)
        if field == "at_risk":
            risky = running & (breach > t + 1) & (counted >= _thresholds(clock.within, self.rows.ratio))
            when_true, when_false = prepared
            at_risk: np.ndarray = tracked & np.where(risky, when_true, when_false)
            return at_risk
        if field == "elapsed_ratio":  # the target is fixed: the ratio grows with the clock
            leaf = node[1]
            ranges = _ratio_reach(leaf.value if leaf.op == "in" else (leaf.value,), clock.within)
            tracked = tracked & (clock.within > 0)  # a zero target has no ratio
            if leaf.op == "in":  # JustAfter in a set: equal to one of its values and not moving
                inside = np.logical_or.reduce([(counted >= low) & (counted < high) for low, high in ranges])
                found = tracked & inside & ~moving
                return found
            op, (reached, passed) = leaf.op, ranges[0]
            rising = moving
        else:
            op, x = prepared
            reached, passed = _reach(field, op, x, clock.within)
            rising = moving & (counted >= (clock.within if field == "overdue" else 0))
        at = counted >= reached
        equal = at & (counted < passed)
        found = tracked & _just_after(op, at, equal, rising)
        return found

    def _counted_at(self, metric: str, t: np.ndarray, running: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The open time ``metric``'s clock has counted at ``t``, and whether it counts just after ``t``."""
        import numpy as np

        clock = self.rows.metrics[metric]
        started, stop, _ = self._clock(metric)
        created = self.rows.created
        counted = np.zeros(self.n, dtype=np.int64)
        moving = np.zeros(self.n, dtype=bool)
        upto = np.minimum(np.maximum(t, clock.start), stop)
        for key, calendar in clock.calendars.items():
            mask = started & (clock.clock == key)
            if not mask.any():
                continue
            begin = np.where(mask, clock.start, created)
            found, good = self.rows.tables.elapsed(calendar, begin, np.where(mask, upto, created))
            step, good_step = self.rows.tables.elapsed(
                calendar, np.where(mask, t, created), np.where(mask, t + 1, created)
            )
            self.uncovered |= mask & ~(good & good_step)
            counted = np.where(mask, found, counted)
            moving = np.where(mask & running, step > 0, moving)
        return counted, moving

    def contact(self, rule: Rule, began: np.ndarray, shows: np.ndarray) -> np.ndarray:
        """By when the new owner contacts the customer: ``contact_within`` after ``began``, on the policy's default
        calendar or the wall clock (``FactsOverTime._fired``)."""
        import numpy as np

        if rule.contact_within is None:
            return np.full(self.n, NO_TIME, dtype=np.int64)
        within = td_to_us(rule.contact_within)
        if rule.clock != "business" or not within:
            return np.where(shows, began + within, NO_TIME)
        due, good = self.rows.tables.deadline(
            self.rows.calendar, np.where(shows, began, self.rows.created), np.full(self.n, within, dtype=np.int64)
        )
        self.uncovered |= shows & ~good
        found: np.ndarray = np.where(shows, due, NO_TIME)
        return found


def _breach(deadline: np.ndarray) -> np.ndarray:
    """:func:`~slakit.sla.track.breach_instant` of each deadline (it adds a fixed time)."""
    found: np.ndarray = deadline + breach_instant(0)
    return found


def _holds_each(leaf: Any, column: Coded) -> np.ndarray:
    """Where ``leaf`` holds on each row's value of ``column``, asked once per distinct value."""
    import numpy as np

    flags = np.array([_holds(leaf, value) for value in column.values] or [False], dtype=bool)
    found: np.ndarray = flags[column.codes]
    return found


def _holds(leaf: Any, value: Any) -> bool:
    """Whether ``leaf`` holds for ``value``; a value of another type (a cell of a row the columnar engine does not
    cover) never does."""
    try:
        return bool(leaf.holds({leaf.fact: value}))
    except TypeError:
        return False


def _thresholds(within: np.ndarray, ratio: tuple[int, int]) -> np.ndarray:
    """Each row's least elapsed time at risk (:func:`~slakit.sla.track.at_risk_threshold`), per distinct target."""
    import numpy as np

    distinct, inverse = np.unique(within, return_inverse=True)
    found: np.ndarray = np.array([at_risk_threshold(w, ratio) for w in distinct.tolist()] or [0], dtype=np.int64)[
        inverse.reshape(-1)
    ]
    return found
