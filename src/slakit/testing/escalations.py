"""Escalation assertions for test suites: ``assert_escalated`` and ``assert_not_escalated``.

Both evaluate the policy's own ``escalation:`` rules with :func:`slakit.escalation.evaluate`. A
failure names the rule, its condition, the level and role it hands over to, when it fired (or the
values its facts had as of ``as_of``), every rule that did fire, ``next_at``, and ends with the SLA
report's ``explain()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from slakit.durations import format_duration
from slakit.errors import ConfigError
from slakit.escalation import Condition, Escalation, EscalationReport, Leaf, Rule, evaluate
from slakit.escalation.conditions import format_value
from slakit.escalation.engine import HoldsRules
from slakit.escalation.facts import facts_at, known_at
from slakit.instants import require_aware
from slakit.sla import Policy, Ticket
from slakit.sla import evaluate as evaluate_sla
from slakit.survey import SurveyScore

__all__ = ["assert_escalated", "assert_not_escalated", "describe_condition", "describe_escalation", "describe_rule"]

_MICROSECOND = timedelta(microseconds=1)


def assert_escalated(
    ticket: Ticket,
    policy: HoldsRules | Policy,
    rule: str,
    *,
    as_of: datetime,
    at: datetime | None = None,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
) -> Escalation:
    """Assert that the policy's escalation rule ``rule`` fired up to ``as_of`` (exactly at ``at`` when given).

    ``survey`` and ``survey_at`` are passed on to :func:`slakit.escalation.evaluate` for rules on
    survey facts. Returns the firing (the one at ``at``, else the first) so a test can go on
    asserting its ``contact_by`` or ``reason``. A ``rule`` the policy does not define, or an ``at``
    after ``as_of``, is a :class:`~slakit.errors.ConfigError`, not a failure.
    """
    compiled = _rule(policy, rule)
    require_aware(as_of, "as_of")
    if at is not None:
        require_aware(at, "at")
        if at > as_of:
            raise ConfigError.for_value("at", at, f"an instant at or before 'as_of' ({as_of.isoformat()})")
    report = evaluate(ticket, policy, as_of=as_of, survey=survey, survey_at=survey_at)
    firings = [item for item in report.fired if item.rule == rule]
    matching = [item for item in firings if at is None or item.fired_at == at]
    if matching:
        return matching[0]
    if firings and at is not None:
        when = ", ".join(item.fired_at.isoformat() for item in firings)
        headline = (
            f"escalation rule {rule!r} fired for ticket {ticket.id!r} at {when}, not at {at.isoformat()} "
            f"(as of {as_of.isoformat()})"
        )
    else:
        headline = f"escalation rule {rule!r} did not fire for ticket {ticket.id!r} by {as_of.isoformat()}"
    lines = [headline + ":", f"  rule: {describe_rule(compiled)}"]
    if at is not None and any(at - item.fired_at == _MICROSECOND for item in firings):
        lines.append(
            "  note: a rule on a breach (or another strict threshold) fires at the deadline itself; "
            "it shows from one microsecond after it"
        )
    if not firings:
        lines.append(
            f"  facts as of {as_of.isoformat()}: {_facts_now(compiled, ticket, policy, as_of, survey, survey_at)}"
        )
    raise AssertionError(_message(lines, ticket, policy, report, survey, survey_at))


def assert_not_escalated(
    ticket: Ticket,
    policy: HoldsRules | Policy,
    rule: str | None = None,
    *,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
) -> EscalationReport:
    """Assert that the policy's escalation rule ``rule`` did not fire up to ``as_of``, or, without
    ``rule``, that no rule did (level-0 warnings included). Returns the escalation report."""
    compiled = _rule(policy, rule) if rule is not None else None
    report = evaluate(ticket, policy, as_of=as_of, survey=survey, survey_at=survey_at)
    firings = [item for item in report.fired if rule is None or item.rule == rule]
    if not firings:
        return report
    what = f"escalation rule {rule!r}" if rule is not None else "escalation"
    first = firings[0]
    lines = [
        f"{what} fired for ticket {ticket.id!r} at {first.fired_at.isoformat()} (as of {as_of.isoformat()}):",
    ]
    if compiled is not None:
        lines.append(f"  rule: {describe_rule(compiled)}")
    raise AssertionError(_message(lines, ticket, policy, report, survey, survey_at))


def describe_rule(rule: Rule) -> str:
    """``when sla.resolution.state eq breached -> level 1 (主管), contact within 2h business time``."""
    text = f"when {describe_condition(rule.condition)} -> "
    text += f"level {rule.level} ({rule.role})" if rule.level else "level 0 (a warning, no hand-over)"
    if rule.contact_within is not None:
        clock = "business time" if rule.clock == "business" else "calendar time"
        text += f", contact within {format_duration(rule.contact_within)} {clock}"
    return text


def describe_condition(condition: Condition | Leaf) -> str:
    """A condition as its config reads: ``ticket.complaints ge 2``, ``(a or b)``, ``not (a)``."""
    if isinstance(condition, Leaf):
        return f"{condition.fact} {condition.op} {format_value(condition.value)}"
    if condition.mode == "not":
        return f"not ({describe_condition(condition.parts[0])})"
    joiner = " and " if condition.mode == "all" else " or "
    return "(" + joiner.join(describe_condition(part) for part in condition.parts) + ")"


def describe_escalation(item: Escalation) -> str:
    """One line: rule, instant, level and role, contact deadline, cycle and why."""
    line = f"{item.rule} at {item.fired_at.isoformat()}, level {item.level}"
    line += f" ({item.role})" if item.role else " (warning)"
    if item.contact_by is not None:
        line += f", contact by {item.contact_by.isoformat()}"
    if item.cycle:
        line += f", cycle {item.cycle}"
    return line + f": {item.reason}"


def _rule(policy: HoldsRules | Policy, name: str) -> Rule:
    rules = {rule.name: rule for rule in policy.escalation.rules} if not isinstance(policy, Policy) else {}
    if name not in rules:
        known = ", ".join(rules) if rules else "none: the policy has no 'escalation:' rules"
        raise ConfigError.for_value("rule", name, f"one of the policy's escalation rules ({known})")
    return rules[name]


def _facts_now(
    rule: Rule,
    ticket: Ticket,
    policy: HoldsRules | Policy,
    as_of: datetime,
    survey: SurveyScore | None,
    survey_at: datetime | None,
) -> str:
    """The values the rule's facts have at ``as_of``: why it does not hold."""
    facts = facts_at(ticket, policy, as_of, survey, survey_at)
    shown = dict.fromkeys(f"{leaf.fact} = {format_value(facts.get(leaf.fact))}" for leaf in rule.condition.leaves())
    return "; ".join(shown)


def _message(
    lines: list[str],
    ticket: Ticket,
    policy: HoldsRules | Policy,
    report: EscalationReport,
    survey: SurveyScore | None,
    survey_at: datetime | None,
) -> str:
    if report.fired:
        lines.append("  rules fired:")
        lines += [f"    - {describe_escalation(item)}" for item in report.fired]
    else:
        lines.append("  rules fired: none")
    lines.append(f"  next_at: {_next(ticket, policy, report, survey, survey_at)}")
    return "\n".join(lines) + "\n\n" + evaluate_sla(ticket, policy, as_of=report.as_of).explain()


def _next(
    ticket: Ticket,
    policy: HoldsRules | Policy,
    report: EscalationReport,
    survey: SurveyScore | None,
    survey_at: datetime | None,
) -> str:
    """``next_at`` and the rules that fire then if no further event arrives."""
    if report.next_at is None:
        return "none (no further rule fires unless an event arrives)"
    then = evaluate(known_at(ticket, report.as_of), policy, as_of=report.next_at, survey=survey, survey_at=survey_at)
    names = [item.rule for item in then.fired if item not in report.fired]
    return f"{report.next_at.isoformat()} ({', '.join(names) or 'a rule'} if no event arrives before)"
