"""A metric's phases: what the SLA report says at every instant, at a cost that grows as n log n in events.

The cost is counted, not timed: the lines of slakit's own code an evaluation runs are the same on every
machine, and a quadratic step (a rescan of every earlier event at each event) shows as a count growing with
the square of the events (docs/performance.md has the times).
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import ServicePolicy, presets
from slakit.calendar import Rulers
from slakit.escalation import evaluate
from slakit.escalation.facts import snapshot
from slakit.escalation.firing import FactsOverTime
from slakit.escalation.phases import INF
from slakit.instants import from_us, to_us
from slakit.sla import Event, Ticket, build_timeline
from slakit.sla import evaluate as evaluate_sla
from slakit.testing import strategies as sst
from tests.escalation.reference import evaluate_reference
from tests.sla.event_mixes import CREATED, KINDS, MIXED, events_of, lines_run

PRESET = presets.load("p1-p3")


@pytest.mark.parametrize("policy", [PRESET, MIXED], ids=["p1-p3", "mixed"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_cost_of_escalation_grows_as_n_log_n_in_events(policy, kind):
    """Eight times the events cost about eight times the work (n log n would be 11 times; a rescan of the
    earlier events at each event, as measuring the clocks at every event did, 30 to 60 times)."""

    def cost(n: int) -> int:
        events = events_of(kind, n)
        ticket = Ticket("T", CREATED, "P2", events=events)
        as_of = events[-1].at
        evaluate(ticket, policy, as_of=as_of)  # calendar tables made outside the count
        return lines_run(lambda: evaluate(ticket, policy, as_of=as_of))

    small, large = cost(250), cost(2000)
    assert large <= 11 * small, (small, large)


def test_an_extension_recorded_as_its_deadline_falls_when_the_clock_stops_moves_it_just_after():
    """Found by measuring once per ticket: at 10:00 the 1h target is due at 10:00 as the clock stops for a hold,
    so an agreed extension recorded then is "at or after the deadline" and ignored; just after 10:00 that
    deadline stands where the clock runs again, and the extension moves it to 15:00 (the SLA report at each
    instant). Measuring at each event only, the escalation engine (and the reference) kept 10:00's answer for
    the whole hold."""
    policy = ServicePolicy.from_config(
        {
            "calendars": {"default": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}}},
            "priorities": {"P1": {"name": "P1", "rank": 1, "targets": {"resolution": "1h"}}},
            "escalation": {
                "rules": [{"name": "r", "when": {"fact": "sla.resolution.remaining", "op": "gt", "value": "1h"},
                           "level": 0}]
            },
        }
    )  # fmt: skip
    ten = datetime(2025, 3, 10, 10, tzinfo=UTC)  # a Monday
    events = (
        Event(ten, "status", status="on_hold"),
        Event(ten, "extend", metric="resolution", until=ten.replace(hour=15), customer_agreed=True, reason="x"),
    )
    ticket = Ticket("T", ten.replace(hour=9), "P1", events=events)
    as_of = ten.replace(hour=11)
    line = build_timeline(ticket, to_us(as_of), policy.sla.plan.pause_statuses)
    facts = FactsOverTime(ticket, line, policy.sla, Rulers(), None, None)
    for at, remaining in ((ten, timedelta(0)), (ten + timedelta(microseconds=1), timedelta(hours=5, microseconds=-1))):
        assert evaluate_sla(ticket, policy, as_of=at).metrics["resolution"].remaining == remaining
        assert facts.fact("sla.resolution.remaining", to_us(at)) == remaining
    report = evaluate(ticket, policy, as_of=as_of)
    assert [item.fired_at for item in report.fired] == [ten + timedelta(microseconds=1)]
    assert report == evaluate_reference(ticket, policy, as_of=as_of)


def facts_agree_with_the_sla_report(policy, ticket, as_of, instants):
    line = build_timeline(ticket, to_us(as_of), policy.sla.plan.pause_statuses)
    facts = FactsOverTime(ticket, line, policy.sla, Rulers(), None, None)
    for at in instants:
        assert dict(facts.facts(to_us(at))) == snapshot(ticket, evaluate_sla(ticket, policy, as_of=at), at, None), at


def test_an_extension_refused_at_a_zero_targets_deadline_stays_refused_and_the_metric_breaches_just_after():
    """Found by a property: a 0s target due at the instant the ticket is made, an agreed extension recorded
    then. The extension is "at or after the deadline" at that instant and just after it (the deadline is
    that instant), so the metric breaches one microsecond later; deciding the extension again just after
    the instant lost the deadline found meanwhile."""
    policy = ServicePolicy.from_config(
        {
            "calendars": {"default": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}}},
            "priorities": {"P1": {"name": "P1", "rank": 1, "targets": {"resolution": "0s"}}},
            "escalation": {
                "rules": [{"name": "r", "when": {"fact": "sla.resolution.state", "op": "eq", "value": "breached"},
                           "level": 0}]
            },
        }
    )  # fmt: skip
    ten = datetime(2025, 3, 10, 10, tzinfo=UTC)  # a Monday
    until = ten.replace(hour=15)
    events = (Event(ten, "extend", metric="resolution", until=until, customer_agreed=True, reason="x"),)
    ticket = Ticket("T", ten, "P1", events=events)
    as_of = ten.replace(hour=11)
    facts_agree_with_the_sla_report(policy, ticket, as_of, [ten, ten + timedelta(microseconds=1), as_of])
    assert evaluate_sla(ticket, policy, as_of=as_of).metrics["resolution"].breached_at == ten
    assert [item.fired_at for item in evaluate(ticket, policy, as_of=as_of).fired] == [ten]


def test_a_breach_between_updates_does_not_carry_into_the_next_cycle():
    """Found by a property: with clocks that restart on reopen, an update stretch breached in the first cycle
    left the update metric breached in the next (the SLA report shows the current cycle)."""
    policy = ServicePolicy.from_config({**presets.config("p1-p3"), "on_reopen": "restart"})
    monday = datetime(2025, 9, 22, 1, tzinfo=UTC)  # 09:00 in Shanghai
    events = (
        Event(monday + timedelta(hours=5), "note"),  # 5 business hours without an update: breached at 4
        Event(monday + timedelta(hours=6), "resolve"),
        Event(monday + timedelta(days=1, hours=1), "reopen"),
    )
    ticket = Ticket("T", monday, "P2", events=events)
    reopened = monday + timedelta(days=1, hours=1)
    as_of = reopened + timedelta(hours=1)
    facts_agree_with_the_sla_report(policy, ticket, as_of, [reopened - timedelta(hours=2), reopened, as_of])
    assert evaluate_sla(ticket, policy, as_of=as_of).metrics["update"].state.value == "running"


def test_a_resolve_reopened_at_once_starts_a_running_cycle_in_the_phases_too():
    """With clocks that restart on reopen, a resolve and a reopen at one instant end the cycle before and start
    one that runs (slakit.sla.clocks.cycle_end, for the report and the phases alike)."""
    policy = ServicePolicy.from_config({**presets.config("p1-p3"), "on_reopen": "restart"})
    monday = datetime(2025, 9, 22, 1, tzinfo=UTC)  # 09:00 in Shanghai
    both = monday + timedelta(hours=2)
    ticket = Ticket("T", monday, "P2", events=(Event(both, "resolve"), Event(both, "reopen")))
    as_of = both + timedelta(hours=3)
    facts_agree_with_the_sla_report(policy, ticket, as_of, [both, both + timedelta(microseconds=1), as_of])
    line = build_timeline(ticket, to_us(as_of), policy.sla.plan.pause_statuses)
    facts = FactsOverTime(ticket, line, policy.sla, Rulers(), None, None)
    assert facts.fact("sla.resolution.state", to_us(as_of)).value == "running"
    assert facts.fact("sla.resolution.elapsed", to_us(as_of)) == timedelta(hours=3)


@st.composite
def long_cases(draw):
    """A random policy and a longer ticket than the parity tests draw, its events consistent or as a careless
    export has them, and an as_of from before its creation to days after its last event."""
    policy = draw(sst.policies())
    consistent = draw(st.booleans())
    ticket = draw(sst.tickets(policy, max_events=draw(st.sampled_from([20, 40])), consistent=consistent))
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    seconds = draw(st.integers(-3600, int((last - ticket.created_at).total_seconds()) + 3 * 86400))
    return policy, ticket, ticket.created_at + timedelta(seconds=seconds, microseconds=draw(st.sampled_from([0, 1])))


@given(long_cases())
def test_every_fact_is_what_the_sla_report_says_on_longer_tickets(case):
    """At and around each phase boundary and each event, every fact is the SLA report's at that instant."""
    policy, ticket, as_of = case
    line = build_timeline(ticket, to_us(as_of), policy.sla.plan.pause_statuses)
    evaluation = FactsOverTime(ticket, line, policy.sla, Rulers(), None, None)
    known = replace(ticket, events=tuple(e for e in ticket.events if e.at <= as_of))
    instants = set()
    for event in known.events:
        instants.update((event.at_us, event.at_us + 1))
    for metric in ("response", "acknowledge", "update", "resolution"):
        for phase in evaluation.history(metric)[1]:
            instants.update((phase.start - 1, phase.start, phase.start + 1))
            if phase.breach is not None and phase.breach < INF:
                instants.update((phase.breach - 1, phase.breach))
    zone = policy.sla.default_calendar.timezone
    for t in sorted(t for t in instants if t >= evaluation.created):
        at = from_us(t, zone)
        assert dict(evaluation.facts(t)) == snapshot(known, evaluate_sla(known, policy, as_of=at), at, None), t
