"""The business-hours calendar: open time between instants, deadlines N open hours away."""

from __future__ import annotations

import os
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slakit._config import ConfigSource, config_model, load_file
from slakit.calendar.config import CalendarConfig
from slakit.calendar.days import DayRules, DaySchedule
from slakit.calendar.table import IntervalTable
from slakit.errors import ConfigError, UnsatisfiableError
from slakit.instants import from_us, require_aware, td_to_us, to_us, us_to_td, zone_named

__all__ = ["BusinessCalendar", "Ruler", "Rulers"]

HORIZON_YEARS = 100
"""How far apart, in local years, the instants of one question may be: ``add`` and ``next_open``
search this far for open time, ``elapsed``, ``intervals`` and a ruler span at most this."""
_MIN_YEAR, _MAX_YEAR = 2, 9998
_TABLE_YEARS = 2 * HORIZON_YEARS + 1
"""The most years a table covers: one question needs at most ``HORIZON_YEARS + 1``, and a table
keeps the years of earlier questions only while the whole stays within this."""


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
        return cls(config_model(CalendarConfig, source, what="calendar"))

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
        t = to_us(start)
        if d == 0:
            self._year_of(t, "start", start)
            return start.astimezone(self._zone)
        return from_us(self._add_us(t, d, start), self._zone)

    def add_us(self, t: int, d: int) -> int:
        """:meth:`add` on epoch microseconds, for engines that stay in integers (no checks)."""
        return self._add_us(t, d, None)

    def _add_us(self, t: int, d: int, start: datetime | None) -> int:
        if d == 0:
            return t
        table = self._table
        if table is None or not table.lo <= t < table.hi:
            table = self._cover((t, "start", start))
        if d > 0:
            while (result := table.forward(t, d)) is None:
                table = self._grow(table, t, d, forward=True)
            return result
        while (target := table.open_before(t) + d) < 0:
            table = self._grow(table, t, d, forward=False)
        return table.latest_at_open_time(target)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants; negative when ``end`` is before ``start``.

        Raises :class:`UnsatisfiableError` when they are more than 100 years apart.
        """
        require_aware(start, "start")
        require_aware(end, "end")
        a, b = to_us(start), to_us(end)
        table = self._table
        if table is None or not (table.lo <= a < table.hi and table.lo <= b < table.hi):
            table = self._cover((a, "start", start), (b, "end", end))
        return us_to_td(table.open_before(b) - table.open_before(a))

    def elapsed_us(self, a: int, b: int) -> int:
        """:meth:`elapsed` on epoch microseconds (no checks)."""
        table = self._table
        if table is None or not (table.lo <= a < table.hi and table.lo <= b < table.hi):
            table = self._cover((a, "a", None), (b, "b", None))
        return table.open_before(b) - table.open_before(a)

    def table_covering(self, first: int, last: int) -> IntervalTable:
        """The open-interval table (with cumulative open time) covering instants ``first`` and ``last`` (epoch µs),
        for engines that look many instants up at once (the columnar batch engine). Raises
        :class:`UnsatisfiableError` when they are more than :data:`HORIZON_YEARS` years apart."""
        return self._cover((first, "first", None), (last, "last", None))

    def ruler(self) -> Ruler:
        """A :class:`Ruler` over this calendar, for one task that asks many questions about a few instants."""
        return Ruler(self)

    def is_open(self, at: datetime) -> bool:
        """Whether the calendar is open at ``at`` (closing instants are closed)."""
        require_aware(at, "at")
        t = to_us(at)
        return self._covering(t, at).interval_at(t) >= 0

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in the calendar's zone) when open, else the next opening instant."""
        require_aware(at, "at")
        t = to_us(at)
        table = self._covering(t, at)
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
        answer does not depend on how the calendar stores its hours. Raises
        :class:`UnsatisfiableError` when ``start`` and ``end`` are more than 100 years apart.
        """
        require_aware(start, "start")
        require_aware(end, "end")
        a, b = to_us(start), to_us(end)
        if b <= a:
            self._year_of(a, "start", start)
            self._year_of(b, "end", end)
            return iter(())
        table = self._cover((a, "start", start), (b, "end", end))
        zone = self._zone
        return ((from_us(s, zone), from_us(e, zone)) for s, e in table.overlapping(a, b))

    def schedule(self, day: date) -> DaySchedule:
        """The local hours of ``day`` and the rule that gave them (holiday name included).

        ``day`` is a :class:`~datetime.date`; anything else (a string, or a datetime, whose date
        depends on a zone) is a :class:`ConfigError` naming ``day``.
        """
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ConfigError.for_value("day", day, "a date such as date(2025, 1, 1); of a datetime, its .date()")
        return self._rules.schedule(day)

    # -- make-up workdays not published yet -----------------------------------------------------

    @property
    def makeup_workdays_known_until(self) -> int | None:
        """The last year for which the calendar's holiday data lists make-up workdays.

        China announces each year's make-up workdays (调休) in November; for a later year the
        ``holidays`` package has the public holidays but none of them, and the calendar counts those
        weekend days as closed until the data is updated. None when the calendar takes no holidays
        from the package or its country's data has no make-up workdays at all.
        """
        return self._rules.makeup_known_until

    def makeup_workdays_note(self, *at: datetime) -> str | None:
        """The note an answer that depends on the days up to the latest of ``at`` should carry, or None.

        Give the instants the answer was computed from and to (a ticket's start and its deadline,
        the first and last instants of a report): when one of them falls in a local year after
        :attr:`makeup_workdays_known_until` the answer may move once that year's make-up workdays
        are published. Not an error: the answer stands, with the note.
        """
        years = []
        for index, value in enumerate(at):
            require_aware(value, f"at[{index}]")
            years.append(self._year_of(to_us(value), f"at[{index}]", value))
        return self.makeup_workdays_note_for(max(years)) if years else None

    def makeup_workdays_note_for(self, year: int) -> str | None:
        """:meth:`makeup_workdays_note` for an answer that depends on the days up to local ``year``.

        The one place the note's text is made: "China's make-up workdays after 2026 are not
        published; deadlines may move".
        """
        known = self._rules.makeup_known_until
        if known is None or year <= known:
            return None
        return f"{self._rules.country_name}'s make-up workdays after {known} are not published; deadlines may move"

    # -- the interval table ----------------------------------------------------------------------

    def _covering(self, t: int, at: datetime) -> IntervalTable:
        table = self._table
        if table is not None and table.lo <= t < table.hi:
            return table
        return self._cover((t, "at", at))

    def _cover(self, *instants: tuple[int, str, datetime | None]) -> IntervalTable:
        """A table covering every instant ``(t, parameter, datetime given or None)``.

        One question's instants lie at most :data:`HORIZON_YEARS` local years apart.
        """
        years = sorted((self._year_of(*instant), instant) for instant in instants)
        (low, first), (high, last) = years[0], years[-1]
        if high - low > HORIZON_YEARS:
            raise UnsatisfiableError(
                f"{first[1]!r} and {last[1]!r} are {high - low} years apart (got {self._show(first)} and "
                f"{self._show(last)}); a calendar answers questions spanning at most {HORIZON_YEARS} years"
            )
        return self._table_for(low, high)

    def _table_for(self, first: int, last: int) -> IntervalTable:
        """The current table when it covers local years ``first..last``, else a new one swapped in.

        The new table also keeps the current one's years while the whole stays within
        :data:`_TABLE_YEARS` (a batch over 2015-2026 builds its years once), and starts afresh
        around the question otherwise, so that tables never creep across the millennia.
        """
        with self._lock:
            table = self._table
            if table is not None:
                if table.first_year <= first and last <= table.last_year:
                    return table
                union = min(first, table.first_year), max(last, table.last_year)
                if union[1] - union[0] < _TABLE_YEARS:
                    try:
                        table = IntervalTable.build(self._rules, self._zone, *union)
                    except UnsatisfiableError:  # too many intervals together: the question's years alone
                        pass
                    else:
                        self._table = table
                        return table
            table = IntervalTable.build(self._rules, self._zone, first, last)
            self._table = table
            return table

    def _grow(self, table: IntervalTable, origin: int, duration: int | None, *, forward: bool) -> IntervalTable:
        """Double the years searched from ``origin``'s, up to the horizon around it."""
        origin_year = self._year_of(origin, "start", None)
        if forward:
            limit = min(origin_year + HORIZON_YEARS, _MAX_YEAR)
            if table.last_year >= limit:
                raise self._unsatisfiable(origin, duration, "after")
            first = max(table.first_year, origin_year)
            last = min(table.last_year + (table.last_year - first + 1), limit)
        else:
            limit = max(origin_year - HORIZON_YEARS, _MIN_YEAR)
            if table.first_year <= limit:
                raise self._unsatisfiable(origin, duration, "before")
            last = min(table.last_year, origin_year)
            first = max(table.first_year - (last - table.first_year + 1), limit)
        return self._table_for(first, last)

    def _year_of(self, t: int, parameter: str, given: datetime | None) -> int:
        """The local year of instant ``t``, which must lie in the years a calendar computes.

        ``parameter`` and the datetime ``given`` for it (None for an integer) name it in errors.
        """
        try:
            year = from_us(t, self._zone).year
        except OverflowError:  # near years 1 and 9999 in a zone far from UTC
            year = 0
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise UnsatisfiableError(
                f"{parameter!r} must be an instant in the local years {_MIN_YEAR}..{_MAX_YEAR} a calendar "
                f"computes (got {self._show((t, parameter, given))}, timezone {self._config.timezone!r})"
            )
        return year

    def _show(self, instant: tuple[int, str, datetime | None]) -> str:
        """An instant for a message: as given, else in the calendar's zone, else in UTC, else as a number."""
        t, _, given = instant
        if given is not None:
            return given.isoformat()
        for zone in (self._zone, UTC):
            try:
                return from_us(t, zone).isoformat()
            except OverflowError:
                continue
        return f"{t} microseconds after 1970-01-01T00:00:00+00:00"

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

    def __reduce__(self) -> tuple[type[BusinessCalendar], tuple[CalendarConfig]]:
        """Pickle as the config: worker processes rebuild the (lock-guarded, lazily grown) table themselves."""
        return (BusinessCalendar, (self._config,))

    def __repr__(self) -> str:
        return f"BusinessCalendar.from_config({self._config.model_dump(exclude_defaults=True)!r})"


class Ruler:
    """Open time of one calendar as a coordinate, with the position of each instant cached.

    An engine measuring a ticket asks many ``elapsed``/``add`` questions about the same few instants
    (creation, replies, pauses, resolution). A ruler bisects each instant once; after that an
    elapsed time is a subtraction and a deadline one bisection. Answers are exactly those of
    :meth:`BusinessCalendar.elapsed_us` and :meth:`BusinessCalendar.add_us`: positions are the
    table's own cumulative open time, measured from a fixed anchor (the first instant located) so
    that they stay valid when the calendar swaps in another table. Its instants lie at most
    :data:`HORIZON_YEARS` apart, like those of any question. Cheap to make; not thread-safe, so
    make one per task.
    """

    __slots__ = ("_anchor", "_base", "_calendar", "_positions", "_table")

    def __init__(self, calendar: BusinessCalendar) -> None:
        """A ruler over ``calendar``; prefer :meth:`BusinessCalendar.ruler`."""
        self._calendar = calendar
        self._table: IntervalTable | None = None
        # the first instant located, which every later table covers, and the open time before it
        # in the current table: positions are open_before(t) - base
        self._anchor = 0
        self._base = 0
        self._positions: dict[int, int] = {}

    def position(self, t: int) -> int:
        """Open time between the anchor and ``t`` (negative before it); only differences mean anything."""
        position = self._positions.get(t)
        return self._locate(t) if position is None else position

    def elapsed(self, a: int, b: int) -> int:
        """:meth:`BusinessCalendar.elapsed_us`."""
        positions = self._positions  # position() written out: it runs for every clock of every ticket
        end, start = positions.get(b), positions.get(a)
        return (self._locate(b) if end is None else end) - (self._locate(a) if start is None else start)

    def running_totals(self, segments: list[tuple[int, int]]) -> list[int]:
        """The open time in ``segments`` up to the end of each: the first's, the first two's, and so on."""
        positions, locate = self._positions, self._locate
        totals = []
        total = 0
        for a, b in segments:
            # the positions of most instants are known already: look them up without a call
            total += (positions.get(b) or locate(b)) - (positions.get(a) or locate(a))
            totals.append(total)
        return totals

    def add(self, t: int, d: int) -> int:
        """:meth:`BusinessCalendar.add_us`."""
        if d <= 0:
            return self._calendar.add_us(t, d)
        position = self._positions.get(t)
        if position is None:
            position = self._locate(t)
        table = self._table
        assert table is not None  # noqa: S101 -- position() set it
        # the second half of IntervalTable.forward: the earliest instant with that much open time before it
        target = position + d + self._base
        j = bisect_left(table.cum_end, target)
        if j == len(table.starts):  # past the table's span the calendar grows its table
            return self._calendar.add_us(t, d)
        return table.starts[j] + target - table.cum[j]

    def _locate(self, t: int) -> int:
        """:meth:`position` of an instant not looked up before."""
        table = self._table
        if table is None or not table.lo <= t < table.hi:
            table = self._cover(t)
        # IntervalTable.open_before, written out: every instant of a ticket comes through here once
        starts = table.starts
        i = bisect_right(starts, t) - 1
        if i < 0:
            position = -self._base
        else:
            end = table.ends[i]
            position = table.cum[i] + (t if t < end else end) - starts[i] - self._base
        self._positions[t] = position
        return position

    def _cover(self, t: int) -> IntervalTable:
        calendar = self._calendar  # the ruler is the calendar's own helper
        table = calendar._table
        if self._table is None:  # the first instant: the anchor
            if table is None or not table.lo <= t < table.hi:
                table = calendar._cover((t, "t", None))
            self._anchor = t
        elif table is None or not (table.lo <= t < table.hi and table.lo <= self._anchor < table.hi):
            table = calendar._cover((t, "t", None), (self._anchor, "anchor", None))
        self._base = table.open_before(self._anchor)
        self._table = table
        return table


class Rulers(dict[int, Ruler]):
    """One :class:`Ruler` per calendar for one evaluation, made when first asked for (:meth:`of`), by
    calendar identity (each ruler holds its calendar, so an identity is not reused meanwhile).

    The engines evaluating one ticket share it, so that each instant of the ticket is looked up once
    per calendar. Not thread-safe, like a ruler: make one per task.
    """

    __slots__ = ()

    def of(self, calendar: BusinessCalendar) -> Ruler:
        """The ruler of ``calendar``."""
        ruler = self.get(id(calendar))
        if ruler is None:
            ruler = self[id(calendar)] = calendar.ruler()
        return ruler
