"""When a leaf holds: sets of instants as sorted, disjoint, non-touching spans ``[a, b)``.

Time is in whole microseconds and every fact takes its new value at the instant it changes, so the
instants at which a condition holds are always a union of such spans; ``all``, ``any`` and ``not``
are intersection, union and complement (from the ticket's creation on).

Within a :class:`~slakit.escalation.phases.Phase` a metric's figures are functions of one
variable, the open time ``d`` its clock has run since the phase started, and each figure is
monotonic in ``d``: a threshold is crossed at the first ``d`` that reaches it, which the clock's
calendar turns into an instant (the earliest instant with that much open time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from slakit.errors import UnsatisfiableError
from slakit.escalation._ratio import MIRROR, ratio_spans
from slakit.escalation.conditions import Leaf
from slakit.escalation.phases import INF, Phase
from slakit.instants import td_to_us
from slakit.sla.report import MetricState
from slakit.sla.track import is_at_risk

__all__ = [
    "JustAfter",
    "Spans",
    "complement",
    "intersect",
    "metric_spans",
    "prepare",
    "union",
    "value_after",
    "value_at",
]

Spans = list[tuple[int, int]]

_BREACHED, _RUNNING, _PAUSED = MetricState.BREACHED, MetricState.RUNNING, MetricState.PAUSED


def union(x: Spans, y: Spans) -> Spans:
    """Instants in ``x`` or ``y``."""
    if not x:
        return y
    if not y:
        return x
    merged: Spans = []
    for a, b in sorted(x + y):
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def intersect(x: Spans, y: Spans) -> Spans:
    """Instants in both ``x`` and ``y``."""
    result: Spans = []
    i = j = 0
    while i < len(x) and j < len(y):
        a = max(x[i][0], y[j][0])
        b = min(x[i][1], y[j][1])
        if a < b:
            result.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return result


def complement(x: Spans, low: int) -> Spans:
    """Instants from ``low`` on that are not in ``x``."""
    result: Spans = []
    cursor = low
    for a, b in x:
        if a > cursor:
            result.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < INF:
        result.append((cursor, INF))
    return result


def _add(spans: Spans, a: int, b: int) -> None:
    """Append ``[a, b)`` (at or after the last span), merging a span it touches."""
    if a >= b:
        return
    if spans and spans[-1][1] >= a:
        spans[-1] = (spans[-1][0], max(spans[-1][1], b))
    else:
        spans.append((a, b))


# -- a metric fact over one phase --------------------------------------------------------------------


def value_at(phase: Phase, field: str, t: int, ratio: tuple[int, int]) -> Any:
    """The value of ``sla.<metric>.<field>`` at ``t`` (within ``phase``), as the SLA report gives it."""
    if phase.state is None:
        return None
    d = phase.ruler.elapsed(phase.start, t) if phase.moving and phase.ruler is not None else 0
    breached = phase.breach is not None and t >= phase.breach
    elapsed = phase.elapsed + (d if phase.counting else 0)
    remaining = phase.remaining - (d if phase.falling else 0)
    if field == "state":
        return _BREACHED if breached else phase.state
    if field == "elapsed":
        return timedelta(microseconds=elapsed)
    if field == "remaining":
        return timedelta(microseconds=remaining)
    if field == "overdue":
        return timedelta(microseconds=max(-remaining, 0))
    target = elapsed + remaining
    if field == "elapsed_ratio":
        return Decimal(elapsed) / Decimal(target) if target else None
    return not breached and phase.state in (_RUNNING, _PAUSED) and is_at_risk(elapsed, target, ratio)  # at_risk


class JustAfter:
    """A figure's value just after an instant: ``value``, moving in ``direction`` (1 up, -1 down, 0 still).

    It compares with a threshold as the figure does over the open stretch after that instant, so that
    ``JustAfter(4h, 1) > 4h`` holds while ``JustAfter(4h, 0) > 4h`` and ``JustAfter(4h, 1) == 4h`` do not.
    """

    __slots__ = ("direction", "value")

    def __init__(self, value: Any, direction: int) -> None:
        self.value = value
        self.direction = direction

    def __eq__(self, other: object) -> bool:
        return self.direction == 0 and bool(self.value == other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.value)

    def __lt__(self, other: Any) -> bool:
        return bool(self.value < other or (self.value == other and self.direction < 0))

    def __le__(self, other: Any) -> bool:
        return bool(self.value < other or (self.value == other and self.direction <= 0))

    def __gt__(self, other: Any) -> bool:
        return bool(self.value > other or (self.value == other and self.direction > 0))

    def __ge__(self, other: Any) -> bool:
        return bool(self.value > other or (self.value == other and self.direction >= 0))

    def __repr__(self) -> str:
        return f"JustAfter({self.value!r}, {self.direction})"


def value_after(phase: Phase, field: str, t: int, ratio: tuple[int, int]) -> Any:
    """The value of ``sla.<metric>.<field>`` just after ``t`` (within ``phase``): over the open stretch
    between ``t`` and the next microsecond, where no event happens and the figures move with the clock.

    A state turns ``breached`` just after a deadline, so at ``t + 1`` within the same phase; a growing or
    falling figure is its value at ``t`` with the way it moves (:class:`JustAfter`).
    """
    if phase.state is None:
        return None
    if field == "state":
        return value_at(phase, field, t + 1, ratio)
    now = value_at(phase, field, t, ratio)
    if field == "at_risk":  # reached at an instant (>=), so as at t, unless breached just after it
        return now and value_at(phase, "state", t + 1, ratio) is not _BREACHED
    later = value_at(phase, field, t + 1, ratio)
    if now is None or later is None:
        return now
    return JustAfter(now, (later > now) - (later < now))


def prepare(leaf: Leaf, field: str) -> Any:
    """What :func:`metric_spans` needs of a leaf on ``field``, worked out once per rule set: the
    states it holds for, whether it holds for at-risk true and false, or a duration's operator and
    threshold in microseconds (mirrored for ``remaining``, which falls)."""
    if field == "state":
        return frozenset(state for state in MetricState if _holds(leaf, state))
    if field == "at_risk":
        return _holds(leaf, True), _holds(leaf, False)
    if field in ("elapsed", "remaining", "overdue"):
        x = td_to_us(leaf.value)
        return (MIRROR[leaf.op], -x) if field == "remaining" else (leaf.op, x)
    return None


def metric_spans(
    leaf: Leaf, field: str, prepared: Any, starts: list[int], phases: list[Phase], ratio: tuple[int, int]
) -> Spans:
    """The instants at which ``leaf`` (on ``field`` of the metric the ``phases`` describe) holds;
    ``prepared`` is what :func:`prepare` made of the leaf."""
    if field == "state":
        return _state_run(prepared, starts, phases)
    if prepared is not None and field != "at_risk":
        return _duration_run(field, prepared, starts, phases)
    spans: Spans = []
    last = len(phases) - 1
    for i, phase in enumerate(phases):
        if phase.state is None:
            continue
        end = starts[i + 1] if i < last else INF
        _other_spans(leaf, field, prepared, phase, end, ratio, spans)
    return spans


def _state_run(states: frozenset[MetricState], starts: list[int], phases: list[Phase]) -> Spans:
    """``state`` over every phase: its state until the breach, breached from it (a loop written out: a ticket
    has about a phase per event)."""
    into: Spans = []
    breached = _BREACHED in states
    last = len(phases) - 1
    for i, phase in enumerate(phases):
        start, state, breach = phase[0], phase[1], phase[2]
        if state is None:
            continue
        end = starts[i + 1] if i < last else INF
        # its state until the breach, breached from it (from its start: throughout)
        cut = end if breach is None else start if breach <= start else breach if breach < end else end
        if state in states and start < cut:
            if into and into[-1][1] >= start:
                if cut > into[-1][1]:
                    into[-1] = (into[-1][0], cut)
            else:
                into.append((start, cut))
        if breached and cut < end:
            if into and into[-1][1] >= cut:
                if end > into[-1][1]:
                    into[-1] = (into[-1][0], end)
            else:
                into.append((cut, end))
    return into


# for each operator, the runs at which a growing figure holds, from where it reaches and passes a threshold
_RUNS: dict[str, Callable[[int, int], tuple[int, int]]] = {
    "ge": lambda reached, passed: (reached, INF),
    "le": lambda reached, passed: (0, passed),
    "gt": lambda reached, passed: (passed, INF),
    "lt": lambda reached, passed: (0, reached),
    "eq": lambda reached, passed: (reached, passed),
    "ne": lambda reached, passed: (passed, INF),  # and (0, reached), added on its own
}


def _duration_run(field: str, prepared: tuple[str, int], starts: list[int], phases: list[Phase]) -> Spans:
    """``elapsed``, ``remaining`` or ``overdue`` over every phase: elapsed and overdue grow, remaining falls
    (so ``remaining op x`` is ``-remaining op' -x``, as :func:`prepare` mirrored it)."""
    op, x = prepared
    into: Spans = []
    floor = field == "overdue"  # overdue is max(-remaining, 0)
    reached_always, passed_always = floor and x <= 0, floor and x < 0
    of_elapsed = field == "elapsed"
    runs = _RUNS[op]
    last = len(phases) - 1
    for i, phase in enumerate(phases):
        if phase[1] is None:
            continue
        end = starts[i + 1] if i < last else INF
        if of_elapsed:
            now, grows = phase[3], phase[5]
        else:
            now, grows = -phase[4], phase[6]
        # the runs of the clock at which the figure reaches x and passes it
        reached = 0 if reached_always or now >= x else (x - now if grows else INF)
        passed = 0 if passed_always or now > x else (x + 1 - now if grows else INF)
        if op == "ne" and reached > 0:
            _add(into, phase[0], _instant(phase, end, reached))
        low, high = runs(reached, passed)
        if low < high:  # _instant is the phase's start for no run at all and its end for none ever
            span = phase[8]
            if low <= 0:
                a = phase[0]
            elif low >= INF or (span is not None and low > span):
                continue  # not reached in this phase
            else:
                a = _instant(phase, end, low)
            b = end if high >= INF else _instant(phase, end, high)
            if a < b:
                if into and into[-1][1] >= a:
                    if b > into[-1][1]:
                        into[-1] = (into[-1][0], b)
                else:
                    into.append((a, b))
    return into


def _instant(phase: Phase, end: int, d: int) -> int:
    """The first instant of ``phase`` (which lasts until ``end``) by which its clock has run ``d``."""
    if d <= 0:
        return phase.start
    ruler = phase.ruler
    if d >= INF or ruler is None or not (phase.counting or phase.falling):
        return end
    span = phase.span
    if span is None:
        span = ruler.elapsed(phase.start, end) if end != INF else INF
    if d > span:
        return end
    try:
        return min(ruler.add(phase.start, d), end)
    except UnsatisfiableError:  # more than a century of open time away: never, in practice
        return end


def _other_spans(
    leaf: Leaf, field: str, prepared: Any, phase: Phase, end: int, ratio: tuple[int, int], into: Spans
) -> None:
    """``at_risk`` and ``elapsed_ratio`` over one phase."""
    start = phase.start
    if field == "at_risk":
        risky: Spans = []
        if phase.state in (_RUNNING, _PAUSED):
            stop = end if phase.breach is None else min(max(phase.breach, start), end)
            _add(risky, _instant(phase, end, _at_risk_from(phase, ratio)), stop)
        when_true, when_false = prepared
        if when_true:
            for a, b in risky:
                _add(into, a, b)
        if when_false:
            for a, b in complement(risky, start):
                _add(into, a, min(b, end))
        return
    for a, b in ratio_spans(leaf, phase):  # elapsed_ratio
        _add(into, _instant(phase, end, a), _instant(phase, end, b))


def _at_risk_from(phase: Phase, ratio: tuple[int, int]) -> int:
    """The first run at which the phase's clock is at risk (:func:`~slakit.sla.track.is_at_risk`, solved for
    the run: the figures move linearly with it)."""
    numerator, denominator = ratio
    counting, falling = int(phase.counting), int(phase.falling)
    # elapsed * den - target * num, where target = elapsed + remaining, grows by `slope` per unit of run
    now = phase.elapsed * denominator - (phase.elapsed + phase.remaining) * numerator
    slope = counting * denominator - (counting - falling) * numerator
    if now >= 0:
        return 0
    if slope <= 0:
        return INF
    return -(now // slope)  # ceil(-now / slope)


def _holds(leaf: Leaf, value: Any) -> bool:
    return leaf.holds({leaf.fact: value})
