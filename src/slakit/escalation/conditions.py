"""Escalation conditions: ``all`` / ``any`` / ``not`` over leaves ``{fact, op, value}``, type-checked at load.

Every fact has a type, every type a set of operators, and every value is converted to the fact's
type when the rule loads, so an unknown fact, an unknown operator or a mismatch (``ge`` on a
string) is a :class:`ConfigError` naming the rule and the path, never a silent non-match. Nothing
is compiled from strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from slakit.durations import format_duration, parse_duration
from slakit.errors import ConfigError, shown
from slakit.sla import METRICS, MetricState

__all__ = ["ATTRIBUTE_PREFIX", "OPS", "Condition", "Leaf", "attribute_as", "parse_condition"]

# fact type -> allowed operators
_OPS_BY_TYPE = {
    "text": ("eq", "ne", "in", "contains"),
    "int": ("eq", "ne", "lt", "le", "gt", "ge", "in"),
    "number": ("eq", "ne", "lt", "le", "gt", "ge", "in"),
    "duration": ("eq", "ne", "lt", "le", "gt", "ge"),
    "bool": ("eq", "ne"),
    "state": ("eq", "ne", "in"),
    "set": ("contains",),
}
OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "contains")
_TICKET_FACTS = {
    "priority": "text",
    "category": "text",
    "channel": "text",
    "product": "text",
    "customer": "text",
    "affected_customers": "int",
    "flags": "set",
    "complaints": "int",
    "reopens": "int",
}
_SLA_FIELDS = {
    "state": "state",
    "elapsed": "duration",
    "remaining": "duration",
    "overdue": "duration",
    "elapsed_ratio": "number",
    "at_risk": "bool",
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "contains": lambda a, b: b in a,
}


ATTRIBUTE_PREFIX = "ticket.attributes."
"""Facts ``ticket.attributes.<name>``: a ticket attribute, whose type is that of the values a leaf compares it
with (text, a number or true/false); a ticket whose attribute is missing or of another type makes the leaf false."""


def fact_type(
    fact: str, *, survey_dimensions: frozenset[str] | None, metrics: frozenset[str] | None = None
) -> str | None:
    """The type of ``fact``, or None when there is no such fact (``attribute`` for ``ticket.attributes.<name>``,
    whose type the leaf's value gives); ``metrics`` are the metric names the policy defines besides the built-ins
    (``sla.<metric>.<field>``)."""
    scope, _, rest = fact.partition(".")
    if scope == "ticket":
        if fact.startswith(ATTRIBUTE_PREFIX):
            name = fact[len(ATTRIBUTE_PREFIX) :]
            return "attribute" if name and "." not in name and name == name.strip() else None
        return _TICKET_FACTS.get(rest)
    if scope == "sla":
        metric, _, field = rest.partition(".")
        return _SLA_FIELDS.get(field) if metric in METRICS or (metrics is not None and metric in metrics) else None
    known_dimension = rest == "overall" or survey_dimensions is None or rest in survey_dimensions
    if scope == "survey" and rest and "." not in rest and known_dimension:
        return "number"
    return None


def known_facts() -> str:
    """The fact names, for messages."""
    return (
        ", ".join(f"ticket.{name}" for name in _TICKET_FACTS)
        + ", ticket.attributes.<name>, sla.<metric>.<"
        + "|".join(_SLA_FIELDS)
        + ">, survey.overall, survey.<dimension>"
    )


@dataclass(frozen=True, slots=True)
class Leaf:
    """``{fact, op, value}`` with ``value`` already of the fact's type."""

    fact: str
    op: str
    value: Any
    kind: str
    attribute: bool = False

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """Whether the leaf holds for ``facts``; a missing fact (None) never holds, nor an attribute of another
        type than the leaf compares it with."""
        actual = facts.get(self.fact)
        if actual is None:
            return False
        if self.attribute:
            actual = attribute_as(actual, self.kind)
            if actual is None:
                return False
        return _COMPARE[self.op](actual, self.value)

    def leaves(self) -> Iterator[Leaf]:
        """Itself."""
        yield self

    def describe(self, facts: Mapping[str, Any]) -> str:
        """``sla.resolution.state = breached (eq breached)``."""
        return f"{self.fact} = {format_value(facts.get(self.fact))} ({self.op} {format_value(self.value)})"


@dataclass(frozen=True, slots=True)
class Condition:
    """``all`` / ``any`` of sub-conditions, or ``not`` of one."""

    mode: str
    parts: tuple[Condition | Leaf, ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """Whether the condition holds for ``facts``."""
        if self.mode == "all":
            return all(part.holds(facts) for part in self.parts)
        if self.mode == "any":
            return any(part.holds(facts) for part in self.parts)
        return not self.parts[0].holds(facts)

    def leaves(self) -> Iterator[Leaf]:
        """Every leaf below."""
        for part in self.parts:
            yield from part.leaves()

    def describe(self, facts: Mapping[str, Any]) -> str:
        """The parts that make the condition hold, in words."""
        if self.mode == "not":
            return f"not ({self.parts[0].describe(facts)})"
        parts = [part for part in self.parts if part.holds(facts)] if self.mode == "any" else list(self.parts)
        return " and ".join(part.describe(facts) for part in parts)


def parse_condition(
    data: Any, *, path: str, rule: str, survey_dimensions: frozenset[str] | None, metrics: frozenset[str] | None = None
) -> Condition | Leaf:
    """Build a condition from config, raising :class:`ConfigError` naming ``rule`` and ``path``."""
    if not isinstance(data, Mapping) or not data:
        raise _error(rule, path, f"must be a mapping with 'all', 'any', 'not' or 'fact' (got {shown(data)})")
    if set(data) <= {"fact", "op", "value"}:
        return _leaf(data, path=path, rule=rule, survey_dimensions=survey_dimensions, metrics=metrics)
    if len(data) != 1 or next(iter(data)) not in ("all", "any", "not"):
        raise _error(
            rule,
            path,
            f"must have exactly one of 'all', 'any', 'not', or be a leaf {{fact, op, value}} (got keys {sorted(data)})",
        )
    mode, body = next(iter(data.items()))
    if mode == "not":
        return Condition(
            "not",
            (
                parse_condition(
                    body, path=f"{path}.not", rule=rule, survey_dimensions=survey_dimensions, metrics=metrics
                ),
            ),
        )
    if not isinstance(body, list) or not body:
        raise _error(rule, f"{path}.{mode}", f"must be a non-empty list of conditions (got {shown(body)})")
    return Condition(
        mode,
        tuple(
            parse_condition(
                part, path=f"{path}.{mode}[{i}]", rule=rule, survey_dimensions=survey_dimensions, metrics=metrics
            )
            for i, part in enumerate(body)
        ),
    )


def _leaf(
    data: Mapping[str, Any],
    *,
    path: str,
    rule: str,
    survey_dimensions: frozenset[str] | None,
    metrics: frozenset[str] | None = None,
) -> Leaf:
    missing = [key for key in ("fact", "op", "value") if key not in data]
    if missing:
        raise _error(rule, path, f"a leaf needs 'fact', 'op' and 'value' (missing {', '.join(missing)})")
    fact, op, value = data["fact"], data["op"], data["value"]
    kind = fact_type(fact, survey_dimensions=survey_dimensions, metrics=metrics) if isinstance(fact, str) else None
    if kind is None:
        raise _error(rule, f"{path}.fact", f"must be a fact: {known_facts()} (got {shown(fact)})")
    attribute = kind == "attribute"
    if attribute:
        kind = _attribute_kind(value)
        if kind is None:
            raise _error(
                rule,
                f"{path}.value",
                f"must be text, a number or true/false (or a non-empty list of one of them) to compare {fact} with "
                f"(got {shown(value)})",
            )
    if op not in OPS:
        raise _error(rule, f"{path}.op", f"must be one of {', '.join(OPS)} (got {shown(op)})")
    if op not in _OPS_BY_TYPE[kind]:
        raise _error(
            rule,
            f"{path}.op",
            f"{shown(op)} does not apply to {fact} (a {kind}); use one of {', '.join(_OPS_BY_TYPE[kind])}",
        )
    try:
        if op == "in":
            if not isinstance(value, list) or not value:
                raise ValueError("a non-empty list")
            converted: Any = frozenset(_convert(item, kind, fact) for item in value)
        elif kind == "set":
            converted = _convert(value, "text", fact)
        else:
            converted = _convert(value, kind, fact)
    except (ValueError, ConfigError) as exc:
        raise _error(rule, f"{path}.value", f"must be {exc} for {fact} {op} (got {shown(value)})") from None
    return Leaf(fact, op, converted, kind, attribute)


def _attribute_kind(value: Any) -> str | None:
    """The type a leaf on a ticket attribute compares it as: that of its value (of each item, for ``in``)."""
    kinds = set()
    for item in value if isinstance(value, list) and value else [value]:
        if isinstance(item, bool):
            kinds.add("bool")
        elif isinstance(item, int | float):
            kinds.add("number")
        elif isinstance(item, str):
            kinds.add("text")
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None


def attribute_as(value: Any, kind: str) -> Any:
    """A ticket attribute's value as a leaf of type ``kind`` compares it, or None when it is of another type (a
    number is never read from text, nor true/false from a number)."""
    if kind == "text":
        return value if isinstance(value, str) else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _convert(value: Any, kind: str, fact: str) -> Any:  # noqa: C901 -- one branch per type of fact
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("text")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("a whole number")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError("a number") from None
        if not number.is_finite():  # NaN would make every comparison raise at evaluation time
            raise ValueError("a finite number")
        return number
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("true or false")
        return value
    if kind == "state":
        states = [state.value for state in MetricState]
        if value not in states:
            raise ValueError(f"one of {', '.join(states)}")
        return MetricState(value)
    # durations; `remaining` may be negative ("-1h": one hour past the deadline)
    if fact.endswith(".remaining") and isinstance(value, str) and value.strip().startswith("-"):
        return -parse_duration(value.strip()[1:], field=fact)
    try:
        return parse_duration(value, field=fact)
    except ConfigError:
        raise ValueError("a duration such as 4h, 30m or PT2H") from None


def _error(rule: str, path: str, problem: str) -> ConfigError:
    """The error of a condition; ``rule`` names the escalation rule it belongs to ("": a condition of no rule,
    such as an ``slas`` entry's ``when``, whose ``path`` says where it is)."""
    prefix = f"escalation rule {rule!r}: " if rule else ""
    return ConfigError(f"{prefix}{path!r} {problem}", path=path)


def format_value(value: Any) -> str:
    """A fact or rule value as messages show it: durations as ``4h``, sets sorted, states by name."""
    if value is None:
        return "none"
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(format_value(item) for item in value)) + "]"
    if isinstance(value, MetricState):
        return value.value
    return str(value)
