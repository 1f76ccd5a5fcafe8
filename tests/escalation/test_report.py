"""``EscalationReport.fired_between``: what became visible in ``(t0, t1]``, window after window."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit import ConfigError, presets
from slakit.escalation import Escalation, EscalationReport, evaluate
from slakit.sla import Ticket
from slakit.testing import strategies as sst
from tests.escalation.rule_strategies import rule_sets
from tests.escalation.test_engine import RULES, SH

PRESET = presets.load("p1-p3")
US = timedelta(microseconds=1)


def test_a_rule_past_a_strict_threshold_is_visible_one_microsecond_after_it_fired():
    """resolution-overdue holds just after the deadline: fired_at is the deadline, visible_at one microsecond
    later; so the window ending at the deadline does not have it, and the next one does."""
    ticket = Ticket("T1", datetime(2025, 9, 22, 9, tzinfo=SH), "P1")
    later = evaluate(ticket, PRESET, as_of=datetime(2025, 10, 1, tzinfo=SH), rules=RULES)
    overdue = next(item for item in later.fired if item.rule == "resolution-overdue")
    assert overdue.visible_at == overdue.fired_at + US
    at_deadline = evaluate(ticket, PRESET, as_of=overdue.fired_at, rules=RULES)
    assert overdue not in at_deadline.fired
    assert at_deadline.next_at == overdue.visible_at
    assert overdue not in at_deadline.fired_between(ticket.created_at, overdue.fired_at)
    assert overdue in later.fired_between(overdue.fired_at, overdue.visible_at)
    assert later.fired_between(overdue.visible_at, later.as_of) == tuple(
        item for item in later.fired if item.visible_at > overdue.visible_at
    )


def test_windows_are_half_open_and_checked():
    at = datetime(2025, 9, 22, 9, tzinfo=SH)
    item = Escalation("r", 1, "主管", at, None, "why")
    assert item.visible_at == at  # given as None: the instant it fired
    report = EscalationReport("T", at + timedelta(hours=1), (item,), 1, None)
    assert report.fired_between(at - US, at) == (item,)
    assert report.fired_between(at, at + US) == ()
    assert report.fired_between(at, at) == ()
    with pytest.raises(ConfigError, match=r"'t1'.*as_of"):
        report.fired_between(at, at + timedelta(hours=2))
    with pytest.raises(ConfigError, match=r"'t1'.*t0"):
        report.fired_between(at, at - US)
    with pytest.raises(ValueError, match="t0"):
        report.fired_between(at.replace(tzinfo=None), at)


offsets = st.integers(0, 15 * 24 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))


@st.composite
def cases(draw):
    policy = draw(st.one_of(st.just(PRESET), sst.policies()))
    ticket = draw(sst.tickets(policy, max_events=10))
    rules = draw(st.one_of(st.just(RULES), rule_sets()))
    return policy, ticket, rules


@settings(max_examples=80, deadline=None)
@given(cases(), st.lists(offsets, min_size=2, max_size=5), st.data())
def test_consecutive_windows_never_repeat_nor_miss_an_escalation(case, steps, data):
    """A host evaluating at t0 < t1 < ... and notifying ``fired_between(previous, now)`` of each report
    notifies every escalation of the last report exactly once, each in the window its evaluations first
    showed it in. Some instants are chosen as announced by ``next_at`` (and one microsecond either side)."""
    policy, ticket, rules = case
    instants = sorted({ticket.created_at - US, *(ticket.created_at + step for step in steps)})
    previous, notified, shown = instants[0], [], []
    for now in instants[1:]:
        if now <= previous:  # passed by a look at next_at
            continue
        report = evaluate(ticket, policy, as_of=now, rules=rules)
        window = report.fired_between(previous, now)
        assert window == report.fired[len(shown) :]  # the oracle: what this evaluation shows that the last did not
        notified.extend(window)
        shown = list(report.fired)
        if report.next_at is not None and data.draw(st.booleans()):  # look again exactly when announced
            nxt = report.next_at + data.draw(st.sampled_from([-US, timedelta(0), US]))
            if nxt > now:
                later = evaluate(ticket, policy, as_of=nxt, rules=rules)
                assert later.fired_between(now, nxt) == later.fired[len(shown) :]
                if nxt >= report.next_at and not any(now < e.at <= nxt for e in ticket.events):
                    assert later.fired_between(now, nxt), "next_at announced a visible escalation"
                notified.extend(later.fired_between(now, nxt))
                shown = list(later.fired)
                now = nxt
        previous = now
    assert notified == shown
    assert len({(item.rule, item.cycle) for item in notified}) == len(notified)
