"""The SLA policy: calendars, priorities with their targets, pause statuses, at-risk ratio, reopen rule."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from slakit._config import ConfigSource, load_file, load_mapping, validate
from slakit.calendar import BusinessCalendar, CalendarConfig
from slakit.durations import Duration
from slakit.errors import ConfigError, UnknownPriorityError
from slakit.priority import ClassificationConfig, Classifier, Priority, PriorityMatrix, PriorityMatrixConfig
from slakit.survey import SurveyScheme, SurveySchemeConfig

if TYPE_CHECKING:
    from slakit.escalation.rules import EscalationRules

__all__ = ["METRICS", "Metric", "Policy", "PolicyConfig", "PriorityConfig", "Target", "TargetConfig"]

Metric = Literal["response", "acknowledge", "update", "resolution"]
METRICS: tuple[Metric, ...] = ("response", "acknowledge", "update", "resolution")
_PAUSABLE_BY_DEFAULT = {"response": False, "acknowledge": False, "update": True, "resolution": True}


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
    """The policy file's shape (YAML, JSON or TOML); see docs/sla.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    description: str | None = None
    calendars: dict[str, CalendarConfig]
    priorities: dict[str, PriorityConfig]
    pause_statuses: frozenset[str] = frozenset({"pending_customer", "on_hold"})
    at_risk: float = Field(default=0.75, gt=0, le=1)
    on_reopen: Literal["resume", "restart"] = "resume"
    priority_matrix: PriorityMatrixConfig | None = None
    classification: ClassificationConfig | None = None
    survey: SurveySchemeConfig | None = None
    escalation: dict[str, Any] | None = None  # compiled by slakit.escalation (which imports this module)

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
        return (self.within.days * 86_400 + self.within.seconds) * 1_000_000 + self.within.microseconds


_ALWAYS = BusinessCalendar.always_open("UTC")


def _no_rules() -> EscalationRules:
    from slakit.escalation.rules import EscalationRules

    return EscalationRules({}, ())


def _compile_escalation(section: Mapping[str, Any] | None, survey: SurveyScheme | None) -> EscalationRules:
    from slakit.escalation.rules import EscalationRules  # here: slakit.escalation imports slakit.sla

    if section is None:
        return _no_rules()
    dimensions = frozenset(survey.dimensions) if survey is not None else None
    try:
        return EscalationRules.from_config(section, survey_dimensions=dimensions)
    except ConfigError as exc:
        raise ConfigError(f"invalid policy: escalation: {exc}", path=f"escalation.{exc.path}") from exc


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated SLA policy, ready for :func:`slakit.sla.evaluate`. Build it with :meth:`from_config`."""

    config: PolicyConfig
    calendars: Mapping[str, BusinessCalendar]
    priorities: Mapping[str, Priority]
    targets: Mapping[str, Mapping[Metric, Target]]
    at_risk_ratio: Fraction
    matrix: PriorityMatrix | None = None
    classifier: Classifier | None = None
    survey: SurveyScheme | None = None
    escalation: EscalationRules = field(default_factory=_no_rules)

    @classmethod
    def from_config(cls, source: ConfigSource | PolicyConfig) -> Policy:
        """Build from a mapping, JSON/YAML/TOML text, a path, or a :class:`PolicyConfig`."""
        if isinstance(source, PolicyConfig):
            config = source
        else:
            config = validate(PolicyConfig, load_mapping(source, what="policy"), what="policy")
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
                    clock_name="24x7" if t.clock == "calendar" else t.calendar,
                    pausable=_PAUSABLE_BY_DEFAULT[metric] if t.pausable is None else t.pausable,
                )
                for metric, t in p.targets.items()
            }
            for code, p in config.priorities.items()
        }
        matrix = PriorityMatrix(config.priority_matrix) if config.priority_matrix is not None else None
        if matrix is not None:
            try:
                matrix.validate_codes(config.priorities)
            except ConfigError as exc:
                message = f"invalid policy: priority_matrix: {exc}"
                raise ConfigError(message, path=f"priority_matrix.{exc.path}") from exc
        classifier = Classifier.from_config(config.classification) if config.classification is not None else None
        survey = SurveyScheme(config.survey) if config.survey is not None else None
        escalation = _compile_escalation(config.escalation, survey)
        return cls(
            config,
            calendars,
            priorities,
            targets,
            Fraction(str(config.at_risk)),
            matrix,
            classifier,
            survey,
            escalation,
        )

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
