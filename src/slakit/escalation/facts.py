"""The facts rules look at, taken from a ticket, its SLA report and a survey score at one instant."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from slakit.sla import SLAReport, Ticket
from slakit.survey import SurveyScore

__all__ = ["snapshot"]


def snapshot(ticket: Ticket, report: SLAReport, at: datetime, survey: SurveyScore | None) -> dict[str, Any]:
    """Every fact as of ``at`` (the report must be evaluated at ``at``; events after it are ignored)."""
    complaints = reopens = 0
    for event in ticket.events:
        if event.at > at:
            continue
        if event.type == "complaint":
            complaints += 1
        elif event.type == "reopen":
            reopens += 1
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
