"""The reference calendar against a second oracle that reads the wall clock minute by minute.

The reference (reference.py) turns each configured wall time into an instant and asks whether an
instant lies between an opening and a closing. The oracle here goes the other way: for each UTC
minute it reads the zone's wall clock (wall time and fold, as ``astimezone`` gives them) and decides
from that reading alone whether each opening and closing has been reached, with the documented
rule written in terms of readings:

- an unambiguous wall time ``W`` has been reached once the clock shows ``W`` or later (readings only
  go backwards inside a repeated hour, and such a ``W`` is outside it);
- a wall time inside a gap is never shown: moved forward by the gap ``g`` it is reached when the
  clock shows ``W + g``;
- the first occurrence of a repeated ``W`` has been reached when the clock shows ``W`` or later, or
  shows a repeated time a second time (fold 1) less than ``g`` before ``W``, the hour being repeated
  for the second time; the second occurrence is the first one ``g`` later, so it has been reached at
  ``u`` when the first one has at ``u - g``;
- an opening is its first occurrence, a closing its second, but a ``24:00`` closing its first.

A minute is open when, for some date's interval, its opening has been reached and its closing not.
Agreement minute by minute, on zones whose clocks change at midnight, by half an hour, and on a
skipped day, is what lets the property tests trust the reference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar
from slakit.testing import strategies as sst
from tests.calendar.reference import CHANGES, ReferenceCalendar, instants_named

MINUTE = timedelta(minutes=1)

WINDOW = timedelta(hours=12)  # either side of the change: the hours of the dates it touches


def reading(at: datetime, zone: tzinfo) -> tuple[datetime, int]:
    local = at.astimezone(zone)
    return local.replace(tzinfo=None, fold=0), local.fold


@cache
def kind_of(wall: datetime, key: str) -> tuple[str, timedelta]:
    """('one'|'two'|'gap', g): how often the clock shows ``wall``, and the length of the repeated
    hour or the gap around it (zero for 'one')."""
    zone = ZoneInfo(key)
    named = instants_named(wall, zone)
    if len(named) == 2:
        return "two", named[1] - named[0]
    if len(named) == 1:
        return "one", timedelta(0)
    # never shown: the gap is how far the clock jumps over it (the offset just after minus before)
    hours = [(wall.replace(tzinfo=UTC) + timedelta(hours=h)).astimezone(zone).utcoffset() for h in range(-45, 46, 3)]
    offsets = [o for i, o in enumerate(hours) if o is not None and (i == 0 or hours[i - 1] != o)]
    return "gap", offsets[-1] - offsets[0]


def reached(at: datetime, clock: tuple[datetime, int], wall: datetime, key: str, *, second: bool) -> bool:
    """Whether the wall time ``wall`` (its first or second occurrence) has come by instant ``at``,
    at which the clock reads ``clock`` (wall time, fold)."""
    kind, g = kind_of(wall, key)
    if kind == "gap":
        wall, kind = wall + g, "one"
        assert kind_of(wall, key)[0] == "one"
    shown, fold = clock
    if kind == "one":
        return shown >= wall
    if second:
        earlier = at - g
        return reached(earlier, reading(earlier, ZoneInfo(key)), wall, key, second=False)
    return shown >= wall or (fold == 1 and wall - g < shown < wall)


def oracle_is_open(cal: BusinessCalendar, at: datetime, hours: dict[date, tuple] | None = None) -> bool:
    """Whether ``cal`` is open at ``at`` by the clock's reading; ``hours`` caches the dates' hours."""
    hours = {} if hours is None else hours
    key = cal.config.timezone
    clock = reading(at, ZoneInfo(key))
    for offset in range(-3, 2):
        day = clock[0].date() + timedelta(days=offset)
        midnight = datetime.combine(day, time())
        if day not in hours:
            hours[day] = cal.schedule(day).ranges
        for r in hours[day]:
            opening = midnight + timedelta(seconds=r.start)
            closing = midnight + timedelta(seconds=r.end)
            if reached(at, clock, opening, key, second=False) and not reached(
                at, clock, closing, key, second=r.end % 86_400 != 0
            ):
                return True
    return False


def agree_minute_by_minute(cal: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Assert the reference and the oracle agree at each UTC minute of [start, end); the open minutes."""
    reference = ReferenceCalendar(cal)
    hours: dict[date, tuple] = {}
    count = 0
    t = start
    while t < end:
        expected = oracle_is_open(cal, t, hours)
        assert reference.is_open(t) == expected, (cal.config.hours, t.isoformat())
        count += expected
        t += MINUTE
    assert reference.elapsed_minutes(start, end) == count
    return count


@cache
def around(day: date, key: str) -> tuple[datetime, datetime]:
    """The UTC minutes within WINDOW of the zone's clock change on (UTC) ``day``."""
    zone = ZoneInfo(key)
    t = datetime(day.year, day.month, day.day, tzinfo=UTC)
    while t.astimezone(zone).utcoffset() == (t + MINUTE).astimezone(zone).utcoffset():
        t += MINUTE
        assert t.date() == day, (key, day)
    return t + MINUTE - WINDOW, t + MINUTE + WINDOW


@pytest.mark.parametrize(("key", "day"), CHANGES)
def test_always_open_is_real_time(key, day):
    start, end = around(day, key)
    cal = BusinessCalendar.always_open(key)
    assert agree_minute_by_minute(cal, start, end) == (end - start) // MINUTE


FIXED_HOURS = [
    {"mon-sun": ["00:00-02:30"]},  # closes inside midnight and 02:00 gaps
    {"mon-sun": ["00:30-24:00"]},  # opens inside them, closes at 24:00
    {"mon-sun": ["23:15-00:45"]},  # a night shift over midnight
    {"mon-sun": ["01:45-02:15", "02:45-03:15"]},  # inside Lord Howe's and New York's changes
    {"mon-sun": ["09:00-17:00"]},  # Apia's skipped Friday moves forward a day
]


@pytest.mark.parametrize("hours", FIXED_HOURS)
@pytest.mark.parametrize(("key", "day"), CHANGES)
def test_fixed_hours_agree(key, day, hours):
    agree_minute_by_minute(BusinessCalendar.from_config({"timezone": key, "hours": hours}), *around(day, key))


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(CHANGES), st.data())
def test_random_hours_agree(change, data):
    key, day = change
    config = data.draw(sst.calendar_configs(zones=(key,)))
    config.pop("holidays", None)
    start, end = around(day, key)
    agree_minute_by_minute(BusinessCalendar.from_config(config), start, end)


def test_the_oracle_reads_the_issue_examples():
    # the examples of issue 16, item 1 and 2, read on the clock
    santiago = BusinessCalendar.always_open("America/Santiago")
    start, end = datetime(2024, 9, 7, 12, tzinfo=UTC), datetime(2024, 9, 9, 12, tzinfo=UTC)
    assert agree_minute_by_minute(santiago, start, end) == 48 * 60
    new_york = BusinessCalendar.from_config({"timezone": "America/New_York", "hours": {"sun": "00:00-02:30"}})
    start, end = datetime(2025, 3, 9, 5, tzinfo=UTC), datetime(2025, 3, 9, 12, tzinfo=UTC)
    assert agree_minute_by_minute(new_york, start, end) == 150
    havana = BusinessCalendar.from_config({"timezone": "America/Havana", "hours": {"sat": "00:00-24:00"}})
    start, end = datetime(2025, 10, 31, tzinfo=UTC), datetime(2025, 11, 3, tzinfo=UTC)
    assert agree_minute_by_minute(havana, start, end) == 24 * 60
