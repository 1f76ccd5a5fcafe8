"""Random policies with ``slas`` entries and relative targets, and tickets with attributes, for the properties."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from slakit import ServicePolicy
from slakit.sla import Ticket
from slakit.testing import strategies as sst

METRICS = ("response", "acknowledge", "update", "resolution")
TIERS = ("gold", "silver")
NEVER = {"fact": "ticket.attributes.tier", "op": "eq", "value": "never-given"}


@st.composite
def targets(draw: st.DrawFn, *, relative: bool = True) -> Any:
    """A target in any of its forms: a duration, a long form, or (``relative``) a relative deadline."""
    kind = draw(st.integers(0, 5 if relative else 3))
    within = f"{draw(st.integers(0, 48))}h{draw(st.sampled_from([0, 15, 30]))}m"
    if kind >= 4:
        return {
            "due": "end_of_business_day",
            "days": draw(st.integers(0, 3)),
            "calendar": draw(st.sampled_from(["default", "other"])),
        }
    if kind == 3:
        return {
            "within": within,
            "clock": draw(st.sampled_from(["business", "calendar"])),
            "pausable": draw(st.booleans()),
        }
    return within


@st.composite
def whens(draw: st.DrawFn) -> dict[str, Any]:
    """A condition on the ticket's own facts: its tier, channel, priority, or a mix."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return {"fact": "ticket.attributes.tier", "op": "eq", "value": draw(st.sampled_from(TIERS))}
    if kind == 1:
        return {"fact": "ticket.channel", "op": "eq", "value": "phone"}
    if kind == 2:
        return {
            "fact": "ticket.priority",
            "op": "in",
            "value": draw(st.lists(st.sampled_from(["P1", "P2", "P3", "P4"]), min_size=1, max_size=2)),
        }
    return {
        "any": [
            {"fact": "ticket.attributes.seats", "op": "ge", "value": 10},
            {"not": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"}},
        ]
    }


@st.composite
def entries(draw: st.DrawFn, codes: list[str], when: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """0-3 ``slas`` entries over the policy's priority ``codes`` (and ``"*"``)."""
    found = []
    for i in range(draw(st.integers(1, 3))):
        table = {}
        for code in draw(st.sets(st.sampled_from([*codes, "*"]), min_size=1, max_size=3)):
            table[code] = {metric: draw(targets()) for metric in draw(st.sets(st.sampled_from(METRICS), min_size=1))}
        entry: dict[str, Any] = {"name": f"e{i}", "when": when if when is not None else draw(whens()), "targets": table}
        if draw(st.booleans()):
            entry["calendar"] = draw(st.sampled_from(["default", "other"]))
        found.append(entry)
    return found


@st.composite
def policy_configs(draw: st.DrawFn, *, never: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(base, with_slas)``: a random policy config (some targets relative) and the same with ``slas`` entries
    (whose ``when`` never holds when ``never``)."""
    base = draw(sst.policy_configs())
    base["calendars"]["other"] = draw(sst.calendar_configs())
    for priority in base["priorities"].values():
        for metric in list(priority["targets"]):
            if draw(st.integers(0, 4)) == 0:
                priority["targets"][metric] = draw(targets())
    conditional = {**base, "slas": draw(entries(sorted(base["priorities"]), NEVER if never else None))}
    return base, conditional


@st.composite
def conditional_cases(draw: st.DrawFn) -> tuple[ServicePolicy, Ticket, Any]:
    """A policy with ``slas`` (and relative targets), a ticket with attributes under it, and an as_of."""
    _, config = draw(policy_configs())
    policy = ServicePolicy.from_config(config)
    return (policy, *draw(attributed(policy)))


@st.composite
def attributed(draw: st.DrawFn, policy: ServicePolicy) -> tuple[Ticket, Any]:
    """A ticket under ``policy`` with attributes and perhaps a phone channel, and an as_of after its creation."""
    ticket = draw(sst.tickets(policy))
    attributes: dict[str, Any] = {}
    if draw(st.booleans()):
        attributes["tier"] = draw(st.sampled_from([*TIERS, 1, True]))
    if draw(st.booleans()):
        attributes["seats"] = draw(st.sampled_from([5, 10, 12.5, "10"]))
    ticket = replace(ticket, attributes=attributes, channel=draw(st.sampled_from([None, "phone", "email"])))
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    seconds = draw(st.integers(0, int((last - ticket.created_at).total_seconds()) + 3 * 86400))
    from datetime import timedelta

    return ticket, ticket.created_at + timedelta(seconds=seconds, microseconds=draw(st.sampled_from([0, 1, 999_999])))
