"""``evaluate``: which escalation rules fired, when exactly, and when the next one will.

The work is the core's (docs/design.md): the ticket's events become a
:class:`~slakit.sla.timeline.Timeline`, :func:`~slakit.escalation.firing.fire` finds each rule's first
instant in integer microseconds, and this module shows the result as a report of datetimes in the
policy's zone. :func:`evaluate_with_sla` gives the SLA report too, from the same timeline and the same
calendar lookups.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol

from slakit.calendar import Rulers
from slakit.escalation.firing import Firing, fire
from slakit.escalation.report import Escalation, EscalationReport
from slakit.escalation.rules import EscalationRules
from slakit.instants import from_us, require_aware, to_us
from slakit.sla import HoldsPolicy, Policy, SLAReport, Ticket, build_timeline, measure
from slakit.sla.engine import check_ticket, sla_policy
from slakit.sla.engine import report_of as report_of_sla
from slakit.survey import SurveyScore

__all__ = ["HoldsRules", "evaluate", "evaluate_with_sla"]

_NO_RULES = EscalationRules({}, ())


class HoldsRules(HoldsPolicy, Protocol):
    """A policy with escalation rules, such as :class:`slakit.ServicePolicy`: its ``.sla`` and ``.escalation``."""

    @property
    def escalation(self) -> EscalationRules:
        """The escalation rules."""
        ...


def evaluate(
    ticket: Ticket,
    policy: HoldsRules | Policy,
    *,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
    rules: EscalationRules | None = None,
) -> EscalationReport:
    """Every rule that fired up to ``as_of`` (once per ticket, or per cycle when reopen restarts),
    the highest level reached, and ``next_at``.

    ``policy`` is a :class:`slakit.ServicePolicy` (or a bare :class:`slakit.sla.Policy`, which has no
    rules of its own); ``rules`` defaults to its ``escalation`` section. Survey facts hold from
    ``survey_at``, else from the ticket's last resolution before ``as_of``, else from its creation.
    """
    require_aware(as_of, "as_of")
    if survey_at is not None:
        require_aware(survey_at, "survey_at")
    sla = sla_policy(policy)
    at = to_us(as_of)
    check_ticket(ticket, sla, until=at)
    line = build_timeline(ticket, at, sla.plan.pause_statuses)
    survey_from = to_us(survey_at) if survey_at is not None else None
    firing = fire(ticket, line, sla, rules or _rules_of(policy), survey=survey, survey_from=survey_from)
    return report_of(ticket.id, as_of, firing, sla.plan.zone)


def evaluate_with_sla(
    ticket: Ticket,
    policy: HoldsRules | Policy,
    *,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
) -> tuple[SLAReport, EscalationReport]:
    """``(slakit.sla.evaluate(...), evaluate(...))`` of one ticket, with the policy's rules, for less.

    Both start from one timeline of the ticket and share its calendar lookups: for hosts that
    show both for every ticket, as the batch does.
    """
    require_aware(as_of, "as_of")
    if survey_at is not None:
        require_aware(survey_at, "survey_at")
    sla = sla_policy(policy)
    check_ticket(ticket, sla)
    line = build_timeline(ticket, to_us(as_of), sla.plan.pause_statuses)
    rulers = Rulers()
    measured = measure(line, sla, rulers)
    survey_from = to_us(survey_at) if survey_at is not None else None
    firing = fire(ticket, line, sla, _rules_of(policy), survey=survey, survey_from=survey_from, rulers=rulers)
    return report_of_sla(ticket.id, as_of, line, measured, sla.plan), report_of(ticket.id, as_of, firing, sla.plan.zone)


def report_of(ticket_id: str, as_of: datetime, firing: Firing, zone: tzinfo) -> EscalationReport:
    """The report showing ``firing`` as datetimes in ``zone``."""
    items = tuple(
        Escalation(
            item.rule.name,
            item.rule.level,
            item.rule.role,
            from_us(item.at, zone),
            from_us(item.contact_by, zone) if item.contact_by is not None else None,
            item.reason,
            item.cycle,
        )
        for item in firing.fired
    )
    next_at = from_us(firing.next_at, zone) if firing.next_at is not None else None
    return EscalationReport(ticket_id, as_of, items, firing.level, next_at)


def _rules_of(policy: HoldsRules | Policy) -> EscalationRules:
    return _NO_RULES if isinstance(policy, Policy) else policy.escalation
