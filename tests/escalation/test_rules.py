"""Compiling rules (slakit.escalation.rules): conditions nested too deep are a ConfigError (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slakit import presets
from slakit._config import MAX_NESTING
from slakit.errors import ConfigError
from slakit.escalation import EscalationRules, evaluate
from slakit.escalation.rules import EscalationConfig, RuleConfig
from slakit.policy import ServicePolicy
from slakit.sla import Event, Ticket


def _nots(depth: int) -> dict[str, Any]:
    when: dict[str, Any] = {"fact": "ticket.priority", "op": "eq", "value": "P1"}
    for _ in range(depth):
        when = {"not": when}
    return when


def test_5000_nested_nots_in_a_config_built_in_python_are_refused() -> None:
    """Issue 16: 5,000 nested ``not`` raised RecursionError (a config loaded from text or a mapping is
    refused when it is loaded; one built as models reaches the rules as it is)."""
    config = EscalationConfig(rules=(RuleConfig(name="deep", when=_nots(5_000), level=0),))
    with pytest.raises(ConfigError, match=r"^'rules\[0\].when' nests lists and mappings more than 100 levels deep"):
        EscalationRules.from_config(config)
    with pytest.raises(ConfigError, match=r"^'escalation' nests lists and mappings more than 100 levels deep"):
        EscalationRules.from_config({"rules": [{"name": "deep", "when": _nots(5_000), "level": 0}]})


def test_a_rule_nested_as_deep_as_a_policy_file_allows_is_evaluated() -> None:
    """The deepest rule a policy file may hold (its ``when`` is 5 levels down) compiles and fires."""
    config = dict(presets.config("p1-p3"))
    depth = MAX_NESTING - 5  # policy, escalation, rules, rules[0], then `when` (level 5) holds the nots and the leaf
    config["escalation"] = {"levels": [], "rules": [{"name": "deep", "when": _nots(depth), "level": 0}]}
    policy = ServicePolicy.from_config(config)
    created = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
    ticket = Ticket("T", created, "P1", events=(Event(created + timedelta(hours=1), "note"),))
    report = evaluate(ticket, policy, as_of=created + timedelta(hours=2))
    assert [firing.rule for firing in report.fired] == ([] if depth % 2 else ["deep"])
    config["escalation"]["rules"][0]["when"] = _nots(depth + 1)
    with pytest.raises(ConfigError, match="nests"):
        ServicePolicy.from_config(config)
