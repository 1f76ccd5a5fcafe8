"""Reading the instants of an export: ISO 8601 quickly, other common spellings through dateutil.

An instant needs a UTC offset; a naive one takes ``assume_tz`` when given and is refused otherwise
(there is no implicit local zone). Nothing here reads the wall clock: a text that leaves out part
of the date is refused rather than completed from today.

A numeric date such as ``01/06/2023`` is read in the order its fields allow (docs/report.md,
"Dates"): a four-digit year first is year-month-day; otherwise the day-month-year, month-day-year
and (with a two-digit year) year-month-day readings that give a real date are tried, and the date
is read only when they all give the same day. ``date_order`` (``"dmy"``, ``"mdy"``, ``"ymd"``) says
which reading the file uses, and ``date_format`` (a ``strptime`` format) how every non-ISO text is
written. Nothing is swapped silently: ``13/06/2023`` in a file said to be month-day-year is refused.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import datetime, tzinfo
from typing import Final

from dateutil import parser as date_parser

from slakit.errors import ConfigError, InvalidTicketError, NaiveDatetimeError

__all__ = [
    "DATE_ORDERS",
    "ORDER_NAMES",
    "AmbiguousDateError",
    "DateOrderError",
    "TimestampError",
    "check_date_format",
    "check_date_order",
    "parse_instant",
]

DATE_ORDERS: Final = ("dmy", "mdy", "ymd")
"""The orders of a numeric date's fields: day-month-year, month-day-year, year-month-day."""

ORDER_NAMES: Final = {"dmy": "day-month-year", "mdy": "month-day-year", "ymd": "year-month-day"}
"""Each order in words."""

# Two different defaults: a text that really gives the date parses the same with both.
_DEFAULT_A = datetime(2000, 1, 1)  # noqa: DTZ001 -- a parsing default, never an instant
_DEFAULT_B = datetime(2001, 2, 2)  # noqa: DTZ001
# Three numbers separated by the same '/', '.' or '-', then the end, a space, a comma or 'T' (the time).
_NUMERIC_DATE = re.compile(r"(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})(?=$|[\sT,])")
_DIRECTIVES = re.compile(r"%(.)")


class TimestampError(InvalidTicketError):
    """A timestamp cell that is not a date and time."""


class AmbiguousDateError(TimestampError):
    """A numeric date that reads as different days in different orders, and no order was given."""


class DateOrderError(TimestampError):
    """A numeric date that is no date in the order the file was said to use (but is in another)."""


def check_date_order(date_order: str | None) -> str | None:
    """``date_order`` checked: None, ``"dmy"``, ``"mdy"`` or ``"ymd"``."""
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ConfigError.for_value("date_order", date_order, "'dmy', 'mdy' or 'ymd' (--date-order dmy)")
    return date_order


def check_date_format(date_format: str | None) -> str | None:
    """``date_format`` checked: None, or a ``strptime`` format that gives a whole date (year, month and day)."""
    if date_format is None:
        return None
    if not isinstance(date_format, str):
        raise ConfigError.for_value("date_format", date_format, "a strptime format such as '%d/%m/%Y %H:%M'")
    found = set(_DIRECTIVES.findall(date_format.replace("%%", "")))
    if not ({"Y", "y"} & found and {"m", "b", "B"} & found and "d" in found):
        raise ConfigError.for_value(
            "date_format", date_format, "a strptime format with a year, a month and a day, such as '%d/%m/%Y %H:%M'"
        )
    sample = datetime(2025, 9, 28, 10, 30)  # noqa: DTZ001 -- only the format is checked
    try:
        back = datetime.strptime(sample.strftime(date_format), date_format)  # noqa: DTZ007
    except ValueError as exc:
        raise ConfigError.for_value("date_format", date_format, f"a valid strptime format ({exc})") from None
    if back.date() != sample.date():
        raise ConfigError.for_value("date_format", date_format, "a strptime format that reads back what it writes")
    return date_format


def parse_instant(
    value: object,
    field: str,
    assume_tz: tzinfo | None,
    *,
    date_order: str | None = None,
    date_format: str | None = None,
    orders: Counter[str] | None = None,
) -> datetime | None:
    """The aware instant in a cell, or None when the cell is empty.

    ``value`` is text (ISO 8601 such as ``2025-09-01T10:00:00+08:00`` or ``2025-09-01 10:00``, or
    another spelling like ``2025/09/01 10:00`` or ``01/06/2023 12:15``) or a datetime. Naive values
    take ``assume_tz``; without it they raise :class:`~slakit.errors.NaiveDatetimeError` naming
    ``field``. Text that is not a full date raises :class:`TimestampError`; a numeric date whose
    order is not certain :class:`AmbiguousDateError`, one that is no date in ``date_order``
    :class:`DateOrderError`. With ``date_format``, text that is not ISO 8601 must match it.
    ``orders`` counts, per order, the numeric dates whose order was certain without ``date_order``
    (what a file's unambiguous dates say about its ambiguous ones).
    """
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip() if isinstance(value, str) else "" if value is None else str(value)
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            if date_format is not None:
                parsed = _formatted(text, field, date_format)
            else:
                parsed = _fallback(_numeric(text, field, date_order, orders), field, text)
    if parsed.tzinfo is None:
        if assume_tz is None:
            raise NaiveDatetimeError(
                f"{field!r} has no UTC offset (got {_show(value)}); add one (2025-09-01T10:00:00+08:00) "
                "or give assume_tz (--assume-tz Asia/Shanghai)",
                parameter=field,
            )
        return parsed.replace(tzinfo=assume_tz)
    return parsed


def _formatted(text: str, field: str, date_format: str) -> datetime:
    try:
        return datetime.strptime(text, date_format)  # noqa: DTZ007 -- a zone is added by the caller when naive
    except ValueError:
        raise TimestampError(
            f"{field!r} must be ISO 8601 or match date_format {date_format!r} (got {text!r:.60})"
        ) from None


def _numeric(text: str, field: str, date_order: str | None, orders: Counter[str] | None) -> str:
    """``text`` with a leading numeric date rewritten as ISO 8601 (``2023-06-01``); other text as it is."""
    found = _NUMERIC_DATE.match(text)
    if found is None:
        return text
    first, _, second, third = found.groups()
    candidates = _candidates(first, third)
    readings = _readings(first, second, third, candidates)
    if not readings:
        raise TimestampError(_unparseable(field, text))
    if candidates == ("ymd",):  # a four-digit year first: the order is certain
        chosen = readings[0][1]
    elif date_order is not None:
        by_order = dict(readings)
        if date_order not in by_order:
            others = ", ".join(f"{ORDER_NAMES[order]} would read {day}" for order, day in readings)
            raise DateOrderError(
                f"{field!r} is not a date in {ORDER_NAMES[date_order]} order, which date_order={date_order!r} "
                f"says the file uses (got {text!r:.60}); {others}: check the file's date order"
            )
        chosen = by_order[date_order]
    else:
        days = {day for _, day in readings}
        if len(days) > 1:
            shown = ", ".join(f"{ORDER_NAMES[order]} reads {day}" for order, day in readings)
            raise AmbiguousDateError(
                f"{field!r} is a date whose order is not certain (got {text!r:.60}): {shown}; say which with "
                "date_order='dmy', 'mdy' or 'ymd' (--date-order dmy) or a date_format (--date-format '%d/%m/%Y %H:%M')"
            )
        chosen = days.pop()
        if orders is not None and len(readings) == 1:  # certain, though the fields alone allowed other orders
            orders[readings[0][0]] += 1
    return chosen + text[found.end() :]


def _candidates(first: str, third: str) -> tuple[str, ...]:
    """The orders a numeric date's field lengths allow: a four-digit year is first or last."""
    if len(first) > 2:
        return ("ymd",) if len(first) == 4 else ()
    if len(third) > 2:
        return ("dmy", "mdy") if len(third) == 4 else ()
    return DATE_ORDERS


def _readings(first: str, second: str, third: str, orders: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(order, ISO date)`` for each of ``orders`` in which the three fields make a real date (``yy`` is 20yy)."""
    found = []
    for order in orders:
        fields = dict(zip(order, (int(first), int(second), int(third)), strict=True))
        year = fields["y"] + 2000 if len(first if order == "ymd" else third) <= 2 else fields["y"]
        month, day = fields["m"], fields["d"]
        if year >= 1 and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            found.append((order, f"{year:04d}-{month:02d}-{day:02d}"))
    return found


def _fallback(text: str, field: str, original: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        first = date_parser.parse(text, default=_DEFAULT_A)
        second = date_parser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError) as exc:
        raise TimestampError(_unparseable(field, original)) from exc
    if first != second:  # part of the date came from the default
        raise TimestampError(_unparseable(field, original))
    return first


def _unparseable(field: str, text: str) -> str:
    return f"{field!r} must be a date and time such as 2025-09-01T10:00:00+08:00 (got {text!r:.60})"


def _show(value: object) -> str:
    return repr(value.strip() if isinstance(value, str) else value)[:80]
