"""A slow, obviously-correct calendar for checking the fast one minute by minute.

It shares nothing with slakit's interval table: for each minute it asks, from the wall-clock hours
of that minute's local day and the day before (for night shifts), whether the minute is open.
Wall times map to instants by the documented rule (gap times move forward, ambiguous openings take
the first occurrence and closings the second), which is zoneinfo's fold=0 / fold=1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from slakit.calendar import BusinessCalendar

MINUTE = timedelta(minutes=1)


class ReferenceCalendar:
    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.zone = calendar.timezone
        self._days: dict[date, list[tuple[datetime, datetime]]] = {}

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        if day not in self._days:
            midnight = datetime.combine(day, time())
            self._days[day] = [
                (
                    (midnight + timedelta(seconds=r.start)).replace(tzinfo=self.zone, fold=0),
                    (midnight + timedelta(seconds=r.end)).replace(tzinfo=self.zone, fold=1),
                )
                for r in self.calendar.schedule(day).ranges
            ]
        return self._days[day]

    def is_open(self, at: datetime) -> bool:
        local_day = at.astimezone(self.zone).date()
        for day in (local_day - timedelta(days=1), local_day, local_day + timedelta(days=1)):
            for start, end in self._day_intervals(day):
                if start.astimezone(UTC) <= at.astimezone(UTC) < end.astimezone(UTC):
                    return True
        return False

    def elapsed_minutes(self, start: datetime, end: datetime) -> int:
        """Open minutes in [start, end); both on the UTC minute grid, start <= end."""
        count = 0
        t = start
        while t < end:
            count += self.is_open(t)
            t += MINUTE
        return count

    def add_minutes(self, start: datetime, minutes: int) -> datetime:
        """The end of the `minutes`-th open minute at or after `start` (start on the minute grid)."""
        if minutes == 0:
            return start
        t = start
        counted = 0
        while True:
            if self.is_open(t):
                counted += 1
                if counted == minutes:
                    return t + MINUTE
            t += MINUTE
