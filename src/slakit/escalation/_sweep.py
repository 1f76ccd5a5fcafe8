"""The history of a metric in one sweep over its instants, for the common case (see :func:`sweep`).

The general way (:class:`slakit.escalation._history.MetricHistory`) starts each phase from the
SLA report at an event instant; here one pass over the instants of the ticket's timeline carries
the counted time and each target's deadline forward instead, which gives the same phases without
evaluating the SLA at all.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from slakit.escalation._phase import INF, Phase
from slakit.sla.report import MetricState

if TYPE_CHECKING:
    from slakit.escalation._history import MetricHistory

__all__ = ["sweep"]

_RUNNING, _PAUSED, _MET, _PENDING = MetricState.RUNNING, MetricState.PAUSED, MetricState.MET, MetricState.PENDING


def sweep(history: MetricHistory) -> list[Phase] | None:
    """:meth:`MetricHistory.phases` in the common case, in one sweep; None when it does not apply.

    The common case: one window (no restart on reopen, or a response/acknowledge clock; for the
    update metric, no reopen at all), no extension of the metric, and every priority the ticket
    has had tracks the metric on the same clock with the same pausability. Then the clock's counted
    time is one history (for update, one per stretch between agent updates), each target in force
    has one deadline on it, and the metric is breached at an instant exactly when a target in
    force by then had its deadline pass while it was in force (and before the clock stopped).
    """
    line, metric = history.line, history.metric
    if any(event.metric == metric for _, event in line.extensions):
        return None
    single = metric == "response" or metric == "acknowledge"
    if not single and line.reopens and (history.plan.restart or metric == "update"):
        return None
    target = history.targets[0]
    if target is None:
        return None
    withins: list[int] = []
    for other, within in zip(history.targets, history.withins, strict=True):
        if other is None or within is None:
            return None
        if other.clock is not target.clock or other.pausable != target.pausable:
            return None
        withins.append(within)
    created, sinces = line.created, history.sinces
    start = (created if metric == "response" else line.first_assign) if single else created
    stop = history.stop() if single else None
    pausable = target.pausable
    ruler = history.ruler_for(target)
    resolved = line.resolved
    holes = history.holes_for(pausable)
    instants = {created, *sinces}
    for a, b in holes:
        instants.add(a)
        if b is not None:
            instants.add(b)
    # each agent update starts the update clock afresh (a stretch of its own)
    updates = {u for u in line.updates if u > created} if metric == "update" else set()
    instants |= updates
    if start is not None:
        instants.add(start)
        if stop is not None:
            instants.add(stop)
    since_list, within_list, ends_list, deadlines = _targets(sinces, withins, start)
    count = len(since_list)
    # nothing changes once the clock has stopped for good, nor before it starts but the priority
    if single:
        until = stop if stop is not None else INF
        ordered = sorted(t for t in instants if t <= until and ((start is not None and t >= start) or t in sinces))
    elif resolved and resolved[-1][1] is None:
        ordered = sorted(t for t in instants if t <= resolved[-1][0])
    else:
        ordered = sorted(instants)
    last = len(ordered) - 1
    phases: list[Phase] = []
    append = phases.append
    elapsed = 0
    hole = spans = 0  # cursors into holes and resolved spans
    holes_count, resolved_count = len(holes), len(resolved)
    clock_start = start  # where the clock counts from: the window's start, or the last agent update
    breached_before = False  # an earlier stretch between updates was breached
    for index, s in enumerate(ordered):
        if start is None or s < start:  # the acknowledge clock has not started: pending
            append(Phase(s, _PENDING, None, 0, withins[bisect_right(sinces, s) - 1]))
            continue
        while hole < holes_count and (end := holes[hole][1]) is not None and end <= s:
            hole += 1
        in_hole = hole < holes_count and holes[hole][0] <= s
        horizon = None  # the completion instant while completed
        if single:
            if stop is not None and s >= stop:
                horizon = stop
        else:
            while spans < resolved_count and (end := resolved[spans][1]) is not None and end <= s:
                spans += 1
            if spans < resolved_count and resolved[spans][0] <= s:
                horizon = resolved[spans][0]
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
            for i in range(count):  # the deadlines reached while the clock runs on to the next instant
                # past the last instant the clock runs on forever: only the current target is projected
                if deadlines[i] is None and elapsed + run >= within_list[i] and (run != INF or i == current):
                    deadlines[i] = ruler.add(s, within_list[i] - elapsed)
        if breached_before or _breached(deadlines, ends_list, current + 1, s):
            breach: int | None = s
        else:
            deadline = deadlines[current]  # at s or later, or it would be breached already
            breach = deadline + 1 if deadline is not None else None
        state = _PAUSED if pausable and in_hole else _RUNNING
        counting = not in_hole
        append(Phase(s, state, breach, elapsed, within_list[current] - elapsed, counting, counting, ruler, run))
        if run != INF:
            elapsed += run
    return phases


def _breached(deadlines: list[int | None], ends: list[int | None], included: int, horizon: int) -> bool:
    """Whether one of the first ``included`` targets passed its deadline while in force, before ``horizon``."""
    for i in range(included):
        deadline, until = deadlines[i], ends[i]
        if deadline is not None and deadline < horizon and (until is None or deadline < until):
            return True
    return False


def _targets(
    sinces: list[int], withins: list[int], start: int | None
) -> tuple[list[int], list[int], list[int | None], list[int | None]]:
    """The targets in force over a clock started at ``start``: when each comes into force, its
    duration, when the next one takes over, and its deadline (known once the clock has counted it;
    a zero target is due at the start)."""
    since_list: list[int] = []
    within_list: list[int] = []
    if start is not None:
        for i, since in enumerate(sinces):
            if i + 1 < len(sinces) and sinces[i + 1] <= start:
                continue  # superseded before the clock started
            since_list.append(since if since > start else start)
            within_list.append(withins[i])
    ends_list: list[int | None] = [*since_list[1:], None]
    deadlines: list[int | None] = [start if within <= 0 else None for within in within_list]
    return since_list, within_list, ends_list, deadlines
