"""The SLA policy: calendars, priorities with their targets, pause statuses, at-risk ratio, reopen rule.

This is the part of a policy file the clocks need. The whole file (with its priority matrix,
classification, survey and escalation sections) is a :class:`slakit.ServicePolicy`, which holds one
of these as ``.sla``; nothing here knows about those other sections.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from slakit._config import ConfigSource, load_file, load_mapping, validate
from slakit.calendar import BusinessCalendar, CalendarConfig
from slakit.durations import Duration
from slakit.errors import ConfigError, UnknownPriorityError
from slakit.instants import td_to_us
from slakit.priority import Priority
from slakit.sla.definitions import MetricConfig, MetricDefinition, compile_metrics

__all__ = [
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

Metric = str
"""A metric's name: one of :data:`METRICS`, or one the policy's ``metrics:`` section defines."""
METRICS: tuple[Metric, ...] = ("response", "acknowledge", "update", "resolution")
"""The built-in metrics."""
_PAUSABLE_BY_DEFAULT = {"response": False, "acknowledge": False, "update": True, "resolution": True}
SERVICE_SECTIONS = ("priority_matrix", "classification", "survey", "escalation")
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
    targets: dict[str, TargetConfig] = Field(default_factory=dict)

    @field_validator("targets", mode="before")
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
                    raise ValueError(
                        f"'priorities.{code}.targets.{metric}' names no metric (got {metric!r}); the metrics are "
                        f"{', '.join(known)} (define others under 'metrics')"
                    )
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


@dataclass(frozen=True, slots=True)
class Plan:
    """What every evaluation needs of a policy, in the form it needs it; made once with the policy.

    ``targets`` per priority in ``metrics`` order, ``withins`` each target's duration in
    microseconds, ``durations`` every target duration by its microseconds (to show without a
    conversion), ``ratio`` the at-risk ratio as ``(numerator, denominator)``, ``zone`` the zone
    reports are shown in (the default calendar's), ``restart`` whether a reopen starts a new cycle,
    ``definitions`` the metrics the ``metrics:`` section defines (a built-in it restates included: that one is
    measured by its definition), ``metrics`` every metric name in report order.
    """

    targets: Mapping[str, Mapping[Metric, Target]]
    withins: Mapping[str, Mapping[Metric, int]]
    durations: Mapping[int, timedelta]
    ratio: tuple[int, int]
    zone: tzinfo
    restart: bool
    pause_statuses: frozenset[str]
    definitions: Mapping[Metric, MetricDefinition] = field(default_factory=dict)
    metrics: tuple[Metric, ...] = METRICS

    @classmethod
    def for_policy(cls, policy: Policy) -> Plan:
        """The plan of ``policy``."""
        order = policy.config.metric_names
        targets = {
            code: {metric: target for metric in order if (target := by_metric.get(metric)) is not None}
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
            definitions=policy.definitions,
            metrics=order,
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
    definitions: Mapping[Metric, MetricDefinition] = field(default_factory=dict)
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
        definitions = compile_metrics(config.metrics)
        pausable_by_default = _PAUSABLE_BY_DEFAULT | {name: d.pausable for name, d in definitions.items()}
        targets = {
            code: {
                metric: Target(
                    metric=metric,
                    within=t.within,
                    clock=_ALWAYS if t.clock == "calendar" else calendars[t.calendar],
                    clock_name="24x7" if t.clock == "calendar" else t.calendar,
                    pausable=pausable_by_default[metric] if t.pausable is None else t.pausable,
                )
                for metric, t in p.targets.items()
            }
            for code, p in config.priorities.items()
        }
        return cls(config, calendars, priorities, targets, Fraction(str(config.at_risk)), definitions)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """Build from a YAML, JSON or TOML file."""
        return cls.from_config(dict(load_file(Path(path), what="policy")))

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
            expected="only calendars, priorities, pause_statuses, at_risk, on_reopen, metrics, name and description",
        )
