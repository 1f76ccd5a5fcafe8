"""The issue's example rules on hand-worked tickets (p1-p3 preset, Mon-Fri 09:00-18:00 Shanghai)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slakit import presets
from slakit.escalation import EscalationRules, evaluate
from slakit.sla import Event, Ticket
from slakit.survey import SurveyScheme

SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")
RULES = EscalationRules.from_config(
    """
levels:
  - {level: 1, role: 主管}
  - {level: 2, role: 部门负责人}
  - {level: 3, role: 管理层}
rules:
  - name: resolution-overdue
    when: {fact: sla.resolution.state, op: eq, value: breached}
    level: 1
    contact_within: 2h
  - name: resolution-overdue-4h
    when: {fact: sla.resolution.overdue, op: ge, value: 4h}
    level: 2
  - name: second-complaint
    when: {fact: ticket.complaints, op: ge, value: 2}
    level: 1
  - name: wide-impact
    when:
      any:
        - {fact: ticket.affected_customers, op: ge, value: 10}
        - {fact: ticket.flags, op: contains, value: public_opinion_risk}
    level: 2
  - name: p1-not-acknowledged
    when: {all: [{fact: ticket.priority, op: eq, value: P1}, {fact: sla.acknowledge.state, op: eq, value: breached}]}
    level: 2
  - name: resolution-at-risk
    when: {fact: sla.resolution.remaining, op: le, value: 1h}
    level: 0
"""
)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def fired(report):
    return {item.rule: item.fired_at for item in report.fired}


MONDAY = sh(2025, 9, 22, 9, 0)  # P1: resolution 24 business hours -> Wednesday 15:00


def test_resolution_overdue_fires_at_the_breach_instant_with_contact_by():
    report = evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 24, 16, 0), rules=RULES)
    item = next(i for i in report.fired if i.rule == "resolution-overdue")
    assert item.fired_at == sh(2025, 9, 24, 15, 0, 0, 1)  # the first instant at which it is breached
    assert item.contact_by == sh(2025, 9, 24, 17, 0, 0, 1)  # 2 business hours later
    assert item.role == "主管"
    assert "sla.resolution.state = breached" in item.reason


def test_overdue_4h_fires_four_business_hours_after_the_deadline():
    report = evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 26, 9, 0), rules=RULES)
    # Deadline Wed 15:00; 3h left on Wednesday, 1h on Thursday morning.
    assert fired(report)["resolution-overdue-4h"] == sh(2025, 9, 25, 10, 0)
    assert report.level == 2


def test_at_risk_warning_when_one_hour_remains():
    report = evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 24, 14, 30), rules=RULES)
    assert fired(report)["resolution-at-risk"] == sh(2025, 9, 24, 14, 0)
    assert next(i for i in report.fired if i.rule == "resolution-at-risk").role is None


def test_second_complaint_fires_at_the_second_complaints_time():
    events = [Event(sh(2025, 9, 22, 10, 0), "complaint"), Event(sh(2025, 9, 23, 11, 30), "complaint")]
    report = evaluate(Ticket("T", MONDAY, "P3", events=tuple(events)), POLICY, as_of=sh(2025, 9, 23, 12), rules=RULES)
    assert fired(report) == {"second-complaint": sh(2025, 9, 23, 11, 30)}


def test_wide_impact_fires_at_creation():
    ticket = Ticket("T", MONDAY, "P3", flags=frozenset({"public_opinion_risk"}))
    report = evaluate(ticket, POLICY, as_of=sh(2025, 9, 22, 9, 5), rules=RULES)
    assert fired(report) == {"wide-impact": MONDAY}
    many = Ticket("T", MONDAY, "P3", affected_customers=12)
    assert fired(evaluate(many, POLICY, as_of=MONDAY, rules=RULES)) == {"wide-impact": MONDAY}


def test_p1_not_acknowledged_needs_both_conditions():
    events = [Event(sh(2025, 9, 22, 9, 30), "assign", assignee="wang")]
    p1 = evaluate(Ticket("T", MONDAY, "P1", events=tuple(events)), POLICY, as_of=sh(2025, 9, 22, 12), rules=RULES)
    assert fired(p1)["p1-not-acknowledged"] == sh(2025, 9, 22, 10, 30, 0, 1)
    p2 = evaluate(Ticket("T", MONDAY, "P2", events=tuple(events)), POLICY, as_of=sh(2025, 9, 22, 12), rules=RULES)
    assert "p1-not-acknowledged" not in fired(p2)


def test_next_at_is_the_next_firing_and_evaluating_there_shows_it():
    ticket = Ticket("T", MONDAY, "P1")
    report = evaluate(ticket, POLICY, as_of=MONDAY, rules=RULES)
    assert report.fired == ()
    assert report.next_at == sh(2025, 9, 24, 14, 0)  # resolution-at-risk
    just_before = evaluate(ticket, POLICY, as_of=report.next_at - timedelta(microseconds=1), rules=RULES)
    assert just_before.fired == ()
    at = evaluate(ticket, POLICY, as_of=report.next_at, rules=RULES)
    assert [i.rule for i in at.fired] == ["resolution-at-risk"]
    assert at.next_at == sh(2025, 9, 24, 15, 0, 0, 1)


def test_a_rule_fires_once_however_often_evaluated():
    ticket = Ticket("T", MONDAY, "P1")
    first = evaluate(ticket, POLICY, as_of=sh(2025, 9, 25, 9), rules=RULES)
    later = evaluate(ticket, POLICY, as_of=sh(2025, 9, 30, 9), rules=RULES)
    assert later.fired[: len(first.fired)] == first.fired
    assert len({i.rule for i in later.fired}) == len(later.fired)


def test_restart_on_reopen_lets_rules_fire_again_per_cycle():
    restart = type(POLICY).from_config({**presets.config("p1-p3"), "on_reopen": "restart"})
    events = [
        Event(sh(2025, 9, 22, 10), "complaint"),
        Event(sh(2025, 9, 22, 11), "complaint"),
        Event(sh(2025, 9, 22, 12), "resolve"),
        Event(sh(2025, 9, 23, 9), "reopen"),
    ]
    ticket = Ticket("T", MONDAY, "P3", events=tuple(events))
    report = evaluate(ticket, restart, as_of=sh(2025, 9, 23, 10), rules=RULES)
    assert [(i.rule, i.cycle, i.fired_at) for i in report.fired if i.rule == "second-complaint"] == [
        ("second-complaint", 0, sh(2025, 9, 22, 11)),
        ("second-complaint", 1, sh(2025, 9, 23, 9)),  # still two complaints: it holds again in the new cycle
    ]
    once = evaluate(ticket, POLICY, as_of=sh(2025, 9, 23, 10), rules=RULES)
    assert [i.rule for i in once.fired].count("second-complaint") == 1


def test_survey_facts_hold_from_the_resolution():
    scheme = SurveyScheme.from_config({"dimensions": ["efficiency", "ability", "attitude"], "follow_up_below": 4})
    rules = EscalationRules.from_config(
        {
            "rules": [
                {"name": "low-satisfaction", "when": {"fact": "survey.overall", "op": "lt", "value": 4}, "level": 0}
            ]
        },
        survey_dimensions=frozenset(scheme.dimensions),
    )
    ticket = Ticket("T", MONDAY, "P3", events=(Event(sh(2025, 9, 22, 15), "resolve"),))
    score = scheme.score({"efficiency": 5, "ability": 4, "attitude": 2})
    report = evaluate(ticket, POLICY, as_of=sh(2025, 9, 23), survey=score, rules=rules)
    assert fired(report) == {"low-satisfaction": sh(2025, 9, 22, 15)}
    at = sh(2025, 9, 22, 20)
    assert fired(evaluate(ticket, POLICY, as_of=sh(2025, 9, 23), survey=score, survey_at=at, rules=rules)) == {
        "low-satisfaction": at
    }


def test_naive_as_of_is_rejected():
    from slakit.errors import NaiveDatetimeError

    with pytest.raises(NaiveDatetimeError):
        evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=datetime(2025, 9, 22), rules=RULES)


def test_the_policys_own_escalation_section_is_used_without_rules():
    # evaluate(ticket, policy, *, as_of): the p1-p3 preset carries the manuals' rules
    report = evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 24, 16, 0))
    assert fired(report) == {
        "resolution-at-risk": sh(2025, 9, 24, 14, 0),
        "resolution-overdue": sh(2025, 9, 24, 15, 0, 0, 1),  # breach is strict: one microsecond after
    }
    overdue = next(item for item in report.fired if item.rule == "resolution-overdue")
    assert overdue.role == "主管"
    assert overdue.contact_by == sh(2025, 9, 24, 17, 0, 0, 1)


def test_a_policy_without_escalation_fires_nothing():
    config = presets.config("p1-p3")
    del config["escalation"]
    from slakit.sla import Policy

    report = evaluate(Ticket("T", MONDAY, "P1"), Policy.from_config(config), as_of=sh(2025, 9, 30, 16, 0))
    assert report.fired == ()
    assert report.next_at is None


def test_an_invalid_escalation_section_names_the_policy_path():
    config = presets.config("p1-p3")
    config["escalation"]["rules"][0]["when"] = {"fact": "ticket.colour", "op": "eq", "value": "red"}
    from slakit.errors import ConfigError
    from slakit.sla import Policy

    with pytest.raises(ConfigError, match="escalation") as info:
        Policy.from_config(config)
    assert "ticket.colour" in str(info.value)
