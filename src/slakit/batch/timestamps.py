"""Reading the instants of an export: ISO 8601 quickly, other common spellings through dateutil.

An instant needs a UTC offset; a naive one takes ``assume_tz`` when given and is refused otherwise
(there is no implicit local zone). Nothing here reads the wall clock: a text that leaves out part
of the date is refused rather than completed from today.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from dateutil import parser as date_parser

from slakit.errors import InvalidTicketError, NaiveDatetimeError

__all__ = ["TimestampError", "parse_instant"]

# Two different defaults: a text that really gives the date parses the same with both.
_DEFAULT_A = datetime(2000, 1, 1)  # noqa: DTZ001 -- a parsing default, never an instant
_DEFAULT_B = datetime(2001, 2, 2)  # noqa: DTZ001


class TimestampError(InvalidTicketError):
    """A timestamp cell that is not a date and time."""


def parse_instant(value: object, field: str, assume_tz: tzinfo | None) -> datetime | None:
    """The aware instant in a cell, or None when the cell is empty.

    ``value`` is text (ISO 8601 such as ``2025-09-01T10:00:00+08:00`` or ``2025-09-01 10:00``, or
    another unambiguous spelling like ``2025/09/01 10:00``) or a datetime. Naive values take
    ``assume_tz``; without it they raise :class:`~slakit.errors.NaiveDatetimeError` naming ``field``.
    Text that is not a full date raises :class:`TimestampError`.
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
            parsed = _fallback(text, field)
    if parsed.tzinfo is None:
        if assume_tz is None:
            raise NaiveDatetimeError(
                f"{field!r} has no UTC offset (got {_show(value)}); add one (2025-09-01T10:00:00+08:00) "
                "or give assume_tz (--assume-tz Asia/Shanghai)",
                parameter=field,
            )
        return parsed.replace(tzinfo=assume_tz)
    return parsed


def _fallback(text: str, field: str) -> datetime:
    try:
        first = date_parser.parse(text, default=_DEFAULT_A)
        second = date_parser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError) as exc:
        raise TimestampError(_unparseable(field, text)) from exc
    if first != second:  # part of the date came from the default
        raise TimestampError(_unparseable(field, text))
    return first


def _unparseable(field: str, text: str) -> str:
    return f"{field!r} must be a date and time such as 2025-09-01T10:00:00+08:00 (got {text!r:.60})"


def _show(value: object) -> str:
    return repr(value.strip() if isinstance(value, str) else value)[:80]
