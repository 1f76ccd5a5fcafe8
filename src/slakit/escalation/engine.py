"""``evaluate``: which escalation rules fired, when exactly, and when the next one will.

The work is the core's (docs/design.md): the ticket's events become a
:class:`~slakit.sla.timeline.Timeline`, :func:`~slakit.escalation.firing.fire` finds each rule's first
instant in integer microseconds, and this module shows the result as a report of datetimes in the
policy's zone. :func:`evaluate_with_sla` gives the SLA report too, from the same timeline and the same
calendar lookups (:func:`evaluate_ticket`, which the batch calls for every ticket).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import NamedTuple, Protocol

from slakit.calendar import Rulers
from slakit.escalation.firing import Firing, fire
from slakit.escalation.report import Escalation, EscalationReport
from slakit.escalation.rules import NO_RULES, EscalationRules
from slakit.instants import from_us, require_aware, to_us
from slakit.sla import HoldsPolicy, Policy, SLAReport, Ticket, Timeline, build_timeline, measure
from slakit.sla.engine import check_ticket, sla_report
from slakit.sla.policy import sla_policy
from slakit.survey import SurveyScore

__all__ = ["Evaluated", "HoldsRules", "escalation_report", "evaluate", "evaluate_ticket", "evaluate_with_sla"]


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
    line = build_timeline(ticket, at, sla.plan.pause_statuses, sla.plan.definitions, restart=sla.plan.restart)
    survey_from = to_us(survey_at) if survey_at is not None else None
    rules = rules if rules is not None else _rules_of(policy)
    firing = fire(ticket, line, sla, rules, survey=survey, survey_from=survey_from)
    return escalation_report(ticket.id, as_of, firing, sla.plan.zone)


def evaluate_with_sla(
    ticket: Ticket,
    policy: HoldsRules | Policy,
    *,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
) -> tuple[SLAReport, EscalationReport]:
    """``(slakit.sla.evaluate(...), evaluate(...))`` of one ticket, with the policy's rules, for less.

    Both start from one timeline of the ticket and share its calendar lookups (:func:`evaluate_ticket`):
    for hosts that show both for every ticket, as the batch does.
    """
    require_aware(as_of, "as_of")
    if survey_at is not None:
        require_aware(survey_at, "survey_at")
    survey_from = to_us(survey_at) if survey_at is not None else None
    rules = _rules_of(policy)
    both = evaluate_ticket(
        ticket, sla_policy(policy), rules, as_of, to_us(as_of), survey=survey, survey_from=survey_from
    )
    assert both.escalations is not None  # noqa: S101 -- asked for with rules
    return both.sla, both.escalations


class Evaluated(NamedTuple):
    """One ticket evaluated whole: its timeline and both reports (``escalations`` None when not asked for)."""

    timeline: Timeline
    sla: SLAReport
    escalations: EscalationReport | None


def evaluate_ticket(
    ticket: Ticket,
    sla: Policy,
    rules: EscalationRules | None,
    as_of: datetime,
    as_of_us: int,
    *,
    survey: SurveyScore | None = None,
    survey_from: int | None = None,
) -> Evaluated:
    """The one whole evaluation of a ticket (:func:`evaluate_with_sla`, the batch): its priorities checked,
    its timeline built, its clocks measured and its ``rules`` fired (none when None) with shared calendar
    rulers, and both shown. ``as_of`` is an aware datetime and ``as_of_us`` its epoch microseconds (the
    caller converts it once); ``survey_from`` as for :func:`~slakit.escalation.fire`."""
    check_ticket(ticket, sla)
    plan = sla.plan_for(ticket)
    line = build_timeline(ticket, as_of_us, plan.pause_statuses, plan.definitions, restart=plan.restart)
    rulers = Rulers()
    report = sla_report(ticket.id, as_of, line, measure(line, sla, rulers, plan=plan), plan)
    escalations = None
    if rules is not None:
        firing = fire(ticket, line, sla, rules, survey=survey, survey_from=survey_from, rulers=rulers)
        escalations = escalation_report(ticket.id, as_of, firing, plan.zone)
    return Evaluated(line, report, escalations)


def escalation_report(ticket_id: str, as_of: datetime, firing: Firing, zone: tzinfo) -> EscalationReport:
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
            from_us(item.seen, zone),
        )
        for item in firing.fired
    )
    next_at = from_us(firing.next_at, zone) if firing.next_at is not None else None
    return EscalationReport(ticket_id, as_of, items, firing.level, next_at)


def _rules_of(policy: HoldsRules | Policy) -> EscalationRules:
    return NO_RULES if isinstance(policy, Policy) else policy.escalation
