"""``build_timeline``: the one reduction of a ticket's events to facts, whatever order they come in."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import presets
from slakit.instants import to_us
from slakit.sla import Event, Ticket, Timeline, build_timeline
from slakit.sla.timeline import _reduce, ordered
from slakit.testing import strategies as sst

SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")
PAUSES = POLICY.sla.config.pause_statuses
OFFSETS = sst.durations(max_value=timedelta(days=40))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def timeline_fields(line: Timeline) -> dict[str, object]:
    return line._asdict()


@given(
    st.one_of(sst.tickets(POLICY), sst.tickets(POLICY, consistent=False)), OFFSETS, st.randoms(use_true_random=False)
)
def test_the_timeline_takes_events_in_the_full_order_whatever_order_they_come_in(ticket, offset, rng):
    policy = POLICY
    as_of = to_us(ticket.created_at + offset)
    pauses = policy.sla.config.pause_statuses
    expected = _reduce(ticket, ordered(ticket.events), as_of, pauses, by_time=True, ties=True)
    assert expected is not None
    for events in (
        ticket.events,
        sorted(ticket.events, key=lambda e: e.at_us),
        rng.sample(ticket.events, len(ticket.events)),
    ):
        reordered = Ticket(ticket.id, ticket.created_at, ticket.priority, events=tuple(events))
        assert timeline_fields(build_timeline(reordered, as_of, pauses)) == timeline_fields(expected)


def test_events_in_time_order_are_taken_as_given_and_others_are_not(policy):
    created = datetime(2025, 9, 22, 9, tzinfo=SH)
    first, second = Event(created, "assign", assignee="a"), Event(created, "acknowledge")
    later = Event(created + timedelta(hours=1), "reply", author="agent")
    ticket = Ticket("T", created, "P1", events=(first, later))
    as_of, pauses = to_us(created + timedelta(days=1)), policy.sla.config.pause_statuses
    assert _reduce(ticket, (first, later), as_of, pauses, by_time=False, ties=False) is not None
    assert _reduce(ticket, (later, first), as_of, pauses, by_time=False, ties=False) is None  # out of order
    assert _reduce(ticket, (second, first), as_of, pauses, by_time=False, ties=False) is None  # simultaneous
    line = build_timeline(Ticket("T", created, "P1", events=(second, later, first)), as_of, pauses)
    assert line.first_acknowledge == to_us(created)  # the assignment at the same instant came first


def test_the_timeline_is_immutable():
    line = build_timeline(Ticket("T", sh(2025, 9, 22, 9), "P1"), to_us(sh(2025, 9, 23)), PAUSES)
    with pytest.raises(AttributeError):
        line.created = 0  # type: ignore[misc]


def test_the_facts_every_engine_reads_come_from_one_pass():
    created = sh(2025, 9, 22, 9)
    events = (
        Event(sh(2025, 9, 22, 9, 5), "assign", assignee="wang"),
        Event(sh(2025, 9, 22, 9, 6), "reopen"),  # the ticket is open: not a reopening
        Event(sh(2025, 9, 22, 9, 10), "reply", author="agent", public=False),  # an update, not a response
        Event(sh(2025, 9, 22, 9, 20), "reply", author="agent"),
        Event(sh(2025, 9, 22, 9, 30), "complaint"),
        Event(sh(2025, 9, 22, 9, 40), "assign", assignee="li"),
        Event(sh(2025, 9, 22, 9, 50), "assign", assignee=None),  # no name: the last named assignee stays
        Event(sh(2025, 9, 22, 10), "resolve"),
        Event(sh(2025, 9, 22, 10, 30), "close"),  # already resolved: the same resolution, a later resolve event
        Event(sh(2025, 9, 22, 11), "reopen"),
        Event(sh(2025, 9, 22, 11, 10), "reply", author="agent"),
        Event(sh(2025, 9, 22, 11, 20), "complaint"),
        Event(sh(2025, 9, 22, 12), "resolve"),
        Event(sh(2025, 9, 22, 13), "complaint"),  # after as_of
    )
    line = build_timeline(Ticket("T", created, "P1", events=events), to_us(sh(2025, 9, 22, 12, 30)), PAUSES)
    assert line.first_response == to_us(sh(2025, 9, 22, 9, 20))
    assert line.public_replies == 2
    assert line.updates == tuple(
        to_us(t) for t in (sh(2025, 9, 22, 9, 10), sh(2025, 9, 22, 9, 20), sh(2025, 9, 22, 11, 10))
    )
    assert line.assignee == "li"
    assert line.complaints == (to_us(sh(2025, 9, 22, 9, 30)), to_us(sh(2025, 9, 22, 11, 20)))
    assert line.reopens == (to_us(sh(2025, 9, 22, 11)),)
    assert line.resolved == (
        (to_us(sh(2025, 9, 22, 10)), to_us(sh(2025, 9, 22, 11))),
        (to_us(sh(2025, 9, 22, 12)), None),
    )
    assert line.last_resolve == to_us(sh(2025, 9, 22, 12))
    assert line.resolved_now
    assert line.priority == "P1"
