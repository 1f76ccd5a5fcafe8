"""The calendar's contract, rule by rule, on hand-checked examples."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slakit.calendar import HORIZON_YEARS, BusinessCalendar, DayKind
from slakit.errors import ConfigError, NaiveDatetimeError, SlakitError, UnsatisfiableError
from slakit.instants import to_us

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)

CONTRACT_EXAMPLE = {
    "timezone": "Asia/Shanghai",
    "hours": {"mon-fri": ["09:00-12:00", "13:30-18:00"], "sat": ["09:00-12:00"]},
    "holidays": {"country": "CN", "subdivision": None},
    "extra_holidays": ["2025-12-31"],
    "extra_workdays": ["2025-12-27"],
    "special_hours": {"2025-12-24": ["09:00-12:00"]},
}


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar.from_config(CONTRACT_EXAMPLE)


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    """The presets' calendar: Mon-Fri 09:00-18:00, Asia/Shanghai, CN holidays."""
    return BusinessCalendar.from_config(
        {"timezone": "Asia/Shanghai", "hours": {"mon-fri": ["09:00-18:00"]}, "holidays": {"country": "CN"}}
    )


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


# -- half-open intervals, closes and lunch breaks ---------------------------------------------------


def test_intervals_are_half_open(cal):
    assert cal.is_open(sh(2025, 9, 22, 9, 0))
    assert cal.is_open(sh(2025, 9, 22, 11, 59, 59, 999999))
    assert not cal.is_open(sh(2025, 9, 22, 12, 0))
    assert not cal.is_open(sh(2025, 9, 22, 18, 0))


def test_deadline_using_the_last_minute_is_the_close_itself(cal):
    assert cal.add(sh(2025, 9, 22, 17, 0), H) == sh(2025, 9, 22, 18, 0)
    assert cal.add(sh(2025, 9, 22, 11, 0), H) == sh(2025, 9, 22, 12, 0)


def test_lunch_break_is_skipped(cal):
    assert cal.add(sh(2025, 9, 22, 11, 0), 2 * H) == sh(2025, 9, 22, 14, 30)
    assert cal.elapsed(sh(2025, 9, 22, 11, 0), sh(2025, 9, 22, 14, 30)) == 2 * H


def test_add_zero_is_start_even_when_closed(cal):
    closed = sh(2025, 9, 22, 12, 30)
    assert cal.add(closed, timedelta(0)) == closed


def test_start_in_closed_time_counts_from_next_opening(cal):
    assert cal.add(sh(2025, 9, 22, 12, 30), timedelta(minutes=30)) == sh(2025, 9, 22, 14, 0)
    assert cal.add(sh(2025, 9, 22, 20, 0), H) == sh(2025, 9, 23, 10, 0)


def test_saturday_morning_hours(cal):
    # Friday 17:00 + 2h: one hour on Friday, one on Saturday morning.
    assert cal.add(sh(2025, 9, 19, 17, 0), 2 * H) == sh(2025, 9, 20, 10, 0)


def test_negative_duration_walks_backwards(cal):
    # Monday 10:00 - 2h: 1h on Monday morning, Sunday closed, 1h of Saturday's 09:00-12:00.
    assert cal.add(sh(2025, 9, 22, 10, 0), -2 * H) == sh(2025, 9, 20, 11, 0)
    # The latest instant: all of Saturday's 3 hours back from Monday 09:00 is Saturday 09:00.
    assert cal.add(sh(2025, 9, 22, 9, 0), -3 * H) == sh(2025, 9, 20, 9, 0)


def test_elapsed_is_antisymmetric(cal):
    a, b = sh(2025, 9, 19, 10, 0), sh(2025, 9, 22, 10, 0)
    assert cal.elapsed(a, b) == timedelta(hours=6, minutes=30) + 3 * H + H  # Fri, Sat, Mon morning
    assert cal.elapsed(b, a) == -cal.elapsed(a, b)


def test_results_are_exact_to_the_microsecond(cal):
    start = sh(2025, 9, 22, 11, 59, 59, 999999)
    assert cal.add(start, timedelta(microseconds=2)) == sh(2025, 9, 22, 13, 30, 0, 1)


# -- holidays, make-up workdays, extra days, special hours -------------------------------------------


def test_china_national_day_week_2025(office):
    # Tue 30 Sep 17:00 + 2h: 1h that day; 1-8 Oct closed (holidays and the weekend between).
    assert office.add(sh(2025, 9, 30, 17, 0), 2 * H) == sh(2025, 10, 9, 10, 0)
    assert office.elapsed(sh(2025, 10, 1), sh(2025, 10, 9)) == timedelta(0)


def test_china_makeup_sunday_and_saturday_are_workdays(office):
    assert office.is_open(sh(2025, 9, 28, 10, 0))  # Sunday before National Day
    assert office.is_open(sh(2025, 10, 11, 10, 0))  # Saturday after
    assert not office.is_open(sh(2025, 10, 12, 10, 0))  # an ordinary Sunday
    # Fri 26 Sep 17:00 + 2h: 1h Friday, then the make-up Sunday 28 Sep.
    assert office.add(sh(2025, 9, 26, 17, 0), 2 * H) == sh(2025, 9, 28, 10, 0)


def test_makeup_workday_uses_workday_hours_not_weekend_hours(cal):
    # Sat 11 Oct 2025 is a make-up workday: full workday hours, not Saturday's morning only.
    assert cal.is_open(sh(2025, 10, 11, 15, 0))
    assert cal.schedule(date(2025, 10, 11)).kind == "makeup_workday"


@pytest.mark.parametrize("day", ["2025-01-01", 20250101, None, datetime(2025, 1, 1, tzinfo=UTC)])
def test_schedule_of_anything_but_a_date_names_the_argument(cal, day):
    """Issue 16: ``schedule("2025-01-01")`` raised AttributeError; a datetime's date depends on a zone."""
    with pytest.raises(ConfigError, match=r"^'day' must be a date such as date\(2025, 1, 1\)"):
        cal.schedule(day)


def test_public_holiday_is_closed_and_named(cal):
    assert not cal.is_open(sh(2025, 10, 1, 10, 0))
    day = cal.schedule(date(2025, 10, 1))
    assert day.kind == "holiday"
    assert day.name == "National Day"


def test_extra_holiday_and_extra_workday(cal):
    assert not cal.is_open(sh(2025, 12, 31, 10, 0))  # a Wednesday made a holiday
    assert cal.is_open(sh(2025, 12, 27, 15, 0))  # a Saturday made a workday, with workday hours


def test_special_hours_override_the_day(cal):
    assert cal.is_open(sh(2025, 12, 24, 11, 0))
    assert not cal.is_open(sh(2025, 12, 24, 14, 0))
    assert cal.add(sh(2025, 12, 24, 11, 0), 2 * H) == sh(2025, 12, 25, 10, 0)


def test_special_hours_beat_a_public_holiday():
    cal = BusinessCalendar.from_config(
        {
            "timezone": "Asia/Shanghai",
            "hours": {"mon-fri": "09:00-18:00"},
            "holidays": "CN",
            "special_hours": {"2025-10-01": ["10:00-11:00"]},
        }
    )
    assert cal.elapsed(sh(2025, 10, 1), sh(2025, 10, 2)) == H


def test_holidays_are_computed_for_any_year():
    cal = BusinessCalendar.from_config(
        {"timezone": "Asia/Shanghai", "hours": {"mon-fri": "09:00-18:00"}, "holidays": "CN"}
    )
    assert not cal.is_open(sh(2031, 10, 1, 10, 0))
    assert not cal.is_open(sh(2012, 10, 1, 10, 0))
    assert cal.is_open(sh(2031, 10, 9, 10, 0))


# -- DST ---------------------------------------------------------------------------------------------


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


def test_new_york_spring_forward_day_is_an_hour_shorter():
    cal = BusinessCalendar.from_config({"timezone": "America/New_York", "hours": {"sun": "00:00-06:00"}})
    assert cal.elapsed(ny(2025, 3, 9), ny(2025, 3, 10)) == 5 * H
    assert cal.add(ny(2025, 3, 9), 3 * H) == ny(2025, 3, 9, 4, 0)
    assert cal.add(ny(2025, 3, 9), 5 * H) == ny(2025, 3, 9, 6, 0)


def test_new_york_fall_back_day_is_an_hour_longer():
    cal = BusinessCalendar.from_config({"timezone": "America/New_York", "hours": {"sun": "00:00-06:00"}})
    assert cal.elapsed(ny(2025, 11, 2), ny(2025, 11, 3)) == 7 * H
    assert cal.add(ny(2025, 11, 2), 2 * H) == ny(2025, 11, 2, 1, 0, fold=1)
    assert cal.add(ny(2025, 11, 2), 2 * H).utcoffset() == timedelta(hours=-5)


def test_new_york_weekend_opening_inside_the_gap_moves_forward():
    # 02:30 does not exist on 9 March 2025: the interval opens when the clock shows 03:30.
    cal = BusinessCalendar.from_config({"timezone": "America/New_York", "hours": {"sat-sun": "02:30-04:00"}})
    assert cal.elapsed(ny(2025, 3, 8), ny(2025, 3, 10)) == timedelta(hours=1, minutes=30) + timedelta(minutes=30)
    assert cal.next_open(ny(2025, 3, 9, 1, 0)) == ny(2025, 3, 9, 3, 30)


def test_always_open_counts_real_time_across_dst():
    cal = BusinessCalendar.always_open("America/New_York")
    assert cal.elapsed(ny(2025, 3, 9), ny(2025, 3, 10)) == 23 * H
    assert cal.elapsed(ny(2025, 11, 2), ny(2025, 11, 3)) == 25 * H


def test_always_open_counts_real_time_when_dst_starts_at_midnight():
    # issue 16: the 24:00 closing of the day before the change is in the gap; it moved backwards
    santiago = BusinessCalendar.always_open("America/Santiago")
    start, end = datetime(2024, 9, 7, 12, tzinfo=UTC), datetime(2024, 9, 9, 12, tzinfo=UTC)
    assert santiago.elapsed(start, end) == 48 * H
    assert list(santiago.intervals(start, end)) == [(start, end)]
    cairo = ZoneInfo("Africa/Cairo")  # 2025-04-25 00:00 EET does not exist: the clock jumps to 01:00 EEST
    at = datetime(2025, 4, 24, 23, 30, tzinfo=cairo)  # 21:30 UTC, half an hour before the jump
    assert at.utcoffset() == 2 * H
    assert BusinessCalendar.always_open("Africa/Cairo").is_open(at)
    for key in ("America/Havana", "Asia/Beirut", "America/Sao_Paulo", "America/Asuncion", "Asia/Tehran"):
        cal = BusinessCalendar.always_open(key)
        start, end = datetime(2015, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)
        assert cal.elapsed(start, end) == end - start, key


def test_a_closing_inside_the_gap_moves_forward_like_an_opening():
    # 02:30 does not exist on 9 March 2025 in New York: read on the clock of before the jump it is
    # 03:30 EDT, so 00:00-02:30 is open two and a half real hours, as written
    cal = BusinessCalendar.from_config({"timezone": "America/New_York", "hours": {"sun": "00:00-02:30"}})
    assert cal.elapsed(ny(2025, 3, 9), ny(2025, 3, 10)) == timedelta(hours=2, minutes=30)
    assert cal.add(ny(2025, 3, 9), timedelta(hours=2, minutes=30)) == ny(2025, 3, 9, 3, 30)
    assert cal.is_open(ny(2025, 3, 9, 3, 29))
    assert not cal.is_open(ny(2025, 3, 9, 3, 30))
    # an interval wholly inside the gap keeps its length after it
    inside = BusinessCalendar.from_config({"timezone": "America/New_York", "hours": {"sun": "02:15-02:45"}})
    assert list(inside.intervals(ny(2025, 3, 9), ny(2025, 3, 10))) == [(ny(2025, 3, 9, 3, 15), ny(2025, 3, 9, 3, 45))]


def test_a_24_00_end_that_is_ambiguous_is_the_next_days_first_instant():
    # Havana, 2 November 2025: at 01:00 CDT the clock goes back to 00:00 CST, so Sunday's first hour
    # happens twice. Saturday's 24:00 is Sunday 00:00 CDT (its first occurrence).
    havana = ZoneInfo("America/Havana")
    cal = BusinessCalendar.from_config({"timezone": "America/Havana", "hours": {"sat": "00:00-24:00"}})
    saturday, sunday = datetime(2025, 11, 1, tzinfo=havana), datetime(2025, 11, 2, tzinfo=havana)
    assert cal.elapsed(saturday, sunday + 2 * H) == 24 * H
    assert not cal.is_open(datetime(2025, 11, 2, 0, 30, tzinfo=havana))  # first occurrence: Sunday
    assert not cal.is_open(datetime(2025, 11, 2, 0, 30, fold=1, tzinfo=havana))
    assert cal.is_open(sunday - timedelta(microseconds=1))
    assert cal.add(saturday, 24 * H) == sunday
    # the same with a night shift ending at midnight, and any other ambiguous closing takes the second
    night = BusinessCalendar.from_config({"timezone": "America/Havana", "hours": {"sat": "22:00-00:00"}})
    assert night.elapsed(saturday, sunday + 2 * H) == 2 * H
    late = BusinessCalendar.from_config({"timezone": "America/Havana", "hours": {"sat": "22:00-00:30"}})
    assert late.elapsed(saturday, sunday + 3 * H) == timedelta(hours=3, minutes=30)
    assert late.is_open(datetime(2025, 11, 2, 0, 15, fold=1, tzinfo=havana))


# -- 24x7, night shifts, zones -----------------------------------------------------------------------


def test_always_open_adds_plain_time():
    cal = BusinessCalendar.always_open("UTC")
    start = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert cal.add(start, 72 * H) == start + 72 * H
    assert cal.add(start, timedelta(days=800)) == start + timedelta(days=800)
    assert cal.is_open(start)
    assert list(cal.intervals(start, start + 72 * H)) == [(start, start + 72 * H)]


def test_night_shift_belongs_to_the_day_it_starts():
    cal = BusinessCalendar.from_config({"timezone": "UTC", "hours": {"mon": "22:00-06:00"}})
    monday = datetime(2025, 9, 22, tzinfo=UTC)
    assert cal.is_open(monday + timedelta(days=1, hours=5))  # Tuesday 05:00
    assert not cal.is_open(monday + timedelta(hours=5))  # Monday 05:00 (Sunday has no shift)
    assert cal.elapsed(monday, monday + timedelta(days=7)) == 8 * H


def test_answers_in_the_calendars_zone_whatever_the_input_zone(cal):
    start = datetime(2025, 9, 22, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    result = cal.add(start, H)
    assert result == sh(2025, 9, 22, 10, 0)
    assert result.tzinfo == SH
    assert cal.next_open(datetime(2025, 9, 22, 2, 0, tzinfo=UTC)).tzinfo == SH


def test_next_open(cal):
    assert cal.next_open(sh(2025, 9, 22, 10, 0)) == sh(2025, 9, 22, 10, 0)
    assert cal.next_open(sh(2025, 9, 22, 12, 0)) == sh(2025, 9, 22, 13, 30)
    assert cal.next_open(sh(2025, 9, 30, 18, 0)) == sh(2025, 10, 4, 9, 0)  # Golden Week Saturday is open


def test_intervals_are_clipped_and_ordered(cal):
    got = list(cal.intervals(sh(2025, 9, 22, 10, 0), sh(2025, 9, 23, 10, 0)))
    assert got == [
        (sh(2025, 9, 22, 10, 0), sh(2025, 9, 22, 12, 0)),
        (sh(2025, 9, 22, 13, 30), sh(2025, 9, 22, 18, 0)),
        (sh(2025, 9, 23, 9, 0), sh(2025, 9, 23, 10, 0)),
    ]
    assert list(cal.intervals(sh(2025, 9, 23), sh(2025, 9, 22))) == []


def test_intervals_over_a_half_hour_fall_back_last_their_real_time():
    # Found by hypothesis: Lord Howe Island puts its clocks back 30 minutes at 02:00 on 6 April
    # 2025, so 00:30-01:30 (the closing taken at its second occurrence) lasts 1h30m. Subtracting
    # two datetimes of one zone is wall-clock arithmetic and says 1h: measure in real time.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    night = BusinessCalendar.from_config({"timezone": "Australia/Lord_Howe", "hours": {"sun": ["00:30-01:30"]}})
    start, end = datetime(2025, 4, 5, 12, tzinfo=UTC), datetime(2025, 4, 6, 12, tzinfo=UTC)
    ((open_, close),) = night.intervals(start, end)
    assert (open_, close) == (
        datetime(2025, 4, 6, 0, 30, tzinfo=lord_howe),
        datetime(2025, 4, 6, 1, 30, fold=1, tzinfo=lord_howe),
    )
    assert close.astimezone(UTC) - open_.astimezone(UTC) == night.elapsed(start, end) == timedelta(minutes=90)


def test_spans_years_and_far_dates(cal):
    a, b = sh(2024, 12, 31, 17, 0), sh(2026, 1, 5, 10, 0)
    assert cal.add(a, cal.elapsed(a, b)) == b
    assert cal.elapsed(sh(1990, 1, 1), sh(1990, 1, 8)) > timedelta(0)


# -- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["add", "elapsed", "is_open", "next_open", "intervals"])
def test_naive_datetimes_are_rejected_naming_the_parameter(cal, method):
    naive = datetime(2025, 9, 22, 10, 0)
    aware = sh(2025, 9, 22, 10, 0)
    args = {
        "add": (naive, H),
        "elapsed": (aware, naive),
        "is_open": (naive,),
        "next_open": (naive,),
        "intervals": (naive, aware),
    }[method]
    with pytest.raises(NaiveDatetimeError) as info:  # intervals() checks before it is iterated
        getattr(cal, method)(*args)
    expected = {"add": "start", "elapsed": "end", "is_open": "at", "next_open": "at", "intervals": "start"}[method]
    assert info.value.parameter == expected
    assert f"'{expected}'" in str(info.value)


def test_duration_must_be_a_timedelta(cal):
    with pytest.raises(ConfigError, match="'duration' must be a timedelta"):
        cal.add(sh(2025, 9, 22), "2h")  # type: ignore[arg-type]


def test_unsatisfiable_deadline_raises_instead_of_looping():
    cal = BusinessCalendar.from_config({"timezone": "UTC", "special_hours": {"2025-01-06": ["09:00-10:00"]}})
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    assert cal.add(start, H) == start + H
    with pytest.raises(UnsatisfiableError, match="100 years"):
        cal.add(start, 2 * H)
    with pytest.raises(UnsatisfiableError):
        cal.next_open(start + H)
    with pytest.raises(UnsatisfiableError):
        cal.add(start, -2 * H)


# -- the horizon and the edges of the computable years (issue 16) -------------------------------------


def test_a_question_spanning_more_than_the_horizon_is_refused_at_once():
    # elapsed over years 2-9998 took 62 s on a 24x7 calendar (and never ended with 1,440 openings a day)
    always = BusinessCalendar.always_open("UTC")
    minutes = [f"{m // 60:02d}:{m % 60:02d}-{m // 60:02d}:{m % 60:02d}:30" for m in range(1440)]
    dense = BusinessCalendar.from_config({"timezone": "UTC", "hours": {"mon-sun": minutes}})
    first, last = datetime(2, 1, 1, tzinfo=UTC), datetime(9998, 12, 31, tzinfo=UTC)
    for cal in (always, dense):
        with pytest.raises(UnsatisfiableError, match="'start' and 'end' are 9996 years apart") as info:
            cal.elapsed(first, last)
        assert "0002-01-01T00:00:00+00:00" in str(info.value)
        assert "at most 100 years" in str(info.value)
        with pytest.raises(UnsatisfiableError, match="years apart"):
            list(cal.intervals(first, last))
        with pytest.raises(UnsatisfiableError, match="years apart"):
            cal.elapsed_us(to_us(first), to_us(last))
        assert cal._table is None or cal._table.last_year - cal._table.first_year <= HORIZON_YEARS


def test_a_ruler_spans_at_most_the_horizon():
    ruler = BusinessCalendar.always_open("UTC").ruler()
    late = to_us(datetime(9998, 1, 1, tzinfo=UTC))
    assert ruler.elapsed(late, late + 86_400_000_000) == 86_400_000_000
    with pytest.raises(UnsatisfiableError, match="'t' and 'anchor' are 9996 years apart"):
        ruler.position(to_us(datetime(2, 1, 1, tzinfo=UTC)))


def test_questions_within_the_horizon_are_answered():
    cal = BusinessCalendar.always_open("America/New_York")
    start, end = ny(2000, 1, 1), ny(2100, 12, 31, 23)
    assert cal.elapsed(start, end) == end - start
    assert cal.add(start, end - start) == end
    assert cal.add(end, start - end) == start


def test_the_table_does_not_creep_across_the_millennia():
    # each question builds at most its own years and those of earlier ones within 201 years
    cal = BusinessCalendar.always_open("UTC")
    for year in range(2000, 9001, 700):
        moment = datetime(year, 6, 1, tzinfo=UTC)
        assert cal.elapsed(moment, moment + 30 * 24 * H) == 30 * 24 * H
        assert cal._table is not None
        assert cal._table.last_year - cal._table.first_year <= 2 * HORIZON_YEARS


def test_a_ruler_keeps_working_when_the_calendar_moves_its_table_away():
    cal = BusinessCalendar.from_config(CONTRACT_EXAMPLE)
    ruler = cal.ruler()
    a, b = to_us(sh(2025, 9, 22, 10)), to_us(sh(2025, 9, 29, 10))
    assert ruler.elapsed(a, b) == cal.elapsed_us(a, b)
    cal.is_open(sh(2500, 1, 1))  # another question far away swaps in another table
    c = to_us(sh(2025, 10, 9, 10))
    assert ruler.elapsed(a, c) == cal.elapsed_us(a, c)
    assert ruler.add(b, 3_600_000_000) == cal.add_us(b, 3_600_000_000)


EXTREMES = [
    (datetime.min.replace(tzinfo=ZoneInfo("Etc/GMT-14")), "0001-01-01T00:00:00+14:00"),
    (datetime.max.replace(tzinfo=ZoneInfo("Etc/GMT+12")), "9999-12-31T23:59:59.999999-12:00"),
    (datetime.max.replace(tzinfo=UTC), "9999-12-31T23:59:59.999999+00:00"),
    (datetime(1, 1, 1, 12, tzinfo=UTC), "0001-01-01T"),
]


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
@pytest.mark.parametrize(("at", "shown"), EXTREMES)
def test_instants_at_the_ends_of_the_calendar_raise_a_typed_error_naming_them(zone, at, shown):
    # OverflowError came out of these in +14 and -12 zones
    cal = BusinessCalendar.always_open(zone)
    fine = datetime(2025, 1, 1, tzinfo=UTC)
    calls = {
        "at": [lambda: cal.is_open(at), lambda: cal.next_open(at), lambda: cal.makeup_workdays_note(at)],
        "start": [lambda: cal.add(at, H), lambda: cal.add(at, -H), lambda: cal.elapsed(at, at)],
        "end": [lambda: cal.elapsed(fine, at), lambda: list(cal.intervals(fine, at))],
    }
    for parameter, questions in calls.items():
        for question in questions:
            with pytest.raises(UnsatisfiableError) as info:
                question()
            message = str(info.value)
            assert f"'{parameter}" in message
            assert "2..9998" in message
            assert shown in message
            assert isinstance(info.value, SlakitError)
    with pytest.raises(UnsatisfiableError, match="'start' must be an instant"):
        cal.add(at, timedelta(0))


def test_the_last_computable_years_answer_or_refuse_cleanly():
    cal = BusinessCalendar.always_open("Pacific/Kiritimati")
    late = datetime(9998, 12, 31, 23, tzinfo=cal.timezone)
    assert cal.is_open(late)
    assert cal.add(late, timedelta(minutes=30)) == late + timedelta(minutes=30)
    with pytest.raises(UnsatisfiableError, match="within 100 years after"):
        cal.add(late, 2 * H)
    early = BusinessCalendar.always_open("Etc/GMT+12")
    start = datetime(2, 1, 1, 1, tzinfo=early.timezone)
    with pytest.raises(UnsatisfiableError, match="within 100 years before"):
        early.add(start, -2 * H)


# -- make-up workdays not published yet (issue 16) ----------------------------------------------------


def test_the_calendar_knows_the_last_year_with_make_up_workdays(office):
    known = office.makeup_workdays_known_until
    assert known is not None
    assert known >= 2026

    # its meaning, read from the calendar's own days: that year has make-up workdays, the next none
    def makeup_days(year: int) -> list[date]:
        day, found = date(year - 1, 12, 1), []
        while day < date(year + 1, 1, 1):
            if office.schedule(day).kind == DayKind.MAKEUP_WORKDAY and day.year == year:
                found.append(day)
            day += timedelta(days=1)
        return found

    assert makeup_days(known)
    assert not makeup_days(known + 1)
    weekdays = {"mon-fri": "09:00-17:00"}
    assert BusinessCalendar.from_config({"timezone": "UTC", "hours": weekdays}).makeup_workdays_known_until is None
    us = BusinessCalendar.from_config({"timezone": "America/New_York", "hours": weekdays, "holidays": "US"})
    assert us.makeup_workdays_known_until is None


def test_answers_that_depend_on_a_later_year_carry_a_note(office):
    known = office.makeup_workdays_known_until
    assert known is not None
    note = f"China's make-up workdays after {known} are not published; deadlines may move"
    inside, after = sh(known, 12, 31, 23), sh(known + 1, 1, 1, 0)
    assert office.makeup_workdays_note(inside) is None
    assert office.makeup_workdays_note(inside, after) == note
    assert office.makeup_workdays_note(after.astimezone(UTC)) == note  # years are the calendar's local years
    assert office.makeup_workdays_note() is None
    assert office.makeup_workdays_note_for(known) is None
    assert office.makeup_workdays_note_for(known + 5) == note
    plain = BusinessCalendar.from_config({"timezone": "UTC", "hours": {"mon-fri": "09:00-17:00"}})
    assert plain.makeup_workdays_note(after) is None
    with pytest.raises(NaiveDatetimeError, match=r"'at\[1\]'"):
        office.makeup_workdays_note(inside, datetime(2030, 1, 1))
