"""Durations as configs write them: ``"90m"``, ``"2h30m"``, ``"1d"``, ISO 8601 ``"PT2H30M"``.

A day is always 24 hours here; "one business day" is not a duration but a calendar question.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError

from slakit.errors import ConfigError

__all__ = ["Duration", "DurationInput", "format_duration", "parse_duration"]

_COMPACT = re.compile(
    r"""^\s*
    (?:(?P<w>\d+(?:\.\d+)?)\s*w)?\s*
    (?:(?P<d>\d+(?:\.\d+)?)\s*d)?\s*
    (?:(?P<h>\d+(?:\.\d+)?)\s*h)?\s*
    (?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in)?)?\s*
    (?:(?P<s>\d+(?:\.\d+)?)\s*s)?\s*$""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
# Years and months have no fixed length, so ISO durations with them are refused rather than guessed.
_ISO = re.compile(
    r"^P(?!$)(?P<w>\d+W)?(?P<d>\d+(?:\.\d+)?D)?(T(?=\d)(?P<h>\d+(?:\.\d+)?H)?(?P<m>\d+(?:\.\d+)?M)?(?P<s>\d+(?:\.\d+)?S)?)?$",
    re.ASCII,
)
_ISO_ADAPTER: TypeAdapter[timedelta] = TypeAdapter(timedelta)
_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_MAX_SECONDS = timedelta.max.days * 86_400  # whole days only: what every form can reach
_ACCEPTED = (
    "a timedelta, whole seconds as an int, a compact string such as '90m', '2h30m', '1d' or '1w2d', "
    "or ISO 8601 such as 'PT2H30M' or 'P1DT2H' (no years or months)"
)
_NOT_NEGATIVE = "a duration of zero or more"
_TOO_LONG = f"a duration of at most {timedelta.max.days:,} days"
_ASCII_ONLY = (
    "written with ASCII digits 0-9 and letters, such as '90m' or 'PT1H30M' "
    "(full-width and other non-ASCII digits are refused)"
)


def parse_duration(value: Any, *, field: str = "duration") -> timedelta:
    """Read a non-negative duration from a config value.

    Accepts a :class:`~datetime.timedelta`, whole seconds as an ``int``, compact strings
    (``"90m"``, ``"2h30m"``, ``"1d"`` = 24 h, ``"1w"``) and ISO 8601 (``"PT2H30M"``, ``"P1DT2H"``),
    up to 999,999,999 days (what a ``timedelta`` holds). Strings are ASCII: full-width and other
    non-ASCII digits are refused, never read as the digits they look like. Anything else, and any
    negative duration, raises :class:`~slakit.errors.ConfigError` naming ``field`` and listing what
    is accepted.
    """
    result: timedelta | None = None
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= _MAX_SECONDS:
            raise ConfigError.for_value(field, value, _TOO_LONG if value > 0 else _NOT_NEGATIVE)
        result = timedelta(seconds=value)
    elif isinstance(value, str):
        if not value.isascii():
            raise ConfigError.for_value(field, value, _ASCII_ONLY)
        result = _parse_text(value.strip(), field=field)
    if result is None:
        raise ConfigError.for_value(field, value, _ACCEPTED)
    if result < timedelta(0):
        raise ConfigError.for_value(field, value, _NOT_NEGATIVE)
    return result


def _parse_text(text: str, *, field: str) -> timedelta | None:
    upper = text.upper()
    if iso := _ISO.match(upper):
        _check_length({unit.lower(): number[:-1] for unit, number in iso.groupdict().items() if number}, text, field)
        try:
            return _ISO_ADAPTER.validate_python(upper)
        except ValidationError:
            return None
    match = _COMPACT.match(text)
    if match is None or not any(match.groupdict().values()):
        return None
    numbers = {unit: number for unit, number in match.groupdict().items() if number}
    _check_length(numbers, text, field)
    parts = {unit: float(number) for unit, number in numbers.items()}
    return timedelta(
        weeks=parts.get("w", 0),
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )


def _check_length(numbers: dict[str, str], text: str, field: str) -> None:
    """Refuse, before any conversion can overflow, a duration longer than a timedelta holds."""
    if sum(float(number) * _SECONDS[unit] for unit, number in numbers.items()) > _MAX_SECONDS:
        raise ConfigError.for_value(field, text, _TOO_LONG)


def format_duration(value: timedelta) -> str:
    """Write a duration the compact way configs read it back: ``2h30m``, ``-1h``, ``0s``."""
    total_us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if total_us < 0 else ""
    total_us = abs(total_us)
    seconds, micros = divmod(total_us, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    if seconds or micros or not text:
        text += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "s"
    return sign + text


def _validate_duration(value: Any) -> timedelta:
    """Inside a pydantic model the path and the value are added by slakit._config; say only what is wrong."""
    try:
        return parse_duration(value, field="duration")
    except ConfigError as exc:
        raise ValueError(f"must be {exc.expected}") from None


DurationInput = (
    Annotated[int, Field(ge=0, description="whole seconds")]
    | Annotated[
        str,
        Field(
            description="a duration: compact such as 90m, 2h30m, 1d (24 h) or 1w2d, or ISO 8601 such as PT2H30M",
            examples=["90m", "2h30m", "1d", "PT2H30M"],
        ),
    ]
)
"""What a config may write for a :data:`Duration`, for JSON Schemas (``slakit.schema.policy``)."""

Duration = Annotated[timedelta, BeforeValidator(_validate_duration, json_schema_input_type=DurationInput)]
"""A pydantic field type accepting every form :func:`parse_duration` accepts."""
