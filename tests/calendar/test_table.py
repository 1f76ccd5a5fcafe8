"""The interval table: exact against the reference around clock changes, bounded in size, and the
tzdata facts its fast path stands on."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from slakit.calendar import BusinessCalendar
from slakit.calendar.table import MAX_INTERVALS, IntervalTable
from slakit.errors import UnsatisfiableError
from tests.calendar.reference import CHANGES, ReferenceCalendar

HOURS = [
    {"mon-sun": ["00:00-24:00"]},
    {"mon-fri": ["09:00-12:00", "13:30-18:00"], "sat": ["00:00-02:30"], "sun": ["00:30-24:00"]},
    {"mon-sun": ["23:15-00:45"]},
    {"mon-sun": ["01:45-02:15", "02:45-03:15", "22:00-23:30"]},
    {"thu-sat": ["22:00-06:00"]},
]


def reference_stretches(cal: BusinessCalendar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The union of the reference's intervals of the dates around [start, end), clipped to it."""
    reference = ReferenceCalendar(cal)
    day = start.date() - timedelta(days=4)
    raw = []
    while day <= end.date() + timedelta(days=2):
        raw += reference.day_intervals(day)
        day += timedelta(days=1)
    merged: list[list[datetime]] = []
    for opening, closing in sorted(raw):
        if merged and opening <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], closing)
        else:
            merged.append([opening, closing])
    return [(max(a, start), min(b, end)) for a, b in merged if b > start and a < end]


@pytest.mark.parametrize("hours", HOURS)
@pytest.mark.parametrize(("key", "day"), CHANGES)
def test_intervals_are_the_references_to_the_microsecond(key, day, hours):
    cal = BusinessCalendar.from_config({"timezone": key, "hours": hours})
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=3)
    end = start + timedelta(days=7)
    got = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in cal.intervals(start, end)]
    assert got == reference_stretches(cal, start, end)


def test_a_table_that_starts_or_ends_at_a_skipped_day():
    # Apia skipped Friday 30 December 2011: tables ending with 2011 and starting with 2012 meet
    # where the hours of 30 December (moved forward a day) and 31 December are
    cal = BusinessCalendar.from_config({"timezone": "Pacific/Apia", "hours": {"mon-sun": ["09:00-17:00"]}})
    whole = IntervalTable.build(cal._rules, cal.timezone, 2011, 2012)
    halves = (
        IntervalTable.build(cal._rules, cal.timezone, 2011, 2011),
        IntervalTable.build(cal._rules, cal.timezone, 2012, 2012),
    )
    assert halves[0].hi == halves[1].lo
    assert whole.total == halves[0].total + halves[1].total
    assert whole.starts == halves[0].starts + halves[1].starts


def test_a_question_needing_too_many_intervals_is_refused_before_any_is_made():
    minutes = [f"{m // 60:02d}:{m % 60:02d}-{m // 60:02d}:{m % 60:02d}:30" for m in range(1440)]
    cal = BusinessCalendar.from_config({"timezone": "UTC", "hours": {"mon-sun": minutes}})
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert cal.elapsed(start, start + timedelta(days=3)) == timedelta(hours=36)
    with pytest.raises(UnsatisfiableError, match=f"more than the {MAX_INTERVALS:,}"):
        cal.elapsed(start, start + timedelta(days=800))
    assert cal.add(start, timedelta(hours=1)) == start + timedelta(hours=1, minutes=59, seconds=30)


def _offset_changes(key: str) -> list[tuple[int, int]]:
    """(instant, change in seconds) of every change of the zone's UTC offset in its tzdata file,
    read with the standard library's pure-Python zoneinfo (its data, not its private API, is used)."""
    pure = pytest.importorskip("zoneinfo._zoneinfo", reason="the pure-Python zoneinfo lists a zone's transitions")
    zone = pure.ZoneInfo.no_cache(key)
    found = []
    previous = zone._tti_before.utcoff if zone._tti_before else None
    for instant, info in zip(zone._trans_utc, zone._ttinfos, strict=True):
        if previous is not None and info.utcoff != previous:
            found.append((instant, int((info.utcoff - previous).total_seconds())))
        previous = info.utcoff
    return found


def test_tzdata_offset_changes_are_days_apart_and_at_most_a_day():
    # The table's fast path samples the offset at each local midnight and treats a date as plain
    # when five midnights around it agree: that needs changes more than a day apart, moving the
    # clock by at most a day. Explicit transitions from the tzdata files; the rule after them (a
    # POSIX TZ string) is checked by sampling 2040 twice a day in the zones that have DST then.
    for key in sorted(zoneinfo.available_timezones()):
        changes = _offset_changes(key)
        for (a, _), (b, _) in itertools.pairwise(changes):
            assert b - a > 2 * 86_400, (key, datetime.fromtimestamp(a, UTC))
        assert all(abs(delta) <= 86_400 for _, delta in changes), key
        zone = zoneinfo.ZoneInfo(key)
        moment = datetime(2040, 1, 1, tzinfo=UTC)
        if moment.astimezone(zone).utcoffset() == datetime(2040, 7, 1, tzinfo=UTC).astimezone(zone).utcoffset():
            continue
        seen = [moment.astimezone(zone).utcoffset()]
        while moment.year == 2040:
            moment += timedelta(hours=12)
            seen.append(moment.astimezone(zone).utcoffset())
        flips = [i for i in range(1, len(seen)) if seen[i] != seen[i - 1]]
        assert all(b - a > 4 for a, b in itertools.pairwise(flips)), key


def test_tables_of_far_years_are_built_from_their_midnights():
    cal = BusinessCalendar.always_open("America/New_York")
    table = IntervalTable.build(cal._rules, cal.timezone, 2, 3)
    assert table.total == table.hi - table.lo
    assert len(table.starts) == 1
    late = IntervalTable.build(cal._rules, cal.timezone, 9997, 9998)
    assert late.total == late.hi - late.lo
