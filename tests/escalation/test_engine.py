"""The issue's example rules on hand-worked tickets (p1-p3 preset, Mon-Fri 09:00-18:00 Shanghai)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slakit import ServicePolicy, presets
from slakit.errors import ConfigError
from slakit.escalation import EscalationRules, evaluate
from slakit.sla import Event, Policy, Ticket
from slakit.sla import evaluate as evaluate_sla
from slakit.survey import SurveyScheme
from tests.escalation.reference import evaluate_reference

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
    assert item.fired_at == sh(2025, 9, 24, 15, 0)  # the deadline: breached just after it
    assert item.contact_by == sh(2025, 9, 24, 17, 0)  # 2 business hours later
    assert item.role == "主管"
    assert "sla.resolution.state = breached" in item.reason


def test_a_breach_rule_fired_at_is_the_breachs_own_breached_at_and_shows_just_after_it():
    """Issue: the breach was reported at the deadline but the rule on it at deadline + 1 µs. fired_at is the instant
    the condition began to hold: for a strict threshold the threshold itself (the breach's breached_at), contact_by
    counts from it, and the rule shows (like the breach) from one microsecond after it; next_at is then."""
    deadline = sh(2025, 9, 24, 15, 0)  # P1 resolution: 24 business hours from Monday 09:00
    ticket = Ticket("T", MONDAY, "P1")
    at = evaluate(ticket, POLICY, as_of=deadline, rules=RULES)
    assert "resolution-overdue" not in fired(at)
    assert at.next_at == deadline + timedelta(microseconds=1)
    after = evaluate(ticket, POLICY, as_of=at.next_at, rules=RULES)
    item = next(i for i in after.fired if i.rule == "resolution-overdue")
    sla_report = evaluate_sla(ticket, POLICY, as_of=at.next_at)
    assert item.fired_at == sla_report["resolution"].breached_at == deadline
    assert item.contact_by == sh(2025, 9, 24, 17, 0)


def test_a_strict_threshold_reached_as_the_calendar_closes_began_to_hold_when_the_clock_moved_on():
    """``elapsed gt 9h`` from Monday 09:00 reaches 9h at the 18:00 close and passes it only once the clock counts
    again, just after Tuesday 09:00: that opening is when the condition began to hold. ``ge 9h`` holds from 18:00."""
    rules = leaf_rules(leaf("sla.resolution.elapsed", "gt", "9h"), leaf("sla.resolution.elapsed", "ge", "9h"))
    report = evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 23, 10), rules=rules)
    assert fired(report) == {"r1": sh(2025, 9, 22, 18), "r0": sh(2025, 9, 23, 9)}
    waiting = evaluate(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 23, 9), rules=rules)
    assert (list(fired(waiting)), waiting.next_at) == (["r1"], sh(2025, 9, 23, 9, 0, 0, 1))
    assert report == evaluate_reference(Ticket("T", MONDAY, "P1"), POLICY, as_of=sh(2025, 9, 23, 10), rules=rules)


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
    assert fired(p1)["p1-not-acknowledged"] == sh(2025, 9, 22, 10, 30)
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
        "resolution-overdue": sh(2025, 9, 24, 15, 0),  # the deadline: breach is strict, it shows one microsecond after
    }
    overdue = next(item for item in report.fired if item.rule == "resolution-overdue")
    assert overdue.role == "主管"
    assert overdue.contact_by == sh(2025, 9, 24, 17, 0)


def test_a_policy_without_escalation_fires_nothing():
    config = presets.config("p1-p3")
    del config["escalation"]
    report = evaluate(Ticket("T", MONDAY, "P1"), ServicePolicy.from_config(config), as_of=sh(2025, 9, 30, 16, 0))
    assert report.fired == ()
    assert report.next_at is None
    bare = presets.load("p1-p3").sla  # an SLA policy alone has no rules either
    assert evaluate(Ticket("T", MONDAY, "P1"), bare, as_of=sh(2025, 9, 30, 16, 0)).fired == ()


def test_an_invalid_escalation_section_names_the_policy_path():
    config = presets.config("p1-p3")
    config["escalation"]["rules"][0]["when"] = {"fact": "ticket.colour", "op": "eq", "value": "red"}
    with pytest.raises(ConfigError, match="escalation") as info:
        ServicePolicy.from_config(config)
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
        "r1": sh(2025, 9, 25, 10, 0),  # deadline Thursday 10:00
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
        "r1": sh(2025, 9, 25, 12, 0),
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
    assert fired(report) == {"r0": sh(2025, 9, 22, 15), "r1": sh(2025, 9, 22, 16, 0)}  # 4 h after 12:00


def test_restart_on_reopen_breaches_again_in_the_new_cycle():
    restart = type(POLICY).from_config({**presets.config("p1-p3"), "on_reopen": "restart"})
    events = (Event(sh(2025, 9, 25, 10), "resolve"), Event(sh(2025, 9, 25, 11), "reopen"))
    rules = leaf_rules(leaf("sla.resolution.state", "eq", "breached"))
    report = evaluate(Ticket("T", MONDAY, "P1", events=events), restart, as_of=sh(2025, 10, 9), rules=rules)
    # the new cycle counts 24 h from Thursday 11:00: 7 + 9 (Friday) + 8 on Sunday 28 September, a
    # make-up workday before National Day
    assert [(item.cycle, item.fired_at) for item in report.fired] == [
        (0, sh(2025, 9, 24, 15, 0)),
        (1, sh(2025, 9, 28, 17, 0)),
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
    assert fired(report) == {"r1": sh(2025, 9, 22, 17), "r0": sh(2025, 9, 22, 18, 0)}


# -- pinned boundaries -------------------------------------------------------------------------------------------
# Each test below pins one boundary a mutation test of the suite showed to be unguarded. Expected instants are worked
# out by hand from docs/sla.md and docs/escalation.md on a plain policy in UTC: business hours Monday-Friday
# 09:00-18:00 (no holidays) or the 24x7 clock. 1 September 2025 is a Monday.

US = timedelta(microseconds=1)
OFFICE = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}}
MIXED = Policy.from_config(
    {
        "calendars": {"default": OFFICE},
        "priorities": {
            # P1: 24x7 and pausable; P2: business hours and pausable; P3: 24x7, pauses do not stop it
            "P1": {"name": "P1", "rank": 1, "targets": {"acknowledge": "1h", "update": "4h",
                                                         "resolution": {"within": "8h", "clock": "calendar"}}},
            "P2": {"name": "P2", "rank": 2, "targets": {"acknowledge": "1h", "update": "4h", "resolution": "8h"}},
            "P3": {"name": "P3", "rank": 3,
                   "targets": {"resolution": {"within": "8h", "clock": "calendar", "pausable": False}}},
            # P4: 10h of 24x7 time, for elapsed ratios
            "P4": {"name": "P4", "rank": 4, "targets": {"resolution": {"within": "10h", "clock": "calendar"}}},
        },
    }
)  # fmt: skip


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pause(at, status="pending_customer"):
    return Event(at, "status", status=status)


def test_pinned_a_rule_on_the_priority_does_not_hold_while_the_ticket_was_another_priority():
    """Pinned: P1 -> P2 -> P1 under `all: [priority == P1, acknowledge breached]`: the fact stops holding at the
    change to P2 and holds again at the change back; the acknowledge breach in between fires nothing."""
    events = (
        Event(utc(2025, 9, 1, 9, 0), "assign", assignee="wang"),  # acknowledge due 10:00 (1h for P1 and P2)
        Event(utc(2025, 9, 1, 9, 30), "priority", priority="P2"),
        Event(utc(2025, 9, 1, 11, 0), "priority", priority="P1"),
    )
    ticket = Ticket("T", utc(2025, 9, 1, 9, 0), "P1", events=events)
    for as_of in (utc(2025, 9, 1, 10, 0) + US, utc(2025, 9, 1, 10, 30), utc(2025, 9, 1, 11, 0) - US):
        report = evaluate(ticket, MIXED, as_of=as_of, rules=RULES)
        assert "p1-not-acknowledged" not in fired(report), as_of  # breached since 10:00:00.000001, but P2
    report = evaluate(ticket, MIXED, as_of=utc(2025, 9, 1, 12, 0), rules=RULES)
    assert fired(report)["p1-not-acknowledged"] == utc(2025, 9, 1, 11, 0)  # P1 again, still breached
    assert report == evaluate_reference(ticket, MIXED, as_of=utc(2025, 9, 1, 12, 0), rules=RULES)


# (case, created, first priority, events, as_of, fired_at of r0 "resolution breached" and r1 "remaining <= 1h")
CLOCK_CHANGES = [
    (  # business -> 24x7: the 8h count from Monday 16:00 on wall-clock time
        "business to 24x7",
        utc(2025, 9, 1, 16, 0), "P2", [Event(utc(2025, 9, 1, 17, 0), "priority", priority="P1")],
        utc(2025, 9, 2, 12, 0),
        {"r1": utc(2025, 9, 1, 23, 0), "r0": utc(2025, 9, 2, 0, 0)},  # 16:00 + 7h, 16:00 + 8h
    ),
    (  # 24x7 -> business: Friday 16:00-18:00 (2h), Monday 09:00-15:00 (6h); the 24x7 deadline (Saturday) is moot
        "24x7 to business",
        utc(2025, 9, 5, 16, 0), "P1", [Event(utc(2025, 9, 5, 17, 0), "priority", priority="P2")],
        utc(2025, 9, 8, 16, 0),
        {"r1": utc(2025, 9, 8, 14, 0), "r0": utc(2025, 9, 8, 15, 0)},
    ),
    (  # breached under 24x7 (Saturday 00:00) before the change to business hours: stays breached
        "24x7 breach kept",
        utc(2025, 9, 5, 16, 0), "P1", [Event(utc(2025, 9, 8, 10, 0), "priority", priority="P2")],
        utc(2025, 9, 8, 12, 0),
        {"r1": utc(2025, 9, 5, 23, 0), "r0": utc(2025, 9, 6, 0, 0)},
    ),
    (  # pausable -> not: the 4h pause counts again once P3 applies: 00:00 + 8h = 08:00, 1h left at the change
        "pausable to not",
        utc(2025, 9, 1, 0, 0), "P1",
        [pause(utc(2025, 9, 1, 2, 0)), pause(utc(2025, 9, 1, 6, 0), "open"),
         Event(utc(2025, 9, 1, 7, 0), "priority", priority="P3")],
        utc(2025, 9, 1, 12, 0),
        {"r1": utc(2025, 9, 1, 7, 0), "r0": utc(2025, 9, 1, 8, 0)},
    ),
    (  # not -> pausable: 3h counted at 07:00 without the pause, due 12:00; P3 had 1h left just before 07:00 but
        # the change happens at 07:00, so "remaining <= 1h" first holds at 11:00
        "not pausable to pausable",
        utc(2025, 9, 1, 0, 0), "P3",
        [pause(utc(2025, 9, 1, 2, 0)), pause(utc(2025, 9, 1, 6, 0), "open"),
         Event(utc(2025, 9, 1, 7, 0), "priority", priority="P1")],
        utc(2025, 9, 1, 13, 0),
        {"r1": utc(2025, 9, 1, 11, 0), "r0": utc(2025, 9, 1, 12, 0)},
    ),
    (  # breached under P3 (08:00, pauses do not stop it) before the change to the pausable P1: stays breached
        "unpausable breach kept",
        utc(2025, 9, 1, 0, 0), "P3",
        [pause(utc(2025, 9, 1, 2, 0)), pause(utc(2025, 9, 1, 10, 0), "open"),
         Event(utc(2025, 9, 1, 11, 0), "priority", priority="P1")],
        utc(2025, 9, 1, 13, 0),
        {"r1": utc(2025, 9, 1, 7, 0), "r0": utc(2025, 9, 1, 8, 0)},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("created", "priority", "events", "as_of", "expected"),
    [case[1:] for case in CLOCK_CHANGES],
    ids=[case[0] for case in CLOCK_CHANGES],
)
def test_pinned_a_priority_change_between_clocks_fires_where_the_reference_does(
    created, priority, events, as_of, expected
):
    """Pinned: a change between a 24x7 and a business-hours target, or between pausable and not: the new target
    counts on its own clock from the original start, and a breach under the old one stays."""
    rules = leaf_rules(leaf("sla.resolution.state", "eq", "breached"), leaf("sla.resolution.remaining", "le", "1h"))
    ticket = Ticket("T", created, priority, events=tuple(events))
    report = evaluate(ticket, MIXED, as_of=as_of, rules=rules)
    assert report == evaluate_reference(ticket, MIXED, as_of=as_of, rules=rules)
    assert fired(report) == expected


def test_pinned_a_note_at_the_update_deadline_restarts_the_update_clock_without_a_breach():
    """Pinned: the gap 09:00-13:00 ends exactly at its deadline (met); the next one is due 13:00 + 4h = 17:00."""
    ticket = Ticket("T", utc(2025, 9, 1, 9, 0), "P2", events=(Event(utc(2025, 9, 1, 13, 0), "note"),))
    rules = leaf_rules(leaf("sla.update.state", "eq", "breached"))
    early = evaluate(ticket, MIXED, as_of=utc(2025, 9, 1, 13, 0) + US, rules=rules)
    assert early.fired == ()
    assert early.next_at == utc(2025, 9, 1, 17, 0) + US
    report = evaluate(ticket, MIXED, as_of=utc(2025, 9, 2, 9, 0), rules=rules)
    assert fired(report) == {"r0": utc(2025, 9, 1, 17, 0)}
    assert report == evaluate_reference(ticket, MIXED, as_of=utc(2025, 9, 2, 9, 0), rules=rules)


def test_pinned_at_risk_on_a_paused_ticket_against_an_agreed_deadline():
    """Pinned: paused at 04:00 with 4h counted, agreed deadline 20:00 (24x7). While paused `elapsed` stays 4h and
    `remaining` is the time left until 20:00, so elapsed / (elapsed + remaining) >= r once remaining <= 4h (1 - r) / r:
    r = 0.5 at 16:00 (4h left); r = 0.75, the policy's at-risk ratio, at 18:40 (1h20m left)."""
    events = (
        Event(utc(2025, 9, 1, 2, 0), "extend", metric="resolution", until=utc(2025, 9, 1, 20, 0), customer_agreed=True),
        pause(utc(2025, 9, 1, 4, 0)),
    )
    ticket = Ticket("T", utc(2025, 9, 1, 0, 0), "P4", events=events)
    rules = leaf_rules(
        leaf("sla.resolution.at_risk", "eq", True),
        leaf("sla.resolution.elapsed_ratio", "ge", 0.75),
        leaf("sla.resolution.elapsed_ratio", "ge", 0.5),
        leaf("sla.resolution.state", "eq", "breached"),
    )
    report = evaluate(ticket, MIXED, as_of=utc(2025, 9, 2, 0, 0), rules=rules)
    assert fired(report) == {
        "r2": utc(2025, 9, 1, 16, 0),
        "r0": utc(2025, 9, 1, 18, 40),
        "r1": utc(2025, 9, 1, 18, 40),
        "r3": utc(2025, 9, 1, 20, 0),
    }
    assert report == evaluate_reference(ticket, MIXED, as_of=utc(2025, 9, 2, 0, 0), rules=rules)
    waiting = evaluate(ticket, MIXED, as_of=utc(2025, 9, 1, 17, 0), rules=rules)
    assert (list(fired(waiting)), waiting.next_at) == (["r2"], utc(2025, 9, 1, 18, 40))


def test_pinned_at_risk_on_a_paused_ticket_not_yet_at_risk_fires_nothing():
    """Pinned: paused at 04:00 with 4h of 10h counted (ratio 0.4) and no agreed deadline: nothing moves while paused,
    so no at-risk or ratio rule fires, nothing is announced, and nothing fails."""
    ticket = Ticket("T", utc(2025, 9, 1, 0, 0), "P4", events=(pause(utc(2025, 9, 1, 4, 0)),))
    rules = leaf_rules(
        leaf("sla.resolution.at_risk", "eq", True),
        leaf("sla.resolution.elapsed_ratio", "ge", 0.75),
        leaf("sla.resolution.state", "eq", "breached"),
    )
    for as_of in (utc(2025, 9, 1, 4, 0), utc(2025, 9, 1, 12, 0), utc(2025, 9, 8, 0, 0)):
        report = evaluate(ticket, MIXED, as_of=as_of, rules=rules)
        assert (report.fired, report.next_at) == ((), None), as_of
    assert report == evaluate_reference(ticket, MIXED, as_of=utc(2025, 9, 8, 0, 0), rules=rules)


def test_pinned_a_ticket_put_on_hold_exactly_at_its_deadline_does_not_breach_while_on_hold():
    """Pinned (docs/sla.md, "Breach" and "Pauses"): P1's resolution is 8h of 24x7 time from Monday 00:00, due
    08:00; put on hold at 08:00 with nothing left to count, it is paused, not breached, until it resumes."""
    ticket = Ticket("T", utc(2025, 9, 1, 0, 0), "P1", events=(pause(utc(2025, 9, 1, 8, 0)),))
    rules = leaf_rules(leaf("sla.resolution.state", "eq", "breached"))
    assert evaluate(ticket, MIXED, as_of=utc(2025, 9, 1, 8, 0), rules=rules).next_at is None
    report = evaluate(ticket, MIXED, as_of=utc(2025, 9, 3, 0, 0), rules=rules)
    assert report.fired == ()
    assert report == evaluate_reference(ticket, MIXED, as_of=utc(2025, 9, 3, 0, 0), rules=rules)


def test_rules_are_listed_in_the_order_they_show_so_a_later_as_of_only_adds_items():
    """Found by the growth property: at the opening instant "running" holds at once, while "elapsed is not
    0s" holds from one microsecond later with fired_at the opening itself (it began to hold just after
    it). Listed by fired_at then rule order, a report one second later put the second rule first, and the
    reference lists rules as they show: the first rule to show stays first."""
    rules = leaf_rules({"not": leaf("sla.response.elapsed", "eq", "0s")}, leaf("sla.response.state", "eq", "running"))
    opening = sh(2025, 1, 2, 9, 0)  # a Thursday
    ticket = Ticket("T", opening, "P1")
    before = evaluate(ticket, POLICY, as_of=opening, rules=rules)
    after = evaluate(ticket, POLICY, as_of=opening + timedelta(seconds=1), rules=rules)
    assert [(item.rule, item.fired_at) for item in before.fired] == [("r1", opening)]
    assert [(item.rule, item.fired_at) for item in after.fired] == [("r1", opening), ("r0", opening)]
    assert after == evaluate_reference(ticket, POLICY, as_of=opening + timedelta(seconds=1), rules=rules)


# -- attributes and slas entries -----------------------------------------------------------------------------


def test_attribute_rules_and_a_rule_on_a_target_an_slas_entry_gives():
    config = presets.config("p1-p3")
    config["slas"] = [
        {
            "name": "vip",
            "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
            "targets": {"*": {"response": "30m"}},
        }
    ]
    config["escalation"] = {
        "levels": [{"level": 1, "role": "主管"}],
        "rules": [
            {"name": "gold", "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"}, "level": 0},
            {"name": "big", "when": {"fact": "ticket.attributes.seats", "op": "ge", "value": 30}, "level": 0},
            {
                "name": "response-late",
                "when": {"fact": "sla.response.state", "op": "eq", "value": "breached"},
                "level": 1,
            },
        ],
    }
    policy = ServicePolicy.from_config(config)
    as_of = sh(2025, 9, 22, 12)
    gold = Ticket("G", MONDAY, "P3", attributes={"tier": "gold", "seats": "40"})  # "40" is text: not >= 30
    report = evaluate(gold, policy, as_of=as_of)
    assert fired(report) == {"gold": MONDAY, "response-late": sh(2025, 9, 22, 9, 30)}  # vip's 30m, not P3's 8h
    assert report == evaluate_reference(gold, policy, as_of=as_of)
    silver = Ticket("S", MONDAY, "P3", attributes={"tier": "silver", "seats": 40})
    report = evaluate(silver, policy, as_of=as_of)
    assert fired(report) == {"big": MONDAY}  # P3's own 8h response is not late by noon
    assert report == evaluate_reference(silver, policy, as_of=as_of)
    assert "ticket.attributes.seats = 40 (ge 30)" in report.fired[0].reason
