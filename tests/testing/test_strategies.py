"""The strategies produce only valid values and reach the edge cases."""

from datetime import date, timedelta

from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from slakit import presets
from slakit.calendar import DayKind
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


SAMPLE = settings(max_examples=2000, suppress_health_check=list(HealthCheck), database=None)


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
    cn = presets.load("p1-p3").default_calendar
    find(sst.aware_datetimes(cn), lambda at: cn.schedule(at.date()).kind is DayKind.HOLIDAY, settings=SAMPLE)
    find(sst.aware_datetimes(cn), lambda at: cn.schedule(at.date()).kind is DayKind.MAKEUP_WORKDAY, settings=SAMPLE)
    find(sst.calendars(), lambda cal: any("22:00-04:00" in h for h in cal.config.hours.values()), settings=SAMPLE)
