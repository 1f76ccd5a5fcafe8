"""What :func:`slakit.sla.evaluate` returns: one status per metric, earlier cycles, and when to look again."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import TypeAdapter

from slakit._shapes import (
    AppliedExtensionDict,
    GapDict,
    IgnoredExtensionDict,
    MetricStatusDict,
    SLAReportDict,
    TargetDict,
    duration_from_json,
    duration_to_json,
    instant_from_json,
    instant_to_json,
    read_shape,
)
from slakit.errors import ConfigError
from slakit.sla.explain import explain
from slakit.sla.policy import HoldsPolicy, Policy, Target, sla_policy
from slakit.sla.ticket import Event

if TYPE_CHECKING:
    from slakit.calendar import BusinessCalendar
    from slakit.sla.clocks import MetricFigures
    from slakit.sla.policy import Metric

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

    def to_dict(self) -> GapDict:
        """JSON-ready data (see :meth:`SLAReport.to_dict`)."""
        return {
            "started_at": instant_to_json(self.started_at),
            "ended_at": _instant_or_none(self.ended_at),
            "elapsed": duration_to_json(self.elapsed),
            "breached_at": instant_to_json(self.breached_at),
            "overdue": duration_to_json(self.overdue),
        }

    @classmethod
    def _from_shape(cls, data: GapDict, where: str) -> Gap:
        return cls(
            instant_from_json(data["started_at"], f"{where}.started_at"),
            _instant_from_or_none(data["ended_at"], f"{where}.ended_at"),
            duration_from_json(data["elapsed"], f"{where}.elapsed"),
            instant_from_json(data["breached_at"], f"{where}.breached_at"),
            duration_from_json(data["overdue"], f"{where}.overdue"),
        )


@dataclass(frozen=True, slots=True)
class AppliedExtension:
    """An extension agreed with the customer before the deadline: the deadline moved to ``until``."""

    event: Event
    target: timedelta

    def to_dict(self) -> AppliedExtensionDict:
        """JSON-ready data (see :meth:`SLAReport.to_dict`)."""
        return {"event": self.event.to_dict(), "target": duration_to_json(self.target)}

    @classmethod
    def _from_shape(cls, data: AppliedExtensionDict, where: str) -> AppliedExtension:
        event = Event.from_dict(data["event"], field=f"{where}.event")
        return cls(event, duration_from_json(data["target"], f"{where}.target"))


@dataclass(frozen=True, slots=True)
class IgnoredExtension:
    """An extension that did not change the outcome, and why."""

    event: Event
    reason: str

    def to_dict(self) -> IgnoredExtensionDict:
        """JSON-ready data (see :meth:`SLAReport.to_dict`)."""
        return {"event": self.event.to_dict(), "reason": self.reason}

    @classmethod
    def _from_shape(cls, data: IgnoredExtensionDict, where: str) -> IgnoredExtension:
        return cls(Event.from_dict(data["event"], field=f"{where}.event"), data["reason"])


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

    def to_dict(self) -> MetricStatusDict:
        """JSON-ready data that :meth:`from_dict` reads back: every field but ``figures`` (how the core
        derived them, which JSON does not carry); see :meth:`SLAReport.to_dict` for the forms."""
        return {
            "metric": self.metric,
            "target": duration_to_json(self.target),
            "state": MetricState(self.state).value,
            "deadline": _instant_or_none(self.deadline),
            "elapsed": duration_to_json(self.elapsed),
            "remaining": duration_to_json(self.remaining),
            "at_risk": self.at_risk,
            "started_at": _instant_or_none(self.started_at),
            "completed_at": _instant_or_none(self.completed_at),
            "breached_at": _instant_or_none(self.breached_at),
            "clock": self.clock,
            "pausable": self.pausable,
            "cycle": self.cycle,
            "gaps": [gap.to_dict() for gap in self.gaps],
            "extensions": [extension.to_dict() for extension in self.extensions],
            "sla": self.sla,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricStatus:
        """The status :meth:`to_dict` wrote (equal to it; without ``figures``, so its :attr:`trace` is empty).

        The data must have the shape of :func:`slakit.schema.metric_status` exactly (no type converted, no
        unknown key); a :class:`~slakit.errors.ConfigError` names the first field that does not.
        """
        return cls._from_shape(read_shape(_STATUS_SHAPE, data, what="metric status"), "status")

    @classmethod
    def _from_shape(cls, data: MetricStatusDict, where: str) -> MetricStatus:
        return cls(
            data["metric"],
            duration_from_json(data["target"], f"{where}.target"),
            MetricState(data["state"]),
            _instant_from_or_none(data["deadline"], f"{where}.deadline"),
            duration_from_json(data["elapsed"], f"{where}.elapsed"),
            duration_from_json(data["remaining"], f"{where}.remaining"),
            data["at_risk"],
            _instant_from_or_none(data["started_at"], f"{where}.started_at"),
            _instant_from_or_none(data["completed_at"], f"{where}.completed_at"),
            _instant_from_or_none(data["breached_at"], f"{where}.breached_at"),
            data["clock"],
            data["pausable"],
            data["cycle"],
            tuple(Gap._from_shape(gap, f"{where}.gaps[{i}]") for i, gap in enumerate(data["gaps"])),
            tuple(
                AppliedExtension._from_shape(item, f"{where}.extensions[{i}]")
                for i, item in enumerate(data["extensions"])
            ),
            sla=data["sla"],
        )

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

    def to_dict(self) -> SLAReportDict:
        """JSON-ready data that :meth:`from_dict` reads back (``json.dumps`` takes it as it is).

        Instants are ISO 8601 strings with their offsets (microseconds kept), durations
        ``{"seconds": 5400.0, "text": "1h30m"}``, states their values (``"breached"``). ``targets`` gives each
        metric's target with its calendar by name (``clock``: a calendar of the policy, or ``24x7``), not the
        calendar itself. The shape is :func:`slakit.schema.report`.
        """
        return {
            "ticket_id": self.ticket_id,
            "as_of": instant_to_json(self.as_of),
            "priority": self.priority,
            "metrics": {metric: status.to_dict() for metric, status in self.metrics.items()},
            "next_change_at": _instant_or_none(self.next_change_at),
            "cycles": [{metric: status.to_dict() for metric, status in cycle.items()} for cycle in self.cycles],
            "ignored_extensions": [item.to_dict() for item in self.ignored_extensions],
            "targets": {
                metric: {
                    "within": duration_to_json(t.within),
                    "clock": t.clock_name,
                    "pausable": t.pausable,
                    "days": t.days,
                    "sla": t.sla,
                    "why": t.why,
                }
                for metric, t in self.targets.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], policy: Policy | HoldsPolicy | None = None) -> SLAReport:
        """The report :meth:`to_dict` wrote: equal to the original (``==``), instants in the offsets written.

        ``targets`` name their calendars; with the ``policy`` the report was made under, they become
        :class:`~slakit.sla.Target` values again (each calendar looked up by name, so :attr:`notes` work and
        :meth:`to_dict` writes them back). Without one, ``targets`` is empty: the statuses keep each target's
        duration, calendar name and pausability, which is all ``==`` compares. The data must have the shape
        of :func:`slakit.schema.report` exactly; a :class:`~slakit.errors.ConfigError` names the first field
        that does not (or a calendar the policy lacks).
        """
        shape = read_shape(_REPORT_SHAPE, data, what="SLA report")
        targets: dict[str, Target] = {}
        if policy is not None:
            sla = sla_policy(policy)
            targets = {metric: _target(metric, item, sla) for metric, item in shape["targets"].items()}
        return cls(
            shape["ticket_id"],
            instant_from_json(shape["as_of"], "as_of"),
            shape["priority"],
            {
                metric: MetricStatus._from_shape(status, f"metrics.{metric}")
                for metric, status in shape["metrics"].items()
            },
            _instant_from_or_none(shape["next_change_at"], "next_change_at"),
            tuple(
                {metric: MetricStatus._from_shape(status, f"cycles[{i}].{metric}") for metric, status in cycle.items()}
                for i, cycle in enumerate(shape["cycles"])
            ),
            tuple(
                IgnoredExtension._from_shape(item, f"ignored_extensions[{i}]")
                for i, item in enumerate(shape["ignored_extensions"])
            ),
            targets,
        )


def _target(metric: Metric, data: TargetDict, policy: Policy) -> Target:
    where = f"targets.{metric}"
    try:
        clock = policy.clock(data["clock"])
    except ConfigError as exc:
        raise ConfigError(f"SLA report: '{where}.clock': {exc}", path=f"{where}.clock") from None
    within = duration_from_json(data["within"], f"{where}.within")
    return Target(metric, within, clock, data["clock"], data["pausable"], data["days"], data["sla"], data["why"])


def _instant_or_none(value: datetime | None) -> str | None:
    return None if value is None else instant_to_json(value)


def _instant_from_or_none(value: str | None, field: str) -> datetime | None:
    return None if value is None else instant_from_json(value, field)


_STATUS_SHAPE: TypeAdapter[MetricStatusDict] = TypeAdapter(MetricStatusDict)
_REPORT_SHAPE: TypeAdapter[SLAReportDict] = TypeAdapter(SLAReportDict)


def _slot_setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    """The setters of a frozen slotted dataclass's fields, in field order, for its own written-out ``__init__``."""
    return tuple(cls.__dict__[f.name].__set__ for f in fields(cls))


_STATUS_SLOTS = _slot_setters(MetricStatus)
_REPORT_SLOTS = _slot_setters(SLAReport)
