"""Invariants of the calendar on random calendars, and agreement with a minute-by-minute reference."""

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar
from tests.calendar.reference import ReferenceCalendar
from tests.calendar.strategies import calendars, instants, minute_instants

US = timedelta(microseconds=1)


def shift(at: datetime, by: timedelta) -> datetime:
    """Move an instant by real time: aware `+` is wall-clock arithmetic and drops `fold`."""
    return at.astimezone(UTC) + by


def real_length(open_: datetime, close: datetime) -> timedelta:
    """Real time between two instants: `-` of two datetimes in one zone is wall-clock arithmetic too."""
    return close.astimezone(UTC) - open_.astimezone(UTC)


durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


@given(calendars(), instants(), durations)
def test_elapsed_of_add_is_the_duration(cal: BusinessCalendar, start, d):
    assert cal.elapsed(start, cal.add(start, d)) == d


@given(calendars(), instants(), durations)
def test_add_is_the_earliest_such_instant(cal: BusinessCalendar, start, d):
    result = cal.add(start, d)
    assert result >= start
    if d > timedelta(0):
        assert cal.elapsed(start, shift(result, -US)) < d
        assert cal.is_open(shift(result, -US))  # open time or a close: the instant just before is open


@given(calendars(), instants(), durations, durations)
def test_add_is_monotonic_in_the_duration(cal: BusinessCalendar, start, d1, d2):
    low, high = sorted((d1, d2))
    assert cal.add(start, low) <= cal.add(start, high)


@given(calendars(), instants(), durations, durations)
def test_add_composes(cal: BusinessCalendar, start, d1, d2):
    assert cal.add(cal.add(start, d1), d2) == cal.add(start, d1 + d2)


@given(calendars(), instants(), durations)
def test_negative_add_walks_back_exactly(cal: BusinessCalendar, start, d):
    result = cal.add(start, -d)
    assert result <= start
    assert cal.elapsed(result, start) == d
    if d > timedelta(0):
        assert cal.elapsed(shift(result, US), start) < d  # the latest such instant
        assert cal.is_open(result)


@given(calendars(), instants(), instants(), instants())
def test_elapsed_is_additive_and_antisymmetric(cal: BusinessCalendar, a, b, c):
    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert cal.elapsed(a, b) == -cal.elapsed(b, a)


@given(calendars(), instants())
def test_next_open_is_open_and_skips_no_open_time(cal: BusinessCalendar, at):
    following = cal.next_open(at)
    assert following >= at
    assert cal.is_open(following)
    assert cal.elapsed(at, following) == timedelta(0)


@given(calendars(), instants(), instants())
def test_intervals_sum_to_elapsed_and_are_disjoint_open_stretches(cal: BusinessCalendar, a, b):
    start, end = min(a, b), max(a, b)
    stretches = list(cal.intervals(start, end))
    assert sum((real_length(*stretch) for stretch in stretches), timedelta(0)) == cal.elapsed(start, end)
    for open_, close in stretches:
        assert start <= open_ < close <= end
        assert cal.is_open(open_)
        assert cal.is_open(shift(close, -US))
    for (_, close), (following, _) in itertools.pairwise(stretches):
        assert close < following


@settings(max_examples=40)
@given(calendars(), minute_instants(), st.integers(0, 2 * 1440))
def test_elapsed_agrees_with_minute_by_minute_reference(cal: BusinessCalendar, start, minutes):
    end = start + timedelta(minutes=minutes)
    assert cal.elapsed(start, end) == timedelta(minutes=ReferenceCalendar(cal).elapsed_minutes(start, end))


@settings(max_examples=40)
@given(calendars(), minute_instants(), st.integers(0, 600))
def test_add_agrees_with_minute_by_minute_reference(cal: BusinessCalendar, start, minutes):
    assert cal.add(start, timedelta(minutes=minutes)) == ReferenceCalendar(cal).add_minutes(start, minutes)


@settings(max_examples=40)
@given(calendars(), minute_instants())
def test_is_open_agrees_with_reference(cal: BusinessCalendar, at):
    assert cal.is_open(at) == ReferenceCalendar(cal).is_open(at)
