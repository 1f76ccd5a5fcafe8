"""Opening hours as written in configs: ``"09:00-12:00"`` intervals under weekday keys like ``"mon-fri"``."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from slakit.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = 86_400
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$", re.ASCII)
_INTERVAL_FORM = (
    "'HH:MM-HH:MM' in ASCII digits such as '09:00-18:00' (24:00 allowed as an end, '22:00-06:00' crosses midnight)"
)


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """An opening interval of one day, in seconds after that day's midnight.

    ``end`` may exceed 86,400 when the interval crosses midnight: it still belongs to the day it
    starts on. ``text`` is the interval as the config wrote it, for messages.
    """

    start: int
    end: int
    text: str

    @classmethod
    def parse(cls, text: object, *, field: str) -> TimeRange:
        """Read ``"HH:MM-HH:MM"``; ``field`` names the place in the config for errors."""
        if not isinstance(text, str) or (match := _INTERVAL.match(text)) is None:
            raise ConfigError.for_value(field, text, _INTERVAL_FORM)
        h1, m1, s1, h2, m2, s2 = (int(part) if part else 0 for part in match.groups())
        if h1 > 23 or m1 > 59 or s1 > 59 or h2 > 24 or m2 > 59 or s2 > 59 or (h2 == 24 and (m2 or s2)):
            raise ConfigError.for_value(field, text, _INTERVAL_FORM)
        start, end = h1 * 3600 + m1 * 60 + s1, h2 * 3600 + m2 * 60 + s2
        if start == end:
            raise ConfigError(
                f"{field!r} is an empty interval (got {text!r}); opening and closing time must differ",
                path=field,
            )
        if end < start:
            end += _DAY
        return cls(start, end, text.strip())


def parse_ranges(values: object, *, field: str, day: str) -> tuple[TimeRange, ...]:
    """Parse one day's list of intervals and reject overlaps, naming ``day`` and the intervals."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Sequence):
        raise ConfigError.for_value(field, values, f"a list of intervals {_INTERVAL_FORM}")
    ranges = sorted(TimeRange.parse(value, field=f"{field}[{i}]") for i, value in enumerate(values))
    for earlier, later in itertools.pairwise(ranges):
        if earlier.end > later.start:
            raise ConfigError(
                f"{field!r}: on {day} the intervals {earlier.text!r} and {later.text!r} overlap", path=field
            )
    return tuple(ranges)


def parse_weekday_key(key: str) -> list[int]:
    """``"mon-fri"`` -> [0..4]; ``"mon,wed"`` -> [0, 2]; ranges may wrap (``"sun-thu"``)."""
    days: list[int] = []
    for part in key.lower().split(","):
        ends = [_weekday_index(name.strip(), key) for name in part.split("-")]
        if len(ends) == 1:
            days.append(ends[0])
        elif len(ends) == 2:
            first, last = ends
            days.extend((first + offset) % 7 for offset in range((last - first) % 7 + 1))
        else:
            raise _bad_weekday(part, key)
    return days


def _weekday_index(name: str, key: str) -> int:
    if name not in WEEKDAYS:
        raise _bad_weekday(name, key)
    return WEEKDAYS.index(name)


def _bad_weekday(name: str, key: str) -> ConfigError:
    return ConfigError(
        f"'hours' has an unknown weekday {name!r} in key {key!r}; use mon, tue, wed, thu, fri, sat, sun, "
        "ranges such as 'mon-fri' or lists such as 'mon,wed'",
        path=f"hours.{key}",
    )


def parse_weekly(hours: Mapping[str, object]) -> tuple[tuple[TimeRange, ...], ...]:
    """The seven days' intervals (Monday first) from the ``hours`` mapping; unnamed days are closed."""
    week: list[tuple[TimeRange, ...] | None] = [None] * 7
    owner: dict[int, str] = {}
    for key, values in hours.items():
        for day in parse_weekday_key(key):
            if week[day] is not None:
                raise ConfigError(
                    f"'hours' gives {WEEKDAYS[day]} twice (in {owner[day]!r} and {key!r}); name each weekday once",
                    path=f"hours.{key}",
                )
            week[day] = parse_ranges(values, field=f"hours.{key}", day=WEEKDAYS[day])
            owner[day] = key
    result = tuple(ranges or () for ranges in week)
    _check_overnight_spill(result)
    return result


def _check_overnight_spill(week: Sequence[tuple[TimeRange, ...]]) -> None:
    """An interval crossing midnight must not run into the next day's first interval."""
    for day, ranges in enumerate(week):
        following = week[(day + 1) % 7]
        if ranges and following and ranges[-1].end - _DAY > following[0].start:
            raise ConfigError(
                f"'hours': {WEEKDAYS[day]} {ranges[-1].text!r} runs past midnight into "
                f"{WEEKDAYS[(day + 1) % 7]} {following[0].text!r}",
                path="hours",
            )


def same_hours(days: Iterable[tuple[TimeRange, ...]]) -> tuple[TimeRange, ...] | None:
    """The shared intervals when every given day has the same hours, else None."""
    distinct = {tuple((r.start, r.end) for r in ranges): ranges for ranges in days}
    return next(iter(distinct.values())) if len(distinct) == 1 else None
