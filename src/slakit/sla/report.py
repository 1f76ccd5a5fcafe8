"""What :func:`slakit.sla.evaluate` returns: one status per metric, earlier cycles, and when to look again."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, NamedTuple

from slakit.sla.explain import explain

if TYPE_CHECKING:
    from slakit.calendar import BusinessCalendar
    from slakit.sla.clocks import MetricFigures
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
    """A stretch between agent updates (the ``update`` metric) that exceeded its target: when it started and
    ended (None: the current one, still running), the open time it counted, its deadline (``breached_at``) and
    how far past it it ran (``overdue``: its elapsed time minus the target in force at its end)."""

    started_at: datetime
    ended_at: datetime | None
    elapsed: timedelta
    breached_at: datetime
    overdue: timedelta = timedelta(0)


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


class Trace(NamedTuple):
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


@dataclass(frozen=True, slots=True, init=False)
class MetricStatus:
    """One metric of one ticket as of an instant.

    ``remaining`` is negative once breached; ``elapsed + remaining == target``. ``deadline`` of a
    paused metric is where it would fall if the clock resumed at the evaluation instant. ``figures``
    are the core's integer figures this status shows (:class:`~slakit.sla.MetricFigures`, epoch
    microseconds; None for a status made by hand), from which :attr:`trace` says how they were derived
    (a copy changed with ``dataclasses.replace`` keeps them: they describe the evaluation). ``sla`` names the
    ``slas`` entry whose target the metric is measured against (None: the priority's own table).
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
    figures: MetricFigures | None = field(default=None, repr=False, compare=False)
    sla: str | None = None

    def __init__(  # noqa: PLR0913 -- one parameter per field, as the generated __init__ has
        self,
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
        pausable: bool = False,
        cycle: int = 0,
        gaps: tuple[Gap, ...] = (),
        extensions: tuple[AppliedExtension, ...] = (),
        figures: MetricFigures | None = None,
        sla: str | None = None,
    ) -> None:
        # Written out: the generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__ (a lookup by name per field), twice the cost of the slots' own setters,
        # and evaluation makes one status per metric of every ticket. tests/sla/test_report.py checks
        # it sets every field, in order.
        s = _STATUS_SLOTS
        s[0](self, metric)
        s[1](self, target)
        s[2](self, state)
        s[3](self, deadline)
        s[4](self, elapsed)
        s[5](self, remaining)
        s[6](self, at_risk)
        s[7](self, started_at)
        s[8](self, completed_at)
        s[9](self, breached_at)
        s[10](self, clock)
        s[11](self, pausable)
        s[12](self, cycle)
        s[13](self, gaps)
        s[14](self, extensions)
        s[15](self, figures)
        s[16](self, sla)

    @property
    def trace(self) -> Trace:
        """How the figures were derived, for :meth:`SLAReport.explain` (empty for a status made by hand)."""
        figures = self.figures
        if figures is None or figures.final is None or figures.started is None or figures.horizon is None:
            return Trace()
        start, horizon = figures.started, figures.horizon
        paused = tuple(
            (a, b if b is not None else horizon, status)
            for a, b, status in figures.pauses
            if a < horizon and (b is None or b > start)
        )
        zone = self.started_at.tzinfo if self.started_at is not None else None
        return Trace(figures.counted, paused, (figures.final,), figures.target.clock, zone)

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


@dataclass(frozen=True, slots=True, init=False)
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

    def __init__(
        self,
        ticket_id: str,
        as_of: datetime,
        priority: str,
        metrics: Mapping[str, MetricStatus],
        next_change_at: datetime | None,
        cycles: tuple[Mapping[str, MetricStatus], ...] = (),
        ignored_extensions: tuple[IgnoredExtension, ...] = (),
        targets: Mapping[str, Target] | None = None,
    ) -> None:
        # Written out, as MetricStatus's is: one report per evaluation.
        s = _REPORT_SLOTS
        s[0](self, ticket_id)
        s[1](self, as_of)
        s[2](self, priority)
        s[3](self, metrics)
        s[4](self, next_change_at)
        s[5](self, cycles)
        s[6](self, ignored_extensions)
        s[7](self, {} if targets is None else targets)

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

    @property
    def notes(self) -> tuple[str, ...]:
        """Cautions the figures carry, each once: today, that a metric's calendar counts days of a year whose
        make-up workdays are not published yet (:meth:`~slakit.calendar.BusinessCalendar.makeup_workdays_note`),
        so its deadline may move once they are."""
        found: dict[str, None] = {}
        for statuses in (*self.cycles, self.metrics):
            for metric, status in statuses.items():
                target = self.targets.get(metric)
                if target is None or status.started_at is None:
                    continue
                instants = [t for t in (status.started_at, status.deadline, status.completed_at) if t is not None]
                note = target.clock.makeup_workdays_note(*instants, self.as_of)
                if note is not None:
                    found[note] = None
        return tuple(found)

    def explain(self, lang: Literal["en", "zh-CN", "zh"] = "en") -> str:
        """A human-readable trace of how each deadline was derived (English or zh-CN)."""
        return explain(self, lang)


def _slot_setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    """The setters of a frozen slotted dataclass's fields, in field order, for its own written-out ``__init__``."""
    return tuple(cls.__dict__[f.name].__set__ for f in fields(cls))


_STATUS_SLOTS = _slot_setters(MetricStatus)
_REPORT_SLOTS = _slot_setters(SLAReport)
