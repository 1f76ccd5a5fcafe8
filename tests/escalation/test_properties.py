"""Escalation invariants on random tickets (slakit.testing strategies)."""

import random
from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from slakit import presets
from slakit.escalation import evaluate
from slakit.testing import strategies as sst
from tests.escalation.test_engine import RULES

POLICY = presets.load("p1-p3")
offsets = st.integers(0, 20 * 24 * 60).map(lambda m: timedelta(minutes=m))


@given(sst.tickets(POLICY), offsets, offsets)
def test_fired_only_grows_and_items_never_change(ticket, first, second):
    early, late = sorted((first, second))
    before = evaluate(ticket, POLICY, as_of=ticket.created_at + early, rules=RULES)
    after = evaluate(ticket, POLICY, as_of=ticket.created_at + late, rules=RULES)
    assert after.fired[: len(before.fired)] == before.fired
    assert after.level >= before.level
    for item in after.fired:
        assert item.fired_at <= after.as_of


@given(sst.tickets(POLICY), offsets)
def test_results_do_not_depend_on_event_order(ticket, offset):
    shuffled = list(ticket.events)
    random.Random(len(shuffled)).shuffle(shuffled)
    as_of = ticket.created_at + offset
    assert evaluate(ticket, POLICY, as_of=as_of, rules=RULES) == evaluate(
        replace(ticket, events=tuple(shuffled)), POLICY, as_of=as_of, rules=RULES
    )


@given(sst.tickets(POLICY, max_events=6), offsets)
def test_next_at_is_exactly_when_the_next_rule_fires(ticket, offset):
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    as_of = last + offset  # no event arrives after as_of
    report = evaluate(ticket, POLICY, as_of=as_of, rules=RULES)
    if report.next_at is None:
        return
    assert report.next_at > as_of
    just_before = evaluate(ticket, POLICY, as_of=report.next_at - timedelta(microseconds=1), rules=RULES)
    assert just_before.fired == report.fired
    at = evaluate(ticket, POLICY, as_of=report.next_at, rules=RULES)
    assert at.fired[: len(report.fired)] == report.fired
    assert len(at.fired) > len(report.fired)
    assert all(item.fired_at == report.next_at for item in at.fired[len(report.fired) :])
