"""Random escalation rules for property tests: every fact, every operator, nested all/any/not."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from slakit.escalation import EscalationRules

METRICS = ("response", "acknowledge", "update", "resolution")
STATES = ("pending", "running", "paused", "met", "breached")
_DURATIONS = ("0m", "1m", "30m", "1h", "2h", "4h", "8h", "24h", "72h")


def _duration(field: str) -> st.SearchStrategy[str]:
    values = st.sampled_from(_DURATIONS)
    if field == "remaining":
        return st.one_of(values, values.map(lambda v: "-" + v))
    return values


@st.composite
def leaves(
    draw: st.DrawFn, *, survey: bool = False, attributes: bool = False, metrics: tuple[str, ...] = METRICS
) -> dict[str, Any]:
    """One leaf ``{fact, op, value}`` of any kind (``sla.<metric>.*`` of ``metrics``; ``attributes``:
    ``ticket.attributes.tier`` and ``seats`` too)."""
    kinds = (
        ["sla", "sla", "sla", "sla", "ticket"] + (["survey"] if survey else []) + (["attribute"] if attributes else [])
    )
    kind = draw(st.sampled_from(kinds))
    if kind == "attribute":
        if draw(st.booleans()):
            return {
                "fact": "ticket.attributes.tier",
                "op": draw(st.sampled_from(["eq", "ne"])),
                "value": draw(st.sampled_from(["gold", "silver"])),
            }
        return {
            "fact": "ticket.attributes.seats",
            "op": draw(st.sampled_from(["lt", "ge", "eq"])),
            "value": draw(st.sampled_from([5, 10, 12.5])),
        }
    if kind == "sla":
        metric = draw(st.sampled_from(metrics))
        field = draw(st.sampled_from(["state", "elapsed", "remaining", "overdue", "elapsed_ratio", "at_risk"]))
        fact = f"sla.{metric}.{field}"
        if field == "state":
            op = draw(st.sampled_from(["eq", "ne", "in"]))
            value: Any = (
                draw(st.lists(st.sampled_from(STATES), min_size=1, max_size=3, unique=True))
                if op == "in"
                else draw(st.sampled_from(STATES))
            )
        elif field == "at_risk":
            op, value = draw(st.sampled_from(["eq", "ne"])), draw(st.booleans())
        elif field == "elapsed_ratio":
            op = draw(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge", "in"]))
            ratios = st.sampled_from([0, 0.25, 0.5, 0.75, 0.9, 1, 1.5, 2, -1])
            value = draw(st.lists(ratios, min_size=1, max_size=3)) if op == "in" else draw(ratios)
        else:
            op, value = draw(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"])), draw(_duration(field))
        return {"fact": fact, "op": op, "value": value}
    if kind == "survey":
        op = draw(st.sampled_from(["lt", "le", "ge", "eq"]))
        return {"fact": draw(st.sampled_from(["survey.overall", "survey.attitude"])), "op": op, "value": 4}
    fact = draw(st.sampled_from(["priority", "complaints", "reopens", "affected_customers", "channel"]))
    if fact in ("priority", "channel"):
        values = ["P1", "P2", "P3", "P4"] if fact == "priority" else ["phone", "email", "web"]
        op = draw(st.sampled_from(["eq", "ne", "in"]))
        value = (
            draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
            if op == "in"
            else draw(st.sampled_from(values))
        )
    else:
        op, value = draw(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"])), draw(st.integers(0, 3))
    return {"fact": f"ticket.{fact}", "op": op, "value": value}


def conditions(
    *, survey: bool = False, attributes: bool = False, metrics: tuple[str, ...] = METRICS
) -> st.SearchStrategy[dict[str, Any]]:
    """Leaves combined with all / any / not, up to a few levels deep."""
    return st.recursive(
        leaves(survey=survey, attributes=attributes, metrics=metrics),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"all": parts}),
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"any": parts}),
            inner.map(lambda part: {"not": part}),
        ),
        max_leaves=4,
    )


@st.composite
def rule_sets(
    draw: st.DrawFn, *, survey: bool = False, attributes: bool = False, metrics: tuple[str, ...] = METRICS
) -> EscalationRules:
    """1-4 rules with random conditions (over ``metrics``), levels 0-2, some with a contact deadline."""
    count = draw(st.integers(1, 4))
    rules = [
        {
            "name": f"r{i}",
            "when": draw(conditions(survey=survey, attributes=attributes, metrics=metrics)),
            "level": draw(st.integers(0, 2)),
            **({"contact_within": "2h"} if draw(st.booleans()) else {}),
            **({"clock": "calendar"} if draw(st.booleans()) else {}),
        }
        for i in range(count)
    ]
    levels = [{"level": 1, "role": "主管"}, {"level": 2, "role": "部门负责人"}]
    dimensions = frozenset({"efficiency", "attitude"}) if survey else None
    extra = frozenset(metrics) - frozenset(METRICS)
    return EscalationRules.from_config(
        {"levels": levels, "rules": rules}, survey_dimensions=dimensions, metrics=extra or None
    )
