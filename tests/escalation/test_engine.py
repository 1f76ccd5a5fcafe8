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


# -- thresholds on running clocks, computed exactly (not sampled) ------------------------------------


def leaf_rules(*conditions):
    return EscalationRules.from_config(
        {"rules": [{"name": f"r{i}", "when": when, "level": 0} for i, when in enumerate(conditions)]}
    )


def leaf(fact, op, value):
    return {"fact": fact, "op": op, "value": value}


def test_elapsed_ratio_and_at_risk_cross_at_exact_instants():
    rules = leaf_rules(leaf("sla.resolution.elapsed_ratio", "ge", 0.5), leaf("sla.resolution.at_risk", "eq", True))
    report = evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 30), rules=rules)
    assert fired(report) == {
        "r0": sh(2025, 9, 23, 12, 0),  # 12 of 24 business hours: Monday's 9 and Tuesday's first 3
        "r1": sh(2025, 9, 23, 18, 0),  # 0.75 * 24 h = 18 h, used up as Tuesday closes
    }


def test_a_pause_moves_the_crossings_by_its_length():
    events = (
        Event(sh(2025, 9, 22, 10), "status", status="pending_customer"),
        Event(sh(2025, 9, 22, 14), "status", status="open"),
    )
    rules = leaf_rules(
        leaf("sla.resolution.remaining", "le", "1h"),
        leaf("sla.resolution.state", "eq", "breached"),
        leaf("sla.acknowledge.state", "eq", "pending"),
    )
    report = evaluate(Ticket("T", MONDAY, "P1", events=events), POLICY, as_of=sh(2025, 9, 30), rules=rules)
    assert fired(report) == {
        "r2": MONDAY,  # never assigned: the acknowledge clock is pending from the start
        "r0": sh(2025, 9, 24, 18, 0),  # 4 h later than without the pause: 23 h counted as Wednesday closes
        "r1": sh(2025, 9, 25, 10, 0, 0, 1),  # deadline Thursday 10:00
    }
    assert [item.rule for item in report.fired] == ["r2", "r0", "r1"]  # in firing order


def test_a_priority_change_past_the_new_target_breaches_at_the_change():
    events = (Event(sh(2025, 9, 25, 10), "priority", priority="P1"),)
    ticket = Ticket("T", MONDAY, "P3", events=events)
    report = evaluate(ticket, POLICY, as_of=sh(2025, 9, 30), rules=RULES)
    # P1's 24 h were used up on Wednesday at 15:00; by Thursday 10:00, 28 h have counted
    assert fired(report) == {
        "resolution-overdue": sh(2025, 9, 25, 10),
        "resolution-overdue-4h": sh(2025, 9, 25, 10),
        "resolution-at-risk": sh(2025, 9, 25, 10),
    }
    overdue = next(item for item in report.fired if item.rule == "resolution-overdue-4h")
    assert overdue.reason == "sla.resolution.overdue = 4h (ge 4h)"


def test_an_agreed_deadline_approaches_while_the_ticket_is_paused():
    events = (
        Event(sh(2025, 9, 23, 10), "extend", metric="resolution", until=sh(2025, 9, 25, 12), reason="备件缺货",
              customer_agreed=True),
        Event(sh(2025, 9, 24, 9), "status", status="pending_customer"),
    )  # fmt: skip
    ticket = Ticket("T", MONDAY, "P1", events=events)
    rules = leaf_rules(
        leaf("sla.resolution.remaining", "le", "1h"),
        leaf("sla.resolution.state", "eq", "breached"),
        leaf("sla.resolution.state", "eq", "paused"),
    )
    report = evaluate(ticket, POLICY, as_of=sh(2025, 9, 30), rules=rules)
    # the clock stands still, but the agreed deadline is an instant: an hour of business time before it,
    # and one microsecond after it
    assert fired(report) == {
        "r2": sh(2025, 9, 24, 9),
        "r0": sh(2025, 9, 25, 11),
        "r1": sh(2025, 9, 25, 12, 0, 0, 1),
    }
    paused = evaluate(ticket, POLICY, as_of=sh(2025, 9, 24, 9, 30), rules=rules)
    assert paused.next_at == sh(2025, 9, 25, 11)
    assert evaluate(ticket, POLICY, as_of=paused.next_at - timedelta(microseconds=1), rules=rules).fired == paused.fired


def test_a_paused_clock_announces_nothing():
    events = (Event(sh(2025, 9, 22, 10), "status", status="pending_customer"),)
    rules = leaf_rules(leaf("sla.resolution.remaining", "le", "1h"))
    report = evaluate(Ticket("T", MONDAY, "P1", events=events), POLICY, as_of=sh(2025, 9, 22, 11), rules=rules)
    assert report.fired == ()
    assert report.next_at is None


def test_each_stretch_between_updates_is_a_clock_of_its_own():
    events = (Event(sh(2025, 9, 22, 10), "note"), Event(sh(2025, 9, 22, 12), "note"))
    rules = leaf_rules(leaf("sla.update.elapsed", "ge", "3h"), leaf("sla.update.state", "eq", "breached"))
    report = evaluate(Ticket("T", MONDAY, "P1", events=events), POLICY, as_of=sh(2025, 9, 30), rules=rules)
    assert fired(report) == {"r0": sh(2025, 9, 22, 15), "r1": sh(2025, 9, 22, 16, 0, 0, 1)}  # 4 h after 12:00


def test_restart_on_reopen_breaches_again_in_the_new_cycle():
    restart = type(POLICY).from_config({**presets.config("p1-p3"), "on_reopen": "restart"})
    events = (Event(sh(2025, 9, 25, 10), "resolve"), Event(sh(2025, 9, 25, 11), "reopen"))
    rules = leaf_rules(leaf("sla.resolution.state", "eq", "breached"))
    report = evaluate(Ticket("T", MONDAY, "P1", events=events), restart, as_of=sh(2025, 10, 9), rules=rules)
    # the new cycle counts 24 h from Thursday 11:00: 7 + 9 (Friday) + 8 on Sunday 28 September, a
    # make-up workday before National Day
    assert [(item.cycle, item.fired_at) for item in report.fired] == [
        (0, sh(2025, 9, 24, 15, 0, 0, 1)),
        (1, sh(2025, 9, 28, 17, 0, 0, 1)),
    ]


def test_the_update_clock_pauses_and_its_deadline_can_fall_on_a_close():
    events = (
        Event(sh(2025, 9, 22, 10), "note"),
        Event(sh(2025, 9, 22, 11), "status", status="pending_customer"),
        Event(sh(2025, 9, 22, 15), "status", status="open"),
    )
    rules = leaf_rules(leaf("sla.update.state", "eq", "breached"), leaf("sla.update.remaining", "le", "1h"))
    report = evaluate(Ticket("T", MONDAY, "P1", events=events), POLICY, as_of=sh(2025, 9, 30), rules=rules)
    # 1 h counted before the pause, 3 h after it: the 4 h are used up as Monday closes at 18:00
    assert fired(report) == {"r1": sh(2025, 9, 22, 17), "r0": sh(2025, 9, 22, 18, 0, 0, 1)}
