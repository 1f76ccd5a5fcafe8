"""The business-hours calendar: open time between instants, deadlines N open hours away."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from slakit._config import ConfigSource, load_file, load_mapping, validate
from slakit._time import from_us, require_aware, td_to_us, to_us, us_to_td, zone_named
from slakit.calendar.config import CalendarConfig
from slakit.calendar.days import DayRules, DaySchedule
from slakit.calendar.table import IntervalTable
from slakit.errors import ConfigError, UnsatisfiableError

__all__ = ["BusinessCalendar"]

HORIZON_YEARS = 100
"""How far ``add`` and ``next_open`` search for open time before giving up."""
_MIN_YEAR, _MAX_YEAR = 2, 9998


class BusinessCalendar:
    """Opening hours in one time zone, with holidays, make-up workdays and date-specific hours.

    Open time is made of half-open intervals ``[open, close)`` of local wall-clock hours. All
    methods take aware datetimes in any zone, answer in this calendar's zone and are exact to the
    microsecond. Instances are immutable; the precomputed interval table behind them grows lazily,
    a year range at a time, and is safe to share between threads.

    >>> cal = BusinessCalendar.from_config({"timezone": "Asia/Shanghai", "hours": {"mon-fri": "09:00-18:00"}})
    """

    __slots__ = ("_config", "_lock", "_rules", "_table", "_zone")

    def __init__(self, config: CalendarConfig) -> None:
        """Build from a validated :class:`CalendarConfig`; prefer :meth:`from_config`."""
        self._config = config
        self._zone = zone_named(config.timezone)
        self._rules = DayRules(config)
        self._table: IntervalTable | None = None
        self._lock = threading.Lock()

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_config(cls, source: ConfigSource | CalendarConfig) -> BusinessCalendar:
        """Build from a mapping, JSON/YAML/TOML text, a path, or a :class:`CalendarConfig`."""
        if isinstance(source, CalendarConfig):
            return cls(source)
        return cls(validate(CalendarConfig, load_mapping(source, what="calendar"), what="calendar"))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BusinessCalendar:
        """Build from a JSON, YAML or TOML file."""
        from pathlib import Path

        return cls.from_config(dict(load_file(Path(path), what="calendar")))

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        """A 24x7 calendar (no holidays) in ``timezone``; same interface as any other."""
        return cls(CalendarConfig(timezone=timezone, hours={"mon-sun": ("00:00-24:00",)}))

    @property
    def config(self) -> CalendarConfig:
        """The configuration this calendar was built from."""
        return self._config

    @property
    def timezone(self) -> Any:
        """The calendar's zone (a :class:`zoneinfo.ZoneInfo`)."""
        return self._zone

    # -- questions ------------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant ``t >= start`` with ``elapsed(start, t) == duration``.

        A deadline that uses up the last open minute before a close is that close. A negative
        duration walks backwards: the latest ``t <= start`` with ``elapsed(t, start) == -duration``.
        Raises :class:`UnsatisfiableError` when the calendar has too little open time within
        100 years.
        """
        require_aware(start, "start")
        if not isinstance(duration, timedelta):
            raise ConfigError.for_value("duration", duration, "a timedelta")
        d = td_to_us(duration)
        if d == 0:
            return start.astimezone(self._zone)
        return from_us(self.add_us(to_us(start), d), self._zone)

    def add_us(self, t: int, d: int) -> int:
        """:meth:`add` on epoch microseconds, for engines that stay in integers (no checks)."""
        if d == 0:
            return t
        table = self._table
        if table is None or not table.lo <= t < table.hi:
            table = self._widen(t)
        if d > 0:
            while (result := table.forward(t, d)) is None:
                table = self._grow(table, t, d, forward=True)
            return result
        while (target := table.open_before(t) + d) < 0:
            table = self._grow(table, t, d, forward=False)
        return table.latest_at_open_time(target)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants; negative when ``end`` is before ``start``."""
        require_aware(start, "start")
        require_aware(end, "end")
        return us_to_td(self.elapsed_us(to_us(start), to_us(end)))

    def elapsed_us(self, a: int, b: int) -> int:
        """:meth:`elapsed` on epoch microseconds (no checks)."""
        table = self._table
        if table is None or not (table.lo <= a < table.hi and table.lo <= b < table.hi):
            table = self._widen(a, b)
        return table.open_before(b) - table.open_before(a)

    def is_open(self, at: datetime) -> bool:
        """Whether the calendar is open at ``at`` (closing instants are closed)."""
        require_aware(at, "at")
        t = to_us(at)
        return self._covering(t).interval_at(t) >= 0

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in the calendar's zone) when open, else the next opening instant."""
        require_aware(at, "at")
        t = to_us(at)
        table = self._covering(t)
        index = table.interval_at(t)
        if index >= 0:
            return at.astimezone(self._zone)
        following = -1 - index
        while following >= len(table.starts):
            table = self._grow(table, t, None, forward=True)
            following = -1 - table.interval_at(t)
        return from_us(table.starts[following], self._zone)

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open stretches overlapping ``[start, end)``, clipped to it, in order.

        Touching intervals (``00:00-24:00`` on consecutive days) come as one stretch, so the
        answer does not depend on how the calendar stores its hours.
        """
        require_aware(start, "start")
        require_aware(end, "end")
        a, b = to_us(start), to_us(end)
        if b <= a:
            return iter(())
        table = self._widen(a, b)
        zone = self._zone
        return ((from_us(s, zone), from_us(e, zone)) for s, e in table.overlapping(a, b))

    def schedule(self, day: date) -> DaySchedule:
        """The local hours of ``day`` and the rule that gave them (holiday name included)."""
        return self._rules.schedule(day)

    # -- the interval table ----------------------------------------------------------------------

    def _covering(self, t: int) -> IntervalTable:
        table = self._table
        if table is not None and table.lo <= t < table.hi:
            return table
        return self._widen(t)

    def _widen(self, *instants: int) -> IntervalTable:
        """A table covering every instant and the current span (they stay contiguous)."""
        years = [self._year_of(t) for t in instants]
        with self._lock:
            table = self._table
            if table is not None:
                years += [table.first_year, table.last_year]
            first, last = min(years), max(years)
            if table is None or first < table.first_year or last > table.last_year:
                table = IntervalTable.build(self._rules, self._zone, first, last)
                self._table = table
            return table

    def _grow(self, table: IntervalTable, origin: int, duration: int | None, *, forward: bool) -> IntervalTable:
        """Widen by as many years as already covered, up to the horizon around ``origin``."""
        origin_year = from_us(origin, self._zone).year
        span = table.last_year - table.first_year + 1
        if forward:
            limit = min(origin_year + HORIZON_YEARS, _MAX_YEAR)
            if table.last_year >= limit:
                raise self._unsatisfiable(origin, duration, "after")
            first, last = table.first_year, min(table.last_year + span, limit)
        else:
            limit = max(origin_year - HORIZON_YEARS, _MIN_YEAR)
            if table.first_year <= limit:
                raise self._unsatisfiable(origin, duration, "before")
            first, last = max(table.first_year - span, limit), table.last_year
        with self._lock:
            current = self._table
            if current is not None and current.first_year <= first and current.last_year >= last:
                return current
            if current is not None:
                first, last = min(first, current.first_year), max(last, current.last_year)
            table = IntervalTable.build(self._rules, self._zone, first, last)
            self._table = table
            return table

    def _year_of(self, t: int) -> int:
        year = from_us(t, self._zone).year
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise UnsatisfiableError(
                f"instant {from_us(t, self._zone).isoformat()} is outside the years "
                f"{_MIN_YEAR}..{_MAX_YEAR} a calendar can compute"
            )
        return year

    def _unsatisfiable(self, origin: int, duration: int | None, direction: str) -> UnsatisfiableError:
        wanted = f"{us_to_td(abs(duration))} of open time" if duration is not None else "an opening"
        return UnsatisfiableError(
            f"the calendar has no {wanted} within {HORIZON_YEARS} years {direction} "
            f"{from_us(origin, self._zone).isoformat()} (timezone {self._config.timezone!r}); "
            "check its hours and holidays"
        )

    # -- value semantics -------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BusinessCalendar) and self._config == other._config

    def __hash__(self) -> int:
        return hash(self._config.model_dump_json())

    def __repr__(self) -> str:
        return f"BusinessCalendar.from_config({self._config.model_dump(exclude_defaults=True)!r})"
