"""One metric clock (``slakit.sla.track``): the bisections agree with the definitions they replace.

``in_force_from``, ``running_segments`` with ``hole_reach``, ``Track.elapsed_at`` and ``Track.reach`` find
their answer by bisection so that a ticket with many events costs n log n; each is checked here against
the plain definition, a scan of every item.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar, Rulers
from slakit.errors import UnsatisfiableError
from slakit.instants import from_us, to_us
from slakit.sla.track import (
    Track,
    due_in_stretch,
    end_of_business_day,
    first_open,
    hole_reach,
    in_force_from,
    running_segments,
)
from slakit.testing.strategies import calendar_configs

HOUR = 3_600_000_000
MONDAY = 1_741_593_600_000_000  # 2025-03-10 08:00 UTC
CALENDAR = BusinessCalendar.from_config({"timezone": "UTC", "hours": {"mon-fri": ["09:00-12:00", "13:00-18:00"]}})
instants = st.integers(MONDAY, MONDAY + 10 * 24 * HOUR).map(lambda t: t - t % (HOUR // 4))


@given(st.lists(st.integers(0, 20), max_size=8).map(sorted), st.integers(-1, 21))
def test_the_targets_in_force_from_a_start_are_a_suffix(sinces, start):
    expected = [i for i in range(len(sinces)) if i + 1 == len(sinces) or sinces[i + 1] > start]
    assert list(in_force_from(sinces, start)) == expected


@st.composite
def holes(draw):
    """Holes sorted by start, possibly overlapping (as a careless export makes them), the last perhaps open."""
    found = []
    for a in sorted(draw(st.lists(instants, max_size=12))):
        length = draw(st.one_of(st.just(0), st.integers(0, 30 * HOUR)))
        found.append((a, a + length - length % (HOUR // 4)))
    if found and draw(st.booleans()):
        found[-1] = (found[-1][0], None)
    return found


@given(holes(), instants, instants)
def test_running_segments_skip_the_holes_before_the_start_by_bisection(found, a, b):
    start, end = min(a, b), max(a, b)
    assert running_segments(start, end, found, hole_reach(found)) == running_segments(start, end, found)


def track_of(start, end, found):
    ruler = Rulers().of(CALENDAR)
    segments = running_segments(start, end, found)
    totals = ruler.running_totals(segments)
    return Track(ruler, start, end, segments, totals, totals[-1] if totals else 0)


@given(holes(), instants, instants, instants)
def test_elapsed_at_counts_the_open_time_of_the_segments_before_an_instant(found, a, b, t):
    start, end = min(a, b), max(a, b)
    track = track_of(start, end, found)
    expected = sum(track.clock.elapsed(x, min(y, t)) for x, y in track.segments if x < t)
    assert track.elapsed_at(t) == expected


@given(holes(), instants, instants, st.integers(0, 60 * HOUR).map(lambda d: d - d % (HOUR // 4)))
def test_reach_is_the_first_segment_where_the_amount_is_due(found, a, b, amount):
    start, end = min(a, b), max(a, b)
    track = track_of(start, end, found)
    if amount > track.total:
        expected = track.clock.add(end, amount - track.total)
    else:  # each segment in turn, as docs/sla.md ("Breach") has it
        expected = None
        before = 0
        last = len(track.segments) - 1
        for i, ((x, y), counted) in enumerate(zip(track.segments, track.cum_end, strict=True)):
            if counted >= amount:
                expected = due_in_stretch(track.clock, x, y, amount - before, stops=i < last or y < end)
                if expected is not None:
                    break
            before = counted
        if expected is None:
            expected = first_open(track.clock, end)
    assert track.reach(amount) == expected


# -- relative deadlines: end_of_business_day -----------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = BusinessCalendar.from_config({"timezone": "Asia/Shanghai", "hours": {"mon-fri": "09:00-18:00"}})


def _due(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    zone = calendar.timezone
    return from_us(end_of_business_day(calendar, to_us(start), days), zone)


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (_sh(2025, 9, 23, 10), 1, _sh(2025, 9, 24, 18)),  # the issue's: Tuesday 10:00, days 1 -> Wednesday 18:00
        (_sh(2025, 9, 26, 19), 0, _sh(2025, 9, 29, 18)),  # the issue's: Friday 19:00, days 0 -> Monday 18:00
        (_sh(2025, 9, 23, 7), 0, _sh(2025, 9, 23, 18)),  # before opening: the calendar opens later that day
        (_sh(2025, 9, 23, 18), 0, _sh(2025, 9, 24, 18)),  # at the closing instant: closed, so the next day
        (_sh(2025, 9, 23, 17, 59), 0, _sh(2025, 9, 23, 18)),
        (_sh(2025, 9, 27, 12), 0, _sh(2025, 9, 29, 18)),  # a Saturday
        (_sh(2025, 9, 26, 10), 1, _sh(2025, 9, 29, 18)),  # over a weekend
    ],
)
def test_a_relative_deadline_is_the_last_closing_of_the_nth_business_day(start, days, due):
    assert _due(WEEKDAYS, start, days) == due


def test_holidays_make_up_workdays_and_lunch_breaks():
    china = BusinessCalendar.from_config(
        {
            "timezone": "Asia/Shanghai",
            "hours": {"mon-fri": ["09:00-12:00", "13:00-18:00"]},
            "workday_hours": ["09:00-12:00", "13:00-18:00"],
            "holidays": {"country": "CN"},
        }
    )
    # during lunch the calendar opens again later that day: that day, closing at 18:00 (not 12:00)
    assert _due(china, _sh(2025, 9, 23, 12, 30), 0) == _sh(2025, 9, 23, 18)
    # Sunday 2025-09-28 is a make-up workday before National Day (Oct 1-8 closed), Saturday 10-11 one after it
    assert _due(china, _sh(2025, 9, 27, 10), 0) == _sh(2025, 9, 28, 18)
    assert _due(china, _sh(2025, 9, 30, 10), 1) == _sh(2025, 10, 9, 18)
    assert _due(china, _sh(2025, 10, 1, 10), 0) == _sh(2025, 10, 9, 18)
    assert _due(china, _sh(2025, 10, 9, 10), 1) == _sh(2025, 10, 10, 18)
    assert _due(china, _sh(2025, 10, 10, 10), 1) == _sh(2025, 10, 11, 18)


def test_a_dst_change_moves_the_closing_as_it_moves_any():
    berlin = BusinessCalendar.from_config({"timezone": "Europe/Berlin", "hours": {"mon-sun": "09:00-18:00"}})
    zone = ZoneInfo("Europe/Berlin")
    # 2025-03-30: clocks go forward at 02:00; the day still closes at 18:00 local (16:00 UTC)
    assert _due(berlin, datetime(2025, 3, 29, 10, tzinfo=zone), 1) == datetime(2025, 3, 30, 18, tzinfo=zone)
    assert _due(berlin, datetime(2025, 3, 29, 10, tzinfo=zone), 1).astimezone(UTC).hour == 16
    night = BusinessCalendar.from_config({"timezone": "Europe/Berlin", "hours": {"sat": "20:00-03:00"}})
    # the night shift of Saturday 2025-10-25 runs past midnight into the night the 02:00-03:00 hour repeats: it
    # closes at 03:00 CET, on the next date
    assert _due(night, datetime(2025, 10, 25, 12, tzinfo=zone), 0) == datetime(2025, 10, 26, 3, tzinfo=zone)


def test_a_calendar_that_never_opens_again_is_refused():
    once = BusinessCalendar.from_config(
        {"timezone": "UTC", "hours": {}, "special_hours": {"2025-01-02": ["09:00-10:00"]}}
    )
    assert _due(once, datetime(2025, 1, 1, tzinfo=UTC), 0) == datetime(2025, 1, 2, 10, tzinfo=UTC)
    with pytest.raises(UnsatisfiableError):
        end_of_business_day(once, to_us(datetime(2025, 1, 2, 12, tzinfo=UTC)), 0)


def _reference_due(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """The rule as the issue states it, walking days with the calendar's day-level API: the start's own local
    date when the calendar opens again later that day (a date's hours close after the start), else the next
    business day; then ``days`` business days on; due at that day's last closing (wall times by the documented
    rule: a closing in a DST gap moves on by the gap, an ambiguous one is its second occurrence, midnight its
    first)."""
    zone = calendar.timezone

    def closing(day: date, seconds: int) -> datetime:
        naive = datetime.combine(day, datetime.min.time()) + timedelta(seconds=seconds)
        first = naive.replace(tzinfo=zone)
        if seconds % 86_400 == 0:
            return first.astimezone(UTC)
        return max(first.astimezone(UTC), naive.replace(tzinfo=zone, fold=1).astimezone(UTC))

    def opening(day: date, seconds: int) -> datetime:
        naive = datetime.combine(day, datetime.min.time()) + timedelta(seconds=seconds)
        return naive.replace(tzinfo=zone).astimezone(UTC)

    def last_closing(day: date) -> datetime | None:
        found = [
            closing(day, r.end) for r in calendar.schedule(day).ranges if closing(day, r.end) > opening(day, r.start)
        ]
        return max(found, default=None)

    day = start.astimezone(zone).date()
    last = last_closing(day)
    counted = -1  # business days counted after the start's own
    if last is not None and last > start:
        if days == 0:
            return last
        counted = 0
    while True:
        day += timedelta(days=1)
        last = last_closing(day)
        if last is not None:
            counted += 1
            if counted == days:
                return last


@settings(max_examples=150)
@given(calendar_configs(), st.integers(0, 400 * 24 * 4), st.integers(0, 6))
def test_relative_deadlines_agree_with_a_walk_over_the_days(config, quarter, days):
    calendar = BusinessCalendar.from_config(config)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * quarter)
    assert _due(calendar, start, days) == _reference_due(calendar, start, days)
