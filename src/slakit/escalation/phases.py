"""How one SLA metric's facts move over time: a list of phases from the ticket's creation on.

Between two instants at which something happens to a ticket, a metric's facts move only with the
open time of its clock: ``elapsed`` grows while the clock counts, ``remaining`` falls while it
counts (or, against an agreed deadline, while the ticket is not completed), and the state turns
``breached`` at one known instant. A :class:`Phase` describes one such stretch exactly, so the
escalation engine can say when a threshold is crossed without measuring the clocks at every instant.

:func:`metric_phases` makes them in one sweep over the instants at which something may change for
the metric, carrying forward what :func:`slakit.sla.measure` would find at each of them: the time
each clock the metric's targets count on has run since its stretch began (the window, the cycle when
reopening restarts the clocks, or the stretch since the last agent update), the target in force and
whether an earlier one passed its deadline while in force. So a ticket with n events costs about
n log n, whatever its events are. Every rule is the SLA core's: when a clock starts and stops
(``once_per_ticket``, ``resolution_at``, ``cycle_starts``, ``cycle_end``), where it stands still
(``holes``), which targets are in force (``target_timeline``, ``in_force_from``,
``moved_by_priority``), which extensions move a deadline (``ignored_extension``, asked of the core's
own ``Track`` as the clock stands at that instant), where a deadline falls (``due_in_stretch``) and
what is a breach (``passed_in_force``, ``breach_instant``).
The tests check every fact against ``slakit.sla.evaluate`` at and around every phase boundary.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import NamedTuple, TypeVar

from slakit.calendar import Ruler, Rulers
from slakit.instants import to_us
from slakit.sla import MetricState, Target, Timeline
from slakit.sla.clocks import TargetTime, cycle_end, cycle_starts, once_per_ticket, resolution_at, target_timeline
from slakit.sla.clocks import holes as clock_holes
from slakit.sla.policy import Metric, Plan
from slakit.sla.track import (
    Piece,
    Track,
    breach_instant,
    due_in_stretch,
    hole_reach,
    ignored_extension,
    in_force_from,
    moved_by_priority,
    passed_in_force,
    running_segments,
    target_length,
)

__all__ = ["INF", "Phase", "metric_phases", "threshold_runs"]

INF = 1 << 62  # an instant after every real one (about the year 146,000); never handed to a calendar

_Run = TypeVar("_Run")


def threshold_runs(op: str, reached: _Run, passed: _Run) -> list[tuple[_Run | int, _Run | int]]:
    """The runs of the clock (``(from, until)``, until excluded) at which a growing figure ``op`` a threshold it
    reaches at ``reached`` and passes at ``passed`` (whole numbers, or numpy arrays of them, one per row)."""
    if op == "ge":
        return [(reached, INF)]
    if op == "gt":
        return [(passed, INF)]
    if op == "lt":
        return [(0, reached)]
    if op == "le":
        return [(0, passed)]
    if op == "eq":
        return [(reached, passed)]
    return [(0, reached), (passed, INF)]  # ne


_RUNNING, _PAUSED, _MET, _PENDING = MetricState.RUNNING, MetricState.PAUSED, MetricState.MET, MetricState.PENDING
_NOTHING = (None, True, 0, 0)  # the facts of a metric with no status
_piece = tuple.__new__  # pieces made by the thousand: without the generated __new__'s call


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


def metric_phases(metric: Metric, line: Timeline, plan: Plan, rulers: Rulers) -> list[Phase]:
    """The phases of ``metric`` from the ticket's creation on: one per instant at which something may
    change for it, in time order."""
    timeline = target_timeline(metric, line, plan)
    if timeline[-1][1] is None:
        return [Phase(line.created, None)]  # no priority of the ticket tracks it: no figures, ever
    return _Sweep(metric, line, plan, rulers, timeline).phases()


class _Clock:
    """One clock the metric's targets count on (a calendar and a pausability), over the current stretch: the
    open time it has run since the stretch began, and the deadline of each target duration on it, known once
    the clock has counted it (a zero target too: due at the first open instant it runs at)."""

    __slots__ = (
        "count",
        "cum",
        "deadlines",
        "holes",
        "pausable",
        "pending",
        "reach",
        "ruler",
        "run",
        "segments",
        "start",
        "stops",
        "synced",
        "withins",
    )

    def __init__(self, ruler: Ruler, pausable: bool, holes: list[tuple[int, int | None]], stops: set[int]) -> None:
        self.ruler = ruler
        self.pausable = pausable
        self.holes = holes
        self.stops = stops  # where it stands still from (the holes' starts, even of empty ones)
        self.reach: list[int] | None = None
        self.withins: list[int] = []  # the target durations counted on it, in order
        self.run = 0  # the open time it runs from the instant being swept to the next
        self.begin(0)

    def begin(self, start: int) -> None:
        """A stretch of its own from ``start``: nothing counted, no deadline known."""
        self.start = self.synced = start
        self.count = 0
        self.deadlines: dict[int, int] = {}
        self.pending = list(self.withins)
        self.segments: list[tuple[int, int]] = []  # where it ran, as far as asked (track())
        self.cum: list[int] = []

    def track(self, horizon: int) -> Track:
        """The SLA core's :class:`Track` of this clock from the stretch's start to ``horizon`` (not before the
        last one asked): the running segments found since are added, as :func:`running_segments` makes them."""
        if horizon > self.synced:
            if self.reach is None:
                self.reach = hole_reach(self.holes)
            found = running_segments(self.synced, horizon, self.holes, self.reach)
            if found:
                segments, cum = self.segments, self.cum
                totals = self.ruler.running_totals(found)
                base = cum[-1] if cum else 0
                first = 0
                if segments and segments[-1][1] == found[0][0] and found[0][0] not in self.stops:
                    # the clock ran on through the last instant asked: one segment, as the core has it
                    segments[-1] = (segments[-1][0], found[0][1])
                    cum[-1] = base + totals[0]
                    first = 1
                segments.extend(found[first:])
                cum.extend(base + total for total in totals[first:])
            self.synced = horizon
        return Track(self.ruler, self.start, horizon, self.segments, self.cum, self.cum[-1] if self.cum else 0)


class _Sweep:
    """The phases of one metric, made in one pass over the instants at which something may change for it."""

    def __init__(self, metric: Metric, line: Timeline, plan: Plan, rulers: Rulers, timeline: list[TargetTime]) -> None:
        self.line = line
        self.plan = plan
        self.metric = metric
        self.single = metric == "response" or metric == "acknowledge"
        self.restart = plan.restart and not self.single and bool(line.reopens)
        self.timeline = timeline
        self.sinces = [since for since, _, _ in timeline]
        # each target of the timeline, and the clock it counts on
        self.owns: list[Target | None] = []
        self.clocks_of: list[_Clock | None] = []
        clocks: dict[tuple[int, bool], _Clock] = {}
        holes: dict[bool, tuple[list[tuple[int, int | None]], set[int]]] = {}
        targets = plan.targets
        of_code: dict[str, tuple[Target | None, _Clock | None]] = {}  # a ticket has few priorities
        for _, within, code in timeline:
            known = of_code.get(code)
            if known is None:
                own = targets[code].get(metric) if within is not None else None
                clock = None
                if own is not None and within is not None:
                    key = (id(own.clock), own.pausable)
                    clock = clocks.get(key)
                    if clock is None:
                        found = holes.get(own.pausable)
                        if found is None:
                            spans = clock_holes(line, own.pausable)
                            found = holes[own.pausable] = (spans, {a for a, _ in spans})
                        clock = clocks[key] = _Clock(rulers.of(own.clock), own.pausable, *found)
                    if within not in clock.withins:
                        clock.withins.append(within)
                known = of_code[code] = (own, clock)
            self.owns.append(known[0])
            self.clocks_of.append(known[1])
        self.clocks = list(clocks.values())
        for clock in self.clocks:
            clock.withins.sort()
            clock.begin(line.created)
        self.extension_times: list[int] = []
        self.extensions: list[tuple[int, int, bool]] = []  # (at, until, agreed) of the metric, in time order
        for t, event in line.extensions:
            if event.metric == metric:
                assert event.until is not None  # noqa: S101 -- Event checks it
                self.extension_times.append(t)
                self.extensions.append((t, to_us(event.until), event.customer_agreed))
        # each agent update starts the update clock afresh (a stretch of its own)
        self.updates = sorted({u for u in line.updates if u > line.created}) if metric == "update" else []
        self.update_set = set(self.updates)
        self.start, self.stop = once_per_ticket(metric, line) if self.single else (line.created, None)
        self.instants = self._instants([spans for spans, _ in holes.values()])
        # the stretch being swept: where it began, the target in force and whether one passed while in force
        self.stretch = line.created
        self.current = Piece(line.created, None, None, "")
        self.current_clock: _Clock | None = None
        self.due: int | None = None  # the current target's deadline, once known (an agreed one always is)
        self.horizon = line.created  # the instant extensions are asked at
        self.next_item = 0  # the next item of the timeline to come into force
        self.next_extension = 0  # the next extension to apply
        self.passed = False  # a target superseded in this stretch passed its deadline while in force
        self.breached_before = False  # an earlier stretch between agent updates was breached
        self.touched = False  # an extension's deadline was asked at the instant it was recorded

    def _instants(self, holes: list[list[tuple[int, int | None]]]) -> list[int]:
        """The instants at which something may change for the metric, in order: creation, priority changes,
        the ends of holes, agent updates, extensions, the clock's start and stop. Nothing changes once the
        clock has stopped for good, nor before it starts but the priority; except, when its targets count on
        several clocks, the clock the figures are shown on (the current priority's)."""
        line = self.line
        priorities = line.priorities
        instants = [since for since, _ in priorities] if len(priorities) > 1 else [line.created]
        instants += self.updates
        instants += self.extension_times
        for spans in holes:
            for a, b in spans:
                instants.append(a)
                if b is not None:
                    instants.append(b)
        start, stop = self.start, self.stop
        if start is not None:
            instants.append(start)
            if stop is not None:
                instants.append(stop)
        if self.single:
            until = stop if stop is not None else INF
            if start is None or start > line.created:  # before the clock starts, only the priority
                sinces = {since for since, _ in priorities}
                found = [t for t in instants if t <= until and ((start is not None and t >= start) or t in sinces)]
            else:
                found = [t for t in instants if t <= until] if stop is not None else instants
        else:
            resolved = resolution_at(line, line.as_of)
            until = INF if resolved is None else resolved
            found = instants if resolved is None else [t for t in instants if t <= resolved]
        if len(self.clocks) > 1:
            found += [since for since, _ in priorities if since > until]
        return sorted(set(found))

    # -- the stretch being swept ---------------------------------------------------------------------

    def begin(self, start: int) -> None:
        """A stretch of its own from ``start`` (the window's start, a cycle's, or an agent update): the target
        in force at its start, nothing counted."""
        if self.plan.relative:
            self._lengths_from(start)
        for clock in self.clocks:
            clock.begin(start)
        first = in_force_from(self.sinces, start).start
        since, within, code = self.timeline[first]
        self.current = _piece(Piece, (since if since > start else start, within, None, code, None))
        self.current_clock = self.clocks_of[first]
        self.due = None  # nothing counted yet
        self.next_item = first + 1
        self.next_extension = bisect_left(self.extension_times, start)
        self.passed = False
        self.stretch = start

    def _lengths_from(self, start: int) -> None:
        """Relative targets' lengths are those from the stretch's ``start``: the timeline's and the clocks'."""
        self.timeline = [
            (since, within if own is None else target_length(own, start), code)
            for (since, within, code), own in zip(self.timeline, self.owns, strict=True)
        ]
        for clock in self.clocks:
            found = {item[1] for item, of in zip(self.timeline, self.clocks_of, strict=True) if of is clock}
            clock.withins = sorted(within for within in found if within is not None)

    def breached(self, horizon: int) -> bool:
        """Whether a target in force in this stretch or an earlier one passed its deadline before ``horizon``."""
        if self.breached_before or self.passed:
            return True
        due = self.due
        return due is not None and passed_in_force(due, horizon, None)

    def _supersede(self, since: int, horizon: int) -> None:
        """The current target gives way at ``since``: whether it passed while in force is settled."""
        due = self.due
        if not self.passed and due is not None and passed_in_force(due, horizon, since):
            self.passed = True

    def change_priority(self, item: int, horizon: int) -> None:
        """The timeline's ``item`` comes into force (asked at ``horizon``)."""
        if moved_by_priority(self.current):
            since, within, code = self.timeline[item]
            due = self.due
            if not self.passed and due is not None and passed_in_force(due, horizon, since):
                self.passed = True  # the target giving way passed its deadline while in force
            self.current = _piece(Piece, (since, within, None, code, None))
            clock = self.current_clock = self.clocks_of[item]
            self.due = None if clock is None or within is None else clock.deadlines.get(within)

    def extend(self, index: int, horizon: int) -> None:
        """The metric's extension ``index`` is recorded, asked as the clocks stand at ``horizon``."""
        at, until, agreed = self.extensions[index]
        self.horizon = horizon
        if ignored_extension(self.current, at, until, agreed, self._deadline_at) is None:
            self._supersede(at, horizon)
            self.current = _piece(Piece, (at, None, until, "extension", None))
            self.current_clock = None
            self.due = until

    def _deadline_at(self, piece: Piece) -> int:
        """The deadline of the current target as the SLA core finds it with the clocks measured up to the
        horizon asked at (only asked for an extension, so the core's own track answers)."""
        if piece.until is not None:
            return piece.until
        clock = self.current_clock
        assert clock is not None  # noqa: S101 -- asked only for a target
        assert piece.within is not None  # noqa: S101 -- asked only for a target
        horizon = self.horizon
        deadline = clock.track(horizon).reach(piece.within)
        if deadline == horizon:  # due as the clock stands there: the answer may move once time passes
            self.touched = True
        return deadline

    def close_stretch(self, update: int) -> None:
        """An agent update ends the stretch since the last one (breached if a target passed in it) and begins
        the next."""
        if self.breached(update):
            self.breached_before = True
        self.begin(update)

    # -- the sweep -------------------------------------------------------------------------------------

    def phases(self) -> list[Phase]:  # noqa: C901, PLR0912, PLR0915 -- one pass, each case in its place
        line = self.line
        instants = self.instants
        timeline, sinces, owns, clocks_of, clocks = self.timeline, self.sinces, self.owns, self.clocks_of, self.clocks
        items = len(timeline)
        extension_times = self.extension_times
        extensions = len(extension_times)
        single, restart, updates = self.single, self.restart, self.update_set
        start, stop = self.start, self.stop
        paused, pauses = line.paused, len(line.paused)
        pause = -1  # the last pause begun
        main = 0  # the item of the timeline in force (the target the figures are measured against)
        priorities, priority = line.priorities, 0  # the ticket's priority (for a clock not started yet)
        metric, targets = self.metric, self.plan.targets
        # the resolution in force changes only where one begins or ends
        bounds = sorted({t for span in line.resolved for t in span if t is not None}) if line.resolved else []
        bound = 0
        next_bound = bounds[0] if bounds else INF
        resolved: int | None = None
        resolved_starts = [a for a, _ in line.resolved] if restart else []
        cycles = cycle_starts(line, True)[1:] if restart else []
        cycle = 0  # the next cycle to begin
        ends: int | None = None  # where the current cycle ends (cycle_end)
        completed_at: int | None = None  # where the window was completed, while it is
        breached_at_completion = False
        redo: tuple[Piece, _Clock | None, bool, list[int]] | None = None
        phases: list[Phase] = []
        append = phases.append
        # the facts of the last phase when nothing moves in it (None: something does): the same go on
        still: tuple[MetricState | None, bool, int, int] | None = None
        new = tuple.__new__  # a phase per instant: made without the generated __new__'s call
        if not single:
            self.begin(line.created)
            if restart:
                ends = cycle_end(line, line.created, resolved_starts)
        index, total = 0, len(instants)
        if single:  # before the clock starts: pending while the priority has a target, by the priority alone
            begins = total if start is None else bisect_left(instants, start)
            for s in instants[:begins]:
                while priority + 1 < len(priorities) and priorities[priority + 1][0] <= s:
                    priority += 1
                own = targets[priorities[priority][1]].get(metric)
                state, remaining = (None, 0) if own is None else (_PENDING, target_length(own, line.created))
                if still != (state, True, 0, remaining):  # else the same facts go on
                    still = (state, True, 0, remaining)
                    append(new(Phase, (s, state, None, 0, remaining, False, False, None, None)))
            index = begins
        while index < total:
            s = instants[index]
            index += 1
            while main + 1 < items and sinces[main + 1] <= s:
                main += 1
            while pause + 1 < pauses and paused[pause + 1][0] <= s:
                pause += 1
            in_pause = False
            if pause >= 0:
                end = paused[pause][1]
                in_pause = end is None or end > s
            if redo is not None:  # extensions recorded an instant ago, decided for good now the clock ran on
                self.current, self.current_clock, self.passed, indexes = redo
                redo = None
                clock, within = self.current_clock, self.current.within
                # its deadline as found since (the clock ran on an instant)
                self.due = self.current.until if clock is None or within is None else clock.deadlines.get(within)
                for i in indexes:
                    self.extend(i, s)
            # -- the window at s: pending, completed or running ----------------------------------------
            if single:
                if s == start:
                    self.begin(start)
                completed = stop is not None and s >= stop
                horizon = stop if completed and stop is not None else s
            elif restart:
                if cycle < len(cycles) and cycles[cycle] <= s:  # a cycle of its own: nothing carries over
                    self.begin(cycles[cycle])
                    self.breached_before = False
                    ends = cycle_end(line, cycles[cycle], resolved_starts)
                    cycle += 1
                    completed_at = None
                completed = ends is not None and ends <= s
                horizon = ends if completed and ends is not None else s
            else:
                if s >= next_bound:
                    resolved = resolution_at(line, s)
                    bound = bisect_right(bounds, s, bound)
                    next_bound = bounds[bound] if bound < len(bounds) else INF
                if completed_at is not None and resolved is None:  # reopened: what happened meanwhile counts now
                    self._reopened(completed_at, s)
                    completed_at = None
                completed = resolved is not None
                horizon = resolved if resolved is not None else s
            own = owns[main]
            current = self.current
            if completed:
                if completed_at is None:  # what stands at completion stays
                    completed_at, breached_at_completion = horizon, self.breached(horizon)
                if own is None or (current.within is None and current.until is None):
                    if still != _NOTHING:
                        still = _NOTHING
                        append(new(Phase, (s, None, None, 0, 0, False, False, None, None)))
                    continue
                main_clock = clocks_of[main]
                assert main_clock is not None  # noqa: S101 -- a target counts on a clock
                elapsed = main_clock.count
                if current.until is not None:
                    remaining = main_clock.ruler.elapsed(horizon, current.until)
                else:
                    assert current.within is not None  # noqa: S101 -- checked above
                    remaining = current.within - elapsed
                if still != (_MET, not breached_at_completion, elapsed, remaining):  # else the same facts go on
                    still = (_MET, not breached_at_completion, elapsed, remaining)
                    met_breach = s if breached_at_completion else None
                    append(new(Phase, (s, _MET, met_breach, elapsed, remaining, False, False, None, None)))
                continue
            # -- running at s: what happens at s -------------------------------------------------------
            if updates and s in updates and s > self.stretch:
                self.close_stretch(s)
            while self.next_item < items and sinces[self.next_item] <= s:
                self.change_priority(self.next_item, s)
                self.next_item += 1
            if self.next_extension < extensions and extension_times[self.next_extension] <= s:
                before = (self.current, self.current_clock, self.passed)
                indexes = []
                self.touched = False
                while self.next_extension < extensions and extension_times[self.next_extension] <= s:
                    indexes.append(self.next_extension)
                    self.extend(self.next_extension, s)
                    self.next_extension += 1
                if self.touched:  # as the clock stands at s a deadline is s itself; just after s it may not be
                    redo = (*before, indexes)
                    if index == total or instants[index] != s + 1:
                        instants.insert(index, s + 1)
                        total += 1
            # -- the phase from s, and the clocks run on to the next instant ---------------------------
            current = self.current
            following = instants[index] if index < total else INF
            due = self.due
            breached = self.breached_before or self.passed
            if not breached and due is not None:
                breached = passed_in_force(due, s, None)
            within = current.within if current.until is None else None
            for clock in clocks:
                if clock.pausable and in_pause:
                    clock.run = 0
                    continue
                run = clock.run = clock.ruler.elapsed(s, following) if following != INF else INF
                pending = clock.pending
                if pending and clock.count + run >= pending[0]:
                    self._deadlines(clock, s, following, run, within if clock is self.current_clock else None)
            main_clock = clocks_of[main]
            if own is None or main_clock is None or (within is None and current.until is None):
                if still != _NOTHING:
                    still = _NOTHING
                    append(new(Phase, (s, None, None, 0, 0, False, False, None, None)))
            else:
                still = None
                counting = not (in_pause and main_clock.pausable)
                elapsed = main_clock.count
                breach: int | None = s if breached else None
                if current.until is not None:
                    remaining = main_clock.ruler.elapsed(s, current.until)
                    falling = True
                    if not breached:
                        breach = breach_instant(current.until)
                else:
                    assert within is not None  # noqa: S101 -- checked above
                    remaining = within - elapsed
                    falling = counting
                    if not breached and counting:
                        due = self.due  # perhaps reached before the next instant
                        if due is not None:
                            breach = breach_instant(due)
                # the open time to the next instant, when the clock runs (else found when asked)
                span = main_clock.run if counting else None
                state = _RUNNING if counting else _PAUSED
                append(new(Phase, (s, state, breach, elapsed, remaining, counting, falling, main_clock.ruler, span)))
            for clock in clocks:
                run = clock.run
                if run != INF:
                    clock.count += run
        return phases

    def _deadlines(self, clock: _Clock, s: int, following: int, run: int, current: int | None) -> None:
        """The deadlines the clock reaches while it runs on from ``s`` to ``following`` (``run`` of open time):
        past the last instant it runs on forever, and only the current target (of duration ``current`` on this
        clock) is projected."""
        stops = following in clock.stops
        count = clock.count
        found = []
        for within in clock.pending:
            if count + run < within:
                break
            if run == INF and within != current:
                continue
            due = due_in_stretch(clock.ruler, s, following, within - count, stops=stops)
            if due is not None:
                clock.deadlines[within] = due
                found.append(within)
                if within == current:
                    self.due = due
        for within in found:
            clock.pending.remove(within)

    def _reopened(self, resolved: int, s: int) -> None:
        """The window, completed at ``resolved``, runs again from ``s``: the priority changes and extensions
        recorded meanwhile come into force, and each agent update meanwhile ends a stretch (the clock stood
        still, so each is taken as the clocks stand at ``s``), in time order (an update, then a priority
        change, then an extension at one instant)."""
        timeline, extension_times = self.timeline, self.extension_times
        updates = self.updates
        update = bisect_left(updates, resolved)
        while True:
            u = updates[update] if update < len(updates) and updates[update] < s else INF
            item = self.next_item
            p = timeline[item][0] if item < len(timeline) and timeline[item][0] < s else INF
            e = self.next_extension
            x = extension_times[e] if e < len(extension_times) and extension_times[e] < s else INF
            if u == p == x == INF:
                return
            if u <= p and u <= x:
                if u > self.stretch:
                    self.close_stretch(u)
                update += 1
            elif p <= x:
                self.change_priority(item, s)
                self.next_item += 1
            else:
                self.extend(e, s)
                self.next_extension += 1
