"""The ``escalation`` section of a policy: the ladder of levels and the rules that climb it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from slakit._config import ConfigSource, check_nesting, config_model
from slakit.durations import Duration
from slakit.errors import ConfigError
from slakit.escalation._spans import prepare
from slakit.escalation.conditions import Condition, Leaf, parse_condition

__all__ = ["NO_RULES", "EscalationConfig", "EscalationRules", "LevelConfig", "Node", "Rule", "RuleConfig"]

# The kinds of node a condition compiles to; a node is (kind, ...): (SLA, leaf, metric, field, prepared),
# (STATIC, leaf, attribute) for ticket facts that never change, (STEPS, leaf, name) for those that
# change at events, (SURVEY, leaf, name), (ALL | ANY | NOT, parts).
SLA, STATIC, STEPS, SURVEY, ALL, ANY, NOT = range(7)
Node = tuple[Any, ...]
_MODES = {"all": ALL, "any": ANY, "not": NOT}


class LevelConfig(BaseModel):
    """One rung: ``{level: 1, role: 主管}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: int = Field(ge=1)
    role: str


class RuleConfig(BaseModel):
    """One rule: a name, a condition, the level it escalates to, and the contact deadline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    when: dict[str, Any]
    level: int = Field(ge=0)
    contact_within: Duration | None = None
    clock: Literal["business", "calendar"] = "business"


class EscalationConfig(BaseModel):
    """``escalation: {levels: [...], rules: [...]}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[LevelConfig, ...] = ()
    rules: tuple[RuleConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule: its condition is parsed and type-checked; ``role`` comes from the ladder
    (None for level 0, a warning that hands nothing over)."""

    name: str
    condition: Condition | Leaf
    level: int
    role: str | None
    contact_within: timedelta | None
    clock: Literal["business", "calendar"]
    index: int


@dataclass(frozen=True, slots=True)
class EscalationRules:
    """All rules of a policy, compiled once. Build with :meth:`from_config`.

    ``compiled`` holds each rule with its condition as the node tree the engine walks, made with the
    rules (see :data:`Node`).
    """

    levels: Mapping[int, str]
    rules: tuple[Rule, ...]
    compiled: tuple[tuple[Rule, Node], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple((rule, _node(rule.condition)) for rule in self.rules))

    @classmethod
    def from_config(
        cls,
        source: ConfigSource | EscalationConfig,
        *,
        survey_dimensions: frozenset[str] | None = None,
        metrics: frozenset[str] | None = None,
    ) -> EscalationRules:
        """Compile an ``escalation`` section; ``survey_dimensions`` checks ``survey.<dimension>`` facts, ``metrics``
        (the metrics the policy defines by events) ``sla.<metric>.*`` facts beside the built-ins'."""
        config = config_model(EscalationConfig, source, what="escalation")
        levels: dict[int, str] = {}
        for i, level in enumerate(config.levels):
            if level.level in levels:
                raise ConfigError(f"'levels[{i}].level' {level.level} is given twice", path=f"levels[{i}].level")
            levels[level.level] = level.role
        names: set[str] = set()
        rules = []
        for i, rule in enumerate(config.rules):
            if rule.name in names:
                raise ConfigError(f"'rules[{i}].name' {rule.name!r} is used by another rule", path=f"rules[{i}].name")
            names.add(rule.name)
            check_nesting(rule.when, field=f"rules[{i}].when")  # a config built in Python was not loaded
            if rule.level and rule.level not in levels:
                known = ", ".join(str(level) for level in levels) or "none defined"
                raise ConfigError(
                    f"escalation rule {rule.name!r}: 'level' must be 0 (a warning) or one of the levels ({known}) "
                    f"(got {rule.level})",
                    path=f"rules[{i}].level",
                )
            condition = parse_condition(
                rule.when, path=f"rules[{i}].when", rule=rule.name, survey_dimensions=survey_dimensions, metrics=metrics
            )
            rules.append(
                Rule(rule.name, condition, rule.level, levels.get(rule.level), rule.contact_within, rule.clock, i)
            )
        return cls(levels, tuple(rules))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, survey_dimensions: frozenset[str] | None = None) -> EscalationRules:
        """Compile an ``escalation`` section kept in a YAML, JSON or TOML file of its own (``levels`` and
        ``rules`` at its top)."""
        return cls.from_config(Path(path), survey_dimensions=survey_dimensions)


def _node(condition: Condition | Leaf) -> Node:
    if isinstance(condition, Condition):
        return (_MODES[condition.mode], tuple(_node(part) for part in condition.parts))
    scope, _, name = condition.fact.partition(".")
    if scope == "sla":
        metric, _, field_name = name.partition(".")
        return (SLA, condition, metric, field_name, prepare(condition, field_name))
    if scope == "survey":
        return (SURVEY, condition, name)
    if name in ("priority", "complaints", "reopens"):
        return (STEPS, condition, name)
    return (STATIC, condition, name)


NO_RULES = EscalationRules({}, ())
"""The rules of a policy without an ``escalation:`` section: none."""
