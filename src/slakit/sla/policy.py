"""The SLA policy: calendars, priorities with their targets, pause statuses, at-risk ratio, reopen rule.

This is the part of a policy file the clocks need. The whole file (with its priority matrix,
classification, survey and escalation sections) is a :class:`slakit.ServicePolicy`, which holds one
of these as ``.sla``; nothing here knows about those other sections.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from slakit._config import ConfigSource, load_file, load_mapping, validate
from slakit.calendar import BusinessCalendar, CalendarConfig
from slakit.durations import Duration, DurationInput
from slakit.errors import ConfigError, SlakitError, UnknownPriorityError
from slakit.instants import require_aware, td_to_us, to_us
from slakit.priority import Priority
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
    "Target",
    "TargetConfig",
    "sla_policy",
]

Metric = Literal["response", "acknowledge", "update", "resolution"]
METRICS: tuple[Metric, ...] = ("response", "acknowledge", "update", "resolution")
_PAUSABLE_BY_DEFAULT = {"response": False, "acknowledge": False, "update": True, "resolution": True}
SERVICE_SECTIONS = ("priority_matrix", "classification", "survey", "escalation", "retention")
"""Sections of a policy file that are not the clocks': :class:`slakit.ServicePolicy` reads them."""


class TargetConfig(BaseModel):
    """A target's long form: ``{within: 2h, clock: business, calendar: default, pausable: false}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    within: Duration
    clock: Literal["business", "calendar"] = "business"
    calendar: str = "default"
    pausable: bool | None = None


class PriorityConfig(BaseModel):
    """One priority: ``{name: 紧急, rank: 1, targets: {response: 2h, ...}}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    rank: int
    targets: dict[Metric, TargetConfig] = Field(default_factory=dict)

    @field_validator("targets", mode="before", json_schema_input_type=dict[Metric, TargetConfig | DurationInput])
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return {
            metric: target if isinstance(target, Mapping | TargetConfig) else {"within": target}
            for metric, target in value.items()
        }


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

    @model_validator(mode="after")
    def _references(self) -> PolicyConfig:
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
                if target.clock == "business" and target.calendar not in self.calendars:
                    raise ValueError(
                        f"'priorities.{code}.targets.{metric}.calendar' must name one of the policy's "
                        f"calendars ({', '.join(self.calendars) or 'none defined'}) (got {target.calendar!r})"
                    )
        return self


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved target: how long, on which clock, and whether pauses stop it."""

    metric: Metric
    within: timedelta
    clock: BusinessCalendar
    clock_name: str
    pausable: bool

    @property
    def within_us(self) -> int:
        """``within`` in microseconds."""
        return td_to_us(self.within)


_ALWAYS = BusinessCalendar.always_open("UTC")
CALENDAR_TIME = "24x7"
"""The ``clock_name`` of a target on calendar time (``clock: calendar``): every instant counts."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What every evaluation needs of a policy, in the form it needs it; made once with the policy.

    ``targets`` per priority in :data:`METRICS` order, ``withins`` each target's duration in
    microseconds, ``durations`` every target duration by its microseconds (to show without a
    conversion), ``ratio`` the at-risk ratio as ``(numerator, denominator)``, ``zone`` the zone
    reports are shown in (the default calendar's), ``restart`` whether a reopen starts a new cycle.
    """

    targets: Mapping[str, Mapping[Metric, Target]]
    withins: Mapping[str, Mapping[Metric, int]]
    durations: Mapping[int, timedelta]
    ratio: tuple[int, int]
    zone: tzinfo
    restart: bool
    pause_statuses: frozenset[str]

    @classmethod
    def for_policy(cls, policy: Policy) -> Plan:
        """The plan of ``policy``."""
        targets = {
            code: {metric: target for metric in METRICS if (target := by_metric.get(metric)) is not None}
            for code, by_metric in policy.targets.items()
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
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated SLA policy, ready for :func:`slakit.sla.evaluate`. Build it with :meth:`from_config`.

    ``plan`` is derived from the rest when the policy is made (so ``dataclasses.replace`` gives a
    consistent policy).
    """

    config: PolicyConfig
    calendars: Mapping[str, BusinessCalendar]
    priorities: Mapping[str, Priority]
    targets: Mapping[str, Mapping[Metric, Target]]
    at_risk_ratio: Fraction
    plan: Plan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan", Plan.for_policy(self))  # derived once, like a field

    @classmethod
    def from_config(cls, source: ConfigSource | PolicyConfig) -> Policy:
        """Build from a mapping, JSON/YAML/TOML text, a path, or a :class:`PolicyConfig`.

        A policy file with other sections (``escalation``, ``survey``, ...) is a
        :class:`~slakit.errors.ConfigError`: read it with :class:`slakit.ServicePolicy`, so that no section is
        silently dropped.
        """
        if isinstance(source, PolicyConfig):
            _refuse_service_sections({name: value for name, value in source if value is not None})
            config = source
        else:
            data = load_mapping(source, what="policy")
            _refuse_service_sections(data)
            config = validate(PolicyConfig, data, what="policy")
        calendars: dict[str, BusinessCalendar] = {}
        for name, calendar_config in config.calendars.items():
            try:
                calendars[name] = BusinessCalendar.from_config(calendar_config)
            except ConfigError as exc:
                raise ConfigError(f"invalid policy: calendars.{name}: {exc}", path=f"calendars.{name}") from exc
        priorities = {code: Priority(rank=p.rank, code=code, name=p.name) for code, p in config.priorities.items()}
        targets = {
            code: {
                metric: Target(
                    metric=metric,
                    within=t.within,
                    clock=_ALWAYS if t.clock == "calendar" else calendars[t.calendar],
                    clock_name=CALENDAR_TIME if t.clock == "calendar" else t.calendar,
                    pausable=_PAUSABLE_BY_DEFAULT[metric] if t.pausable is None else t.pausable,
                )
                for metric, t in p.targets.items()
            }
            for code, p in config.priorities.items()
        }
        return cls(config, calendars, priorities, targets, Fraction(str(config.at_risk)))

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
        """The target of ``metric`` for ``priority``, or None when that metric is not tracked."""
        return self.targets[priority].get(metric)

    @property
    def default_calendar(self) -> BusinessCalendar:
        """The calendar called ``default``, else the first one, else 24x7 UTC."""
        return self.calendars.get("default") or next(iter(self.calendars.values()), _ALWAYS)


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
            expected="only calendars, priorities, pause_statuses, at_risk, on_reopen, name and description",
        )
