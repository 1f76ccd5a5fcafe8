"""What :func:`slakit.sla.evaluate` returns: one status per metric, earlier cycles, and when to look again."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from slakit.calendar import BusinessCalendar
    from slakit.sla.policy import Metric, Target
    from slakit.sla.ticket import Event

__all__ = ["AppliedExtension", "Gap", "IgnoredExtension", "MetricState", "MetricStatus", "SLAReport", "Trace"]


class MetricState(StrEnum):
    """Where a metric stands as of the evaluation instant."""

    PENDING = "pending"  # not started (e.g. never assigned)
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch between agent updates (the ``update`` metric) that exceeded its target."""

    started_at: datetime
    ended_at: datetime | None
    elapsed: timedelta
    breached_at: datetime


@dataclass(frozen=True, slots=True)
class AppliedExtension:
    """An extension agreed with the customer before the deadline: the deadline moved to ``until``."""

    event: Event
    target: timedelta


@dataclass(frozen=True, slots=True)
class IgnoredExtension:
    """An extension that did not change the outcome, and why."""

    event: Event
    reason: str


@dataclass(frozen=True, slots=True)
class Trace:
    """How a metric's figures were derived, for :meth:`SLAReport.explain` (epoch microseconds).

    ``counted`` are the stretches during which the clock ran (before clipping to open hours),
    ``paused`` the stretches it stood still for a pause status, ``targets`` the target in force at
    the end as ``(since, within, until, source)`` with its source (a priority code or
    ``extension``). Kept as integers so that evaluation does not pay for conversions nobody reads.
    """

    counted: tuple[tuple[int, int], ...] = ()
    paused: tuple[tuple[int, int, str], ...] = ()
    targets: tuple[tuple[int, int | None, int | None, str], ...] = ()
    clock: BusinessCalendar | None = None
    zone: tzinfo | None = None


class _TraceSlot:
    """Gives :class:`MetricStatus` a hidden slot for its trace's raw material (not a field)."""

    __slots__ = ("_trace",)


@dataclass(frozen=True, slots=True)
class MetricStatus(_TraceSlot):
    """One metric of one ticket as of an instant.

    ``remaining`` is negative once breached; ``elapsed + remaining == target``. ``deadline`` of a
    paused metric is where it would fall if the clock resumed at the evaluation instant.
    """

    metric: Metric
    target: timedelta
    state: MetricState
    deadline: datetime | None
    elapsed: timedelta
    remaining: timedelta
    at_risk: bool
    started_at: datetime | None
    completed_at: datetime | None
    breached_at: datetime | None
    clock: str
    pausable: bool = False
    cycle: int = 0
    gaps: tuple[Gap, ...] = ()
    extensions: tuple[AppliedExtension, ...] = ()

    @property
    def trace(self) -> Trace:
        """How the figures were derived, for :meth:`SLAReport.explain` (empty unless made by ``evaluate``).

        Evaluation keeps only the raw material; the :class:`Trace` is built on first use.
        """
        raw = getattr(self, "_trace", None)
        if raw is None:
            return Trace()
        if not isinstance(raw, Trace):
            raw = _build_trace(raw)
            _TRACE_SLOT(self, raw)  # a hidden cache, not a field: the value never changes
        return raw

    def __getstate__(self) -> tuple[list[Any], Trace]:
        """Pickle the fields and the trace, so a report from a worker process still explains itself."""
        return [getattr(self, f.name) for f in fields(self)], self.trace

    def __setstate__(self, state: tuple[list[Any], Trace]) -> None:
        values, trace = state
        for f, value in zip(fields(self), values, strict=True):
            object.__setattr__(self, f.name, value)
        _TRACE_SLOT(self, trace)

    @property
    def breached(self) -> bool:
        """Whether the metric is breached."""
        return self.state is MetricState.BREACHED

    @property
    def overdue(self) -> timedelta:
        """How far past the deadline (zero unless breached): ``max(-remaining, 0)``."""
        return max(-self.remaining, timedelta(0))

    @property
    def elapsed_ratio(self) -> float:
        """``elapsed / target`` (1.0 or more once the target is used up; inf for a zero target)."""
        if not self.target:
            return float("inf") if self.elapsed else 0.0
        return self.elapsed / self.target


# What evaluation keeps for a trace: (counted, pauses, start, horizon, pausable, target, clock, zone),
# where ``pauses`` are all the ticket's pause spans (end None = still paused) and ``target`` is the
# final ``(since, within, until, source)``. _build_trace turns it into a Trace when someone asks.
TraceSource = tuple[
    list[tuple[int, int]],
    list[tuple[int, int | None, str]],
    int,
    int,
    bool,
    tuple[int, int | None, int | None, str],
    "BusinessCalendar",
    tzinfo,
]


def _build_trace(raw: TraceSource) -> Trace:
    counted, pauses, start, horizon, pausable, target, clock, zone = raw
    paused = tuple(
        (a, b if b is not None else horizon, status)
        for a, b, status in pauses
        if pausable and a < horizon and (b is None or b > start)
    )
    return Trace(counted=tuple(counted), paused=paused, targets=(target,), clock=clock, zone=zone)


_NEW = object.__new__
_TRACE_SLOT = _TraceSlot.__dict__["_trace"].__set__


class _StatusDraft(_TraceSlot):
    """A writable twin of :class:`MetricStatus`: the same slots, in the same order, on the same base.

    Evaluation builds thousands of statuses a second, and the frozen dataclass ``__init__`` (one
    ``object.__setattr__`` per field) is most of that cost. :func:`new_status` fills a draft with plain
    attribute stores, then turns it into a ``MetricStatus`` by assigning ``__class__``, which Python
    allows between classes with the same layout. Tests check the result equals ``MetricStatus(...)``.
    """

    __slots__ = MetricStatus.__slots__


class _GapDraft:
    """A writable twin of :class:`Gap`, as :class:`_StatusDraft` is of ``MetricStatus``."""

    __slots__ = Gap.__slots__


def new_gap(started_at: datetime, ended_at: datetime | None, elapsed: timedelta, breached_at: datetime) -> Gap:
    """``Gap(...)``, made the way :func:`new_status` makes statuses; for the engine."""
    gap: Any = _NEW(_GapDraft)
    gap.started_at = started_at
    gap.ended_at = ended_at
    gap.elapsed = elapsed
    gap.breached_at = breached_at
    gap.__class__ = Gap
    return gap  # type: ignore[no-any-return]  # a Gap now; cast() would cost a call


def new_status(
    metric: Metric,
    target: timedelta,
    state: MetricState,
    deadline: datetime | None,
    elapsed: timedelta,
    remaining: timedelta,
    at_risk: bool,
    started_at: datetime | None,
    completed_at: datetime | None,
    breached_at: datetime | None,
    clock: str,
    pausable: bool,
    cycle: int,
    gaps: tuple[Gap, ...],
    extensions: tuple[AppliedExtension, ...],
    trace: TraceSource | None,
) -> MetricStatus:
    """``MetricStatus(...)`` with every field given in order, plus the trace's raw material; for the engine."""
    status: Any = _NEW(_StatusDraft)  # typed loosely: its attributes are MetricStatus's
    status.metric = metric
    status.target = target
    status.state = state
    status.deadline = deadline
    status.elapsed = elapsed
    status.remaining = remaining
    status.at_risk = at_risk
    status.started_at = started_at
    status.completed_at = completed_at
    status.breached_at = breached_at
    status.clock = clock
    status.pausable = pausable
    status.cycle = cycle
    status.gaps = gaps
    status.extensions = extensions
    status._trace = trace
    status.__class__ = MetricStatus
    return status  # type: ignore[no-any-return]  # a MetricStatus now; cast() would cost a call


@dataclass(frozen=True, slots=True)
class SLAReport(Mapping[str, MetricStatus]):
    """Every tracked metric of a ticket as of ``as_of``; ``report["response"]`` is one status.

    ``cycles`` holds the statuses of earlier cycles when the policy restarts clocks on reopen.
    ``next_change_at`` is the earliest instant after ``as_of`` at which a state or at-risk flag
    changes if no new event arrives (evaluating at that instant shows the change); None when
    nothing is running.
    """

    ticket_id: str
    as_of: datetime
    priority: str
    metrics: Mapping[str, MetricStatus]
    next_change_at: datetime | None
    cycles: tuple[Mapping[str, MetricStatus], ...] = ()
    ignored_extensions: tuple[IgnoredExtension, ...] = ()
    targets: Mapping[str, Target] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, metric: str) -> MetricStatus:
        return self.metrics[metric]

    def __iter__(self) -> Iterator[str]:
        return iter(self.metrics)

    def __len__(self) -> int:
        return len(self.metrics)

    @property
    def breached(self) -> list[MetricStatus]:
        """The breached metrics of the current cycle."""
        return [status for status in self.metrics.values() if status.breached]

    def explain(self, lang: Literal["en", "zh-CN", "zh"] = "en") -> str:
        """A human-readable trace of how each deadline was derived (English or zh-CN)."""
        from slakit.sla.explain import explain

        return explain(self, lang)


# The report's slots, set directly as for statuses (a Mapping cannot take the draft route: its twin
# would have to be a Mapping too).
(
    _SET_TICKET_ID,
    _SET_AS_OF,
    _SET_PRIORITY,
    _SET_METRICS,
    _SET_NEXT_CHANGE_AT,
    _SET_CYCLES,
    _SET_IGNORED_EXTENSIONS,
    _SET_TARGETS,
) = (SLAReport.__dict__[f.name].__set__ for f in fields(SLAReport))


def new_report(
    ticket_id: str,
    as_of: datetime,
    priority: str,
    metrics: Mapping[str, MetricStatus],
    next_change_at: datetime | None,
    cycles: tuple[Mapping[str, MetricStatus], ...],
    ignored_extensions: tuple[IgnoredExtension, ...],
    targets: Mapping[Metric, Target],
) -> SLAReport:
    """``SLAReport(...)`` with every field given in order, without the frozen ``__init__``; for the engine."""
    report: SLAReport = _NEW(SLAReport)
    _SET_TICKET_ID(report, ticket_id)
    _SET_AS_OF(report, as_of)
    _SET_PRIORITY(report, priority)
    _SET_METRICS(report, metrics)
    _SET_NEXT_CHANGE_AT(report, next_change_at)
    _SET_CYCLES(report, cycles)
    _SET_IGNORED_EXTENSIONS(report, ignored_extensions)
    _SET_TARGETS(report, targets)
    return report
