"""``measure``: every SLA clock of a ticket from its timeline, in integer microseconds.

This is the clocks' part of slakit's core (docs/design.md, "The core"): :func:`measure` takes a
:class:`~slakit.sla.timeline.Timeline` and a policy and says, for each metric, its state, elapsed
time, deadline, completion and breach, with the instant of the next change. No datetime is made
here; :func:`slakit.sla.evaluate` shows the figures as a report, the escalation engine reads them
at event instants, and the batch writes them.

Where each rule lives:

- which stretch a metric is measured over (its *windows*): :func:`windows`, from
  :func:`once_per_ticket` (response and acknowledge; a resolve stops them, :func:`~slakit.sla.track.clock_stop`),
  :func:`resolution_at` (a resolution completes resolution and update, a reopen resumes them) and
  :func:`cycle_starts` (with ``on_reopen: restart``);
- where a clock stands still (resolved spans, and pauses when pausable): :func:`holes`;
- which target is in force when (priority changes, extensions) and when a breach happens:
  :mod:`slakit.sla.track` (:func:`~slakit.sla.track.is_breached` is the one breach rule);
- the update metric's gaps between agent updates: :meth:`Measuring.update`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import itemgetter
from typing import NamedTuple

from slakit.calendar import Rulers
from slakit.errors import ConfigError
from slakit.instants import to_us
from slakit.sla.policy import HoldsPolicy, Metric, Plan, Policy, Target, sla_policy
from slakit.sla.report import MetricState
from slakit.sla.timeline import Timeline
from slakit.sla.track import (
    Outcome,
    Piece,
    TargetTrace,
    Track,
    clock_stop,
    evaluate_track,
    hole_reach,
    in_force_from,
    running_segments,
    single_target,
    target_length,
)

__all__ = [
    "GapFigures",
    "Measurement",
    "MetricFigures",
    "Run",
    "Window",
    "cycle_end",
    "cycle_starts",
    "defined_windows",
    "holes",
    "measure",
    "once_per_ticket",
    "resolution_at",
    "target_timeline",
    "windows",
]

_RUNNING, _PAUSED, _MET, _BREACHED, _PENDING = (
    MetricState.RUNNING,
    MetricState.PAUSED,
    MetricState.MET,
    MetricState.BREACHED,
    MetricState.PENDING,
)


_FIRST = itemgetter(0)
_NO_EXTENSIONS: tuple[list[int], list[tuple[int, int, bool, int]]] = ([], [])
_piece = tuple.__new__  # pieces made by the thousand: without the generated __new__'s call

Window = tuple[int, int, bool, int]
"""A stretch a metric clock is measured over: ``(start, horizon, completed, cycle)``, where the horizon is the
completion instant, or the evaluation instant when not completed, and ``cycle`` counts reopenings."""


class GapFigures(NamedTuple):
    """A stretch between agent updates that went over its target (the ``update`` metric): ``overdue`` is how
    far past its deadline it ran (its elapsed time minus the target in force at its end)."""

    started: int
    ended: int | None
    elapsed: int
    breached_at: int
    overdue: int = 0


class MetricFigures(NamedTuple):
    """One metric clock as integers: what :class:`~slakit.sla.MetricStatus` shows as datetimes.

    ``within`` is the target in force (for an agreed deadline, the elapsed time plus the open time
    left until it), ``remaining`` is ``within - elapsed``. ``extensions`` are the indexes (in
    ``timeline.extensions``) of the agreed extensions applied. ``counted`` are the stretches the clock
    ran, up to ``horizon``, ``pauses`` the ticket's pause spans when pauses stop this clock (end None:
    still paused), and ``final`` the target in force at the end as ``(since, within, until, source)``:
    the trace ``explain()`` shows. A pending metric has no deadline, start or trace.
    """

    metric: Metric
    target: Target
    within: int
    state: MetricState
    deadline: int | None
    elapsed: int
    at_risk: bool
    started: int | None
    completed: int | None
    breached_at: int | None
    cycle: int = 0
    gaps: tuple[GapFigures, ...] = ()
    extensions: tuple[int, ...] = ()
    counted: tuple[tuple[int, int], ...] = ()
    pauses: tuple[tuple[int, int | None, str], ...] = ()
    horizon: int | None = None
    final: TargetTrace | None = None

    @property
    def remaining(self) -> int:
        """Target minus elapsed: negative once breached."""
        return self.within - self.elapsed


class Measurement(NamedTuple):
    """Every clock of one ticket at ``timeline.as_of``.

    ``metrics`` are the current cycle's, in :data:`~slakit.sla.METRICS` order; ``cycles`` the earlier
    cycles' when a reopen restarts the clocks; ``next_change`` the earliest instant after ``as_of`` at
    which a state or at-risk flag changes if nothing happens (None when nothing runs); ``ignored`` the
    extensions (by index in ``timeline.extensions``) that changed nothing, with the reason; ``targets``
    the target in force for each tracked metric; ``priority`` the priority in force.
    """

    priority: str
    metrics: dict[Metric, MetricFigures]
    cycles: tuple[dict[Metric, MetricFigures], ...]
    next_change: int | None
    ignored: tuple[tuple[int, str], ...]
    targets: dict[Metric, Target]


def measure(
    line: Timeline, policy: Policy | HoldsPolicy, rulers: Rulers | None = None, *, plan: Plan | None = None
) -> Measurement:
    """Every tracked clock of the ticket ``line`` describes, under ``policy`` (a :class:`slakit.ServicePolicy`
    or its ``.sla``), as of ``line.as_of``.

    ``rulers`` are the calendar rulers of this evaluation (shared with the escalation engine's). ``plan`` is
    the ticket's (:meth:`~slakit.sla.Policy.plan_for`), which a policy with ``slas`` needs (a
    :class:`~slakit.errors.ConfigError` without it). A priority on the timeline that the policy does not define is an
    :class:`~slakit.errors.UnknownPriorityError`.
    """
    sla = sla_policy(policy)
    for _, code in line.priorities:
        if code not in sla.plan.targets:
            sla.priority(code)  # raises, naming the priorities there are
    if plan is None and sla.slas:
        raise ConfigError.for_value("plan", plan, "the ticket's plan, policy.plan_for(ticket), for a policy with slas")
    return Measuring(line, sla.plan if plan is None else plan, rulers if rulers is not None else Rulers()).measurement()


def windows(metric: Metric, line: Timeline, restart: bool) -> list[Window]:
    """The stretches ``metric`` is measured over: the one rule of when each clock starts and stops.

    Response runs from creation and acknowledge from the first assignment, each to its own event or a
    resolve before it, once per ticket. Resolution and update run from creation to the resolution in
    force (or ``as_of``), resuming after a reopen; with ``restart`` each reopening starts a new cycle.
    """
    as_of = line.as_of
    if as_of < line.created:
        return []
    if metric == "response" or metric == "acknowledge":
        start, stop = once_per_ticket(metric, line)
        if start is None:
            return []
        return [(start, stop if stop is not None else as_of, stop is not None, 0)]
    if not restart or not line.reopens:
        resolved = resolution_at(line, as_of)
        return [(line.created, resolved if resolved is not None else as_of, resolved is not None, 0)]
    found: list[Window] = []
    resolves = [a for a, _ in line.resolved]
    for cycle, start in enumerate(cycle_starts(line, restart)):
        resolve = cycle_end(line, start, resolves)
        found.append((start, resolve if resolve is not None else as_of, resolve is not None, cycle))
    return found


def cycle_end(line: Timeline, start: int, resolves: list[int] | None = None) -> int | None:
    """Where the cycle begun at ``start`` (with ``on_reopen: restart``) is completed: at its first resolution,
    None while there is none. A resolution reopened at once, at the cycle's start, ended the cycle before.
    ``resolves`` are the instants the resolutions begin, when the caller has them."""
    if resolves is None:
        resolves = [a for a, _ in line.resolved]
    first = bisect_left(resolves, start)
    if first < len(resolves) and resolves[first] == start and line.resolved[first][1] == start:
        first += 1
    return resolves[first] if first < len(resolves) else None


def resolution_at(line: Timeline, t: int) -> int | None:
    """When the resolution in force at instant ``t`` began (a resolve, or a close of an open ticket); None
    when the ticket is open at ``t``. A resolution completes the resolution and update clocks, a reopen
    resumes them."""
    resolved = line.resolved
    # the last resolution begun by t (they begin in order): from the end when there are few
    i = len(resolved) - 1
    if i > 8:
        i = bisect_right(resolved, t, key=_FIRST) - 1
    else:
        while i >= 0 and resolved[i][0] > t:
            i -= 1
    if i < 0:
        return None
    a, b = resolved[i]
    return a if b is None or b > t else None


def cycle_starts(line: Timeline, restart: bool) -> list[int]:
    """Where each cycle of the clocks starts: creation, and each reopening when ``restart``."""
    return [line.created, *line.reopens] if restart else [line.created]


def holes(line: Timeline, pausable: bool) -> list[tuple[int, int | None]]:
    """Where a clock stands still: resolved spans, and pause spans if it is pausable; in order."""
    found: list[tuple[int, int | None]] = list(line.resolved)
    if pausable and line.paused:
        found += [(a, b) for a, b, _ in line.paused]
        found.sort(key=_FIRST)
    return found


def once_per_ticket(metric: Metric, line: Timeline) -> tuple[int | None, int | None]:
    """When the response or acknowledge clock starts (None: not yet) and stops for good (None: not yet).

    Response starts at creation, acknowledge at the first assignment; each stops at its own event, or
    at a resolve before it (a resolve completes every running clock).
    """
    start = line.created if metric == "response" else line.first_assign
    if start is None:
        return None, None
    natural = line.first_response if metric == "response" else line.first_acknowledge
    return start, clock_stop(line.resolved, start, natural)


Run = tuple[int, int]
"""One run of a repeating metric's clock within a window: ``(start, end)``, ``end`` the evaluation instant when it
still runs; every run but the window's last is completed, the last when the window is."""


def defined_windows(metric: Metric, line: Timeline, plan: Plan) -> list[tuple[Window, list[Run]]]:
    """The stretches a metric the policy defines by events is measured over, one per cycle, with its runs.

    Its runs are the timeline's (``line.defined``, the one rule of :class:`~slakit.sla.timeline.Instances`); a
    metric that resumes after a reopen (without ``on_reopen: restart``) is completed by the resolution in force:
    the runs begun before it (else the one begun at its instant) are cut there. A window goes from the first
    run's start to the last run's end (the evaluation instant when it runs), completed when the last run is.
    """
    runs = line.defined.get(metric, ())
    if not runs or line.as_of < line.created:
        return []
    as_of = line.as_of
    if plan.definitions[metric].resume and not plan.restart:
        resolved = resolution_at(line, as_of)
        if resolved is not None:
            before = [run for run in runs if run[0] < resolved] or [run for run in runs if run[0] == resolved]
            runs = tuple((a, resolved if b is None or b > resolved else b, c) for a, b, c in before)
    found: list[tuple[Window, list[Run]]] = []
    for a, b, cycle in runs:
        end = as_of if b is None else b
        if found and found[-1][0][3] == cycle:
            found[-1][1].append((a, end))
            found[-1] = ((found[-1][0][0], end, b is not None, cycle), found[-1][1])
        else:
            found.append(((a, end, b is not None, cycle), [(a, end)]))
    return found


TargetTime = tuple[int, int | None, str]
"""A target coming into force: ``(since, within, priority)``, ``within`` None when the priority has none."""


def target_timeline(metric: Metric, line: Timeline, plan: Plan) -> list[TargetTime]:
    """The targets of ``metric`` over time: ``(since, within, priority)`` for the ticket's priority at creation
    and each priority change, in order.

    A change to a priority without a target for the metric is left out: the latest earlier priority's target
    stays in force (so the target a metric is measured against is the last item's priority's, when the last
    item has one). Only while no priority so far had a target are such changes kept, without one.
    """
    withins = plan.withins
    found: list[TargetTime] = []
    for t, code in line.priorities:
        within = withins[code].get(metric)
        if within is not None or not found or found[-1][1] is None:
            found.append((t, within, code))
    return found


class Measuring:
    """The work of one :func:`measure` call (tracks and target timelines are made once and shared)."""

    # made when first needed (a ticket with many holes, priority changes or extensions)
    _reach: dict[bool, list[int]] | None = None
    _target_pieces: dict[Metric, list[Piece]] | None = None
    _others: dict[Metric, dict[str, Target]] | None = None
    _extensions: dict[Metric, tuple[list[int], list[tuple[int, int, bool, int]]]] | None = None
    _least: dict[Metric, tuple[list[int], list[int | None]]] | None = None
    _one_clock: dict[Metric, bool] | None = None

    def __init__(self, line: Timeline, plan: Plan, rulers: Rulers) -> None:
        self.line = line
        self.plan = plan
        self.rulers = rulers
        self.ignored: list[tuple[int, str]] = []
        self.changes: list[int] = []
        self.used_extensions: set[int] = set()
        self._holes: dict[bool, list[tuple[int, int | None]]] = {}
        self._tracks: dict[tuple[int, int, bool, int], Track] = {}
        self._target_times: dict[Metric, tuple[list[TargetTime], list[int]]] = {}
        self.code = line.priorities[-1][1]
        if len(line.priorities) == 1:
            self.targets = dict(plan.targets[self.code])
        else:
            self.targets = {metric: target for metric in plan.metrics if (target := self._target(metric)) is not None}
        # one priority all along and no extension: each clock has one target, nothing else to apply
        self.plain = len(line.priorities) == 1 and not line.extensions
        self.withins = plan.withins[self.code]
        self.paused_status = bool(line.paused_now())
        self.paused = self.paused_status and not line.resolved_now

    def measurement(self) -> Measurement:
        """Every metric, earlier cycles, the next change and the ignored extensions."""
        metrics: dict[Metric, MetricFigures] = {}
        earlier: list[dict[Metric, MetricFigures]] = []
        for metric, target in self.targets.items():
            figures = self.metric(metric, target)
            if not figures:
                continue
            metrics[metric] = figures[-1]
            for cycle, item in enumerate(figures[:-1]):  # earlier cycles, when clocks restart on reopen
                while len(earlier) <= cycle:
                    earlier.append({})
                earlier[cycle][metric] = item
        reported = {index for index, _ in self.ignored}
        for index in range(len(self.line.extensions)):
            if index not in self.used_extensions and index not in reported:
                self.ignored.append((index, "the metric was not running when it was recorded"))
        return Measurement(
            self.code,
            metrics,
            tuple(earlier),
            min(self.changes) if self.changes else None,
            tuple(self.ignored),
            self.targets,
        )

    # -- which target, which clock -------------------------------------------------------------------

    def _target(self, metric: Metric) -> Target | None:
        """The current priority's target, else the latest earlier priority's that had one: that of the last item
        of :func:`target_timeline` with one, found from the end."""
        for _, code in reversed(self.line.priorities):
            target = self.plan.targets[code].get(metric)
            if target is not None:
                return target
        return None

    def holes(self, pausable: bool) -> list[tuple[int, int | None]]:
        """:func:`holes` of the timeline, made once per pausability."""
        found = self._holes.get(pausable)
        if found is None:
            found = self._holes[pausable] = holes(self.line, pausable)
        return found

    def track(self, target: Target, start: int, horizon: int) -> Track:
        """The clock of ``target`` over ``[start, horizon)``, made once (update and resolution share one).

        The clock stands still while the ticket is resolved and, if the target is pausable, paused.
        """
        pausable = target.pausable
        clock = target.clock
        key = (start, horizon, pausable, id(clock))
        track = self._tracks.get(key)
        if track is None:
            holes = self._holes.get(pausable) or self.holes(pausable)
            reach = None
            if len(holes) > 8:  # many holes: skip those before the start by bisection
                if self._reach is None:
                    self._reach = {}
                reach = self._reach.get(pausable)
                if reach is None:
                    reach = self._reach[pausable] = hole_reach(holes)
            segments = running_segments(start, horizon, holes, reach)
            ruler = self.rulers.get(id(clock)) or self.rulers.of(clock)
            totals = ruler.running_totals(segments)
            track = Track(ruler, start, horizon, segments, totals, totals[-1] if totals else 0)
            self._tracks[key] = track
        return track

    # -- one metric ----------------------------------------------------------------------------------

    def metric(self, metric: Metric, target: Target) -> list[MetricFigures]:
        """The metric's figures, one per cycle (pending when its clock has not started)."""
        if metric in self.plan.definitions:
            return self._defined(metric, target)
        found = windows(metric, self.line, self.plan.restart)
        if not found:
            return [self._pending(metric, target)] if metric in self.plan.targets[self.code] else []
        figures = []
        for window in found:
            item = self.update(window, target) if metric == "update" else self._single(metric, window, target)
            if item is not None:
                figures.append(item)
        return figures

    def _single(self, metric: Metric, window: Window, target: Target) -> MetricFigures | None:
        track = self.track(target, window[0], window[1])
        outcome = self._outcome(metric, track, window[2])
        return None if outcome is None else self._figures(metric, target, window, track, outcome)

    def update(self, window: Window, target: Target) -> MetricFigures | None:
        """The update metric: each stretch between agent updates is a clock of its own."""
        start, horizon, completed, _ = window
        updates = self.line.updates
        bounds = [start]
        bounds += updates[bisect_right(updates, start) : bisect_left(updates, horizon)]  # those strictly inside
        if not completed and updates and updates[-1] == horizon > start:
            bounds.append(horizon)
        runs = list(zip(bounds, [*bounds[1:], horizon], strict=True))
        return self.repeating("update", window, runs, target)

    def _defined(self, metric: Metric, target: Target) -> list[MetricFigures]:
        """A metric the policy defines by events: its figures, one per cycle (pending before its clock starts)."""
        found = defined_windows(metric, self.line, self.plan)
        if not found:
            return [self._pending(metric, target)] if metric in self.plan.targets[self.code] else []
        repeat = self.plan.definitions[metric].repeat
        figures = []
        for window, runs in found:
            item = self.repeating(metric, window, runs, target) if repeat else self._single(metric, window, target)
            if item is not None:
                figures.append(item)
        return figures

    def repeating(self, metric: Metric, window: Window, runs: list[Run], target: Target) -> MetricFigures | None:
        """A metric whose clock runs again and again (update, a defined metric with ``repeat``): each run is a
        clock of its own; the figures are the last run's, breached once any run was, every run over its target
        listed (as gaps)."""
        start, horizon, completed, _ = window
        whole = self.track(target, start, horizon)
        gaps: list[GapFigures] = []
        first_breach: int | None = None
        last: tuple[Track, Outcome] | None = None
        final = len(runs) - 1
        for i, (gap_start, gap_end) in enumerate(runs):
            closed = i < final
            if closed and self._cannot_breach(metric, gap_start, gap_end, whole):
                continue
            gap_completed = closed or completed
            track = self.track(target, gap_start, gap_end)
            outcome = self._outcome(metric, track, gap_completed, record_change=False)
            if outcome is None:
                continue
            if outcome.breached_at is not None:
                first_breach = outcome.breached_at if first_breach is None else first_breach
                ended = gap_end if gap_completed else None
                overdue = outcome.elapsed - outcome.target
                gaps.append(GapFigures(gap_start, ended, outcome.elapsed, outcome.breached_at, overdue))
            last = (track, outcome)
        if last is None:
            return None
        track, outcome = last
        if first_breach is not None:  # breached once any gap was
            outcome = outcome._replace(breached_at=first_breach, at_risk=False)
        elif outcome.next_change is not None:
            self.changes.append(outcome.next_change)
        return self._figures(metric, target, window, track, outcome, tuple(gaps))

    def _cannot_breach(self, metric: Metric, gap_start: int, gap_end: int, whole: Track) -> bool:
        """A completed run of a repeating metric that counted less than every target in force during it (and was
        not extended).

        ``whole`` is the clock of the whole window; a run counts what ``whole`` counted during it.
        """
        if self.plan.relative:  # a relative target's length depends on where the run starts: no shortcut
            return False
        limit = self.withins[metric] if self.plain else self._least_target(metric, gap_start, gap_end)
        if limit is None:
            return False
        # open time never exceeds wall time, so most gaps are ruled out without asking the calendar
        if gap_end - gap_start < limit:
            return True
        return self._one_clock_of(metric) and whole.elapsed_at(gap_end) - whole.elapsed_at(gap_start) < limit

    def _one_clock_of(self, metric: Metric) -> bool:
        """Whether every priority's target of ``metric`` counts on the current one's clock and pausability."""
        if self._one_clock is None:
            self._one_clock = {}
        found = self._one_clock.get(metric)
        if found is None:
            current = self.targets[metric]
            found = True
            for _, code in self.line.priorities:
                own = self.plan.targets[code].get(metric)
                if own is not None and (own.clock is not current.clock or own.pausable != current.pausable):
                    found = False
                    break
            self._one_clock[metric] = found
        return found

    def _least_target(self, metric: Metric, gap_start: int, gap_end: int) -> int | None:
        """The least target of ``metric`` in force during a run (counting every target set before its end); None
        if one is missing or an extension was recorded."""
        instants, _ = self._metric_extensions(metric)
        if bisect_left(instants, gap_start) < bisect_left(instants, gap_end):
            return None
        if self._least is None:
            self._least = {}
        cached = self._least.get(metric)
        if cached is None:  # the least target so far after each change, None once one is missing
            self._targets_over_time(metric)
            sinces = self._target_times[metric][1]
            least: list[int | None] = []
            low: int | None = None
            for _, within, _ in self._targets_over_time(metric):
                low = None if within is None or (least and low is None) else within if low is None else min(low, within)
                least.append(low)
            cached = self._least[metric] = (sinces, least)
        sinces, least = cached
        count = bisect_left(sinces, gap_end)
        return least[count - 1] if count else None

    def _outcome(self, metric: Metric, track: Track, completed: bool, *, record_change: bool = True) -> Outcome | None:
        """Where a metric clock stands at the horizon of ``track``; None when it has no target to meet."""
        running = not completed and not (self.paused and self.targets[metric].pausable)
        outcome: Outcome | None
        if self.plain:  # one target all along, no extension: the common case, without pieces
            within = (
                self.withins[metric] if not self.plan.relative else target_length(self.targets[metric], track.start)
            )
            elapsed, deadline, breached_at, next_change, at_risk = single_target(
                track, within, running, self.plan.ratio
            )
            final = (track.start, within, None, self.code)
            outcome = Outcome(elapsed, within, deadline, breached_at, next_change, at_risk, final)
        else:
            outcome = self._general_outcome(metric, track, completed, running)
        if outcome is not None and record_change and outcome.next_change is not None:
            self.changes.append(outcome.next_change)
        return outcome

    def _general_outcome(self, metric: Metric, track: Track, completed: bool, running: bool) -> Outcome | None:
        """:meth:`_outcome` with priority changes and extensions."""
        horizon = track.horizon
        instants, recorded = self._metric_extensions(metric)
        extensions = []
        if recorded:  # those recorded in the window: from its start, before its completion (or up to as_of)
            low = bisect_left(instants, track.start)
            high = bisect_left(instants, horizon) if completed else bisect_right(instants, horizon)
            extensions = recorded[low:high]
            self.used_extensions.update(index for _, _, _, index in extensions)
        pieces = self._pieces(metric, track, completed)
        paused = not completed and not running
        outcome = evaluate_track(track, pieces, extensions, running=running, ratio=self.plan.ratio, paused=paused)
        if outcome is not None:
            self.ignored.extend(outcome.ignored)
        return outcome

    def _pieces(self, metric: Metric, track: Track, completed: bool) -> list[Piece]:
        """The targets in force over ``track``: the priority's at its start, then each later priority change
        (up to its horizon; one made as the clock completes does not count)."""
        self._targets_over_time(metric)
        timeline, sinces = self._target_times[metric]
        start, horizon = track.start, track.horizon
        first = in_force_from(sinces, start).start
        last = bisect_left(sinces, horizon) if completed and horizon > start else bisect_right(sinces, horizon)
        if self._target_pieces is None:
            self._target_pieces = {}
        every = self._target_pieces.get(metric)
        if every is None:  # each item as a piece, made once
            every = self._target_pieces[metric] = []
            for t, within, code in timeline:
                every.append(_piece(Piece, (t, within, None, code, None)))
        pieces = every[first:last]  # the first is in force at the start, so it counts
        head = pieces[0]
        if head.since < start:
            pieces[0] = Piece(start, head.within, None, head.source)
        if self.plan.relative:  # a relative target's length is that from the clock's start
            targets = self.plan.targets
            for i, piece in enumerate(pieces):
                own = targets[piece.source].get(metric)
                if own is not None and own.days is not None:
                    pieces[i] = Piece(piece.since, target_length(own, start), None, piece.source)
        others = self._other_clocks(metric)
        if others:
            # an earlier priority's target counts on its own clock, or a later change of clock could undo a
            # breach that already happened
            tracks = {code: self.track(own, start, horizon) for code, own in others.items()}
            for i, piece in enumerate(pieces):
                clock = tracks.get(piece.source)
                if clock is not None:
                    pieces[i] = Piece(piece.since, piece.within, None, piece.source, clock)
        return pieces

    def _other_clocks(self, metric: Metric) -> dict[str, Target]:
        """The priorities of the ticket whose target for ``metric`` counts on another clock or pausability than
        the one it is measured against, with that target."""
        if self._others is None:
            self._others = {}
        found = self._others.get(metric)
        if found is None:
            current = self.targets[metric]
            found = self._others[metric] = {}
            for _, _, code in self._targets_over_time(metric):
                own = self.plan.targets[code].get(metric)
                if own is not None and (own.clock is not current.clock or own.pausable != current.pausable):
                    found[code] = own
        return found

    def _targets_over_time(self, metric: Metric) -> list[TargetTime]:
        """:func:`target_timeline` of the metric, made once (with the instants of its items)."""
        cached = self._target_times.get(metric)
        if cached is None:
            timeline = target_timeline(metric, self.line, self.plan)
            sinces = []
            for t, _, _ in timeline:
                sinces.append(t)
            cached = self._target_times[metric] = (timeline, sinces)
        return cached[0]

    def _metric_extensions(self, metric: Metric) -> tuple[list[int], list[tuple[int, int, bool, int]]]:
        """The extensions of ``metric`` as ``(at, until, agreed, index)`` in time order, with their instants."""
        if not self.line.extensions:
            return _NO_EXTENSIONS
        if self._extensions is None:
            self._extensions = {}
        cached = self._extensions.get(metric)
        if cached is None:
            recorded = []
            for index, (t, event) in enumerate(self.line.extensions):
                if event.metric == metric:
                    assert event.until is not None  # noqa: S101 -- Event checks it
                    recorded.append((t, to_us(event.until), event.customer_agreed, index))
            cached = self._extensions[metric] = ([item[0] for item in recorded], recorded)
        return cached

    # -- the figures ---------------------------------------------------------------------------------

    def _figures(
        self,
        metric: Metric,
        target: Target,
        window: Window,
        track: Track,
        outcome: Outcome,
        gaps: tuple[GapFigures, ...] = (),
    ) -> MetricFigures:
        """The figures of a metric measured over ``window`` by ``track`` (its last gap's, for update)."""
        start, horizon, completed, cycle = window
        if outcome.breached_at is not None:
            state = _BREACHED
        elif completed:
            state = _MET
        elif target.pausable and self.paused_status:
            state = _PAUSED
        else:
            state = _RUNNING
        return MetricFigures(
            metric,
            target,
            outcome.target,
            state,
            outcome.deadline,
            outcome.elapsed,
            outcome.at_risk and (state is _RUNNING or state is _PAUSED),
            start,
            horizon if completed else None,
            outcome.breached_at,
            cycle,
            gaps,
            tuple(index for _, index in outcome.applied) if outcome.applied else (),
            tuple(track.segments),
            self.line.paused if target.pausable else (),
            horizon,
            outcome.final,
        )

    def _pending(self, metric: Metric, target: Target) -> MetricFigures:
        """A metric whose clock has not started: its target (a relative one's length as from the ticket's
        creation)."""
        within = target_length(target, self.line.created)
        return MetricFigures(metric, target, within, _PENDING, None, 0, False, None, None, None)
