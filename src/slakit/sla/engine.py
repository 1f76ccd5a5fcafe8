"""``evaluate(ticket, policy, as_of=...)``: every SLA metric of a ticket as of an instant.

The work is integer arithmetic on epoch microseconds; datetimes and timedeltas are made only for
the values a report shows, each instant once per evaluation. Calendar questions go through one
:class:`~slakit.calendar.business_calendar.Ruler` per calendar and evaluation, so each instant of
the ticket is looked up in the calendar's table once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from operator import itemgetter
from typing import cast

from slakit._time import from_us, require_aware, to_us
from slakit.calendar.business_calendar import Ruler
from slakit.sla.policy import METRICS, Metric, Policy, Target
from slakit.sla.report import (
    AppliedExtension,
    Gap,
    IgnoredExtension,
    MetricState,
    MetricStatus,
    SLAReport,
    new_gap,
    new_report,
    new_status,
)
from slakit.sla.ticket import Ticket
from slakit.sla.timeline import Timeline, build_timeline, clock_stop, running_segments
from slakit.sla.track import Outcome, Piece, TargetTrace, Track, evaluate_track, single_target

__all__ = ["evaluate"]

_RUNNING, _PAUSED, _MET, _BREACHED = MetricState.RUNNING, MetricState.PAUSED, MetricState.MET, MetricState.BREACHED
_ZERO = timedelta(0)
_FIRST = itemgetter(0)


def evaluate(ticket: Ticket, policy: Policy, *, as_of: datetime) -> SLAReport:
    """Every tracked metric of ``ticket`` under ``policy``, counting only events at or before ``as_of``."""
    return _evaluate_sharing(ticket, policy, as_of)[0]


def _evaluate_sharing(ticket: Ticket, policy: Policy, as_of: datetime) -> tuple[SLAReport, Timeline, dict[int, Ruler]]:
    """:func:`evaluate`, also handing back the ticket's timeline and the calendar rulers it used.

    The escalation evaluator of the same ticket and instant starts from them (the batch evaluates
    both), so the events are reduced once and each instant is looked up in a calendar once.
    """
    require_aware(as_of, "as_of")
    policy.priority(ticket.priority)
    for event in ticket.events:
        if event.type == "priority":
            policy.priority(event.priority or "")
    plan = _plan(policy)
    line = build_timeline(ticket, to_us(as_of), plan.pause_statuses)
    evaluation = _Evaluation(ticket, plan, line, as_of)
    return evaluation.report(), line, evaluation._rulers


# -- what a policy means for evaluation, worked out once --------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """The parts of a policy every evaluation needs, in the form it needs them."""

    policy: Policy
    targets: Mapping[str, dict[Metric, Target]]  # per priority: its targets in METRICS order
    withins: Mapping[str, dict[Metric, int]]  # per priority: each target's duration in microseconds
    durations: Mapping[int, timedelta]  # every target duration, to show without a conversion
    ratio: tuple[int, int]  # the at-risk ratio as (numerator, denominator)
    zone: tzinfo
    restart: bool
    pause_statuses: frozenset[str]


_PLANS: dict[int, _Plan] = {}
_MAX_PLANS = 64


def _plan(policy: Policy) -> _Plan:
    """The plan of ``policy``, cached by identity (policies are immutable values)."""
    plan = _PLANS.get(id(policy))
    if plan is None or plan.policy is not policy:  # the plan holds its policy, so an id is not reused meanwhile
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        plan = _PLANS[id(policy)] = _make_plan(policy)
    return plan


def _make_plan(policy: Policy) -> _Plan:
    targets = {
        code: {metric: target for metric in METRICS if (target := by_metric.get(metric)) is not None}
        for code, by_metric in policy.targets.items()
    }
    withins = {code: {metric: target.within_us for metric, target in ts.items()} for code, ts in targets.items()}
    durations = {target.within_us: target.within for ts in targets.values() for target in ts.values()}
    ratio = policy.at_risk_ratio
    return _Plan(
        policy=policy,
        targets=targets,
        withins=withins,
        durations=durations,
        ratio=(ratio.numerator, ratio.denominator),
        zone=policy.default_calendar.timezone,
        restart=policy.config.on_reopen == "restart",
        pause_statuses=policy.config.pause_statuses,
    )


# A stretch a metric clock is measured over: (start, horizon, completed, cycle); the horizon is the
# completion instant, or the evaluation instant when not completed.
_Window = tuple[int, int, bool, int]


class _Evaluation:
    """The work of one :func:`evaluate` call."""

    def __init__(self, ticket: Ticket, plan: _Plan, line: Timeline, as_of: datetime) -> None:
        self.ticket = ticket
        self.plan = plan
        self.line = line
        self.as_of = as_of
        self.zone = plan.zone
        self.ignored: list[IgnoredExtension] = []
        self.changes: list[int] = []
        self.used_extensions: set[int] = set()
        self.code = line.priorities[-1][1]
        if len(line.priorities) == 1:
            self.targets = plan.targets[self.code]
        else:
            self.targets = {metric: target for metric in METRICS if (target := self._target(metric)) is not None}
        # one priority all along and no extension: each clock has one target, nothing else to apply
        self.plain = len(line.priorities) == 1 and not line.extensions
        self.withins = plan.withins[self.code]
        self.paused_status = bool(line.paused_now())
        self.resolved_now = line.resolved_now
        self.paused = self.paused_status and not self.resolved_now
        self._holes: dict[bool, list[tuple[int, int | None]]] = {}
        self._tracks: dict[tuple[int, int, bool, int], Track] = {}
        self._rulers: dict[int, Ruler] = {}
        self._instants: dict[int, datetime] = {}
        self._target_times: dict[Metric, list[tuple[int, int | None, str]]] = {}

    def report(self) -> SLAReport:
        line = self.line
        metrics: dict[str, MetricStatus] = {}
        earlier: list[dict[str, MetricStatus]] = []
        for metric, target in self.targets.items():
            statuses = self._metric(metric, target)
            if not statuses:
                continue
            metrics[metric] = statuses[-1]
            if len(statuses) > 1:  # earlier cycles, when clocks restart on reopen
                for cycle, status in enumerate(statuses[:-1]):
                    while len(earlier) <= cycle:
                        earlier.append({})
                    earlier[cycle][metric] = status
        for index, (_, event) in enumerate(line.extensions):
            if index not in self.used_extensions and not any(item.event is event for item in self.ignored):
                self.ignored.append(IgnoredExtension(event, "the metric was not running when it was recorded"))
        return new_report(
            self.ticket.id,
            self.as_of,
            self.code,
            metrics,
            self._dt(min(self.changes)) if self.changes else None,
            tuple(earlier),
            tuple(self.ignored),
            dict(self.targets),
        )

    # -- which target, which windows, which clock --------------------------------------------------

    def _target(self, metric: Metric) -> Target | None:
        """The current priority's target, else the latest earlier priority's that had one."""
        for _, code in reversed(self.line.priorities):
            target = self.plan.targets[code].get(metric)
            if target is not None:
                return target
        return None

    def _windows(self, metric: Metric) -> list[_Window]:
        line, as_of = self.line, self.line.as_of
        if as_of < line.created:
            return []
        if metric in ("response", "acknowledge"):
            start = line.created if metric == "response" else line.first_assign
            if start is None:
                return []
            natural = line.first_response if metric == "response" else line.first_acknowledge
            stop = clock_stop(line.resolved, start, natural)
            return [(start, stop if stop is not None else as_of, stop is not None, 0)]
        if not self.plan.restart or not line.reopens:
            resolved_now = self.resolved_now
            return [(line.created, line.resolved[-1][0] if resolved_now else as_of, resolved_now, 0)]
        windows = []
        for cycle, start in enumerate([line.created, *line.reopens]):
            resolve = next((a for a, _ in line.resolved if a >= start), None)
            windows.append((start, resolve if resolve is not None else as_of, resolve is not None, cycle))
        return windows

    def _track(self, target: Target, start: int, horizon: int) -> Track:
        """The clock of ``target`` over ``[start, horizon)``, made once (update and resolution share one).

        The clock stands still while the ticket is resolved and, if the target is pausable, paused.
        """
        pausable = target.pausable
        key = (start, horizon, pausable, id(target.clock))
        track = self._tracks.get(key)
        if track is None:
            holes = self._holes.get(pausable)
            if holes is None:
                holes = self._holes[pausable] = list(self.line.resolved)
                if pausable and self.line.paused:
                    holes += [(a, b) for a, b, _ in self.line.paused]
                    holes.sort(key=_FIRST)
            ruler = self._rulers.get(id(target.clock))
            if ruler is None:
                ruler = self._rulers[id(target.clock)] = target.clock.ruler()
            track = self._tracks[key] = Track(ruler, start, horizon, running_segments(start, horizon, holes))
        return track

    # -- one metric --------------------------------------------------------------------------------

    def _metric(self, metric: Metric, target: Target) -> list[MetricStatus]:
        windows = self._windows(metric)
        if not windows:
            return [self._pending(metric, target)] if metric in self.plan.targets[self.code] else []
        statuses = []
        for window in windows:
            status = self._update(window, target) if metric == "update" else self._single(metric, window, target)
            if status is not None:
                statuses.append(status)
        return statuses

    def _single(self, metric: Metric, window: _Window, target: Target) -> MetricStatus | None:
        start, horizon, completed, _ = window
        track = self._track(target, start, horizon)
        if self.plain:  # the common case straight to its values, without an Outcome
            within = self.withins[metric]
            running = not completed and not (self.paused and target.pausable)
            elapsed, deadline, breached_at, next_change, at_risk = single_target(
                track, within, running, self.plan.ratio
            )
            if next_change is not None:
                self.changes.append(next_change)
            final = (start, within, None, self.code)
            figures = (target.within, elapsed, deadline, breached_at, at_risk, final)
            return self._status(metric, target, window, track, *figures)
        outcome = self._outcome(metric, track, completed)
        if outcome is None:
            return None
        return self._status_of(metric, target, window, track, outcome)

    def _update(self, window: _Window, target: Target) -> MetricStatus | None:
        """The update metric: each stretch between agent updates is a clock of its own."""
        start, horizon, completed, _ = window
        updates = self.line.updates
        bounds = [start]
        bounds += [u for u in updates if start < u < horizon]
        if not completed and updates and updates[-1] == horizon > start:
            bounds.append(horizon)
        whole = self._track(target, start, horizon)
        gaps: list[Gap] = []
        first_breach: int | None = None
        last: tuple[Track, Outcome] | None = None
        for i, gap_start in enumerate(bounds):
            closed = i + 1 < len(bounds)
            gap_end = bounds[i + 1] if closed else horizon
            if closed and self._cannot_breach(gap_start, gap_end, whole):
                continue
            gap_completed = closed or completed
            track = self._track(target, gap_start, gap_end)
            outcome = self._outcome("update", track, gap_completed, record_change=False)
            if outcome is None:
                continue
            if outcome.breached_at is not None:
                first_breach = outcome.breached_at if first_breach is None else first_breach
                gaps.append(
                    new_gap(
                        self._dt(gap_start),
                        self._dt(gap_end) if gap_completed else None,
                        self._td(outcome.elapsed),
                        self._dt(outcome.breached_at),
                    )
                )
            last = (track, outcome)
        if last is None:
            return None
        track, outcome = last
        if first_breach is not None:
            outcome.breached_at = first_breach
            outcome.at_risk = False
        elif outcome.next_change is not None:
            self.changes.append(outcome.next_change)
        return self._status_of("update", target, window, track, outcome, tuple(gaps))

    def _cannot_breach(self, gap_start: int, gap_end: int, whole: Track) -> bool:
        """A closed update gap that counted less than every target in force during it (and was not extended).

        ``whole`` is the clock of the whole window; a gap counts what ``whole`` counted during it.
        """
        limit = self.withins["update"] if self.plain else self._least_update_target(gap_start, gap_end)
        if limit is None:
            return False
        # open time never exceeds wall time, so most gaps are ruled out without asking the calendar
        if gap_end - gap_start < limit:
            return True
        return self._one_update_clock() and whole.elapsed_at(gap_end) - whole.elapsed_at(gap_start) < limit

    def _one_update_clock(self) -> bool:
        """Whether every priority's update target counts on the current one's clock and pausability."""
        current = self.targets["update"]
        for _, code in self.line.priorities:
            own = self.plan.targets[code].get("update")
            if own is not None and (own.clock is not current.clock or own.pausable != current.pausable):
                return False
        return True

    def _least_update_target(self, gap_start: int, gap_end: int) -> int | None:
        """The least update target in force during a gap; None if one is missing or an extension was recorded."""
        for t, event in self.line.extensions:
            if event.metric == "update" and gap_start <= t < gap_end:
                return None
        withins = [within for t, within, _ in self._targets_over_time("update") if t < gap_end]
        return None if None in withins else min(cast("list[int]", withins))

    def _outcome(self, metric: Metric, track: Track, completed: bool, *, record_change: bool = True) -> Outcome | None:
        """Where a metric clock stands at the horizon of ``track``; None when it has no target to meet."""
        running = not completed and not (self.paused and self.targets[metric].pausable)
        if self.plain:
            within = self.withins[metric]
            elapsed, deadline, breached_at, next_change, at_risk = single_target(
                track, within, running, self.plan.ratio
            )
            final = (track.start, within, None, self.code)
            outcome = Outcome(elapsed, within, deadline, breached_at, next_change, at_risk, final)
        else:
            general = self._general_outcome(metric, track, completed, running)
            if general is None:
                return None
            outcome = general
        if record_change and outcome.next_change is not None:
            self.changes.append(outcome.next_change)
        return outcome

    def _general_outcome(self, metric: Metric, track: Track, completed: bool, running: bool) -> Outcome | None:
        """:meth:`_outcome` with priority changes and extensions."""
        line = self.line
        horizon = track.horizon
        extensions = []
        for index, (t, event) in enumerate(line.extensions):
            in_window = track.start <= t and (t < horizon or not completed)
            if event.metric == metric and in_window:
                assert event.until is not None  # noqa: S101 -- Event checks it
                extensions.append((t, to_us(event.until), event.customer_agreed, index))
                self.used_extensions.add(index)
        timeline = self._targets_over_time(metric)
        current = self.targets[metric]
        pieces = []
        for i, (t, within, code) in enumerate(timeline):
            superseded_before_start = i + 1 < len(timeline) and timeline[i + 1][0] <= track.start
            after_horizon = t > track.start and (t > horizon or (t == horizon and completed))
            if not superseded_before_start and not after_horizon:  # the piece in force at the start counts
                own = self.plan.targets[code].get(metric)
                # an earlier priority's target counts on its own clock, or a later change of clock
                # could undo a breach that already happened
                other = own is not None and (own.clock is not current.clock or own.pausable != current.pausable)
                clock = self._track(own, track.start, horizon) if other and own is not None else None
                pieces.append(Piece(max(t, track.start), within, None, code, clock))
        paused = not completed and not running
        outcome = evaluate_track(track, pieces, extensions, running=running, ratio=self.plan.ratio, paused=paused)
        if outcome is not None:
            for index, reason in outcome.ignored:
                self.ignored.append(IgnoredExtension(line.extensions[index][1], reason))
        return outcome

    def _targets_over_time(self, metric: Metric) -> list[tuple[int, int | None, str]]:
        """``(since, within, priority)`` for each priority change, computed once per metric.

        A change to a priority without a target for the metric is left out: the latest earlier
        priority's target stays in force.
        """
        cached = self._target_times.get(metric)
        if cached is None:
            withins = self.plan.withins
            cached = self._target_times[metric] = []
            for t, code in self.line.priorities:
                within = withins[code].get(metric)
                if within is not None or not cached or cached[-1][1] is None:
                    cached.append((t, within, code))
        return cached

    # -- building the values -----------------------------------------------------------------------

    def _status_of(
        self,
        metric: Metric,
        target: Target,
        window: _Window,
        track: Track,
        outcome: Outcome,
        gaps: tuple[Gap, ...] = (),
    ) -> MetricStatus:
        """:meth:`_status` from an :class:`Outcome`."""
        target_td = self._td(outcome.target)
        applied = self._applied(outcome, target_td) if outcome.applied else ()
        figures = (target_td, outcome.elapsed, outcome.deadline, outcome.breached_at, outcome.at_risk, outcome.final)
        return self._status(metric, target, window, track, *figures, applied, gaps)

    def _status(
        self,
        metric: Metric,
        target: Target,
        window: _Window,
        track: Track,
        target_td: timedelta,
        elapsed: int,
        deadline: int,
        breached_at: int | None,
        at_risk: bool,
        final: TargetTrace,
        applied: tuple[AppliedExtension, ...] = (),
        gaps: tuple[Gap, ...] = (),
    ) -> MetricStatus:
        """The status of a metric measured over ``window`` by ``track`` (its last gap's, for update)."""
        start, horizon, completed, cycle = window
        if breached_at is not None:
            state = _BREACHED
        elif completed:
            state = _MET
        elif target.pausable and self.paused_status:
            state = _PAUSED
        else:
            state = _RUNNING
        seconds, micro = divmod(elapsed, 1_000_000)
        elapsed_td = timedelta(0, seconds, micro)
        instants = self._instants  # datetimes are always true: ``or`` falls back only on a miss
        pausable = target.pausable
        return new_status(
            metric,
            target_td,
            state,
            instants.get(deadline) or self._convert(deadline),
            elapsed_td,
            target_td - elapsed_td,
            at_risk and (state is _RUNNING or state is _PAUSED),
            instants.get(start) or self._convert(start),
            (instants.get(horizon) or self._convert(horizon)) if completed else None,
            (instants.get(breached_at) or self._convert(breached_at)) if breached_at is not None else None,
            target.clock_name,
            pausable,
            cycle,
            gaps,
            applied,
            (track.segments, self.line.paused, start, horizon, pausable, final, target.clock, self.zone),
        )

    def _applied(self, outcome: Outcome, target: timedelta) -> tuple[AppliedExtension, ...]:
        extensions = self.line.extensions
        return tuple(AppliedExtension(extensions[index][1], target) for _, index in outcome.applied)

    def _pending(self, metric: Metric, target: Target) -> MetricStatus:
        within = target.within
        clock, pausable = target.clock_name, target.pausable
        return new_status(
            metric,
            within,
            MetricState.PENDING,
            None,
            _ZERO,
            within,
            False,
            None,
            None,
            None,
            clock,
            pausable,
            0,
            (),
            (),
            None,
        )

    def _dt(self, us: int) -> datetime:
        """The instant as a datetime in the report's zone; each instant is converted once per call."""
        value = self._instants.get(us)
        return self._convert(us) if value is None else value

    def _convert(self, us: int) -> datetime:
        """:meth:`_dt` of an instant not converted before."""
        value = self._instants[us] = from_us(us, self.zone)
        return value

    def _td(self, us: int) -> timedelta:
        """The duration as a timedelta (a target's own when it is one)."""
        value = self.plan.durations.get(us)
        if value is None:
            seconds, micro = divmod(us, 1_000_000)
            value = timedelta(0, seconds, micro)
        return value
