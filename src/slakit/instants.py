"""Instants as integer microseconds since the Unix epoch, and the checks that guard them.

The engines' core works on these integers (docs/design.md, "The core"); ``to_us`` and ``from_us``
convert an aware datetime to one and back, exactly. Integers keep every computation exact to the
microsecond; floats (``datetime.timestamp()``) do not.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slakit.errors import ConfigError, NaiveDatetimeError

__all__ = [
    "EPOCH",
    "US_PER_DAY",
    "US_PER_SECOND",
    "from_us",
    "require_aware",
    "td_to_us",
    "to_us",
    "us_to_td",
    "zone_named",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND


def require_aware(value: datetime, parameter: str) -> datetime:
    """Return ``value`` if it is an aware datetime, else raise NaiveDatetimeError naming ``parameter``."""
    if not isinstance(value, datetime):
        raise ConfigError.for_value(parameter, value, "an aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError.for_parameter(parameter, value)
    return value


def to_us(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def from_us(us: int, zone: tzinfo) -> datetime:
    """The aware datetime in ``zone`` for microseconds since the epoch.

    ``fromtimestamp`` with a whole number of seconds is exact and, like ``astimezone``, goes through
    ``zone.fromutc``, so the wall time and fold are those of ``(EPOCH + us).astimezone(zone)``; it is
    several times faster, and the engines convert every instant they show.
    """
    seconds, micro = divmod(us, US_PER_SECOND)
    try:
        value = datetime.fromtimestamp(seconds, zone)
    except (OverflowError, OSError, ValueError):  # far from the epoch on some platforms
        return (EPOCH + timedelta(microseconds=us)).astimezone(zone)
    return value.replace(microsecond=micro) if micro else value


def td_to_us(value: timedelta) -> int:
    """Microseconds in a timedelta, exactly."""
    return (value.days * 86_400 + value.seconds) * US_PER_SECOND + value.microseconds


def us_to_td(us: int) -> timedelta:
    """A timedelta of ``us`` microseconds."""
    return timedelta(microseconds=us)


def zone_named(name: str, *, field: str = "timezone") -> ZoneInfo:
    """The IANA zone called ``name``; a ConfigError naming ``field`` when there is none.

    Every zone name slakit reads (configs, ``assume_tz``, the command line's ``--assume-tz``) goes
    through here. A name is checked for the shape of an IANA name (at most 255 characters of letters,
    digits, ``_``, ``+`` and ``-`` in parts separated by ``/``) before the zone database is asked, so
    a 50 MB name costs nothing; a folder of the database such as ``Asia``, a file that is no zone and
    an unknown name are all a ConfigError, never an ``OSError``.
    """
    if not isinstance(name, str) or len(name) > _MAX_ZONE_NAME or not _ZONE_NAME.fullmatch(name):
        raise ConfigError.for_value(field, name, f"{_ZONE_NAMES} (letters, digits, _, +, - and /)")
    try:
        return ZoneInfo(name)
    except IsADirectoryError as exc:
        raise ConfigError.for_value(field, name, f"{_ZONE_NAMES}; {name!r} is a group of zones, not a zone") from exc
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ConfigError.for_value(field, name, _ZONE_NAMES) from exc


_ZONE_NAMES = "an IANA time zone name such as 'Asia/Shanghai', 'Europe/Berlin' or 'UTC'"
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*", re.ASCII)
_MAX_ZONE_NAME = 255
