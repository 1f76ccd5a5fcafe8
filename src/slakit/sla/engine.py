"""``evaluate(ticket, policy, as_of=...)``: every SLA metric of a ticket as of an instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from slakit._time import from_us, require_aware, to_us, us_to_td
from slakit.sla.policy import METRICS, Metric, Policy, Target
from slakit.sla.report import (
    AppliedExtension,
    Gap,
    IgnoredExtension,
    MetricState,
    MetricStatus,
    SLAReport,
    Trace,
)
from slakit.sla.ticket import Ticket
from slakit.sla.timeline import Timeline, build_timeline, running_segments
from slakit.sla.track import Outcome, Piece, Track, evaluate_track

__all__ = ["evaluate"]


def evaluate(ticket: Ticket, policy: Policy, *, as_of: datetime) -> SLAReport:
    """Every tracked metric of ``ticket`` under ``policy``, counting only events at or before ``as_of``."""
    require_aware(as_of, "as_of")
    policy.priority(ticket.priority)
    for event in ticket.events:
        if event.type == "priority":
            policy.priority(event.priority or "")
    line = build_timeline(ticket, to_us(as_of), policy.config.pause_statuses)
    return _Evaluation(ticket, policy, line, as_of).report()


@dataclass(slots=True)
class _Window:
    """One stretch a metric clock is measured over: ``[start, horizon)``, completed or not."""

    start: int
    horizon: int
    completed: bool
    cycle: int = 0


class _Evaluation:
    """The work of one :func:`evaluate` call."""

    def __init__(self, ticket: Ticket, policy: Policy, line: Timeline, as_of: datetime) -> None:
        self.ticket = ticket
        self.policy = policy
        self.line = line
        self.as_of = as_of
        self.zone: tzinfo = policy.default_calendar.timezone
        self.ignored: list[IgnoredExtension] = []
        self.changes: list[int] = []
        self.used_extensions: set[int] = set()
        self.targets = {metric: self._target(metric) for metric in METRICS}
        self._holes_cache: dict[bool, list[tuple[int, int | None]]] = {}
        self._instants: dict[int, datetime] = {}
        self._target_times: dict[Metric, list[tuple[int, int | None, str]]] = {}
        self._paused = bool(line.paused_now()) and not line.resolved_now

    def _dt(self, us: int) -> datetime:
        """The instant as a datetime in the report's zone; each instant is converted once per call."""
        value = self._instants.get(us)
        if value is None:
            value = self._instants[us] = from_us(us, self.zone)
        return value

    def report(self) -> SLAReport:
        line = self.line
        current = line.priorities[-1][1]
        metrics: dict[str, MetricStatus] = {}
        earlier: list[dict[str, MetricStatus]] = []
        for metric in METRICS:
            target = self.targets[metric]
            if target is None:
                continue
            statuses = self._metric(metric, target)
            if not statuses:
                continue
            metrics[metric] = statuses[-1]
            for cycle, status in enumerate(statuses[:-1]):
                while len(earlier) <= cycle:
                    earlier.append({})
                earlier[cycle][metric] = status
        for index, (_, event) in enumerate(line.extensions):
            if index not in self.used_extensions and not any(item.event is event for item in self.ignored):
                self.ignored.append(IgnoredExtension(event, "the metric was not running when it was recorded"))
        next_change = min(self.changes) if self.changes else None
        return SLAReport(
            ticket_id=self.ticket.id,
            as_of=self.as_of,
            priority=current,
            metrics=metrics,
            next_change_at=from_us(next_change, self.zone) if next_change is not None else None,
            cycles=tuple(earlier),
            ignored_extensions=tuple(self.ignored),
            targets={m: t for m, t in self.targets.items() if t is not None},
        )

    # -- which target, which windows ---------------------------------------------------------------

    def _target(self, metric: Metric) -> Target | None:
        """The current priority's target, else the latest earlier priority's that had one."""
        for _, code in reversed(self.line.priorities):
            target = self.policy.target(code, metric)
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
            # a resolve stops the clock; one started on an already resolved ticket never runs at all
            resolved_at_start = any(a <= start and (b is None or start < b) for a, b in line.resolved)
            forced = start if resolved_at_start else next((a for a, _ in line.resolved if a >= start), None)
            stops = [t for t in (natural, forced) if t is not None]
            stop = min(stops) if stops else None
            return [_Window(start, stop if stop is not None else as_of, stop is not None)]
        if self.policy.config.on_reopen == "resume" or not line.reopens:
            resolved_now = line.resolved_now
            horizon = line.resolved[-1][0] if resolved_now else as_of
            return [_Window(line.created, horizon, resolved_now)]
        starts = [line.created, *line.reopens]
        windows = []
        for cycle, start in enumerate(starts):
            resolve = next((a for a, _ in line.resolved if a >= start), None)
            windows.append(_Window(start, resolve if resolve is not None else as_of, resolve is not None, cycle))
        return windows

    def _holes(self, pausable: bool) -> list[tuple[int, int | None]]:
        holes = self._holes_cache.get(pausable)
        if holes is None:
            holes = list(self.line.resolved)
            if pausable:
                holes += [(a, b) for a, b, _ in self.line.paused]
            holes.sort(key=lambda hole: hole[0])
            self._holes_cache[pausable] = holes
        return holes

    # -- one metric --------------------------------------------------------------------------------

    def _metric(self, metric: Metric, target: Target) -> list[MetricStatus]:
        windows = self._windows(metric)
        if not windows:
            return [self._pending(metric, target)] if self.policy.target(self.line.priorities[-1][1], metric) else []
        holes = self._holes(target.pausable)
        statuses = []
        for window in windows:
            if metric == "update":
                status = self._update(window, target, holes)
            else:
                status = self._single(metric, window, target, holes)
            if status is not None:
                statuses.append(status)
        return statuses

    def _single(
        self, metric: Metric, window: _Window, target: Target, holes: list[tuple[int, int | None]]
    ) -> MetricStatus | None:
        track = Track(target.clock, window.start, window.horizon, running_segments(window.start, window.horizon, holes))
        outcome = self._outcome(metric, track, window)
        if outcome is None:
            return None
        state = self._state(window, outcome, target)
        return self._status(metric, target, window, track, outcome, state)

    def _update(self, window: _Window, target: Target, holes: list[tuple[int, int | None]]) -> MetricStatus | None:
        bounds = [window.start, *(u for u in self.line.updates if window.start < u < window.horizon)]
        if not window.completed and self.line.updates and self.line.updates[-1] == window.horizon > window.start:
            bounds.append(window.horizon)
        gaps: list[Gap] = []
        first_breach: int | None = None
        last: tuple[Track, Outcome, _Window] | None = None
        for i, gap_start in enumerate(bounds):
            gap_end = bounds[i + 1] if i + 1 < len(bounds) else window.horizon
            gap_window = _Window(gap_start, gap_end, i + 1 < len(bounds) or window.completed, window.cycle)
            track = Track(target.clock, gap_start, gap_end, running_segments(gap_start, gap_end, holes))
            if gap_window.completed and i + 1 < len(bounds) and self._cannot_breach(track, gap_window):
                continue
            outcome = self._outcome("update", track, gap_window, record_change=False)
            if outcome is None:
                continue
            if outcome.breached_at is not None:
                first_breach = outcome.breached_at if first_breach is None else first_breach
                gaps.append(
                    Gap(
                        started_at=self._dt(gap_start),
                        ended_at=self._dt(gap_end) if gap_window.completed else None,
                        elapsed=us_to_td(outcome.elapsed),
                        breached_at=self._dt(outcome.breached_at),
                    )
                )
            last = (track, outcome, gap_window)
        if last is None:
            return None
        track, outcome, gap_window = last
        if first_breach is not None:
            outcome.breached_at = first_breach
            outcome.at_risk = False
        elif outcome.next_change is not None:
            self.changes.append(outcome.next_change)
        state = self._state(window, outcome, target)
        return self._status("update", target, window, track, outcome, state, gaps=tuple(gaps))

    def _cannot_breach(self, track: Track, window: _Window) -> bool:
        """A closed update gap shorter than every target that applied during it (and not extended)."""
        if any(event.metric == "update" and track.start <= t < window.horizon for t, event in self.line.extensions):
            return False
        targets = [self._within(code, "update") for t, code in self.line.priorities if t < window.horizon]
        return all(within is not None and track.total < within for within in targets)

    def _outcome(self, metric: Metric, track: Track, window: _Window, *, record_change: bool = True) -> Outcome | None:
        line = self.line
        timeline = self._targets_over_time(metric)
        if len(timeline) == 1:  # the common case: one priority all along
            pieces = [Piece(since=track.start, within=timeline[0][1], source=timeline[0][2])]
        else:
            pieces = []
            for i, (t, within, code) in enumerate(timeline):
                superseded_before_start = i + 1 < len(timeline) and timeline[i + 1][0] <= track.start
                after_horizon = t > track.start and (t > window.horizon or (t == window.horizon and window.completed))
                if not superseded_before_start and not after_horizon:  # the piece in force at the start counts
                    pieces.append(Piece(since=max(t, track.start), within=within, source=code))
        extensions = []
        for index, (t, event) in enumerate(line.extensions):
            in_window = track.start <= t and (t < window.horizon or not window.completed)
            if event.metric == metric and in_window:
                assert event.until is not None  # noqa: S101 -- Event checks it
                extensions.append((t, to_us(event.until), event.customer_agreed, index))
                self.used_extensions.add(index)
        running = not window.completed and not self._paused_now(metric)
        outcome = evaluate_track(track, pieces, extensions, running=running, ratio=self.policy.at_risk_ratio)
        if outcome is None:
            return None
        for index, reason in outcome.ignored:
            self.ignored.append(IgnoredExtension(line.extensions[index][1], reason))
        if record_change and outcome.next_change is not None:
            self.changes.append(outcome.next_change)
        return outcome

    def _targets_over_time(self, metric: Metric) -> list[tuple[int, int | None, str]]:
        """``(since, within, priority)`` for each priority change, computed once per metric."""
        cached = self._target_times.get(metric)
        if cached is None:
            cached = self._target_times[metric] = [
                (t, self._within(code, metric), code) for t, code in self.line.priorities
            ]
        return cached

    def _within(self, code: str, metric: Metric) -> int | None:
        target = self.policy.target(code, metric)
        return target.within_us if target is not None else None

    def _paused_now(self, metric: Metric) -> bool:
        target = self.targets[metric]
        return self._paused and target is not None and target.pausable

    def _state(self, window: _Window, outcome: Outcome, target: Target) -> MetricState:
        if outcome.breached_at is not None:
            return MetricState.BREACHED
        if window.completed:
            return MetricState.MET
        if target.pausable and self.line.paused_now():
            return MetricState.PAUSED
        return MetricState.RUNNING

    # -- building the values -----------------------------------------------------------------------

    def _status(
        self,
        metric: Metric,
        target: Target,
        window: _Window,
        track: Track,
        outcome: Outcome,
        state: MetricState,
        gaps: tuple[Gap, ...] = (),
    ) -> MetricStatus:
        zone = self.zone
        dt = self._dt
        line = self.line
        paused = tuple(
            (a, b if b is not None else window.horizon, status)
            for a, b, status in line.paused
            if target.pausable and a < window.horizon and (b is None or b > window.start)
        )
        trace = Trace(
            counted=tuple(track.segments),
            paused=paused,
            targets=((outcome.final.since, outcome.final.within, outcome.final.until, outcome.final.source),),
            clock=target.clock,
            zone=zone,
        )
        return MetricStatus(
            metric=metric,
            target=us_to_td(outcome.target),
            state=state,
            deadline=dt(outcome.deadline),
            elapsed=us_to_td(outcome.elapsed),
            remaining=us_to_td(outcome.target - outcome.elapsed),
            at_risk=outcome.at_risk and state in (MetricState.RUNNING, MetricState.PAUSED),
            started_at=dt(window.start),
            completed_at=dt(window.horizon) if window.completed else None,
            breached_at=dt(outcome.breached_at) if outcome.breached_at is not None else None,
            clock=target.clock_name,
            pausable=target.pausable,
            cycle=window.cycle,
            gaps=gaps,
            extensions=tuple(
                AppliedExtension(line.extensions[index][1], us_to_td(outcome.target)) for _, index in outcome.applied
            ),
            trace=trace,
        )

    def _pending(self, metric: Metric, target: Target) -> MetricStatus:
        return MetricStatus(
            metric=metric,
            target=target.within,
            state=MetricState.PENDING,
            deadline=None,
            elapsed=us_to_td(0),
            remaining=target.within,
            at_risk=False,
            started_at=None,
            completed_at=None,
            breached_at=None,
            clock=target.clock_name,
            pausable=target.pausable,
        )
