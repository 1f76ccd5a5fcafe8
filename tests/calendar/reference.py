"""A slow, obviously-correct calendar for checking the fast one, written from docs/calendar.md.

It shares nothing with slakit's interval table, only the day rules (which hours a date has:
``BusinessCalendar.schedule``). Each interval of each local date becomes the instants
``[opening, closing)`` by the documented rule, worked out here from the zone's UTC offsets alone
(no ``fold``, no slakit helper):

- the instants a wall time names are ``wall - offset`` for each offset in force around it whose
  instant the clock reads as that wall time;
- one such instant: that one;
- two (a repeated hour): the first for an opening and for a ``24:00`` end (the next day's first
  instant), the second for any other closing;
- none (a DST gap): the wall time moves forward by the gap, so it is read with the offset in force
  *before* the change; the clock shows that instant as ``wall + gap``.

The calendar is open at an instant when some date's interval contains it (their union).
tests/calendar/test_reference.py checks this against a minute-by-minute reading of the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from slakit.calendar import BusinessCalendar

# (zone, the UTC day of a clock change): changes at midnight, by half an hour, by a whole day
CHANGES = [
    ("America/Santiago", date(2024, 9, 8)),  # 00:00 -> 01:00 on Sunday
    ("America/Santiago", date(2025, 4, 6)),  # 24:00 -> 23:00 on Saturday
    ("Africa/Cairo", date(2025, 4, 24)),  # 24:00 Thursday -> 01:00 Friday
    ("Africa/Cairo", date(2025, 10, 30)),  # 24:00 -> 23:00 on Thursday
    ("America/Havana", date(2025, 3, 9)),  # 00:00 -> 01:00 on Sunday
    ("America/Havana", date(2025, 11, 2)),  # 01:00 -> 00:00 on Sunday: Sunday's first hour twice
    ("America/Sao_Paulo", date(2018, 11, 4)),  # 00:00 -> 01:00 (Brazil has had no DST since 2019)
    ("America/Sao_Paulo", date(2018, 2, 18)),  # 24:00 -> 23:00 on Saturday
    ("Asia/Beirut", date(2025, 3, 29)),  # 24:00 Saturday -> 01:00 Sunday
    ("Asia/Beirut", date(2025, 10, 25)),  # 24:00 -> 23:00 on Saturday
    ("Australia/Lord_Howe", date(2025, 4, 5)),  # 02:00 -> 01:30 (UTC day before the local Sunday)
    ("Australia/Lord_Howe", date(2025, 10, 4)),  # 02:00 -> 02:30
    ("Pacific/Apia", date(2011, 12, 30)),  # Thursday 29 December 24:00 -> Saturday 31 December 00:00
    ("America/New_York", date(2025, 3, 9)),
    ("America/New_York", date(2025, 11, 2)),
]

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY_SECONDS = 86_400


def offsets_around(wall: datetime, zone: tzinfo) -> list[timedelta]:
    """The UTC offsets in force from 45 hours before to 45 hours after ``wall`` (naive, read as
    UTC), in the order they are in force. Offset changes are days apart in tzdata (see
    test_table.py), so there are one or two."""
    found: list[timedelta] = []
    for hours in range(-45, 46, 3):
        offset = (wall.replace(tzinfo=UTC) + hours * HOUR).astimezone(zone).utcoffset()
        assert offset is not None
        if not found or found[-1] != offset:
            found.append(offset)
    assert len(found) <= 2, (wall, zone, found)
    return found


def reading(instant: datetime, zone: tzinfo) -> datetime:
    """What the wall clock in ``zone`` shows at ``instant`` (naive)."""
    return instant.astimezone(zone).replace(tzinfo=None)


def instants_named(wall: datetime, zone: tzinfo) -> list[datetime]:
    """The instants (UTC) at which the clock shows ``wall``, earliest first."""
    found = []
    for offset in offsets_around(wall, zone):
        instant = (wall - offset).replace(tzinfo=UTC)
        if reading(instant, zone) == wall and instant not in found:
            found.append(instant)
    return sorted(found)


def wall_to_instant(wall: datetime, zone: tzinfo, *, second_occurrence: bool) -> datetime:
    """The documented rule: see the module's docstring."""
    named = instants_named(wall, zone)
    if named:
        return named[-1] if second_occurrence else named[0]
    before, after = offsets_around(wall, zone)  # in a gap: the offset grew from before to after
    moved = (wall - before).replace(tzinfo=UTC)
    assert reading(moved, zone) == wall + (after - before), (wall, zone)
    return moved


class ReferenceCalendar:
    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.zone = calendar.timezone
        self._days: dict[date, list[tuple[datetime, datetime]]] = {}

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals (UTC instants) of ``day``'s hours; empty ones dropped."""
        if day not in self._days:
            midnight = datetime.combine(day, time())
            found = []
            for r in self.calendar.schedule(day).ranges:
                opening = wall_to_instant(midnight + timedelta(seconds=r.start), self.zone, second_occurrence=False)
                at_midnight = r.end % DAY_SECONDS == 0
                closing = wall_to_instant(
                    midnight + timedelta(seconds=r.end), self.zone, second_occurrence=not at_midnight
                )
                if opening < closing:
                    found.append((opening, closing))
            self._days[day] = found
        return self._days[day]

    def is_open(self, at: datetime) -> bool:
        # a date's hours end within two days of its midnight and an offset change moves them by at
        # most a day: the dates from three before the local date to the one after cover every case
        local_day = reading(at, self.zone).date()
        instant = at.astimezone(UTC)
        return any(
            opening <= instant < closing
            for offset in range(-3, 2)
            for opening, closing in self.day_intervals(local_day + timedelta(days=offset))
        )

    def elapsed_minutes(self, start: datetime, end: datetime) -> int:
        """Open minutes in [start, end); both on the UTC minute grid, start <= end."""
        count = 0
        t = start.astimezone(UTC)
        end = end.astimezone(UTC)
        while t < end:
            count += self.is_open(t)
            t += MINUTE
        return count

    def add_minutes(self, start: datetime, minutes: int) -> datetime:
        """The end of the `minutes`-th open minute at or after `start` (start on the minute grid)."""
        if minutes == 0:
            return start
        t = start.astimezone(UTC)
        counted = 0
        while True:
            if self.is_open(t):
                counted += 1
                if counted == minutes:
                    return t + MINUTE
            t += MINUTE
