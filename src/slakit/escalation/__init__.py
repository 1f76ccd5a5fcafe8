"""Escalation triggers: rules over ticket, SLA and survey facts, fired exactly once (see docs/escalation.md)."""

from slakit.escalation.conditions import OPS, Condition, Leaf
from slakit.escalation.engine import HoldsRules, evaluate, evaluate_with_sla
from slakit.escalation.firing import Fired, Firing, fire
from slakit.escalation.report import Escalation, EscalationReport
from slakit.escalation.rules import EscalationConfig, EscalationRules, LevelConfig, Rule, RuleConfig

__all__ = [
    "OPS",
    "Condition",
    "Escalation",
    "EscalationConfig",
    "EscalationReport",
    "EscalationRules",
    "Fired",
    "Firing",
    "HoldsRules",
    "Leaf",
    "LevelConfig",
    "Rule",
    "RuleConfig",
    "evaluate",
    "evaluate_with_sla",
    "fire",
]
