"""Escalation invariants on random policies, tickets and rules (slakit.testing strategies)."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from slakit import presets
from slakit.escalation import evaluate
from slakit.sla import Event
from slakit.testing import strategies as sst
from tests.escalation.rule_strategies import rule_sets
from tests.escalation.test_engine import RULES

PRESET = presets.load("p1-p3")
offsets = st.integers(0, 20 * 24 * 60 * 60).map(lambda s: timedelta(seconds=s))
policies = st.one_of(st.just(PRESET), sst.policies())
any_rules = st.one_of(st.just(RULES), rule_sets())


@st.composite
def tickets(draw, max_events=14):
    policy = draw(policies)
    return policy, draw(sst.tickets(policy, max_events=max_events))


@given(tickets(), any_rules, offsets, offsets)
def test_fired_only_grows_and_items_never_change(case, rules, first, second):
    policy, ticket = case
    early, late = sorted((first, second))
    before = evaluate(ticket, policy, as_of=ticket.created_at + early, rules=rules)
    after = evaluate(ticket, policy, as_of=ticket.created_at + late, rules=rules)
    assert after.fired[: len(before.fired)] == before.fired
    assert after.level >= before.level
    assert all(item.fired_at <= after.as_of for item in after.fired)
    # without events in between, nothing fires that the earlier report did not announce
    quiet = not any(before.as_of < e.at <= after.as_of for e in ticket.events)
    if quiet and (before.next_at is None or before.next_at > after.as_of):
        assert after.fired == before.fired


@given(tickets(), any_rules, offsets, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_event_order(case, rules, offset, random):
    policy, ticket = case
    shuffled = list(ticket.events)
    random.shuffle(shuffled)
    as_of = ticket.created_at + offset
    assert evaluate(ticket, policy, as_of=as_of, rules=rules) == evaluate(
        replace(ticket, events=tuple(shuffled)), policy, as_of=as_of, rules=rules
    )


@given(tickets(max_events=4), any_rules, st.data())
def test_simultaneous_events_in_either_order(case, rules, data):
    """Events at one instant (a priority change and a complaint, a resolve and a reopen, two
    priority changes) give the same report whichever order they come in."""
    policy, ticket = case
    at = ticket.created_at + data.draw(offsets)
    codes = sorted(policy.sla.priorities)
    extra = data.draw(
        st.lists(
            st.one_of(
                st.sampled_from(codes).map(lambda code: Event(at, "priority", priority=code)),
                st.sampled_from(["complaint", "resolve", "reopen", "note", "assign", "acknowledge"]).map(
                    lambda kind: Event(at, kind)
                ),
            ),
            min_size=2,
            max_size=4,
        )
    )
    as_of = at + data.draw(offsets)
    forward = replace(ticket, events=(*ticket.events, *extra))
    backward = replace(ticket, events=(*ticket.events, *reversed(extra)))
    assert evaluate(forward, policy, as_of=as_of, rules=rules) == evaluate(backward, policy, as_of=as_of, rules=rules)


@given(tickets(max_events=8), any_rules, offsets)
def test_next_at_is_exactly_when_the_next_rule_fires(case, rules, offset):
    policy, ticket = case
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    as_of = last + offset  # no event arrives after as_of
    report = evaluate(ticket, policy, as_of=as_of, rules=rules)
    if report.next_at is None:
        assert evaluate(ticket, policy, as_of=as_of + timedelta(days=400), rules=rules).fired == report.fired
        return
    assert report.next_at > as_of
    just_before = evaluate(ticket, policy, as_of=report.next_at - timedelta(microseconds=1), rules=rules)
    assert just_before.fired == report.fired
    assert just_before.next_at == report.next_at
    at = evaluate(ticket, policy, as_of=report.next_at, rules=rules)
    assert at.fired[: len(report.fired)] == report.fired
    assert len(at.fired) > len(report.fired)
    # each new rule began to hold at next_at, or just before it when a strict threshold passed there (fired_at)
    began = (report.next_at, report.next_at - timedelta(microseconds=1))
    assert all(item.fired_at in began for item in at.fired[len(report.fired) :])
