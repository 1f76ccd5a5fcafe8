"""assert_escalated / assert_not_escalated on the p1-p3 preset's rules (Mon-Fri 09:00-18:00 Shanghai)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slakit import ServicePolicy, presets
from slakit.errors import ConfigError, NaiveDatetimeError
from slakit.escalation import Escalation, EscalationReport
from slakit.sla import Event, Ticket
from slakit.survey import SurveyScheme
from slakit.testing import assert_escalated, assert_not_escalated, describe_condition

SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")
US = timedelta(microseconds=1)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


MONDAY = sh(2025, 9, 22, 9, 0)  # P1: resolution 24 business hours -> deadline Wednesday 15:00
OPEN_P1 = Ticket("T-1", MONDAY, "P1")
OVERDUE_AT = sh(2025, 9, 24, 15, 0)  # fired_at: the deadline itself; the breach shows one microsecond after it


def failure(call, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)
    return str(info.value)


def test_passes_when_the_rule_fired_and_returns_the_firing():
    item = assert_escalated(OPEN_P1, POLICY, "resolution-overdue", as_of=sh(2025, 9, 24, 16, 0))
    assert isinstance(item, Escalation)
    assert (item.fired_at, item.role, item.contact_by) == (OVERDUE_AT, "主管", sh(2025, 9, 24, 17, 0))


def test_at_pins_the_exact_instant():
    assert_escalated(OPEN_P1, POLICY, "resolution-overdue", as_of=sh(2025, 9, 24, 16, 0), at=OVERDUE_AT)
    # the earliest as_of at which it shows
    assert_escalated(OPEN_P1, POLICY, "resolution-overdue", as_of=OVERDUE_AT + US, at=OVERDUE_AT)


def test_not_fired_yet_names_rule_condition_level_facts_fired_rules_next_at_and_explains():
    message = failure(assert_escalated, OPEN_P1, POLICY, "resolution-overdue", as_of=sh(2025, 9, 24, 14, 30))
    assert "escalation rule 'resolution-overdue' did not fire for ticket 'T-1' by 2025-09-24T14:30:00+08:00" in message
    assert "rule: when sla.resolution.state eq breached -> level 1 (主管), contact within 2h business time" in message
    assert "facts as of 2025-09-24T14:30:00+08:00: sla.resolution.state = running" in message
    assert (
        "- resolution-at-risk at 2025-09-24T14:00:00+08:00, level 0 (warning): sla.resolution.remaining = 1h" in message
    )
    assert "next_at: 2025-09-24T15:00:00.000001+08:00 (resolution-overdue if no event arrives before)" in message
    assert "resolution: target 24h on business hours of calendar 'default'" in message  # report.explain()
    assert "deadline 2025-09-24 15:00 Wed" in message


def test_a_firing_at_another_instant_says_when_it_fired():
    message = failure(
        assert_escalated, OPEN_P1, POLICY, "resolution-overdue", as_of=sh(2025, 9, 24, 16), at=OVERDUE_AT + US
    )
    assert (
        "escalation rule 'resolution-overdue' fired for ticket 'T-1' at 2025-09-24T15:00:00+08:00, "
        "not at 2025-09-24T15:00:00.000001+08:00" in message
    )
    assert "fires at the deadline itself; it shows from one microsecond after it" in message
    assert "next_at: 2025-09-25T10:00:00+08:00 (resolution-overdue-4h" in message
    assert "facts as of" not in message


def test_a_rule_that_never_fires_shows_no_next_at_and_every_leaf_value():
    done = Ticket("T-2", MONDAY, "P3", events=(Event(sh(2025, 9, 22, 10), "close"),))
    message = failure(assert_escalated, done, POLICY, "wide-impact", as_of=sh(2025, 9, 30))
    assert "(ticket.affected_customers ge 10 or ticket.flags contains public_opinion_risk)" in message
    assert "level 2 (部门负责人)" in message
    assert "facts as of 2025-09-30T00:00:00+08:00: ticket.affected_customers = 1; ticket.flags = []" in message
    assert "rules fired: none" in message
    assert "next_at: none" in message


def test_the_facts_are_those_known_at_as_of():
    complaints = (Event(sh(2025, 9, 22, 10), "complaint"), Event(sh(2025, 9, 23, 11), "complaint"))
    ticket = Ticket("T-3", MONDAY, "P3", events=complaints)
    message = failure(assert_escalated, ticket, POLICY, "second-complaint", as_of=sh(2025, 9, 23, 10))
    assert "ticket.complaints = 1" in message
    assert assert_escalated(ticket, POLICY, "second-complaint", as_of=sh(2025, 9, 23, 12)).fired_at == sh(
        2025, 9, 23, 11
    )


def test_survey_rules_take_the_survey():
    scheme = SurveyScheme.from_config({"dimensions": ["efficiency", "ability", "attitude"]})
    ticket = Ticket("T-4", MONDAY, "P3", events=(Event(sh(2025, 9, 22, 15), "resolve"),))
    low = scheme.score({"efficiency": 3, "ability": 3, "attitude": 2})
    item = assert_escalated(ticket, POLICY, "low-satisfaction", as_of=sh(2025, 9, 23), survey=low)
    assert item.fired_at == sh(2025, 9, 22, 15)
    at = sh(2025, 9, 22, 20)
    assert_escalated(ticket, POLICY, "low-satisfaction", as_of=sh(2025, 9, 23), survey=low, survey_at=at, at=at)
    message = failure(assert_escalated, ticket, POLICY, "low-satisfaction", as_of=sh(2025, 9, 23))
    assert "survey.overall = none" in message  # no survey given
    later = failure(
        assert_escalated,
        ticket,
        POLICY,
        "low-satisfaction",
        as_of=sh(2025, 9, 23),
        survey=low,
        survey_at=sh(2025, 9, 24),
    )
    assert "survey.overall = none" in later  # not yet arrived at as_of


def test_restart_cycles_match_any_firing():
    restart = ServicePolicy.from_config({**presets.config("p1-p3"), "on_reopen": "restart"})
    events = (
        Event(sh(2025, 9, 22, 10), "complaint"),
        Event(sh(2025, 9, 22, 11), "complaint"),
        Event(sh(2025, 9, 22, 12), "resolve"),
        Event(sh(2025, 9, 23, 9), "reopen"),
    )
    ticket = Ticket("T-5", MONDAY, "P3", events=events)
    as_of = sh(2025, 9, 23, 10)
    assert assert_escalated(ticket, restart, "second-complaint", as_of=as_of).fired_at == sh(2025, 9, 22, 11)
    assert assert_escalated(ticket, restart, "second-complaint", as_of=as_of, at=sh(2025, 9, 23, 9)).cycle == 1
    message = failure(assert_escalated, ticket, restart, "second-complaint", as_of=as_of, at=sh(2025, 9, 23, 10))
    assert "at 2025-09-22T11:00:00+08:00, 2025-09-23T09:00:00+08:00, not at 2025-09-23T10:00:00+08:00" in message
    assert "cycle 1" in message


def test_not_escalated_passes_before_and_fails_after():
    report = assert_not_escalated(OPEN_P1, POLICY, "resolution-overdue", as_of=OVERDUE_AT)
    assert isinstance(report, EscalationReport)
    message = failure(assert_not_escalated, OPEN_P1, POLICY, "resolution-overdue", as_of=OVERDUE_AT + US)
    assert "escalation rule 'resolution-overdue' fired for ticket 'T-1' at 2025-09-24T15:00:00+08:00" in message
    assert "contact by 2025-09-24T17:00:00+08:00" in message
    assert "rule: when sla.resolution.state eq breached" in message
    assert "breached at 2025-09-24 15:00 Wed" in message  # report.explain()


def test_not_escalated_without_a_rule_means_no_rule_at_all():
    assert_not_escalated(OPEN_P1, POLICY, as_of=sh(2025, 9, 24, 13, 59))
    message = failure(assert_not_escalated, OPEN_P1, POLICY, as_of=sh(2025, 9, 24, 14))
    assert "escalation fired for ticket 'T-1' at 2025-09-24T14:00:00+08:00" in message  # a level-0 warning counts
    assert "- resolution-at-risk at" in message


def test_a_rule_the_policy_does_not_have_is_an_error_not_a_failure():
    with pytest.raises(ConfigError, match=r"'rule' must be one of the policy's escalation rules \(resolution-at-risk"):
        assert_escalated(OPEN_P1, POLICY, "overdue", as_of=MONDAY)
    with pytest.raises(ConfigError, match="'rule'"):
        assert_not_escalated(OPEN_P1, POLICY, "overdue", as_of=MONDAY)
    bare = presets.config("p1-p3")
    del bare["escalation"]
    with pytest.raises(ConfigError, match="the policy has no 'escalation:' rules"):
        assert_escalated(OPEN_P1, ServicePolicy.from_config(bare), "resolution-overdue", as_of=MONDAY)


def test_bad_instants_are_errors():
    with pytest.raises(ConfigError, match="'at' must be an instant at or before 'as_of'"):
        assert_escalated(OPEN_P1, POLICY, "resolution-overdue", as_of=MONDAY, at=MONDAY + US)
    with pytest.raises(NaiveDatetimeError, match="'at'"):
        assert_escalated(OPEN_P1, POLICY, "resolution-overdue", as_of=MONDAY, at=datetime(2025, 9, 22))
    with pytest.raises(NaiveDatetimeError, match="'as_of'"):
        assert_escalated(OPEN_P1, POLICY, "resolution-overdue", as_of=datetime(2025, 9, 22))


def test_conditions_read_as_configured():
    rules = {rule.name: rule for rule in POLICY.escalation.rules}
    assert describe_condition(rules["p1-not-acknowledged"].condition) == (
        "(ticket.priority eq P1 and sla.acknowledge.state eq breached)"
    )
    assert describe_condition(rules["resolution-overdue-4h"].condition) == "sla.resolution.overdue ge 4h"
    negated = ServicePolicy.from_config(
        {
            **presets.config("p1-p3"),
            "escalation": {
                "rules": [
                    {
                        "name": "quiet",
                        "when": {"not": {"fact": "ticket.channel", "op": "in", "value": ["phone", "email"]}},
                        "level": 0,
                    }
                ]
            },
        }
    )
    assert describe_condition(negated.escalation.rules[0].condition) == "not (ticket.channel in [email, phone])"
