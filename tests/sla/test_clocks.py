"""The SLA core (``measure``) and its shortcuts give exactly what the general machinery gives.

Measurement takes shortcuts for speed: one target all along without extensions skips the priority
timeline, instants are converted with ``fromtimestamp``, events in time order are not sorted. Each is
checked here against the slow, obvious way; and ``evaluate`` only shows what ``measure`` found.
"""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import ServicePolicy, presets
from slakit.calendar import Rulers
from slakit.errors import ConfigError, UnknownPriorityError
from slakit.instants import from_us, to_us
from slakit.sla import Event, Policy, SLAReport, Ticket, build_timeline, evaluate, measure
from slakit.sla.clocks import Measuring, resolution_at
from slakit.sla.engine import _Shown, sla_report
from slakit.testing import strategies as sst
from tests.sla.event_mixes import CREATED, KINDS, events_of, lines_run
from tests.sla.event_mixes import MIXED as GROWTH_MIXED

SH = ZoneInfo("Asia/Shanghai")
CODES = ["P1", "P2", "P3"]

MIXED = {  # two calendars, a 24x7 clock, pausable response, missing targets, a low at-risk ratio
    "calendars": {
        "default": {"timezone": "America/New_York", "hours": {"mon-fri": ["09:00-12:00", "13:00-17:30"]}},
        "night": {"timezone": "Asia/Shanghai", "hours": {"mon-fri": ["22:00-06:00"]}},
    },
    "priorities": {
        "P1": {
            "name": "a",
            "rank": 1,
            "targets": {
                "response": {"within": "30m", "clock": "calendar"},
                "acknowledge": {"within": "15m", "pausable": True},
                "update": "2h",
                "resolution": {"within": "8h", "calendar": "night"},
            },
        },
        "P2": {"name": "b", "rank": 2, "targets": {"response": {"within": "2h", "pausable": True}}},
        "P3": {
            "name": "c",
            "rank": 3,
            "targets": {"update": {"within": "1h", "clock": "calendar"}, "acknowledge": "0s"},
        },
    },
    "at_risk": 0.5,
}
POLICIES = {
    "p1-p3": presets.load("p1-p3").sla,
    "restart": ServicePolicy.from_config({**presets.config("p1-p3"), "on_reopen": "restart"}).sla,
    "mixed": Policy.from_config(MIXED),
    "mixed-restart": Policy.from_config({**MIXED, "on_reopen": "restart"}),
}


def tickets(policy: Policy) -> st.SearchStrategy[Ticket]:
    """Consistent histories and careless ones (any event at any point)."""
    return st.one_of(sst.tickets(policy), sst.tickets(policy, consistent=False))


TICKETS = {name: tickets(policy) for name, policy in POLICIES.items()}
offsets = sst.durations(max_value=timedelta(days=40))


def general_report(ticket: Ticket, policy: Policy, as_of: datetime) -> SLAReport:
    """evaluate() with the one-target shortcut turned off."""
    line = build_timeline(ticket, to_us(as_of), policy.plan.pause_statuses)
    measuring = Measuring(line, policy.plan, Rulers())
    measuring.plain = False
    return sla_report(ticket.id, as_of, line, measuring.measurement(), policy.plan)


def traces(report: SLAReport) -> list[object]:
    return [status.trace for cycle in (*report.cycles, report.metrics) for status in cycle.values()]


# as_of mostly within the first working day, when clocks still run and turn at risk, else up to 40 days on
early_or_late = st.one_of(sst.durations(max_value=timedelta(hours=12)), offsets)


@pytest.mark.parametrize("name", sorted(POLICIES))
@given(data=st.data(), offset=early_or_late)
def test_the_one_target_shortcut_agrees_with_the_general_outcome(name, data, offset):
    policy = POLICIES[name]
    ticket = data.draw(TICKETS[name], label="ticket")
    as_of = ticket.created_at + offset
    fast, general = evaluate(ticket, policy, as_of=as_of), general_report(ticket, policy, as_of)
    assert fast == general
    assert repr(fast) == repr(general)
    assert traces(fast) == traces(general)
    assert fast.explain() == general.explain()


def test_the_shortcut_is_taken_for_one_priority_without_extensions(policy):
    created = datetime(2025, 9, 22, 9, tzinfo=SH)
    plain = Ticket("T", created, "P1", events=(Event(created + timedelta(hours=1), "reply", author="agent"),))
    changed = plain.with_events([Event(created + timedelta(hours=2), "priority", priority="P2")])
    for ticket, expected in ((plain, True), (changed, False)):
        plan = policy.sla.plan
        line = build_timeline(ticket, to_us(created + timedelta(days=1)), plan.pause_statuses)
        assert Measuring(line, plan, Rulers()).plain is expected


@pytest.mark.parametrize("name", sorted(POLICIES))
@given(data=st.data(), offset=early_or_late)
def test_evaluate_shows_what_measure_finds(name, data, offset):
    policy = POLICIES[name]
    ticket = data.draw(TICKETS[name], label="ticket")
    as_of = ticket.created_at + offset
    report = evaluate(ticket, policy, as_of=as_of)
    measured = measure(build_timeline(ticket, to_us(as_of), policy.plan.pause_statuses), policy)
    assert list(report) == list(measured.metrics)
    for metric, figures in measured.metrics.items():
        status = report[metric]
        assert status.state is figures.state
        assert (to_us(status.deadline) if status.deadline else None) == figures.deadline
        assert (to_us(status.breached_at) if status.breached_at else None) == figures.breached_at
        assert status.elapsed == timedelta(microseconds=figures.elapsed)
        assert status.remaining == timedelta(microseconds=figures.remaining)
    assert (to_us(report.next_change_at) if report.next_change_at else None) == measured.next_change


# -- instants ---------------------------------------------------------------------------------------

ZONES = [ZoneInfo(name) for name in ("Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin")]


FIRST, LAST = to_us(datetime(2, 1, 2, tzinfo=UTC)), to_us(datetime(9998, 12, 30, tzinfo=UTC))  # what calendars reach


@given(st.integers(FIRST, LAST), st.sampled_from(ZONES))
def test_instants_convert_as_from_us_does(us, zone):
    converted = _Shown(zone, {}, ()).instant(us)
    expected = from_us(us, zone)
    assert converted == expected
    assert (converted.fold, converted.tzinfo, converted.isoformat()) == (
        expected.fold,
        expected.tzinfo,
        expected.isoformat(),
    )


@pytest.mark.parametrize("zone", ZONES)
def test_instants_around_daylight_saving_changes_keep_their_fold(zone):
    shown = _Shown(zone, {}, ())
    start = to_us(datetime(2025, 1, 1, tzinfo=UTC))
    for minutes in range(0, 366 * 24 * 60, 7):
        us = start + minutes * 60_000_000 + minutes % 3
        converted, expected = shown.instant(us), from_us(us, zone)
        assert (converted, converted.fold, converted.utcoffset()) == (expected, expected.fold, expected.utcoffset())


# -- the per-policy plan -----------------------------------------------------------------------------


def test_the_plan_is_made_with_the_policy_and_follows_a_replace():
    policy = presets.load("p1-p3").sla
    assert policy.plan is policy.plan
    assert policy.plan.withins["P1"]["response"] == 2 * 3_600_000_000
    fewer = replace(policy, targets={code: {} for code in policy.targets})
    assert fewer.plan.targets == {"P1": {}, "P2": {}, "P3": {}}


def test_many_tickets_evaluate_as_in_a_batch_and_one_by_one(policy):
    # a batch shares plans and calendar tables; nothing of one ticket may leak into the next
    rng = random.Random(7)
    created = datetime(2025, 3, 3, 9, tzinfo=SH)
    batch = [Ticket(f"T{i}", created + timedelta(hours=rng.randrange(5000)), rng.choice(CODES)) for i in range(50)]
    as_of = created + timedelta(days=300)
    first = [evaluate(ticket, policy, as_of=as_of) for ticket in batch]
    fresh = ServicePolicy.from_config(presets.config("p1-p3"))
    assert [evaluate(ticket, fresh, as_of=as_of) for ticket in reversed(batch)] == first[::-1]


def test_the_core_takes_a_service_policy_and_names_what_is_wrong():
    service = presets.load("p1-p3")
    created = datetime(2025, 9, 22, 9, tzinfo=SH)
    line = build_timeline(Ticket("T", created, "P1"), to_us(created + timedelta(hours=1)), frozenset())
    assert measure(line, service) == measure(line, service.sla)
    odd = build_timeline(Ticket("T", created, "P9"), to_us(created), frozenset())
    with pytest.raises(UnknownPriorityError, match="'P9'"):
        measure(odd, service)
    with pytest.raises(ConfigError, match=r"'policy' must be a slakit\.ServicePolicy or a slakit\.sla\.Policy"):
        evaluate(Ticket("T", created, "P1"), "p1-p3", as_of=created)  # type: ignore[arg-type]


@pytest.mark.parametrize("policy", [presets.load("p1-p3"), GROWTH_MIXED], ids=["p1-p3", "mixed"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_cost_of_measuring_grows_as_n_log_n_in_events(policy, kind):
    """Eight times the events cost about eight times the work (n log n would be 11 times; a rescan of every
    priority change or agent update for each stretch between updates, 30 times and more)."""

    def cost(n: int) -> int:
        events = events_of(kind, n)
        ticket = Ticket("T", CREATED, "P2", events=events)
        evaluate(ticket, policy, as_of=events[-1].at)  # calendar tables made outside the count
        return lines_run(lambda: evaluate(ticket, policy, as_of=events[-1].at))

    small, large = cost(250), cost(2000)
    assert large <= 11 * small, (small, large)


@given(st.data())
def test_the_resolution_in_force_is_the_last_begun(data):
    """``resolution_at`` (by bisection) against its definition: the last resolution begun by ``t``, while it lasts."""
    policy = POLICIES["p1-p3"]
    ticket = data.draw(sst.tickets(policy, max_events=30, consistent=data.draw(st.booleans())))
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    line = build_timeline(ticket, to_us(last), policy.plan.pause_statuses)
    for t in sorted({line.created - 1, *(x + d for span in line.resolved for x in span if x for d in (-1, 0, 1))}):
        begun = [(a, b) for a, b in line.resolved if a <= t]
        expected = begun[-1][0] if begun and (begun[-1][1] is None or begun[-1][1] > t) else None
        assert resolution_at(line, t) == expected
