"""Invariants of the calendar on random calendars, and agreement with a minute-by-minute reference.

Calendars, instants and durations come from slakit.testing.strategies: instants anywhere in assorted
zones, or at (and a microsecond either side of) the drawn calendar's openings and closings. The
calendars are also drawn in zones whose clocks change at midnight or skip a day (reference.CHANGES),
with instants around those changes.
"""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar
from slakit.testing import strategies as sst
from tests.calendar.reference import CHANGES, ReferenceCalendar

US = timedelta(microseconds=1)
MINUTE = timedelta(minutes=1)
durations = sst.durations()
ZONES = (*sst.ZONES, *sorted({key for key, _ in CHANGES} - set(sst.ZONES)))


def near_a_change(cal: BusinessCalendar, resolution: timedelta | None) -> st.SearchStrategy[datetime]:
    """Within two days of one of the clock changes of the calendar's zone in reference.CHANGES."""
    days = [day for key, day in CHANGES if key == cal.config.timezone]
    if not days:
        return sst.aware_datetimes(cal, resolution=resolution)
    return st.sampled_from(days).flatmap(
        lambda day: sst.aware_datetimes(
            cal,
            min_value=datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=2),
            max_value=datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=2),
            resolution=resolution,
        )
    )


def instants(cal: BusinessCalendar) -> st.SearchStrategy[datetime]:
    """Anywhere in 2025 in assorted zones, at the calendar's edges in its zone, or near a clock change."""
    return st.one_of(sst.aware_datetimes(), sst.aware_datetimes(cal), near_a_change(cal, None))


def minute_instants(cal: BusinessCalendar) -> st.SearchStrategy[datetime]:
    """The same on the UTC minute grid, in UTC, for the minute-by-minute reference."""
    return st.one_of(
        sst.aware_datetimes(resolution=MINUTE),
        sst.aware_datetimes(cal, resolution=MINUTE),
        near_a_change(cal, MINUTE),
    ).map(lambda at: at.astimezone(UTC))


@st.composite
def calendar_and(
    draw: st.DrawFn, count: int, make: Callable[[BusinessCalendar], st.SearchStrategy[datetime]] = instants
) -> tuple:
    """A calendar followed by ``count`` instants drawn with ``make(calendar)``."""
    cal = draw(sst.calendars(zones=ZONES))
    return (cal, *(draw(make(cal)) for _ in range(count)))


def shift(at: datetime, by: timedelta) -> datetime:
    """Move an instant by real time: aware `+` is wall-clock arithmetic and drops `fold`."""
    return at.astimezone(UTC) + by


def real_length(open_: datetime, close: datetime) -> timedelta:
    """Real time between two instants: `-` of two datetimes in one zone is wall-clock arithmetic too."""
    return close.astimezone(UTC) - open_.astimezone(UTC)


@given(calendar_and(1), durations)
def test_elapsed_of_add_is_the_duration(case, d):
    cal, start = case
    assert cal.elapsed(start, cal.add(start, d)) == d


@given(calendar_and(1), durations)
def test_add_is_the_earliest_such_instant(case, d):
    cal, start = case
    result = cal.add(start, d)
    assert result >= start
    if d > timedelta(0):
        assert cal.elapsed(start, shift(result, -US)) < d
        assert cal.is_open(shift(result, -US))  # open time or a close: the instant just before is open


@given(calendar_and(1), durations, durations)
def test_add_is_monotonic_in_the_duration(case, d1, d2):
    cal, start = case
    low, high = sorted((d1, d2))
    assert cal.add(start, low) <= cal.add(start, high)


@given(calendar_and(1), durations, durations)
def test_add_composes(case, d1, d2):
    cal, start = case
    assert cal.add(cal.add(start, d1), d2) == cal.add(start, d1 + d2)


@given(calendar_and(1), durations)
def test_negative_add_walks_back_exactly(case, d):
    cal, start = case
    result = cal.add(start, -d)
    assert result <= start
    assert cal.elapsed(result, start) == d
    if d > timedelta(0):
        assert cal.elapsed(shift(result, US), start) < d  # the latest such instant
        assert cal.is_open(result)


@given(calendar_and(3))
def test_elapsed_is_additive_and_antisymmetric(case):
    cal, a, b, c = case
    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert cal.elapsed(a, b) == -cal.elapsed(b, a)


@given(calendar_and(1))
def test_next_open_is_open_and_skips_no_open_time(case):
    cal, at = case
    following = cal.next_open(at)
    assert following >= at
    assert cal.is_open(following)
    assert cal.elapsed(at, following) == timedelta(0)


@given(calendar_and(2))
def test_intervals_sum_to_elapsed_and_are_disjoint_open_stretches(case):
    cal, a, b = case
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
@given(calendar_and(1, make=minute_instants), st.integers(0, 2 * 1440))
def test_elapsed_agrees_with_minute_by_minute_reference(case, minutes):
    cal, start = case
    end = start + timedelta(minutes=minutes)
    assert cal.elapsed(start, end) == timedelta(minutes=ReferenceCalendar(cal).elapsed_minutes(start, end))


@settings(max_examples=40)
@given(calendar_and(1, make=minute_instants), st.integers(0, 600))
def test_add_agrees_with_minute_by_minute_reference(case, minutes):
    cal, start = case
    expected = ReferenceCalendar(cal).add_minutes(start, minutes)
    # in UTC: Python never finds a time in a repeated (fold) hour equal to one in another zone (PEP 495),
    # so 02:00+02:00 Berlin on 2025-10-26 would differ from the same instant written in UTC
    assert cal.add(start, timedelta(minutes=minutes)).astimezone(UTC) == expected.astimezone(UTC)


@settings(max_examples=40)
@given(calendar_and(1, make=minute_instants))
def test_is_open_agrees_with_reference(case):
    cal, at = case
    assert cal.is_open(at) == ReferenceCalendar(cal).is_open(at)
