"""Texts of instants and hours written digit by digit on whole columns, for the columnar engine.

An instant is a packed record of fixed-width parts (its date from a table of the chunk's days, its time of
day from a table of the day's seconds, its offset's six bytes) and the records, one after the other, are the
data of an Arrow string array as they are. An hour count is written right-aligned in a row of a byte grid and
cut out of it. No Python per value and no sorting: a chunk's instants and hours cost a few numpy passes
whatever their number of distinct values. tests/batch/test_columnar.py holds them to ``datetime.isoformat()``
and ``repr(hours(us))``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["civil", "hour_grid", "iso_grid", "prefix_texts"]

_US_PER_SECOND = 1_000_000
_DAY_SECONDS = 86_400
_QUOTE = ord('"')
_NULL = b"null"


@cache
def _pairs() -> np.ndarray:
    """``"00"`` to ``"99"`` as bytes, one row each."""
    import numpy as np

    return np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


@cache
def _times_of_day() -> np.ndarray:
    """``"HH:MM:SS"`` of each second of a day, eight bytes each."""
    import numpy as np

    pairs = _pairs()
    second = np.arange(_DAY_SECONDS)
    colon = np.full((_DAY_SECONDS, 1), ord(":"), np.uint8)
    rows = np.concatenate([pairs[second // 3600], colon, pairs[second // 60 % 60], colon, pairs[second % 60]], axis=1)
    return rows.view("V8").reshape(-1)


@cache
def _records() -> tuple[np.dtype[Any], np.dtype[Any]]:
    """The packed records of ``YYYY-MM-DDTHH:MM:SS+08:00``, and of it quoted."""
    import numpy as np

    body = np.dtype([("date", "V10"), ("t", "u1"), ("time", "V8"), ("offset", "V6")])
    quoted = np.dtype([("open", "u1"), ("body", f"V{body.itemsize}"), ("close", "u1")])
    return body, quoted


def prefix_texts(grid: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """The string array whose text ``i`` is the first ``lengths[i]`` bytes of ``grid[i]`` (ASCII only)."""
    import numpy as np

    return _texts(np.ascontiguousarray(grid[np.arange(grid.shape[1])[None, :] < lengths[:, None]]), lengths)


def _texts(data: np.ndarray, lengths: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """The string array of ``data`` cut at ``lengths`` (null where ``valid`` is false, when given)."""
    import numpy as np
    import pyarrow as pa

    count = len(lengths)
    bounds = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    kind = pa.string() if bounds[-1] < 2**31 else pa.large_string()
    offsets = bounds.astype(np.int32) if kind == pa.string() else bounds
    validity = None if valid is None else pa.array(valid, pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(kind, count, [validity, pa.py_buffer(offsets), pa.py_buffer(data.view(np.uint8))])


def civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of days since 1970-01-01 in the proleptic Gregorian calendar (Hinnant's
    ``civil_from_days``)."""
    import numpy as np

    shifted = days + 719_468
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_from_march = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_from_march + 2) // 5 + 1
    month = np.where(month_from_march < 10, month_from_march + 3, month_from_march - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def _dates(days: np.ndarray) -> np.ndarray:
    """``"YYYY-MM-DD"`` of days since 1970-01-01 (years 1 to 9999), ten bytes each: written once per day from the
    first to the last of them, or once per distinct day when they spread wider than the rows."""
    import numpy as np

    if not len(days):
        return np.zeros(0, dtype="V10")
    first, last = int(days.min()), int(days.max())
    if last - first < max(2 * len(days), 4096):
        written, index = np.arange(first, last + 1), days - first
    else:
        written, index = np.unique(days, return_inverse=True)
    pairs = _pairs()
    year, month, day = civil(written)
    dash = np.full((len(written), 1), ord("-"), np.uint8)
    table = np.concatenate([pairs[year // 100], pairs[year % 100], dash, pairs[month], dash, pairs[day]], axis=1)
    found: np.ndarray = table.view("V10").reshape(-1)[index.reshape(-1)]
    return found


def iso_grid(local: np.ndarray, offset_texts: np.ndarray, shown: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """``isoformat()`` of instants from their local wall time (epoch µs as if the zone were UTC; years 1 to
    9999) and their offset's six bytes (``+08:00``, ``V6``): as results.csv writes them (empty where ``shown`` is
    false) and as results.jsonl does (quoted, or ``null``)."""
    import numpy as np
    import pyarrow.compute as pc

    seconds, micro = np.divmod(local, _US_PER_SECOND)
    days, second_of_day = np.divmod(seconds, _DAY_SECONDS)
    if shown.any() and not shown.all():  # the rows not shown take a shown one's day: no wider span of days
        days = np.where(shown, days, days[np.argmax(shown)])
    if micro.any():
        return _iso_fractions(days, second_of_day, micro, offset_texts, shown)
    body_type, quoted_type = _records()
    body = np.empty(len(local), dtype=body_type)
    body["date"] = _dates(days)
    body["t"] = ord("T")
    body["time"] = _times_of_day()[second_of_day]
    body["offset"] = offset_texts
    quoted = np.empty(len(local), dtype=quoted_type)
    quoted["open"] = quoted["close"] = _QUOTE
    quoted["body"] = body.view(f"V{body_type.itemsize}")
    valid = None if shown.all() else shown
    csv_texts = _texts(body, np.full(len(local), body_type.itemsize), valid)
    json_texts = _texts(quoted, np.full(len(local), quoted_type.itemsize), valid)
    if valid is None:
        return csv_texts, json_texts
    return pc.fill_null(csv_texts, ""), pc.fill_null(json_texts, "null")


def _iso_fractions(
    days: np.ndarray, second_of_day: np.ndarray, micro: np.ndarray, offset_texts: np.ndarray, shown: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    """:func:`iso_grid` where some instants have microseconds (``.ffffff`` shown only where there are some)."""
    import numpy as np

    pairs = _pairs()
    width = len('"YYYY-MM-DDTHH:MM:SS.ffffff+08:00"')
    grid = np.empty((len(days), width), dtype=np.uint8)
    grid[:, 0] = grid[:, width - 1] = _QUOTE
    grid[:, 1:11] = _dates(days).view(np.uint8).reshape(-1, 10)
    grid[:, 11] = ord("T")
    grid[:, 12:20] = _times_of_day()[second_of_day].view(np.uint8).reshape(-1, 8)
    grid[:, 20] = ord(".")
    grid[:, 21:27] = np.concatenate([pairs[micro // 10_000], pairs[micro // 100 % 100], pairs[micro % 100]], axis=1)
    grid[:, 27:33] = offset_texts.view(np.uint8).reshape(-1, 6)
    lengths = np.full(len(days), width, dtype=np.int64)
    whole = micro == 0
    lengths[whole] -= len(".ffffff")
    grid[whole, 20:27] = grid[whole, 27:]  # the offset and the quote moved over the missing fraction
    quiet = ~shown
    csv_texts = prefix_texts(grid[:, 1:], np.where(shown, lengths - 2, 0))
    grid[quiet, : len(_NULL)] = np.frombuffer(_NULL, dtype=np.uint8)
    lengths[quiet] = len(_NULL)
    return csv_texts, prefix_texts(grid, lengths)


def hour_grid(cents: np.ndarray, negative: np.ndarray, shown: np.ndarray | None = None) -> pa.Array:
    """``-`` where ``negative`` holds, the whole hundreds of ``cents`` (non-negative), a point and the two decimals
    without a trailing zero (``.5``, ``.05``, ``.0``): the ``repr`` of a float with at most two decimals (null
    where ``shown``, when given, does not hold). Each text is written right-aligned in a row of a grid and cut
    out of it."""
    import numpy as np

    count = len(cents)
    whole, fraction = np.divmod(cents, 100)
    digits = 1 + np.searchsorted(_powers(), whole, side="right")
    width = int(digits.max()) if count else 1
    grid = np.empty((count, width + 4), dtype=np.uint8)
    tens, ones = _pairs()[:, 0], _pairs()[:, 1]
    grid[:, 0] = ord("-")
    remaining, place = whole, width
    while place >= 1:  # two digits at a time, from the right; a minus sign left of each number's digits
        remaining, last_two = np.divmod(remaining, 100)
        grid[:, place] = np.where(digits > width - place, ones[last_two], ord("-"))
        if place > 1:
            grid[:, place - 1] = np.where(digits > width - place + 1, tens[last_two], ord("-"))
        place -= 2
    grid[:, width + 1] = ord(".")
    grid[:, width + 2] = tens[fraction]
    grid[:, width + 3] = ones[fraction]
    start = width - digits + 1 - negative
    stop = width + 4 - (fraction % 10 == 0)
    places = np.arange(width + 4)[:, None]
    kept = (places >= start[None, :]) & (places < stop[None, :])  # one place after the other: long inner loops
    return _texts(grid[np.ascontiguousarray(kept.T)], stop - start, shown)


@cache
def _powers() -> np.ndarray:
    """10 to 10**18: a whole number has one digit more than the powers it reaches."""
    import numpy as np

    return 10 ** np.arange(1, 19, dtype=np.int64)
