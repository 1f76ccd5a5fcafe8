"""The facts rules look at, taken from a ticket, its SLA report and a survey score at one instant."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from slakit.instants import to_us
from slakit.sla import HoldsPolicy, Policy, SLAReport, Ticket, build_timeline
from slakit.sla import evaluate as evaluate_sla
from slakit.survey import SurveyScore

__all__ = ["facts_at", "known_at", "snapshot", "ticket_fact"]


def ticket_fact(ticket: Ticket, name: str) -> Any:
    """The ticket's own fact ``ticket.<name>`` that does not change over time (its category, flags, an attribute
    ``attributes.<name>``, ...); None when missing."""
    if name.startswith("attributes."):
        return ticket.attributes.get(name[len("attributes.") :])
    return getattr(ticket, name)


def known_at(ticket: Ticket, as_of: datetime) -> Ticket:
    """The ticket as it stood at ``as_of``: later events dropped, the rest in time order."""
    return replace(ticket, events=tuple(sorted((e for e in ticket.events if e.at <= as_of), key=lambda e: e.at_us)))


def facts_at(
    ticket: Ticket,
    policy: HoldsPolicy | Policy,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
) -> dict[str, Any]:
    """Every fact :func:`slakit.escalation.evaluate` sees at the instant ``as_of``.

    Survey facts hold from ``survey_at``, else from the ticket's last resolution (or close) up to
    ``as_of``, else from its creation -- so without ``survey_at`` a given survey always counts.
    """
    known = known_at(ticket, as_of)
    in_force = survey if survey is not None and (survey_at is None or survey_at <= as_of) else None
    return snapshot(known, evaluate_sla(known, policy, as_of=as_of), as_of, in_force)


def snapshot(ticket: Ticket, report: SLAReport, at: datetime, survey: SurveyScore | None) -> dict[str, Any]:
    """Every fact as of ``at`` (the report must be evaluated at ``at``; events after it are ignored)."""
    line = build_timeline(ticket, to_us(at), frozenset())  # the one reduction of events (pauses not needed)
    complaints, reopens = len(line.complaints), len(line.reopens)
    facts: dict[str, Any] = {
        "ticket.priority": report.priority,  # the SLA's own order of simultaneous events decides
        "ticket.category": ticket.category,
        "ticket.channel": ticket.channel,
        "ticket.product": ticket.product,
        "ticket.customer": ticket.customer,
        "ticket.affected_customers": ticket.affected_customers,
        "ticket.flags": ticket.flags,
        "ticket.complaints": complaints,
        "ticket.reopens": reopens,
    }
    for name, value in ticket.attributes.items():
        facts[f"ticket.attributes.{name}"] = value
    for metric, status in report.items():
        prefix = f"sla.{metric}."
        facts[prefix + "state"] = status.state
        facts[prefix + "elapsed"] = status.elapsed
        facts[prefix + "remaining"] = status.remaining
        facts[prefix + "overdue"] = status.overdue
        facts[prefix + "elapsed_ratio"] = (
            Decimal(status.elapsed // status.target.resolution) / Decimal(status.target // status.target.resolution)
            if status.target
            else None
        )
        facts[prefix + "at_risk"] = status.at_risk
    if survey is not None:
        facts.update({f"survey.{name}": Decimal(str(value)) for name, value in survey.facts().items()})
    return facts
