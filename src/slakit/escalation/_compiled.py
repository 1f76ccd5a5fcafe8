"""Rules in the form the evaluator walks: each leaf's fact split once, cached per rule set."""

from __future__ import annotations

from typing import Any

from slakit.escalation._spans import prepare
from slakit.escalation.conditions import Condition, Leaf
from slakit.escalation.rules import EscalationRules, Rule

__all__ = ["ALL", "ANY", "NOT", "SLA", "STATIC", "STEPS", "SURVEY", "Node", "compiled"]

# node kinds; a node is (kind, ...): (SLA, leaf, metric, field, prepared), (STATIC, leaf, attribute),
# (STEPS, leaf, name) for facts that change at events, (SURVEY, leaf, name), (ALL | ANY | NOT, parts)
SLA, STATIC, STEPS, SURVEY, ALL, ANY, NOT = range(7)
Node = tuple[Any, ...]
_MODES = {"all": ALL, "any": ANY, "not": NOT}

_CACHE: dict[int, tuple[EscalationRules, tuple[tuple[Rule, Node], ...]]] = {}
_MAX_CACHED = 64


def compiled(rules: EscalationRules) -> tuple[tuple[Rule, Node], ...]:
    """Each rule with its condition as a node tree, made once per rule set (rule sets are immutable)."""
    cached = _CACHE.get(id(rules))
    if cached is None or cached[0] is not rules:  # the entry holds its rules, so an id is not reused meanwhile
        if len(_CACHE) >= _MAX_CACHED:
            _CACHE.clear()
        cached = _CACHE[id(rules)] = (rules, tuple((rule, _node(rule.condition)) for rule in rules.rules))
    return cached[1]


def _node(condition: Condition | Leaf) -> Node:
    if isinstance(condition, Condition):
        return (_MODES[condition.mode], tuple(_node(part) for part in condition.parts))
    scope, _, name = condition.fact.partition(".")
    if scope == "sla":
        metric, _, field = name.partition(".")
        return (SLA, condition, metric, field, prepare(condition, field))
    if scope == "survey":
        return (SURVEY, condition, name)
    if name in ("priority", "complaints", "reopens"):
        return (STEPS, condition, name)
    return (STATIC, condition, name)
