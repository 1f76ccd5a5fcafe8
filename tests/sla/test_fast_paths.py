"""The engine's shortcuts give exactly what the general machinery gives.

Evaluation takes shortcuts for speed: one target all along without extensions skips the general
outcome, statuses and gaps are filled in as drafts, instants are converted with ``fromtimestamp``,
events in time order are not sorted. Each is checked here against the slow, obvious way.
"""

import random
from dataclasses import FrozenInstanceError, fields
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import presets
from slakit._time import from_us, to_us
from slakit.sla import Event, Gap, MetricState, MetricStatus, Policy, SLAReport, Ticket, engine, evaluate
from slakit.sla.report import new_gap, new_report, new_status
from slakit.sla.timeline import Timeline, _reduce, build_timeline, ordered
from slakit.testing import strategies as sst

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
    "p1-p3": presets.load("p1-p3"),
    "restart": Policy.from_config({**presets.config("p1-p3"), "on_reopen": "restart"}),
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
    plan = engine._plan(policy)
    line = build_timeline(ticket, to_us(as_of), plan.pause_statuses)
    evaluation = engine._Evaluation(ticket, plan, line, as_of)
    evaluation.plain = False
    return evaluation.report()


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
        plan = engine._plan(policy)
        line = build_timeline(ticket, to_us(created + timedelta(days=1)), plan.pause_statuses)
        assert engine._Evaluation(ticket, plan, line, created).plain is expected


# -- values made without their frozen __init__ -----------------------------------------------------


def test_new_status_is_a_metric_status_like_any_other():
    hour, now = timedelta(hours=1), datetime(2025, 9, 22, 9, tzinfo=SH)
    values = ("update", hour, MetricState.BREACHED, now, 2 * hour, -hour, False, now, None, now, "default", True, 1)
    gap = Gap(now, None, 2 * hour, now)
    made = new_status(*values, (gap,), (), None)
    built = MetricStatus(*values, gaps=(gap,), extensions=())
    assert type(made) is MetricStatus
    assert made == built
    assert hash(made) == hash(built)
    assert repr(made) == repr(built)
    assert [getattr(made, f.name) for f in fields(MetricStatus)] == [getattr(built, f.name) for f in fields(built)]
    with pytest.raises(FrozenInstanceError):
        made.state = MetricState.MET  # type: ignore[misc]


@pytest.mark.parametrize(("make", "cls"), [(new_status, MetricStatus), (new_gap, Gap), (new_report, SLAReport)])
def test_the_fast_constructors_set_every_field_in_order(make, cls):
    # a field added to the class must be added to its constructor too (new_status also takes the trace)
    parameters = make.__code__.co_varnames[: make.__code__.co_argcount]
    assert [name for name in parameters if name != "trace"] == [f.name for f in fields(cls)]


def test_new_gap_and_new_report_are_their_classes_too():
    hour, now = timedelta(hours=1), datetime(2025, 9, 22, 9, tzinfo=SH)
    gap = new_gap(now, now + hour, hour, now)
    assert type(gap) is Gap
    assert gap == Gap(now, now + hour, hour, now)
    with pytest.raises(FrozenInstanceError):
        gap.elapsed = hour  # type: ignore[misc]
    report = new_report("T", now, "P1", {}, None, (), (), {})
    assert type(report) is SLAReport
    assert report == SLAReport("T", now, "P1", {}, None)
    with pytest.raises(FrozenInstanceError):
        report.priority = "P2"  # type: ignore[misc]


# -- instants ---------------------------------------------------------------------------------------

ZONES = [ZoneInfo(name) for name in ("Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin")]


FIRST, LAST = to_us(datetime(2, 1, 2, tzinfo=UTC)), to_us(datetime(9998, 12, 30, tzinfo=UTC))  # what calendars reach


@given(st.integers(FIRST, LAST), st.sampled_from(ZONES))
def test_instants_convert_as_from_us_does(us, zone):
    evaluation = object.__new__(engine._Evaluation)
    evaluation._instants = {}
    evaluation.zone = zone
    converted = evaluation._dt(us)
    expected = from_us(us, zone)
    assert converted == expected
    assert (converted.fold, converted.tzinfo, converted.isoformat()) == (
        expected.fold,
        expected.tzinfo,
        expected.isoformat(),
    )


@pytest.mark.parametrize("zone", ZONES)
def test_instants_around_daylight_saving_changes_keep_their_fold(zone):
    evaluation = object.__new__(engine._Evaluation)
    evaluation._instants = {}
    evaluation.zone = zone
    start = to_us(datetime(2025, 1, 1, tzinfo=UTC))
    for minutes in range(0, 366 * 24 * 60, 7):
        us = start + minutes * 60_000_000 + minutes % 3
        converted, expected = evaluation._dt(us), from_us(us, zone)
        assert (converted, converted.fold, converted.utcoffset()) == (expected, expected.fold, expected.utcoffset())


# -- event order ------------------------------------------------------------------------------------


def timeline_fields(line: Timeline) -> dict[str, object]:
    return {name: getattr(line, name) for name in Timeline.__slots__}


@given(tickets(POLICIES["p1-p3"]), offsets, st.randoms(use_true_random=False))
def test_the_timeline_takes_events_in_the_full_order_whatever_order_they_come_in(policy, ticket, offset, rng):
    as_of = to_us(ticket.created_at + offset)
    pauses = policy.config.pause_statuses
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
    as_of, pauses = to_us(created + timedelta(days=1)), policy.config.pause_statuses
    assert _reduce(ticket, (first, later), as_of, pauses, by_time=False, ties=False) is not None
    assert _reduce(ticket, (later, first), as_of, pauses, by_time=False, ties=False) is None  # out of order
    assert _reduce(ticket, (second, first), as_of, pauses, by_time=False, ties=False) is None  # simultaneous
    line = build_timeline(Ticket("T", created, "P1", events=(second, later, first)), as_of, pauses)
    assert line.first_acknowledge == to_us(created)  # the assignment at the same instant came first


# -- the per-policy plan -----------------------------------------------------------------------------


def test_plans_are_made_once_per_policy_object():
    one, other = presets.load("p1-p3"), presets.load("p1-p3")
    assert engine._plan(one) is engine._plan(one)
    assert engine._plan(other) is not engine._plan(one)
    assert engine._plan(other).policy is other


def test_the_plan_cache_stays_small():
    policies = [presets.load("p1-p3") for _ in range(engine._MAX_PLANS + 5)]
    for policy in policies:
        engine._plan(policy)
    assert len(engine._PLANS) <= engine._MAX_PLANS


def test_many_tickets_evaluate_as_in_a_batch_and_one_by_one(policy):
    # a batch shares plans and calendar tables; nothing of one ticket may leak into the next
    rng = random.Random(7)
    created = datetime(2025, 3, 3, 9, tzinfo=SH)
    batch = [Ticket(f"T{i}", created + timedelta(hours=rng.randrange(5000)), rng.choice(CODES)) for i in range(50)]
    as_of = created + timedelta(days=300)
    first = [evaluate(ticket, policy, as_of=as_of) for ticket in batch]
    fresh = Policy.from_config(presets.config("p1-p3"))
    assert [evaluate(ticket, fresh, as_of=as_of) for ticket in reversed(batch)] == first[::-1]
