"""Invariants of the SLA clock on random ticket histories."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from slakit.sla import Event, MetricState, evaluate
from tests.sla.strategies import offsets, tickets

CODES = ["P1", "P2", "P3"]


def breached_metrics(report):
    found = {(status.cycle, metric) for metric, status in report.items() if status.breached}
    for cycle in report.cycles:
        found |= {(status.cycle, metric) for metric, status in cycle.items() if status.breached}
    return found


@given(tickets(CODES), offsets(), offsets())
def test_a_later_as_of_never_unbreaches(policy, ticket, first, second):
    early, late = sorted((first, second))
    before = evaluate(ticket, policy, as_of=ticket.created_at + early)
    after = evaluate(ticket, policy, as_of=ticket.created_at + late)
    assert breached_metrics(before) <= breached_metrics(after)
    for key in breached_metrics(before):
        old = before[key[1]] if before[key[1]].cycle == key[0] else before.cycles[key[0]][key[1]]
        new = after[key[1]] if after[key[1]].cycle == key[0] else after.cycles[key[0]][key[1]]
        assert old.breached_at == new.breached_at


@given(tickets(CODES), offsets())
def test_elapsed_plus_remaining_is_the_target(policy, ticket, offset):
    report = evaluate(ticket, policy, as_of=ticket.created_at + offset)
    for status in report.values():
        assert status.elapsed + status.remaining == status.target
        if status.state is MetricState.RUNNING:
            assert status.remaining >= timedelta(0)
            assert status.deadline >= report.as_of
        if status.state is MetricState.BREACHED:
            assert status.breached_at is not None
            assert status.breached_at < (status.completed_at or report.as_of)


@given(tickets(CODES), offsets(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_event_input_order(policy, ticket, offset, rng):
    shuffled = list(ticket.events)
    rng.shuffle(shuffled)
    as_of = ticket.created_at + offset
    assert evaluate(ticket, policy, as_of=as_of) == evaluate(
        type(ticket)(ticket.id, ticket.created_at, ticket.priority, events=tuple(shuffled)),
        policy,
        as_of=as_of,
    )


@given(tickets(CODES, statuses=False), offsets(), offsets(), offsets())
def test_adding_a_pause_never_makes_a_deadline_earlier(policy, ticket, pause_at, pause_for, offset):
    as_of = ticket.created_at + offset
    start = ticket.created_at + pause_at
    paused = ticket.with_events(
        [Event(start, "status", status="pending_customer"), Event(start + pause_for, "status", status="open")]
    )
    plain_report = evaluate(ticket, policy, as_of=as_of)
    paused_report = evaluate(paused, policy, as_of=as_of)
    for metric, plain in plain_report.items():
        other = paused_report[metric]
        if plain.deadline is not None and other.deadline is not None and plain.cycle == other.cycle:
            assert other.deadline >= plain.deadline
            assert other.elapsed <= plain.elapsed


@given(tickets(CODES), offsets())
def test_next_change_at_shows_a_change_and_nothing_changes_before_it(policy, ticket, offset):
    as_of = ticket.created_at + offset
    report = evaluate(ticket, policy, as_of=as_of)
    if report.next_change_at is None:
        return
    assert report.next_change_at > as_of

    def flags(r):
        return {m: (s.state, s.at_risk) for m, s in r.items()}

    before = evaluate(ticket, policy, as_of=report.next_change_at - timedelta(microseconds=1))
    at = evaluate(ticket, policy, as_of=report.next_change_at)
    if all(event.at <= as_of for event in ticket.events):
        assert flags(before) == flags(report)
        assert flags(at) != flags(report)
