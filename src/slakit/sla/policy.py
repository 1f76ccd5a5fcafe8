"""The SLA policy: calendars, priorities with their targets, pause statuses, at-risk ratio, reopen rule.

This is the part of a policy file the clocks need. The whole file (with its priority matrix,
classification, survey and escalation sections) is a :class:`slakit.ServicePolicy`, which holds one
of these as ``.sla``; nothing here knows about those other sections.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from slakit._config import ConfigSource, load_file, load_mapping, validate
from slakit._shapes import MetricName
from slakit.calendar import BusinessCalendar, CalendarConfig
from slakit.durations import Duration, DurationInput
from slakit.errors import ConfigError, SlakitError, UnknownPriorityError
from slakit.instants import require_aware, td_to_us, to_us
from slakit.priority import Priority
from slakit.sla.definitions import MetricConfig, MetricDefinition, compile_metrics
from slakit.sla.ticket import Ticket

if TYPE_CHECKING:
    from slakit.sla.ticket import Ticket

__all__ = [
    "CALENDAR_TIME",
    "METRICS",
    "SERVICE_SECTIONS",
    "HoldsPolicy",
    "Metric",
    "Plan",
    "Policy",
    "PolicyConfig",
    "PriorityConfig",
    "Sla",
    "SlaConfig",
    "Target",
    "TargetConfig",
    "TicketCondition",
    "sla_policy",
]

Metric = str
"""A metric's name: one of :data:`METRICS`, or one the policy's ``metrics:`` section defines."""
METRICS: tuple[Metric, ...] = ("response", "acknowledge", "update", "resolution")
"""The built-in metrics."""
_PAUSABLE_BY_DEFAULT = {"response": False, "acknowledge": False, "update": True, "resolution": True}
SERVICE_SECTIONS = ("priority_matrix", "classification", "survey", "escalation", "retention")
"""Sections of a policy file that are not the clocks': :class:`slakit.ServicePolicy` reads them."""


class TargetConfig(BaseModel):
    """A target's long form: ``{within: 2h, clock: business, calendar: default, pausable: false}``, or a relative
    deadline ``{due: end_of_business_day, days: 1, calendar: default}`` (due at the last closing of the calendar's
    ``days``-th business day after the one the clock starts on; never pausable)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    within: Duration | None = None
    due: Literal["end_of_business_day"] | None = None
    days: StrictInt | None = Field(default=None, ge=0, le=366)
    clock: Literal["business", "calendar"] = "business"
    calendar: str = "default"
    pausable: bool | None = None

    @model_validator(mode="after")
    def _one_form(self) -> TargetConfig:
        if (self.within is None) == (self.due is None):
            raise ValueError("a target needs 'within' (a duration) or 'due' (end_of_business_day), not both")
        if self.due is None:
            if self.days is not None:
                raise ValueError("'days' belongs to a relative target: give it with due: end_of_business_day")
            return self
        if self.pausable:
            raise ValueError(
                "a relative target (due: end_of_business_day) is not pausable: its deadline is the end of a business "
                "day (got pausable: true)"
            )
        if self.clock == "calendar":
            raise ValueError(
                "a relative target (due: end_of_business_day) counts the business days of its 'calendar' "
                "(got clock: calendar)"
            )
        return self

    @property
    def relative(self) -> bool:
        """Whether this is a relative deadline (``due``)."""
        return self.due is not None


def _short_forms(value: Any) -> Any:
    """``{metric: 2h}`` as ``{metric: {within: 2h}}``; long forms as they are."""
    if not isinstance(value, Mapping):
        return value
    return {
        metric: target if isinstance(target, Mapping | TargetConfig) else {"within": target}
        for metric, target in value.items()
    }


class PriorityConfig(BaseModel):
    """One priority: ``{name: 紧急, rank: 1, targets: {response: 2h, ...}}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    rank: int
    targets: dict[str, TargetConfig] = Field(default_factory=dict)

    @field_validator("targets", mode="before", json_schema_input_type=dict[MetricName, TargetConfig | DurationInput])
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return _short_forms(value)


class SlaConfig(BaseModel):
    """One entry of ``slas``: ``{name: vip, when: {...}, calendar: support-24x7, targets: {P1: {...}, "*": {...}}}``.

    ``targets`` are keyed by priority code, or ``"*"`` for every priority; ``when`` is a condition of the
    escalation language on the ticket's own facts (``ticket.*``), compiled by :class:`slakit.ServicePolicy`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    when: dict[str, Any]
    calendar: str | None = None
    targets: dict[str, dict[str, TargetConfig]]

    @field_validator(
        "targets", mode="before", json_schema_input_type=dict[str, dict[MetricName, TargetConfig | DurationInput]]
    )
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return {code: _short_forms(metrics) for code, metrics in value.items()}


class PolicyConfig(BaseModel):
    """The clocks' part of a policy file (YAML, JSON or TOML); see docs/sla.md.

    :class:`slakit.ServicePolicyConfig` extends it with the file's other sections.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    description: str | None = None
    calendars: dict[str, CalendarConfig]
    priorities: dict[str, PriorityConfig]
    pause_statuses: frozenset[str] = frozenset({"pending_customer", "on_hold"})
    at_risk: float = Field(default=0.75, gt=0, le=1)
    on_reopen: Literal["resume", "restart"] = "resume"
    slas: tuple[SlaConfig, ...] = ()
    metrics: dict[str, MetricConfig] = Field(default_factory=dict)

    @property
    def metric_names(self) -> tuple[Metric, ...]:
        """Every metric a target may name: the built-ins, then those ``metrics:`` adds, in its order."""
        return (*METRICS, *(name for name in self.metrics if name not in METRICS))

    @model_validator(mode="after")
    def _references(self) -> PolicyConfig:
        compile_metrics(self.metrics)  # names and matchers, each error naming its path
        known = self.metric_names
        if not self.priorities:
            raise ValueError("'priorities' must define at least one priority")
        ranks: dict[int, str] = {}
        for code, priority in self.priorities.items():
            if priority.rank in ranks:
                raise ValueError(
                    f"priorities {ranks[priority.rank]!r} and {code!r} share rank {priority.rank}; "
                    "ranks must be distinct"
                )
            ranks[priority.rank] = code
            for metric, target in priority.targets.items():
                if metric not in known:
                    raise ValueError(_no_metric(f"priorities.{code}.targets.{metric}", metric, known))
                if target.clock == "business" and target.calendar not in self.calendars:
                    raise ValueError(
                        f"'priorities.{code}.targets.{metric}.calendar' must name one of the policy's "
                        f"calendars ({', '.join(self.calendars) or 'none defined'}) (got {target.calendar!r})"
                    )
        return self


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved target: how long, on which clock, and whether pauses stop it.

    A relative target (``due: end_of_business_day``) has ``days`` set and ``within`` zero: its length depends
    on where its clock starts (:func:`slakit.sla.track.target_length`). ``sla`` names the ``slas`` entry that
    gave the target (None: the priorities' own table) and ``why`` says why that entry's ``when`` held.
    ``closes`` keeps, for a relative target, the last closing instant of each date its deadlines were sought
    on (:func:`slakit.sla.track.end_of_business_day`): a working memo, not part of the value.
    """

    metric: Metric
    within: timedelta
    clock: BusinessCalendar
    clock_name: str
    pausable: bool
    days: int | None = None
    sla: str | None = None
    why: str | None = None
    closes: dict[date, int | None] = field(default_factory=dict, repr=False, compare=False)

    def __reduce__(self) -> tuple[type[Target], tuple[Any, ...]]:
        """Pickle the value without the memo (results carry their targets to the parent process)."""
        values = (self.metric, self.within, self.clock, self.clock_name, self.pausable, self.days, self.sla, self.why)
        return (Target, values)

    @property
    def within_us(self) -> int:
        """``within`` in microseconds."""
        return td_to_us(self.within)

    @property
    def relative(self) -> bool:
        """Whether the target is a relative deadline (due at the end of a business day)."""
        return self.days is not None


_ALWAYS = BusinessCalendar.always_open("UTC")
CALENDAR_TIME = "24x7"
"""The ``clock_name`` of a target on calendar time (``clock: calendar``): every instant counts."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What every evaluation needs of a policy, in the form it needs it; made once with the policy.

    ``targets`` per priority in ``metrics`` order, ``withins`` each target's duration in
    microseconds, ``durations`` every target duration by its microseconds (to show without a
    conversion), ``ratio`` the at-risk ratio as ``(numerator, denominator)``, ``zone`` the zone
    reports are shown in (the default calendar's), ``restart`` whether a reopen starts a new cycle,
    ``relative`` whether a target is a relative deadline (whose length depends on where its clock starts),
    ``definitions`` the metrics the ``metrics:`` section defines (a built-in it restates included: that one is
    measured by its definition), ``metrics`` every metric name in report order.
    A policy with ``slas`` has one plan per ticket (:meth:`Policy.plan_for`), with the targets chosen for it.
    """

    targets: Mapping[str, Mapping[Metric, Target]]
    withins: Mapping[str, Mapping[Metric, int]]
    durations: Mapping[int, timedelta]
    ratio: tuple[int, int]
    zone: tzinfo
    restart: bool
    pause_statuses: frozenset[str]
    relative: bool = False
    definitions: Mapping[Metric, MetricDefinition] = field(default_factory=dict)
    metrics: tuple[Metric, ...] = METRICS

    @classmethod
    def for_policy(cls, policy: Policy, table: Mapping[str, Mapping[Metric, Target]] | None = None) -> Plan:
        """The plan of ``policy`` (with the targets of ``table`` when given: a ticket's, chosen by ``slas``)."""
        order = policy.config.metric_names
        targets = {
            code: {metric: target for metric in order if (target := by_metric.get(metric)) is not None}
            for code, by_metric in (policy.targets if table is None else table).items()
        }
        ratio = policy.at_risk_ratio
        return cls(
            targets=targets,
            withins={code: {metric: t.within_us for metric, t in ts.items()} for code, ts in targets.items()},
            durations={t.within_us: t.within for ts in targets.values() for t in ts.values()},
            ratio=(ratio.numerator, ratio.denominator),
            zone=policy.default_calendar.timezone,
            restart=policy.config.on_reopen == "restart",
            pause_statuses=policy.config.pause_statuses,
            relative=any(t.relative for ts in targets.values() for t in ts.values()),
            definitions=policy.definitions,
            metrics=order,
        )


class TicketCondition(Protocol):
    """An ``slas`` entry's ``when``, compiled (:class:`slakit.ServicePolicy` compiles it with the escalation
    condition language): whether it holds for a ticket whose priority is ``priority``."""

    def key(self, ticket: Ticket) -> Hashable:
        """The ticket's facts the condition reads (but its priority): equal keys, equal answers."""
        ...

    def holds(self, ticket: Ticket, priority: str) -> bool:
        """Whether the condition holds for ``ticket`` at ``priority``."""
        ...

    def why(self, ticket: Ticket, priority: str) -> str:
        """The facts that make it hold, in words."""
        ...


WhenCompiler = Callable[[Mapping[str, Any], str], TicketCondition]
"""Compiles an ``slas`` entry's ``when`` (the mapping, and its path such as ``slas[0].when``)."""


@dataclass(frozen=True, slots=True)
class Sla:
    """One entry of ``slas``, compiled: its name, its condition and its targets by priority code or ``"*"``."""

    name: str
    when: TicketCondition
    targets: Mapping[str, Mapping[Metric, Target]]

    def target(self, priority: str, metric: Metric) -> Target | None:
        """The entry's target of ``metric`` for ``priority``: the priority's own, else that of ``"*"``."""
        own = self.targets.get(priority)
        found = own.get(metric) if own is not None else None
        if found is None:
            every = self.targets.get("*")
            found = every.get(metric) if every is not None else None
        return found


_PLANS_KEPT = 4096
"""How many tickets' plans (by the facts the ``slas`` conditions read) a policy keeps."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated SLA policy, ready for :func:`slakit.sla.evaluate`. Build it with :meth:`from_config`.

    ``plan`` is derived from the rest when the policy is made (so ``dataclasses.replace`` gives a
    consistent policy). ``slas`` are the conditional entries (:meth:`plan_for` chooses a ticket's targets).
    """

    config: PolicyConfig
    calendars: Mapping[str, BusinessCalendar]
    priorities: Mapping[str, Priority]
    targets: Mapping[str, Mapping[Metric, Target]]
    at_risk_ratio: Fraction
    slas: tuple[Sla, ...] = ()
    definitions: Mapping[Metric, MetricDefinition] = field(default_factory=dict)
    plan: Plan = field(init=False, repr=False, compare=False)
    _plans: dict[Hashable, Plan] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan", Plan.for_policy(self))  # derived once, like a field
        object.__setattr__(self, "_plans", {})

    @classmethod
    def from_config(cls, source: ConfigSource | PolicyConfig, *, when: WhenCompiler | None = None) -> Policy:
        """Build from a mapping, JSON/YAML/TOML text, a path, or a :class:`PolicyConfig`.

        A policy file with other sections (``escalation``, ``survey``, ...) is a
        :class:`~slakit.errors.ConfigError`: read it with :class:`slakit.ServicePolicy`, so that no section is
        silently dropped. So is one with ``slas``, whose conditions only ``ServicePolicy`` compiles (it passes
        ``when``, the compiler of their conditions).
        """
        if isinstance(source, PolicyConfig):
            _refuse_service_sections({name: value for name, value in source if value is not None})
            config = source
        else:
            data = load_mapping(source, what="policy")
            _refuse_service_sections(data)
            config = validate(PolicyConfig, data, what="policy")
        if config.slas and when is None:
            raise ConfigError(
                "the policy has an 'slas' section, whose 'when' conditions slakit.sla.Policy does not read; load "
                "the whole file with slakit.ServicePolicy and pass it, or its .sla, where a policy is wanted",
                path="slas",
            )
        calendars: dict[str, BusinessCalendar] = {}
        for name, calendar_config in config.calendars.items():
            try:
                calendars[name] = BusinessCalendar.from_config(calendar_config)
            except ConfigError as exc:
                raise ConfigError(f"invalid policy: calendars.{name}: {exc}", path=f"calendars.{name}") from exc
        priorities = {code: Priority(rank=p.rank, code=code, name=p.name) for code, p in config.priorities.items()}
        definitions = compile_metrics(config.metrics)
        pausable_by_default = _PAUSABLE_BY_DEFAULT | {name: d.pausable for name, d in definitions.items()}
        targets = {
            code: {metric: _target(metric, t, calendars, pausable_by_default) for metric, t in p.targets.items()}
            for code, p in config.priorities.items()
        }
        slas = tuple(
            _sla(entry, f"slas[{i}]", calendars, priorities, when, pausable_by_default)  # type: ignore[arg-type]  # checked above
            for i, entry in enumerate(config.slas)
        )
        names: dict[str, int] = {}
        for i, entry in enumerate(config.slas):
            if entry.name in names:
                raise ConfigError(
                    f"invalid policy: 'slas[{i}].name' {entry.name!r} is used by 'slas[{names[entry.name]}]'",
                    path=f"slas[{i}].name",
                )
            names[entry.name] = i
        return cls(
            config, calendars, priorities, targets, Fraction(str(config.at_risk)), slas=slas, definitions=definitions
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """Build from a YAML, JSON or TOML file."""
        return cls.from_config(dict(load_file(Path(path), what="policy")))

    def clock(self, name: str) -> BusinessCalendar:
        """The calendar a target's ``clock_name`` names: one of the policy's calendars, or ``24x7`` (calendar
        time, every instant counts); :class:`ConfigError` listing the names otherwise."""
        if name == CALENDAR_TIME:
            return _ALWAYS
        calendar = self.calendars.get(name) if isinstance(name, str) else None
        if calendar is None:
            known = ", ".join([*self.calendars, CALENDAR_TIME])
            raise ConfigError.for_value("clock", name, f"one of the policy's calendars or 24x7 ({known})")
        return calendar

    def problems(self, ticket: Ticket | Mapping[str, Any], *, as_of: datetime | None = None) -> list[SlakitError]:
        """Every problem that stops :func:`slakit.sla.evaluate` from evaluating ``ticket`` under this policy, in
        the order evaluation meets them, each the error it would raise (none: the ticket evaluates).

        ``ticket`` is a :class:`~slakit.sla.Ticket` or its JSON-like data (read with
        :meth:`Ticket.from_dict <slakit.sla.Ticket.from_dict>`: data it cannot read is one problem, an
        :class:`~slakit.errors.InvalidTicketError` or :class:`~slakit.errors.NaiveDatetimeError` naming the
        field, and nothing else is checked). Then the ticket's priority and each priority event's must be
        the policy's (:class:`~slakit.errors.UnknownPriorityError` naming ``priority`` or
        ``events[i].priority``); with ``as_of``, only events at or before it count, as evaluation counts them.
        """
        if not isinstance(ticket, Ticket):
            try:
                ticket = Ticket.from_dict(ticket)
            except SlakitError as exc:
                return [exc]
        if as_of is not None:
            require_aware(as_of, "as_of")
        return list(self._problems(ticket, None if as_of is None else to_us(as_of)))

    def check(self, ticket: Ticket | Mapping[str, Any], *, as_of: datetime | None = None) -> Ticket:
        """Raise the first of :meth:`problems` (the error evaluation would raise), else return the ticket (read
        from its data when given data), ready to evaluate."""
        if not isinstance(ticket, Ticket):
            ticket = Ticket.from_dict(ticket)
        if as_of is not None:
            require_aware(as_of, "as_of")
        for problem in self._problems(ticket, None if as_of is None else to_us(as_of)):
            raise problem
        return ticket

    def _problems(self, ticket: Ticket, until: int | None) -> Iterator[SlakitError]:
        """The one rule every evaluation checks a ticket by (:func:`slakit.sla.engine.check_ticket`): the
        priorities it names (its own, and each priority event's up to the instant ``until``, epoch
        microseconds) must be the policy's."""
        priorities = self.priorities
        if ticket.priority not in priorities:
            yield UnknownPriorityError.for_code(ticket.priority, list(priorities))
        for i, event in enumerate(ticket.events):
            if (
                event.type == "priority"
                and event.priority not in priorities
                and (until is None or event.at_us <= until)
            ):
                yield UnknownPriorityError.for_code(event.priority, list(priorities), field=f"events[{i}].priority")

    def priority(self, code: str) -> Priority:
        """The priority called ``code``; :class:`UnknownPriorityError` when the policy has none."""
        try:
            return self.priorities[code]
        except (KeyError, TypeError):
            raise UnknownPriorityError.for_code(code, list(self.priorities)) from None

    def target(self, priority: str, metric: Metric) -> Target | None:
        """The target of ``metric`` for ``priority`` in the priorities' own table (before ``slas``), or None when
        that metric is not tracked."""
        return self.targets[priority].get(metric)

    def plan_for(self, ticket: Ticket) -> Plan:
        """The plan ``ticket`` is measured with: :attr:`plan` itself without ``slas``; else one whose targets are,
        for each priority and metric, those of the first ``slas`` entry whose ``when`` holds for the ticket (at
        that priority) and that gives the metric for the priority (its own code, else ``"*"``), else the
        priority's own. The one rule of which target applies: every engine asks it."""
        if not self.slas:
            return self.plan
        key = tuple(entry.when.key(ticket) for entry in self.slas)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _PLANS_KEPT:
                self._plans.clear()
            plan = self._plans[key] = Plan.for_policy(self, self._table(ticket))
        return plan

    def _table(self, ticket: Ticket) -> dict[str, dict[Metric, Target]]:
        """The targets of ``ticket`` by priority and metric, chosen by ``slas`` (:meth:`plan_for`)."""
        table: dict[str, dict[Metric, Target]] = {}
        for code, own in self.targets.items():
            holds: dict[str, str | None] = {}  # entry -> why it holds (None: it does not), asked once
            chosen: dict[Metric, Target] = {}
            for metric in self.plan.metrics:
                target = own.get(metric)
                for entry in self.slas:
                    found = entry.target(code, metric)
                    if found is None:
                        continue
                    if entry.name not in holds:
                        holds[entry.name] = entry.when.why(ticket, code) if entry.when.holds(ticket, code) else None
                    why = holds[entry.name]
                    if why is not None:
                        target = Target(
                            found.metric,
                            found.within,
                            found.clock,
                            found.clock_name,
                            found.pausable,
                            found.days,
                            entry.name,
                            why,
                            found.closes,
                        )
                        break
                if target is not None:
                    chosen[metric] = target
            table[code] = chosen
        return table

    @property
    def default_calendar(self) -> BusinessCalendar:
        """The calendar called ``default``, else the first one, else 24x7 UTC."""
        return self.calendars.get("default") or next(iter(self.calendars.values()), _ALWAYS)


def _target(
    metric: Metric,
    t: TargetConfig,
    calendars: Mapping[str, BusinessCalendar],
    pausable_by_default: Mapping[Metric, bool],
    calendar: str | None = None,
) -> Target:
    """The target ``t`` of ``metric``; ``calendar`` (an ``slas`` entry's) replaces the default calendar of a
    business-clock target that names none; ``pausable_by_default`` gives each metric's ``pausable`` when the
    target does not say (the built-ins', or the one the metric's definition gives)."""
    name = calendar if calendar is not None and "calendar" not in t.model_fields_set else t.calendar
    if t.due is not None:
        return Target(metric, timedelta(0), calendars[name], name, False, t.days or 0)
    assert t.within is not None  # noqa: S101 -- TargetConfig checks it
    return Target(
        metric=metric,
        within=t.within,
        clock=_ALWAYS if t.clock == "calendar" else calendars[name],
        clock_name=CALENDAR_TIME if t.clock == "calendar" else name,
        pausable=pausable_by_default[metric] if t.pausable is None else t.pausable,
    )


def _no_metric(path: str, metric: str, known: Iterable[str]) -> str:
    """``'priorities.P1.targets.X' names no metric (got 'X')``, with the metrics a target may name."""
    return (
        f"{path!r} names no metric (got {metric!r}); the metrics are {', '.join(known)} (define others under 'metrics')"
    )


def _names_no(path: str, what: str, value: str, known: list[str]) -> ConfigError:
    """``'slas[1].targets.P9' names no priority (got 'P9')``, with what would be accepted."""
    return ConfigError(
        f"invalid policy: {path!r} names no {what} (got {value!r}); use one of {', '.join(known) or 'none defined'}",
        path=path,
        expected=f"one of {', '.join(known)}",
    )


def _sla(
    entry: SlaConfig,
    path: str,
    calendars: Mapping[str, BusinessCalendar],
    priorities: Mapping[str, Priority],
    when: WhenCompiler,
    pausable_by_default: Mapping[Metric, bool],
) -> Sla:
    """An ``slas`` entry, every name it uses checked (priorities, metrics, calendars) and its ``when`` compiled;
    ``pausable_by_default`` has every metric a target may name (:func:`_target`)."""
    if entry.calendar is not None and entry.calendar not in calendars:
        raise _names_no(f"{path}.calendar", "calendar", entry.calendar, list(calendars))
    targets: dict[str, dict[Metric, Target]] = {}
    for code, by_metric in entry.targets.items():
        if code != "*" and code not in priorities:
            raise _names_no(f"{path}.targets.{code}", "priority", code, [*priorities, '"*"'])
        chosen: dict[Metric, Target] = {}
        for metric, target in by_metric.items():
            where = f"{path}.targets.{code}.{metric}"
            if metric not in pausable_by_default:
                known = list(pausable_by_default)
                raise ConfigError(
                    f"invalid policy: {_no_metric(where, metric, known)}",
                    path=where,
                    expected=f"one of {', '.join(known)}",
                )
            calendar = (
                entry.calendar
                if entry.calendar is not None and "calendar" not in target.model_fields_set
                else target.calendar
            )
            if (target.clock == "business" or target.relative) and calendar not in calendars:
                raise _names_no(f"{where}.calendar", "calendar", calendar, list(calendars))
            chosen[metric] = _target(metric, target, calendars, pausable_by_default, entry.calendar)
        targets[code] = chosen
    return Sla(entry.name, when(entry.when, f"{path}.when"), targets)


class HoldsPolicy(Protocol):
    """Anything that holds an SLA policy as ``.sla``, such as :class:`slakit.ServicePolicy`."""

    @property
    def sla(self) -> Policy:
        """The SLA policy."""
        ...


def sla_policy(policy: Policy | HoldsPolicy) -> Policy:
    """The SLA policy itself, or the one a service policy holds (:class:`ConfigError` for anything else)."""
    if isinstance(policy, Policy):
        return policy
    held = getattr(policy, "sla", None)
    if isinstance(held, Policy):
        return held
    raise ConfigError.for_value("policy", policy, "a slakit.ServicePolicy or a slakit.sla.Policy")


def _refuse_service_sections(data: Mapping[str, Any]) -> None:
    """A whole policy file is not an SLA policy: say which class reads it instead of dropping sections."""
    found = [name for name in SERVICE_SECTIONS if name in data]
    if found:
        raise ConfigError(
            f"the policy has a {found[0]!r} section, which slakit.sla.Policy does not read; load the whole "
            "file with slakit.ServicePolicy (slakit.ServicePolicy.from_config or .load, or slakit.presets.load) "
            "and pass it, or its .sla, where a policy is wanted",
            path=found[0],
            expected="only calendars, priorities, pause_statuses, at_risk, on_reopen, metrics, name and description",
        )
