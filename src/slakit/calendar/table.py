"""Open intervals of a range of years as epoch microseconds, with a cumulative open-time prefix.

Every calendar question is then one or two bisections: ``open_before(t)`` is the open time between
the table's start and ``t``, so ``elapsed(a, b) = open_before(b) - open_before(a)``, and adding a
duration is a bisection of the cumulative sums. The table covers whole local years
``[first_year, last_year]``; intervals are clipped to that span and touching ones are merged.

Wall-clock hours become instants by one rule, :func:`wall_instant` (docs/calendar.md, "Zones and
DST"). Building asks the zone about each date's midnight only: on a date whose neighbourhood has
no offset change (all but a few dates a year) every wall time is its midnight's instant plus the
time of day, so the intervals of such a date are a shift of its hours; only the dates next to a
change go through :func:`wall_instant` interval by interval.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slakit.calendar.days import DayRules
from slakit.calendar.hours import TimeRange
from slakit.errors import UnsatisfiableError
from slakit.instants import US_PER_DAY, US_PER_SECOND, to_us

__all__ = ["MAX_INTERVALS", "IntervalTable", "wall_instant"]

MAX_INTERVALS = 1_000_000
"""The most open intervals one table is built from (some 150 MB; 100 years of a calendar with 27
intervals a day, a year of one with 2,700): a question that needs more is refused."""
_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# A date's hours reach at most two days past its midnight (a night shift ends before the next
# midnight but one), and an offset change moves a wall time by at most a day. The offset is sampled
# at each local midnight; tzdata's offset changes are days apart (tests/calendar/test_table.py
# checks every zone), so a change between two samples always shows as a difference.
_BEFORE, _AFTER = 1, 3  # midnights sampled before and after a date to call it plain
_REACH_BEFORE, _REACH_AFTER = 3, 2  # dates before / after the span whose hours may reach into it


def wall_instant(day: date, seconds: int, zone: ZoneInfo, *, closing: bool) -> int:
    """The instant at which ``day``'s wall-clock time ``seconds`` after midnight opens or closes.

    The calendar's one rule for wall times (docs/calendar.md, "Zones and DST"):

    - a wall time that does not exist (a DST gap) moves forward by the gap, as in java.time,
      whether it opens or closes an interval: it is read on the clock of before the change;
    - an ambiguous wall time (a repeated hour) opening an interval is its first occurrence, and one
      closing an interval its second, so an interval keeps the repeated hour it contains;
    - but a closing at midnight (``24:00``, or ``22:00-00:00``) is the next day's first instant,
      the first occurrence, like that day's own ``00:00`` opening.

    ``fold=0`` gives the first rule for a gap and the first occurrence of an ambiguous time; a
    gap's ``fold=1`` instant is earlier and an ambiguous time's later, so a closing takes the later.
    """
    naive = datetime.combine(day, time()) + timedelta(seconds=seconds)
    first = to_us(naive.replace(tzinfo=zone))
    if not closing or seconds % _DAY == 0:
        return first
    return max(first, to_us(naive.replace(tzinfo=zone, fold=1)))


@dataclass(frozen=True, slots=True)
class IntervalTable:
    """Immutable snapshot; a calendar swaps in a wider one when a question leaves its span."""

    first_year: int
    last_year: int
    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    cum: list[int]
    cum_end: list[int]

    @classmethod
    def build(cls, rules: DayRules, zone: ZoneInfo, first_year: int, last_year: int) -> IntervalTable:
        """Compute the table for local years ``first_year..last_year`` inclusive.

        Raises :class:`UnsatisfiableError` rather than hold more than :data:`MAX_INTERVALS` intervals.
        """
        lo = wall_instant(date(first_year, 1, 1), 0, zone, closing=False)
        hi = wall_instant(date(last_year + 1, 1, 1), 0, zone, closing=False)
        first = date(first_year, 1, 1).toordinal() - _REACH_BEFORE
        last = date(last_year, 12, 31).toordinal() + _REACH_AFTER
        days = _open_days(rules, first, last, f"{first_year}..{last_year}", zone)
        offsets = _midnight_offsets(zone, first - _BEFORE, last + _AFTER)
        shifted: dict[int, tuple[list[int], list[int]]] = {}  # a day's hours from its midnight, by identity
        starts: list[int] = []
        ends: list[int] = []
        for ordinal, ranges in days:
            window = offsets[ordinal - first : ordinal - first + _BEFORE + _AFTER + 1]
            offset = window[0]
            if offset is not None and window.count(offset) == len(window):  # no offset change near
                midnight = (ordinal - _EPOCH_ORDINAL) * US_PER_DAY - offset
                pattern = shifted.get(id(ranges))
                if pattern is None:
                    pattern = shifted[id(ranges)] = _from_midnight(ranges)
                starts += [midnight + start for start in pattern[0]]
                ends += [midnight + end for end in pattern[1]]
            else:
                day = date.fromordinal(ordinal)
                for r in ranges:
                    start = wall_instant(day, r.start, zone, closing=False)
                    end = wall_instant(day, r.end, zone, closing=True)
                    if end > start:  # a closing after a gap may come before its opening
                        starts.append(start)
                        ends.append(end)
        starts, ends = _merge(starts, ends, lo, hi)
        cum: list[int] = []
        cum_end: list[int] = []
        total = 0
        for start, end in zip(starts, ends, strict=True):
            cum.append(total)
            total += end - start
            cum_end.append(total)
        return cls(first_year, last_year, lo, hi, starts, ends, cum, cum_end)

    @property
    def total(self) -> int:
        """Open microseconds in the whole span."""
        return self.cum_end[-1] if self.cum_end else 0

    def covers(self, t: int) -> bool:
        """Whether instant ``t`` lies in ``[lo, hi)``."""
        return self.lo <= t < self.hi

    def open_before(self, t: int) -> int:
        """Open microseconds in ``[lo, t)``; ``t`` must be covered."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum[i] + (t if t < end else end) - self.starts[i]

    def forward(self, t: int, d: int) -> int | None:
        """The earliest instant with ``d`` (> 0) open microseconds after ``t``; None past the span.

        ``open_before`` is written out here: this is the hot path of every deadline.
        """
        starts = self.starts
        i = bisect_right(starts, t) - 1
        target = d
        if i >= 0:
            end = self.ends[i]
            target += self.cum[i] + (t if t < end else end) - starts[i]
        j = bisect_left(self.cum_end, target)
        if j == len(starts):
            return None
        return starts[j] + target - self.cum[j]

    def latest_at_open_time(self, target: int) -> int:
        """The latest instant whose ``open_before`` is ``target`` (0 <= target < total)."""
        i = bisect_right(self.cum, target) - 1
        return self.starts[i] + target - self.cum[i]

    def interval_at(self, t: int) -> int:
        """Index of the interval containing ``t``, or -1-(index of the next interval) when closed."""
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return i
        return -1 - (i + 1)

    def overlapping(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Open stretches clipped to ``[start, end)``; both ends must be covered."""
        i = bisect_right(self.starts, start) - 1
        if i < 0 or self.ends[i] <= start:
            i += 1
        while i < len(self.starts) and self.starts[i] < end:
            yield max(self.starts[i], start), min(self.ends[i], end)
            i += 1


def _open_days(
    rules: DayRules, first: int, last: int, years: str, zone: ZoneInfo
) -> list[tuple[int, tuple[TimeRange, ...]]]:
    """The dates (ordinals) from ``first`` to ``last`` that have hours, with their hours; refused
    before anything is converted when they hold more than :data:`MAX_INTERVALS` intervals."""
    days = []
    count = 0
    for ordinal in range(first, last + 1):
        ranges = rules.schedule(date.fromordinal(ordinal)).ranges
        if ranges:
            days.append((ordinal, ranges))
            count += len(ranges)
    if count > MAX_INTERVALS:
        raise UnsatisfiableError(
            f"the calendar has {count:,} open intervals in the years {years} (timezone {zone.key!r}), "
            f"more than the {MAX_INTERVALS:,} one question may use; ask about a shorter span, or give "
            "the calendar fewer, longer intervals a day"
        )
    return days


def _midnight_offsets(zone: ZoneInfo, first: int, last: int) -> list[int | None]:
    """The UTC offset (µs) of each local midnight from ordinal ``first`` to ``last``; None where the
    midnight is in a gap or repeated (the zone gives its two readings different offsets)."""
    offsets: list[int | None] = []
    for ordinal in range(first, last + 1):
        midnight = datetime.fromordinal(ordinal)
        offset = zone.utcoffset(midnight)
        other = zone.utcoffset(midnight.replace(fold=1))
        if offset is None or offset != other:
            offsets.append(None)
        else:
            offsets.append((offset.days * _DAY + offset.seconds) * US_PER_SECOND + offset.microseconds)
    return offsets


def _from_midnight(ranges: tuple[TimeRange, ...]) -> tuple[list[int], list[int]]:
    """A day's openings and closings as microseconds from its midnight (for a day without an offset
    change near)."""
    return [r.start * US_PER_SECOND for r in ranges], [r.end * US_PER_SECOND for r in ranges]


def _merge(starts: list[int], ends: list[int], lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Sort, join overlapping or touching intervals (a special day may overlap a night shift, a
    closing moved forward by a gap the next interval) and clip them to ``[lo, hi)``."""
    order: range | list[int] = range(len(starts))
    if any(a > b for a, b in itertools.pairwise(starts)):  # dates near a clock change
        order = sorted(order, key=starts.__getitem__)
    merged_starts: list[int] = []
    merged_ends: list[int] = []
    for i in order:
        start, end = starts[i], ends[i]
        if end <= lo or start >= hi:
            continue
        if merged_ends and start <= merged_ends[-1]:
            if end > merged_ends[-1]:
                merged_ends[-1] = min(end, hi)
        else:
            merged_starts.append(max(start, lo))
            merged_ends.append(min(end, hi))
    return merged_starts, merged_ends
