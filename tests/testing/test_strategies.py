"""The strategies produce only valid values and reach the edge cases."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from slakit import ServicePolicy, presets
from slakit.calendar import DayKind
from slakit.errors import ConfigError, NaiveDatetimeError
from slakit.sla import evaluate
from slakit.survey import SurveyScheme
from slakit.testing import strategies as sst

POLICY = presets.load("p1-p3")
SCHEME = SurveyScheme.from_config({"dimensions": ["efficiency", "ability", "attitude"], "follow_up_below": 4})
PARTIAL = SurveyScheme.from_config({"scale": [0, 10], "dimensions": ["a", "b"], "allow_partial": True})


@given(sst.policies().flatmap(lambda p: sst.tickets(p).map(lambda t: (p, t))), sst.durations())
def test_every_generated_ticket_evaluates(policy_and_ticket, offset):
    policy, ticket = policy_and_ticket
    report = evaluate(ticket, policy, as_of=ticket.created_at + offset)
    for status in report.values():
        assert status.elapsed + status.remaining == status.target


@given(sst.tickets(POLICY))
def test_preset_tickets_evaluate_at_their_last_event(ticket):
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    evaluate(ticket, POLICY, as_of=last + timedelta(days=1))


@given(sst.calendars(), sst.durations(), st.data())
def test_calendars_and_instants_work_together(cal, d, data):
    start = data.draw(sst.aware_datetimes(cal))
    assert cal.elapsed(start, cal.add(start, d)) == d


@given(sst.survey_responses(SCHEME))
def test_survey_responses_score(answers):
    assert SCHEME.score(answers).overall >= 1


@given(sst.survey_responses(PARTIAL))
def test_partial_survey_responses_score(answers):
    assert 0 <= PARTIAL.score(answers).overall <= 10


# no shrinking: finding one example is the point, and shrinking tickets is slow
SAMPLE = settings(max_examples=2000, suppress_health_check=list(HealthCheck), database=None, phases=[Phase.generate])


def test_tickets_reach_pauses_reopenings_priority_changes_and_extensions():
    def has(kind, **fields):
        return lambda t: any(e.type == kind and all(getattr(e, k) == v for k, v in fields.items()) for e in t.events)

    find(sst.tickets(POLICY), has("status", status="pending_customer"), settings=SAMPLE)
    find(sst.tickets(POLICY), has("reopen"), settings=SAMPLE)
    find(sst.tickets(POLICY), has("priority"), settings=SAMPLE)
    find(sst.tickets(POLICY), has("extend", customer_agreed=True), settings=SAMPLE)


def test_calendars_and_instants_reach_dst_days_holidays_and_makeup_days():
    dst_days = {date(2025, 3, 9), date(2025, 3, 30), date(2025, 11, 2), date(2025, 10, 26)}
    find(sst.aware_datetimes(), lambda at: at.astimezone(at.tzinfo).date() in dst_days and
         str(at.tzinfo) in sst.DST_ZONES, settings=SAMPLE)  # fmt: skip
    cn = presets.load("p1-p3").sla.default_calendar
    find(sst.aware_datetimes(cn), lambda at: cn.schedule(at.date()).kind is DayKind.HOLIDAY, settings=SAMPLE)
    find(sst.aware_datetimes(cn), lambda at: cn.schedule(at.date()).kind is DayKind.MAKEUP_WORKDAY, settings=SAMPLE)
    find(sst.calendars(), lambda cal: any("22:00-04:00" in h for h in cal.config.hours.values()), settings=SAMPLE)


# -- options -----------------------------------------------------------------------------------------


def reopened_without_resolve(ticket):
    resolved = False
    for event in ticket.events:
        if event.type == "reopen" and not resolved:
            return True
        resolved = event.type in ("resolve", "close") or (resolved and event.type != "reopen")
    return False


@given(sst.tickets(POLICY, consistent=False), sst.durations())
def test_careless_histories_evaluate_too(ticket, offset):
    report = evaluate(ticket, POLICY, as_of=ticket.created_at + offset)
    for status in report.values():
        assert status.elapsed + status.remaining == status.target


def acted_after_close(ticket):
    types = [e.type for e in ticket.events]
    return "close" in types and any(kind != "reopen" for kind in types[types.index("close") + 1 :])


def test_careless_histories_reach_what_consistent_ones_never_do():
    careless = sst.tickets(POLICY, consistent=False)
    find(careless, reopened_without_resolve, settings=SAMPLE)
    find(careless, acted_after_close, settings=SAMPLE)
    find(careless, lambda t: [e.status for e in t.events if e.type == "status"][:1] == ["open"], settings=SAMPLE)


@given(sst.tickets(POLICY))
def test_consistent_histories_never_reopen_unresolved_tickets_or_act_after_a_close(ticket):
    assert not reopened_without_resolve(ticket)
    closed = False
    for event in ticket.events:
        assert not closed or event.type == "reopen"
        closed = event.type == "close" or (closed and event.type != "reopen")


CUSTOM_PAUSES = ServicePolicy.from_config({**presets.config("p1-p3"), "pause_statuses": ["waiting_vendor"]})


@given(sst.tickets(CUSTOM_PAUSES, event_types=["status", "reply"]))
def test_event_types_restrict_the_events_and_pauses_are_the_policys(ticket):
    assert {e.type for e in ticket.events} <= {"status", "reply"}
    assert {e.status for e in ticket.events if e.type == "status"} <= {"waiting_vendor", "in_progress", "open"}


def test_custom_pause_statuses_are_reached():
    find(sst.tickets(CUSTOM_PAUSES), lambda t: any(e.status == "waiting_vendor" for e in t.events), settings=SAMPLE)


def test_unknown_event_types_are_errors():
    with pytest.raises(ConfigError, match="'event_types' must be event types among reply"):
        sst.tickets(POLICY, event_types=["reply", "call"])


LOW, HIGH = datetime(2025, 10, 3, 12, tzinfo=UTC), datetime(2025, 10, 12, tzinfo=UTC)


@given(st.one_of(sst.aware_datetimes(min_value=LOW, max_value=HIGH), sst.aware_datetimes(
    POLICY.sla.default_calendar, min_value=LOW, max_value=HIGH)))  # fmt: skip
def test_instants_stay_within_their_bounds(at):
    assert LOW <= at <= HIGH


@given(st.one_of(sst.aware_datetimes(resolution=timedelta(minutes=1)), sst.aware_datetimes(
    POLICY.sla.default_calendar, resolution=timedelta(minutes=1))))  # fmt: skip
def test_resolution_keeps_instants_on_the_grid(at):
    assert at.second == at.microsecond == 0
    assert at.astimezone(UTC).second == 0


def test_bounded_instants_still_reach_edge_days_and_openings():
    cn = POLICY.sla.default_calendar
    find(sst.aware_datetimes(min_value=LOW, max_value=HIGH), lambda at: at.astimezone(UTC).date() == date(2025, 10, 5),
         settings=SAMPLE)  # fmt: skip
    opening = datetime(2025, 10, 11, 9, tzinfo=cn.timezone)  # a make-up workday
    find(sst.aware_datetimes(cn, min_value=LOW, max_value=HIGH), lambda at: at == opening, settings=SAMPLE)


@given(sst.durations(max_value=timedelta(hours=2)))
def test_durations_stay_within_max_value(d):
    assert timedelta(0) <= d <= timedelta(hours=2)


def test_bad_bounds_are_errors():
    with pytest.raises(ConfigError, match="'max_value'"):
        sst.durations(max_value=timedelta(hours=-1))
    with pytest.raises(ConfigError, match="'max_value' must be at or after 'min_value'"):
        sst.aware_datetimes(min_value=HIGH, max_value=LOW)
    with pytest.raises(ConfigError, match="'resolution' must be a positive duration"):
        sst.aware_datetimes(resolution=timedelta(0))
    with pytest.raises(NaiveDatetimeError, match="'min_value'"):
        sst.aware_datetimes(min_value=datetime(2025, 1, 1))
