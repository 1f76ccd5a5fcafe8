"""Which hours a given date has: special hours, extra days, public holidays, make-up workdays, the week."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import holidays as holidays_package

from slakit.calendar.config import CalendarConfig, HolidaySource
from slakit.calendar.hours import WEEKDAYS, TimeRange, parse_ranges, parse_weekly, same_hours
from slakit.errors import ConfigError

__all__ = ["DayKind", "DayRules", "DaySchedule"]


class DayKind(StrEnum):
    """Why a date has the hours it has, in the order the rules are tried."""

    SPECIAL = "special_hours"
    EXTRA_HOLIDAY = "extra_holiday"
    EXTRA_WORKDAY = "extra_workday"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"
    WEEKDAY = "weekday"


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """The opening intervals of one date and the rule that gave them (``name``: the holiday's name)."""

    day: date
    ranges: tuple[TimeRange, ...]
    kind: DayKind
    name: str | None = None


class DayRules:
    """Resolves dates to their hours. Built once per calendar; validates the whole config up front."""

    def __init__(self, config: CalendarConfig) -> None:
        self.week = parse_weekly(config.hours)
        self.special = {
            day: parse_ranges(ranges, field=f"special_hours.{day.isoformat()}", day=day.isoformat())
            for day, ranges in config.special_hours.items()
        }
        self.extra_holidays = config.extra_holidays
        self.extra_workdays = config.extra_workdays
        both = sorted(self.extra_holidays & self.extra_workdays)
        if both:
            raise ConfigError(
                f"{both[0].isoformat()} is in both 'extra_holidays' and 'extra_workdays'; keep it in one",
                path="extra_workdays",
            )
        self._country = config.holidays.country if config.holidays else None
        self._holidays = _open_holidays(config.holidays) if config.holidays else None
        self.makeup_known_until = _makeup_known_until(self._holidays) if self._holidays is not None else None
        self.country_name = _country_name(self._holidays) if self._holidays is not None else None
        self.workday = self._workday_hours(config)
        self._lock = threading.Lock()
        if not self._has_open_time():
            raise ConfigError(
                "the calendar is never open: 'hours', 'special_hours' and 'extra_workdays' give no open time",
                path="hours",
            )

    def _workday_hours(self, config: CalendarConfig) -> tuple[TimeRange, ...] | None:
        if config.workday_hours is not None:
            return parse_ranges(config.workday_hours, field="workday_hours", day="workdays")
        shared = same_hours(self.week[:5])
        if shared is None and config.extra_workdays:
            raise self._workday_hours_required(f"'extra_workdays' has {min(config.extra_workdays)}")
        return shared

    def _workday_hours_required(self, reason: str) -> ConfigError:
        days = ", ".join(f"{WEEKDAYS[i]} {[r.text for r in self.week[i]]}" for i in range(5))
        return ConfigError(
            f"'workday_hours' is required: {reason}, which opens with the workday hours, and "
            f"Monday-Friday differ ({days}); add e.g. workday_hours: ['09:00-18:00']",
            path="workday_hours",
        )

    def _has_open_time(self) -> bool:
        return (
            any(self.week)
            or any(self.special.values())
            or bool(self.workday and (self.extra_workdays or self._holidays is not None))
        )

    def schedule(self, day: date) -> DaySchedule:
        """The hours of ``day`` and why."""
        if day in self.special:
            return DaySchedule(day, self.special[day], DayKind.SPECIAL)
        if day in self.extra_holidays:
            return DaySchedule(day, (), DayKind.EXTRA_HOLIDAY)
        if day in self.extra_workdays:
            return DaySchedule(day, self.workday or (), DayKind.EXTRA_WORKDAY)
        if self._holidays is not None:
            with self._lock:  # the holidays object fills itself in year by year on lookup
                name = self._holidays.get(day)
                makeup = day in self._holidays.weekend_workdays
            if name is not None:
                return DaySchedule(day, (), DayKind.HOLIDAY, name)
            if makeup:
                if self.workday is None:
                    raise self._workday_hours_required(f"{day} is a make-up workday of the {self._country} holidays")
                return DaySchedule(day, self.workday, DayKind.MAKEUP_WORKDAY)
        return DaySchedule(day, self.week[day.weekday()], DayKind.WEEKDAY)


def _makeup_known_until(data: holidays_package.HolidayBase) -> int | None:
    """The last year whose make-up workdays the package's data lists; None when it lists none.

    The package keeps each year's announced changes in year-keyed tables named
    ``special_<category>_holidays`` (and ``special_<subdivision>_<category>_holidays``); an entry
    ``(month, day, from_month, from_day[, from_year])`` moves a day off to ``month/day`` from the
    weekend day it names, which becomes a make-up workday (``weekend_workdays``). China's are
    announced each November for the next year, so for later years the package has the holidays
    but not the workdays.
    """
    categories = sorted(data.categories)
    tables = [f"special_{category}_holidays" for category in categories]
    if data.subdiv is not None:
        code = data.subdivisions_aliases.get(data.subdiv, data.subdiv).translate(str.maketrans("- ", "__")).lower()
        tables += [f"special_{code}_{category}_holidays" for category in categories]
    years = []
    for name in tables:
        table = getattr(data, name, None)
        for year, entries in table.items() if isinstance(table, dict) else ():
            # one entry is a tuple of its fields, several a tuple of tuples
            for entry in entries if entries and isinstance(entries[0], tuple) else (entries,):
                if len(entry) >= 4:
                    workday = date(entry[4] if len(entry) > 4 else year, entry[2], entry[3])
                    if workday.weekday() in data.weekend:
                        years.append(year)
    return max(years, default=None)


def _country_name(data: holidays_package.HolidayBase) -> str:
    """The country's English name as the package's class documents it ("China holidays."), else its code."""
    for cls in type(data).__mro__:
        first = (cls.__doc__ or "").strip().partition("\n")[0]
        if first.endswith(" holidays."):
            return first.removesuffix(" holidays.")
    return str(data.country)


def _open_holidays(source: HolidaySource) -> holidays_package.HolidayBase:
    kwargs: dict[str, object] = {"subdiv": source.subdivision, "years": ()}
    if source.categories is not None:
        kwargs["categories"] = source.categories
    try:
        return holidays_package.country_holidays(source.country, **kwargs)  # type: ignore[arg-type]
    except NotImplementedError as exc:
        raise ConfigError(
            f"'holidays' must name a country (and subdivision) the holidays package supports, such as "
            f"{{country: CN}} or {{country: US, subdivision: NY}} (got country={source.country!r}, "
            f"subdivision={source.subdivision!r}): {exc}",
            path="holidays.country",
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"'holidays' is invalid (got {source.model_dump()!r}): {exc}", path="holidays") from exc
