"""derive(): every per-ticket value beyond the SLA figures, hand-worked on the p1-p3 preset.

p1-p3: Asia/Shanghai, Mon-Fri 09:00-18:00 (no holidays in September 2025; 2025-09-01 is a Monday),
survey due_within 24h, retention 3y, routes 技术支持类 -> 技术支持工程师, 售后服务类 -> 维修工程师,
投诉建议类 -> 售后主管.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import ServicePolicy, presets
from slakit.batch import evaluate_many, summarize
from slakit.batch.accumulator import quarter_after
from slakit.batch.facts import Context, TicketFacts, derive
from slakit.batch.records import InputTicket
from slakit.instants import to_us
from slakit.sla import Event, Ticket, build_timeline

SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")
CONTEXT = Context.of(POLICY)


def sh(day: int, hour: int, minute: int = 0, month: int = 9, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def facts(ticket: Ticket, as_of: datetime, policy: ServicePolicy = POLICY) -> TicketFacts:
    (result,) = evaluate_many([ticket], policy, as_of=as_of)
    assert result.ok, result.rejected
    return TicketFacts.from_result(result, Context.of(policy))


def resolved_ticket(**extra: object) -> Ticket:
    """Created Mon 09-01 17:00, first public reply Tue 09:30, resolved Tue 12:00."""
    events = (
        Event(sh(1, 17, 10), "assign", assignee="王"),
        Event(sh(2, 9, 30), "reply", author="agent"),
        Event(sh(2, 12, 0), "resolve"),
    )
    values = {"id": "T", "created_at": sh(1, 17), "priority": "P2", "events": events, **extra}
    return Ticket(**values)  # type: ignore[arg-type]


def test_first_response_in_business_and_wall_clock_hours():
    derived = facts(resolved_ticket(), sh(5, 18)).derived
    assert derived is not None
    assert derived.first_response_business_us == to_us(sh(1, 18)) - to_us(sh(1, 17)) + 30 * 60 * 10**6  # 1.5 h
    assert derived.first_response_wall_us == 16 * 3600 * 10**6 + 30 * 60 * 10**6  # 16.5 h


def test_no_reply_has_no_first_response():
    derived = facts(Ticket("T", sh(1, 9), "P1"), sh(1, 12)).derived
    assert derived is not None
    assert (derived.first_response_business_us, derived.first_response_wall_us) == (None, None)


def test_the_ticket_category_decides_type_and_route():
    one = facts(resolved_ticket(category="售后服务类/硬件维修", subject="软件卡顿"), sh(5, 18))
    assert (one.category, one.type, one.route) == ("售后服务类/硬件维修", "售后服务类", "维修工程师")
    assert one.derived is not None
    assert one.derived.category_source == "ticket"
    assert one.derived.phrase == "软件卡顿"  # the subject's phrase is counted even so
    assert (one.issue, one.issue_source) == ("软件卡顿", "subject")


def test_without_a_category_the_subject_is_classified_for_type_route_and_top_problems():
    one = facts(resolved_ticket(subject="设备无法启动了"), sh(5, 18))
    assert (one.category, one.type, one.route) == ("售后服务类/硬件维修", "售后服务类", "维修工程师")
    assert one.derived is not None
    assert one.derived.category_source == "subject"
    assert one.derived.phrase == "设备无法启动"  # the longest keyword at its position, not "无法启动"


def test_neither_category_nor_a_matching_subject():
    one = facts(resolved_ticket(subject="您好"), sh(5, 18))
    assert (one.category, one.type, one.route, one.issue) == (None, None, None, None)
    assert one.derived is not None
    assert one.derived.category_source is None


def test_complaints_go_to_the_supervisor():
    assert facts(resolved_ticket(subject="客服态度太差，我要投诉"), sh(5, 18)).route == "售后主管"


@pytest.mark.parametrize(
    ("survey_at", "as_of", "expected"),
    [
        (sh(3, 12), sh(5, 18), True),  # exactly 24 h after the resolution (Tue 12:00): at the due instant counts
        (sh(3, 12, 1), sh(5, 18), False),  # a minute late
        (None, sh(3, 11), None),  # not surveyed yet, and it still may be in time
        (None, sh(3, 12), False),  # not surveyed, and the 24 h are up
    ],
)
def test_survey_within_due_within_of_the_resolution(survey_at, as_of, expected):
    base = resolved_ticket()
    survey = {"solved": 5, "speed": 5, "attitude": 5} if survey_at is not None else None
    ticket = InputTicket(**{f: getattr(base, f) for f in ("id", "created_at", "priority", "events")},
                         survey=survey, survey_at=survey_at)  # fmt: skip
    derived = facts(ticket, as_of).derived
    assert derived is not None
    assert derived.survey_on_time is expected
    assert derived.survey_dated is (survey_at is not None)


def test_unresolved_tickets_owe_no_survey_and_have_no_retention():
    derived = facts(Ticket("T", sh(1, 9), "P1"), sh(26, 18)).derived
    assert derived is not None
    assert (derived.survey_on_time, derived.retain_until) == (None, None)


def test_retain_until_three_calendar_years_after_the_local_resolution_day():
    derived = facts(resolved_ticket(), sh(5, 18)).derived
    assert derived is not None
    assert derived.retain_until == date(2028, 9, 2)
    # resolved 29 February 2024, 23:30 in Shanghai (15:30 UTC): the local day counts, then 1 March 2027
    leap = Ticket("L", sh(29, 9, month=2, year=2024), "P3", events=(Event(sh(29, 23, 30, 2, 2024), "resolve"),))
    derived = facts(leap, sh(1, 9, month=3, year=2024)).derived
    assert derived is not None
    assert derived.retain_until == date(2027, 3, 1)


def test_no_retention_without_the_key():
    config = presets.config("p1-p3")
    del config["retention"]
    derived = facts(resolved_ticket(), sh(5, 18), ServicePolicy.from_config(config)).derived
    assert derived is not None
    assert derived.retain_until is None


def test_derive_is_what_from_result_uses():
    ticket = resolved_ticket(subject="设备无法启动")
    as_of = sh(5, 18)
    line = build_timeline(ticket, to_us(as_of), frozenset())
    assert facts(ticket, as_of).derived == derive(ticket, line, to_us(sh(2, 12)), CONTEXT)


@pytest.mark.parametrize(
    ("as_of", "end"),
    [
        (date(2025, 9, 26), date(2025, 12, 26)),
        (date(2025, 11, 30), date(2026, 2, 28)),  # no 30 February: the month's last day
        (date(2023, 11, 30), date(2024, 2, 29)),
        (date(2025, 12, 31), date(2026, 3, 31)),
    ],
)
def test_the_quarter_after_the_as_of(as_of, end):
    assert quarter_after(as_of) == (as_of, end)


def test_next_quarter_counts_from_the_day_after():
    # resolved 2022-09-26 .. retained until 2025-09-26 (ended on the as-of day), 2022-09-27 -> 2025-09-27 (in),
    # 2022-12-26 -> 2025-12-26 (in, the last day), 2022-12-27 -> 2025-12-27 (after the window)
    days = [date(2022, 9, 26), date(2022, 9, 27), date(2022, 12, 26), date(2022, 12, 27)]
    tickets = [
        Ticket(f"T{i}", datetime(d.year, d.month, d.day, 9, tzinfo=SH), "P3",
               events=(Event(datetime(d.year, d.month, d.day, 10, tzinfo=SH), "resolve"),))
        for i, d in enumerate(days)
    ]  # fmt: skip
    as_of = sh(26, 18)
    summary = summarize(evaluate_many(tickets, POLICY, as_of=as_of), by=())
    assert summary.to_dict()["overall"]["retention"] == {
        "ending_next_quarter": 2,
        "ended": 1,
        "after": "2025-09-26",
        "until": "2025-12-26",
    }


ROUTES = {  # the p1-p3 file's routes, read from the YAML itself (not from the code under test)
    name: spec["route"] for name, spec in presets.config("p1-p3")["classification"]["types"].items()
}


@given(st.text(alphabet="设备无法启动软件卡顿退货我要投诉态度您好 abcxyz", max_size=20))
def test_without_a_category_type_and_route_follow_the_classifier(subject):
    line = build_timeline(Ticket("T", sh(1, 9), "P3", subject=subject), to_us(sh(1, 10)), frozenset())
    derived = derive(Ticket("T", sh(1, 9), "P3", subject=subject), line, None, CONTEXT)
    found = POLICY.classifier.classify(subject) if subject else None
    if found is None:
        assert (derived.category, derived.type, derived.route, derived.phrase) == (None, None, None, None)
    else:
        assert derived.category == found.category
        assert derived.type == found.category.split("/")[0]
        assert derived.route == ROUTES[derived.type]
        assert derived.phrase in found.keywords
        assert derived.phrase in subject
        assert derived.category_source == "subject"
