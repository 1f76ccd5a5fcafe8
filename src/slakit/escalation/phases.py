"""How one SLA metric's facts move over time: a list of phases from the ticket's creation on.

Between two instants at which something happens to a ticket, a metric's facts move only with the
open time of its clock: ``elapsed`` grows while the clock counts, ``remaining`` falls while it
counts (or, against an agreed deadline, while the ticket is not completed), and the state turns
``breached`` at one known instant. A :class:`Phase` describes one such stretch exactly, so the
escalation engine can say when a threshold is crossed without measuring the clocks at every instant.

:func:`metric_phases` makes them in one of two ways. In the common case (every priority of the
ticket tracks the metric on one clock, one window, no extension) one sweep over the timeline
carries the counted time and each target's deadline forward (:func:`_sweep`). Otherwise each phase
starts from :func:`slakit.sla.measure` at its first instant, an instant of an event, so that the
rarer rules (priorities without the metric, changes of clock, extensions, clocks restarting on
reopen, the stretches between agent updates) are the SLA core's own. The sweep takes its rules from
the SLA core too: when a clock starts and stops (``once_per_ticket``, ``resolution_at``), where it
stands still (``holes``), which targets are in force (``in_force_from``) and breach
(``passed_in_force``, ``breach_instant``).
The tests check every fact against ``slakit.sla.evaluate`` at and around every phase boundary.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import NamedTuple

from slakit.calendar import Ruler, Rulers
from slakit.sla import Measurement, MetricState, Target, Timeline
from slakit.sla.clocks import holes as clock_holes
from slakit.sla.clocks import once_per_ticket, resolution_at
from slakit.sla.policy import Metric, Plan
from slakit.sla.track import breach_instant, due_in_stretch, in_force_from, passed_in_force

__all__ = ["INF", "Phase", "metric_phases"]

INF = 1 << 62  # an instant after every real one (about the year 146,000); never handed to a calendar

_RUNNING, _PAUSED, _MET, _BREACHED, _PENDING = (
    MetricState.RUNNING,
    MetricState.PAUSED,
    MetricState.MET,
    MetricState.BREACHED,
    MetricState.PENDING,
)


class Phase(NamedTuple):
    """A metric from ``start`` until the next phase: state, breach and clock figures at ``start``.

    ``state`` is None when the metric has no status (not tracked); otherwise it is the state before
    any breach, and the metric is breached from ``breach`` on (at or before ``start``: throughout).
    ``elapsed`` and ``remaining`` are the figures at ``start``; ``elapsed`` grows with the open time
    of ``ruler`` when ``counting``, ``remaining`` falls with it when ``falling``; ``span``, when
    known, is the open time of ``ruler`` until the next phase (INF for the last).
    """

    start: int
    state: MetricState | None
    breach: int | None = None
    elapsed: int = 0
    remaining: int = 0
    counting: bool = False
    falling: bool = False
    ruler: Ruler | None = None
    span: int | None = None

    @property
    def moving(self) -> bool:
        """Whether a figure changes with open time during the phase."""
        return self.counting or self.falling


MeasureAt = Callable[[int], tuple[Timeline, Measurement]]
"""The ticket's timeline at an instant (one of its events) and the SLA core's measurement of it, for the
general case."""


def metric_phases(
    metric: Metric, line: Timeline, plan: Plan, rulers: Rulers, instants: Callable[[], list[int]], measure_at: MeasureAt
) -> list[Phase]:
    """The phases of ``metric`` from the ticket's creation on: one per instant at which something may
    change for it, in time order (``instants()`` gives the creation and event instants up to ``as_of``, for
    the general case)."""
    swept = _sweep(metric, line, plan, rulers)
    if swept is not None:
        return swept
    if all(metric not in plan.targets[code] for _, code in line.priorities):
        return [Phase(line.created, None)]  # no priority of the ticket tracks it: no figures, ever
    return [_measured_phase(metric, s, *measure_at(s), rulers) for s in instants()]


def _measured_phase(metric: Metric, s: int, line: Timeline, measured: Measurement, rulers: Rulers) -> Phase:
    """The phase from event instant ``s``: the clock's figures there, and how they move on."""
    figures = measured.metrics.get(metric)
    target = measured.targets.get(metric)
    if figures is None or target is None:
        return Phase(s, None)
    elapsed, remaining, state = figures.elapsed, figures.remaining, figures.state
    if state is _PENDING:
        return Phase(s, state, None, elapsed, remaining)
    completed = figures.completed is not None
    if completed or state is _PAUSED:
        counting = False
    elif state is _RUNNING:
        counting = True
    else:  # breached: the clock runs on unless the ticket is paused and the target pausable
        counting = not (target.pausable and line.paused_now() is not None)
    until = figures.final[2] if figures.final is not None else None
    falling = not completed and (counting or until is not None)
    breach: int | None = None
    if state is _BREACHED:
        breach = s  # throughout
    elif not completed and figures.deadline is not None and (counting or until is not None):
        breach = breach_instant(figures.deadline)
    return Phase(s, state, breach, elapsed, remaining, counting, falling, rulers.of(target.clock))


def _sweep(metric: Metric, line: Timeline, plan: Plan, rulers: Rulers) -> list[Phase] | None:
    """The phases in the common case (:func:`_common_case`), in one sweep; None when it does not apply.

    The common case: one window (no restart on reopen, or a response/acknowledge clock; for the
    update metric, no reopen at all), no extension of the metric, and every priority the ticket
    has had tracks the metric on the same clock with the same pausability. Then the clock's counted
    time is one history (for update, one per stretch between agent updates), each target in force
    has one deadline on it, and the metric is breached at an instant exactly when a target in
    force by then had its deadline pass while it was in force (and before the clock stopped).
    """
    common = _common_case(metric, line, plan)
    if common is None:
        return None
    target, withins = common
    single = metric == "response" or metric == "acknowledge"
    created, sinces = line.created, [since for since, _ in line.priorities]
    start, stop = once_per_ticket(metric, line) if single else (created, None)
    pausable = target.pausable
    ruler = rulers.of(target.clock)
    holes = clock_holes(line, pausable)
    hole_starts = {a for a, _ in holes}
    # each agent update starts the update clock afresh (a stretch of its own)
    updates = {u for u in line.updates if u > created} if metric == "update" else set()
    ordered = _instants(line, single, start, stop, holes, updates)
    since_list, within_list, ends_list, deadlines = _targets(sinces, withins, start)
    count = len(since_list)
    last = len(ordered) - 1
    phases: list[Phase] = []
    append = phases.append
    elapsed = 0
    hole = 0  # cursor into holes
    holes_count = len(holes)
    clock_start = start  # where the clock counts from: the window's start, or the last agent update
    breached_before = False  # an earlier stretch between updates was breached
    for index, s in enumerate(ordered):
        if start is None or s < start:  # the acknowledge clock has not started: pending
            append(Phase(s, _PENDING, None, 0, withins[bisect_right(sinces, s) - 1]))
            continue
        while hole < holes_count and (end := holes[hole][1]) is not None and end <= s:
            hole += 1
        in_hole = hole < holes_count and holes[hole][0] <= s
        # the completion instant while completed: the clock's stop, or the resolution in force
        horizon = (stop if stop is not None and s >= stop else None) if single else resolution_at(line, s)
        if horizon is None and s in updates and clock_start is not None and s > clock_start:
            # the stretch since the last update closes: breached if a target passed its deadline in it
            closed = 1 if count == 1 else max(1, bisect_left(since_list, s))
            breached_before = breached_before or _breached(deadlines, ends_list, closed, s)
            clock_start, elapsed = s, 0
            since_list, within_list, ends_list, deadlines = _targets(sinces, withins, s)
            count = len(since_list)
        if horizon is not None:  # completed: it stands still; targets set at or after completion do not count
            included = 1 if count == 1 else max(1, bisect_left(since_list, horizon))
            breached = breached_before or _breached(deadlines, ends_list, included, horizon)
            append(Phase(s, _MET, s if breached else None, elapsed, within_list[included - 1] - elapsed))
            continue
        current = 0 if count == 1 else bisect_right(since_list, s) - 1
        run = 0
        if not in_hole:
            following = ordered[index + 1] if index < last else INF
            run = ruler.elapsed(s, following) if following != INF else INF
            stops = following in hole_starts
            for i in range(count):  # the deadlines reached while the clock runs on to the next instant
                # past the last instant the clock runs on forever: only the current target is projected
                if deadlines[i] is None and elapsed + run >= within_list[i] and (run != INF or i == current):
                    deadlines[i] = due_in_stretch(ruler, s, following, within_list[i] - elapsed, stops=stops)
        if breached_before or _breached(deadlines, ends_list, current + 1, s):
            breach: int | None = s
        else:
            deadline = deadlines[current]  # at s or later, or it would be breached already
            breach = breach_instant(deadline) if deadline is not None else None
        state = _PAUSED if pausable and in_hole else _RUNNING
        counting = not in_hole
        append(Phase(s, state, breach, elapsed, within_list[current] - elapsed, counting, counting, ruler, run))
        if run != INF:
            elapsed += run
    return phases


def _common_case(metric: Metric, line: Timeline, plan: Plan) -> tuple[Target, list[int]] | None:
    """The target and each priority's duration when the sweep applies: no extension of the metric, one window
    (response and acknowledge; the others when no reopen restarts them; update with no reopen at all), and
    every priority the ticket has had tracks the metric on one clock with one pausability."""
    if any(event.metric == metric for _, event in line.extensions):
        return None
    single = metric == "response" or metric == "acknowledge"
    if not single and line.reopens and (plan.restart or metric == "update"):
        return None
    targets = [plan.targets[code].get(metric) for _, code in line.priorities]
    target = targets[0]
    if target is None:
        return None
    withins: list[int] = []
    for other in targets:
        if other is None or other.clock is not target.clock or other.pausable != target.pausable:
            return None
        withins.append(other.within_us)
    return target, withins


def _instants(
    line: Timeline,
    single: bool,
    start: int | None,
    stop: int | None,
    holes: list[tuple[int, int | None]],
    updates: set[int],
) -> list[int]:
    """The instants at which something may change for the metric, in order: creation, priority changes, the
    ends of holes, agent updates, the clock's start and stop. Nothing changes once the clock has stopped for
    good, nor before it starts but the priority."""
    sinces = [since for since, _ in line.priorities]
    instants = {line.created, *sinces, *updates}
    for a, b in holes:
        instants.add(a)
        if b is not None:
            instants.add(b)
    if start is not None:
        instants.add(start)
        if stop is not None:
            instants.add(stop)
    if single:
        until = stop if stop is not None else INF
        return sorted(t for t in instants if t <= until and ((start is not None and t >= start) or t in sinces))
    resolved = resolution_at(line, line.as_of)
    return sorted(instants) if resolved is None else sorted(t for t in instants if t <= resolved)


def _breached(deadlines: list[int | None], ends: list[int | None], included: int, horizon: int) -> bool:
    """Whether one of the first ``included`` targets passed its deadline while in force, before ``horizon``."""
    for i in range(included):
        deadline, until = deadlines[i], ends[i]
        if deadline is not None and passed_in_force(deadline, horizon, until):
            return True
    return False


def _targets(
    sinces: list[int], withins: list[int], start: int | None
) -> tuple[list[int], list[int], list[int | None], list[int | None]]:
    """The targets in force over a clock started at ``start``: when each comes into force, its
    duration, when the next one takes over, and its deadline (known once the clock has counted it;
    a zero target too: it is due at the first open instant the clock runs at)."""
    since_list: list[int] = []
    within_list: list[int] = []
    if start is not None:
        for i in in_force_from(sinces, start):
            since_list.append(max(sinces[i], start))
            within_list.append(withins[i])
    ends_list: list[int | None] = [*since_list[1:], None]
    deadlines: list[int | None] = [None] * len(within_list)
    return since_list, within_list, ends_list, deadlines
