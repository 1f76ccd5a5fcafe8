"""Every fact and operator, and load-time errors that name the rule and the path."""

from datetime import timedelta
from decimal import Decimal

import pytest

from slakit.errors import ConfigError
from slakit.escalation import EscalationRules
from slakit.escalation.conditions import parse_condition
from slakit.sla import MetricState


def leaf(fact, op, value, dimensions=None):
    return parse_condition(
        {"fact": fact, "op": op, "value": value}, path="when", rule="r", survey_dimensions=dimensions
    )


FACTS = {
    "ticket.priority": "P1",
    "ticket.category": "投诉建议类/服务投诉",
    "ticket.channel": "phone",
    "ticket.affected_customers": 12,
    "ticket.flags": frozenset({"public_opinion_risk", "vip"}),
    "ticket.complaints": 2,
    "ticket.reopens": 0,
    "sla.resolution.state": MetricState.BREACHED,
    "sla.resolution.elapsed": timedelta(hours=30),
    "sla.resolution.remaining": timedelta(hours=-6),
    "sla.resolution.overdue": timedelta(hours=6),
    "sla.resolution.elapsed_ratio": Decimal("1.25"),
    "sla.resolution.at_risk": False,
    "survey.overall": Decimal("3.67"),
    "survey.attitude": Decimal(2),
}


@pytest.mark.parametrize(
    ("fact", "op", "value", "expected"),
    [
        ("ticket.priority", "eq", "P1", True),
        ("ticket.priority", "ne", "P1", False),
        ("ticket.priority", "in", ["P1", "P2"], True),
        ("ticket.category", "contains", "投诉", True),
        ("ticket.channel", "in", ["email"], False),
        ("ticket.affected_customers", "ge", 10, True),
        ("ticket.affected_customers", "lt", 10, False),
        ("ticket.affected_customers", "in", [11, 12], True),
        ("ticket.flags", "contains", "public_opinion_risk", True),
        ("ticket.flags", "contains", "press", False),
        ("ticket.complaints", "gt", 1, True),
        ("ticket.reopens", "eq", 0, True),
        ("ticket.product", "eq", "X1", False),  # a missing fact never holds
        ("sla.resolution.state", "eq", "breached", True),
        ("sla.resolution.state", "in", ["met", "running"], False),
        ("sla.resolution.elapsed", "ge", "30h", True),
        ("sla.resolution.elapsed", "gt", "PT30H", False),
        ("sla.resolution.remaining", "le", "-6h", True),
        ("sla.resolution.remaining", "lt", "-6h", False),
        ("sla.resolution.overdue", "ge", "4h", True),
        ("sla.resolution.elapsed_ratio", "gt", 1.2, True),
        ("sla.resolution.elapsed_ratio", "le", "1.25", True),
        ("sla.resolution.at_risk", "eq", False, True),
        ("sla.response.state", "eq", "breached", False),  # not tracked in these facts
        ("survey.overall", "lt", 4, True),
        ("survey.attitude", "le", 2, True),
    ],
)
def test_every_fact_and_op(fact, op, value, expected):
    assert leaf(fact, op, value).holds(FACTS) is expected


def test_all_any_not():
    condition = parse_condition(
        {"all": [{"fact": "ticket.priority", "op": "eq", "value": "P1"},
                 {"any": [{"fact": "ticket.complaints", "op": "ge", "value": 3},
                          {"not": {"fact": "sla.resolution.at_risk", "op": "eq", "value": True}}]}]},
        path="when", rule="r", survey_dimensions=None,
    )  # fmt: skip
    assert condition.holds(FACTS)
    assert "ticket.priority = P1" in condition.describe(FACTS)


def error_for(fact, op, value, dimensions=None) -> str:
    with pytest.raises(ConfigError) as info:
        leaf(fact, op, value, dimensions)
    return f"{info.value} | path={info.value.path}"


@pytest.mark.parametrize(
    ("fact", "op", "value", "fragments"),
    [
        ("sla.resolution.overdu", "ge", "4h", ["'when.fact'", "'sla.resolution.overdu'", "sla.<metric>"]),
        ("sla.speed.state", "eq", "breached", ["'sla.speed.state'"]),
        ("ticket.colour", "eq", "red", ["'ticket.colour'"]),
        ("ticket.priority", "ge", "P1", ["'when.op'", "'ge' does not apply to ticket.priority", "eq, ne, in"]),
        ("ticket.priority", "like", "P1", ["'when.op'", "'like'"]),
        ("ticket.complaints", "ge", "two", ["'when.value'", "a whole number", "'two'"]),
        ("ticket.complaints", "ge", True, ["a whole number"]),
        ("sla.resolution.overdue", "ge", "soon", ["a duration", "'soon'"]),
        ("sla.resolution.state", "eq", "late", ["one of pending, running, paused, met, breached"]),
        ("sla.resolution.at_risk", "eq", "yes", ["true or false"]),
        ("ticket.flags", "eq", "vip", ["'eq' does not apply to ticket.flags", "contains"]),
        ("ticket.priority", "in", "P1", ["a non-empty list"]),
        ("survey.mood", "lt", 3, ["'survey.mood'"]),
        # NaN used to load and then raise InvalidOperation on every comparison (found by the durable parity work)
        ("survey.overall", "lt", float("nan"), ["a finite number"]),
        ("sla.resolution.elapsed_ratio", "ge", "Infinity", ["a finite number"]),
    ],
)
def test_errors_name_rule_path_value_and_what_is_accepted(fact, op, value, fragments):
    message = error_for(fact, op, value, frozenset({"efficiency", "attitude"}))
    assert "escalation rule 'r'" in message
    for fragment in fragments:
        assert fragment in message


def test_malformed_structures():
    with pytest.raises(ConfigError, match=r"'when.all' must be a non-empty list"):
        parse_condition({"all": []}, path="when", rule="r", survey_dimensions=None)
    with pytest.raises(ConfigError, match=r"exactly one of 'all', 'any', 'not'"):
        parse_condition({"all": [], "any": []}, path="when", rule="r", survey_dimensions=None)
    with pytest.raises(ConfigError, match=r"missing value"):
        parse_condition({"fact": "ticket.priority", "op": "eq"}, path="when", rule="r", survey_dimensions=None)
    with pytest.raises(ConfigError, match=r"'when.any\[1\].fact'"):
        parse_condition({"any": [{"fact": "ticket.priority", "op": "eq", "value": "P1"},
                                 {"fact": "nope", "op": "eq", "value": 1}]},
                        path="when", rule="r", survey_dimensions=None)  # fmt: skip


@pytest.mark.parametrize(
    "when",
    [
        ["x" * 10_000_000],
        {"all": "x" * 10_000_000},
        {"fact": ["x" * 10_000_000], "op": "eq", "value": 1},
        {"fact": "ticket.priority", "op": "x" * 10_000_000, "value": 1},
        {"fact": "sla.resolution.overdue", "op": "ge", "value": ["x" * 10_000_000]},
    ],
    ids=["condition", "all", "fact", "op", "value"],
)
def test_huge_values_are_shown_shortened(when):
    """Issue 16: the whole value was written into the message."""
    with pytest.raises(ConfigError) as caught:
        parse_condition(when, path="when", rule="r", survey_dimensions=None)
    assert len(str(caught.value)) < 1_000


def test_rules_validate_levels_and_names():
    levels = [{"level": 1, "role": "主管"}]
    rule = {"name": "a", "when": {"fact": "ticket.complaints", "op": "ge", "value": 2}, "level": 1}
    compiled = EscalationRules.from_config({"levels": levels, "rules": [rule]})
    assert compiled.rules[0].role == "主管"
    with pytest.raises(ConfigError, match=r"'level' must be 0 \(a warning\) or one of the levels \(1\) \(got 2\)"):
        EscalationRules.from_config({"levels": levels, "rules": [{**rule, "level": 2}]})
    with pytest.raises(ConfigError, match="used by another rule"):
        EscalationRules.from_config({"levels": levels, "rules": [rule, rule]})
    with pytest.raises(ConfigError, match="given twice"):
        EscalationRules.from_config({"levels": levels * 2, "rules": []})
    with pytest.raises(ConfigError, match="contact_within"):
        EscalationRules.from_config({"levels": levels, "rules": [{**rule, "contact_within": "later"}]})


def test_no_eval_anywhere():
    # A value that looks like code is just an unknown fact, never evaluated.
    message = error_for("__import__('os').system('true')", "eq", 1)
    assert "must be a fact" in message


# -- ticket.attributes.<name>: typed by the value compared with; missing or of another type: false -----------


@pytest.mark.parametrize(
    ("op", "value", "actual", "holds"),
    [
        ("eq", "gold", "gold", True),
        ("ne", "gold", "silver", True),
        ("in", ["gold", "platinum"], "gold", True),
        ("contains", "ol", "gold", True),
        ("eq", "1", 1, False),  # text is never read from a number
        ("eq", 1, "1", False),  # nor a number from text
        ("ge", 40, 40, True),
        ("gt", 0.5, 0.75, True),
        ("lt", 1, 0.1, True),
        ("in", [1, 2], 2.0, True),
        ("eq", 1, True, False),  # true is not a number
        ("eq", True, True, True),
        ("ne", False, True, True),
        ("eq", True, 1, False),
        ("eq", "gold", None, False),  # missing
        ("ne", "gold", None, False),  # missing: even ne is false
    ],
)
def test_attribute_leaves_compare_values_of_their_type(op, value, actual, holds):
    condition = leaf("ticket.attributes.tier", op, value)
    assert condition.holds({"ticket.attributes.tier": actual}) is holds


@pytest.mark.parametrize(
    ("fact", "op", "value", "message"),
    [
        ("ticket.attributes.tier", "ge", "gold", "'ge' does not apply to ticket.attributes.tier (a text)"),
        ("ticket.attributes.trial", "in", [True], "'in' does not apply"),
        ("ticket.attributes.tier", "eq", ["gold", 1], "must be text, a number or true/false"),
        ("ticket.attributes.tier", "eq", {"a": 1}, "must be text, a number or true/false"),
        ("ticket.attributes.", "eq", "a", "must be a fact"),
        ("ticket.attributes.a.b", "eq", "a", "must be a fact"),
    ],
)
def test_attribute_leaves_are_checked_at_load(fact, op, value, message):
    with pytest.raises(ConfigError) as raised:
        leaf(fact, op, value)
    assert message in str(raised.value)
    assert str(raised.value).startswith("escalation rule 'r': 'when.")
