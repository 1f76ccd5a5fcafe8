"""Open intervals of a range of years as epoch microseconds, with a cumulative open-time prefix.

Every calendar question is then one or two bisections: ``open_before(t)`` is the open time between
the table's start and ``t``, so ``elapsed(a, b) = open_before(b) - open_before(a)``, and adding a
duration is a bisection of the cumulative sums. The table covers whole local years
``[first_year, last_year]``; intervals are clipped to that span and touching ones are merged.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slakit.calendar.days import DayRules
from slakit.instants import to_us


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
        """Compute the table for local years ``first_year..last_year`` inclusive."""
        lo = _local_us(date(first_year, 1, 1), 0, zone, fold=0)
        hi = _local_us(date(last_year + 1, 1, 1), 0, zone, fold=0)
        raw: list[tuple[int, int]] = []
        day = date(first_year, 1, 1) - timedelta(days=1)  # its night shift may run into January 1
        last = date(last_year, 12, 31)
        while day <= last:
            for r in rules.schedule(day).ranges:
                start = max(_local_us(day, r.start, zone, fold=0), lo)
                end = min(_local_us(day, r.end, zone, fold=1), hi)
                if end > start:  # a DST gap can swallow an interval whole
                    raw.append((start, end))
            day += timedelta(days=1)
        starts, ends = _merge(raw)
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


def _local_us(day: date, seconds: int, zone: ZoneInfo, *, fold: int) -> int:
    """Wall-clock ``seconds`` after local midnight of ``day`` as an instant.

    Wall times in a DST gap move forward by the gap (``fold=0`` does that); ambiguous wall times
    take their first occurrence for openings (``fold=0``) and the second for closings (``fold=1``).
    """
    naive = datetime.combine(day, time()) + timedelta(seconds=seconds)
    return to_us(naive.replace(tzinfo=zone, fold=fold))


def _merge(raw: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sort and join overlapping or touching intervals (a special day may overlap a night shift)."""
    raw.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in raw:
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends
