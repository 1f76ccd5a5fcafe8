"""The columnar engine's cells: a column as each distinct value read once (:class:`Col`), the id column, and the
readings done on whole columns (ISO 8601 times, a table's columns as the text cells a CSV of the same rows has).

Part of the columnar batch engine (:mod:`slakit.batch.columnar`); each reading is held to the row engine's own by
tests/batch/test_columnar.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slakit.batch import columnar_rules
from slakit.batch.flat import FlatLayout
from slakit.instants import to_us

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

EMPTY = columnar_rules.NO_TIME
"""An empty time cell (and no instant)."""
BAD = EMPTY + 1
"""A cell the row engine must read (the columnar engine does not cover its row)."""
LOW = to_us(datetime.fromisoformat("1900-01-01T00:00:00+00:00"))
HIGH = to_us(datetime.fromisoformat("2200-01-01T00:00:00+00:00"))
"""The instants the columnar engine reads (others are the row engine's)."""
_CACHE_LIMIT = 200_000
TIMES = (
    "created_at",
    "assigned_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "reopened_at",
    "survey_at",
)
"""The time columns of a flat export."""


class Cache(dict[Hashable, Any]):
    """Values worked out once per distinct input, bounded."""

    def remember(self, key: Hashable, value: Any) -> Any:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


class Col:
    """A column as the index of each row's value among distinct values (``values``), each read once."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: np.ndarray, values: list[Any]) -> None:
        self.codes = codes
        self.values = values

    def take(self, rows: np.ndarray) -> Col:
        return Col(self.codes[rows], self.values)

    def bad(self) -> np.ndarray:
        """Rows whose value is :data:`BAD` (a cell the row engine must read)."""
        return self.where(lambda value: value is BAD)

    def where(self, test: Callable[[Any], bool]) -> np.ndarray:
        import numpy as np

        flags = np.array([bool(test(value)) for value in self.values] or [False], dtype=bool)
        found: np.ndarray = flags[self.codes]
        return found

    def numbers(self, absent: int) -> np.ndarray:
        import numpy as np

        values = np.array([value if isinstance(value, int) else absent for value in self.values] or [absent])
        found: np.ndarray = values.astype(np.int64)[self.codes]
        return found

    def canonical(self) -> Col:
        """The same column with each value once (codes of equal values merged)."""
        import numpy as np

        index: dict[Any, int] = {}
        remap = np.array([index.setdefault(value, len(index)) for value in self.values] or [0], dtype=np.int64)
        return Col(remap[self.codes], list(index))

    def mapped(self, function: Callable[[Any], Any]) -> Col:
        """The column of ``function`` of each value (the same rows)."""
        return Col(self.codes, [function(value) for value in self.values])

    def texts(self, function: Callable[[Any], str]) -> pa.Array:
        """``function`` of each row's value, as an Arrow string array."""
        import pyarrow as pa

        return pa.array([function(value) for value in self.values], pa.string()).take(self.codes)

    def counts(self, rows: np.ndarray | None = None, label: Callable[[Any], Any] | None = None) -> Counter[Any]:
        """How many rows (of ``rows``, a boolean mask or row numbers) hold each value (``label`` of it)."""
        import numpy as np

        codes = self.codes if rows is None else self.codes[rows]
        found: Counter[Any] = Counter()
        if not len(codes):
            return found
        present, times = np.unique(codes, return_counts=True)
        for code, n in zip(present.tolist(), times.tolist(), strict=True):
            value = self.values[code]
            found[label(value) if label is not None else value] += n
        return found


PLAIN_ID = r"^[0-9A-Za-z][0-9A-Za-z_.:/#-]*$"
"""Ids that read, are written to CSV and quoted in JSON as they are (no space to strip, no formula start, nothing
to quote or escape)."""


class Ids(Col):
    """The id column: the row's own cell (``codes`` are row numbers into ``raw``), or its text as the row engine
    reads it where that is not the cell itself (``own``)."""

    __slots__ = ("own", "raw")

    def __init__(self, codes: np.ndarray, raw: pa.Array, own: dict[int, str | None] | None) -> None:
        super().__init__(codes, [])
        self.raw = raw
        self.own = own

    def take(self, rows: np.ndarray) -> Ids:
        return Ids(self.codes[rows], self.raw, self.own)

    def value(self, r: int) -> str | None:
        row = int(self.codes[r])
        if self.own is not None and row in self.own:
            return self.own[row]
        text: str = self.raw[row].as_py()
        return text

    def values_at(self, rows: np.ndarray) -> list[str | None]:
        """The ids of ``rows`` (as :meth:`value` gives each)."""
        import pyarrow as pa

        codes = self.codes[rows]
        found: list[str | None] = self.raw.take(pa.array(codes)).to_pylist()
        if self.own:
            for i, row in enumerate(codes.tolist()):
                if row in self.own:
                    found[i] = self.own[row]
        return found

    def where(self, test: Callable[[Any], bool]) -> np.ndarray:
        import numpy as np

        found = np.zeros(len(self.codes), dtype=bool)
        if self.own is not None:
            flags = {row: bool(test(value)) for row, value in self.own.items()}
            for i, row in enumerate(self.codes.tolist()):
                if row in flags:
                    found[i] = flags[row]
        return found

    def bad(self) -> np.ndarray:
        return self.where(lambda value: value is BAD)

    def texts(self, function: Callable[[Any], str]) -> pa.Array:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        taken = self.raw.take(pa.array(self.codes))
        made = pc.binary_join_element_wise('"', taken, '"', "") if function.__name__ == "json_string" else taken
        if self.own:
            rows = self.codes.tolist()
            mask = np.array([row in self.own for row in rows], dtype=bool)
            if mask.any():
                replaced = [function(self.own[row]) for row in rows if row in self.own]
                made = pc.replace_with_mask(made, pa.array(mask), pa.array(replaced, pa.string()))
        return made


def pair(a: Col, b: Col, function: Callable[[Any, Any], Any]) -> Col:
    """The column of ``function(a, b)`` of each row, worked out once per distinct pair."""
    import numpy as np

    combined = a.codes * max(len(b.values), 1) + b.codes
    distinct, inverse = np.unique(combined, return_inverse=True)
    width = max(len(b.values), 1)
    values = [function(a.values[code // width], b.values[code % width]) for code in distinct.tolist()]
    return Col(inverse.reshape(-1).astype(np.int64), values)


def distinct(values: np.ndarray) -> Col:
    """An integer column as distinct values and codes."""
    import numpy as np

    distinct, inverse = np.unique(values, return_inverse=True)
    return Col(inverse.reshape(-1).astype(np.int64), distinct.tolist())


def table_texts(layout: FlatLayout, table: pa.Table) -> tuple[pa.Table, dict[int, np.ndarray], np.ndarray]:
    """A table's columns as the columnar engine reads a CSV chunk (text cells ``c0``, ``c1``, ...), the instants
    of its aware timestamp columns (epoch µs, :data:`EMPTY` or :data:`BAD`) by position, and the rows with a
    cell that has no such text (the row engine reads them).

    A cell's text is ``str`` of the Python value the row engine reads (:func:`texts_of`), which each reading of a
    flat cell (text stripped, counts, survey answers, times) reads as it reads the value itself; a missing value
    is an empty cell, as there. An aware timestamp read only as a time is its instant; a column nobody reads is
    empty."""
    import numpy as np
    import pyarrow as pa

    n = table.num_rows
    forced = np.zeros(n, dtype=bool)
    instants: dict[int, np.ndarray] = {}
    times = {position for name, position in layout.index.items() if name in TIMES}
    read = {position for name, position in layout.index.items() if name not in TIMES}
    read |= {position for _, position in layout.survey} | {position for _, position in layout.attributes}
    empty = pa.nulls(n, pa.string()).fill_null("")
    columns = []
    for position in range(layout.width):
        if position not in times and position not in read:
            columns.append(empty)
            continue
        column = table.column(position).combine_chunks()
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        kind = column.type
        if pa.types.is_timestamp(kind) and kind.tz is not None and position not in read:
            instants[position] = timestamp_us(column)
            columns.append(empty)
            continue
        texts = texts_of(column)
        if texts is None:
            forced |= np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            texts = empty
        columns.append(texts)
    return pa.table(columns, names=[f"c{i}" for i in range(layout.width)]), instants, forced


def texts_of(column: pa.Array) -> pa.Array | None:
    """Each cell as ``str`` of its Python value (empty when missing, NaN too), for text, whole numbers, floats,
    true/false and decimals; None for any other type (dates, naive timestamps, durations, lists...)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_null(kind):
        return pa.nulls(len(column), pa.string()).fill_null("")
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or _is_string_view(kind) or pa.types.is_integer(kind):
        return pc.cast(column, pa.string()).fill_null("")  # Arrow writes a whole number as str() does
    if not (pa.types.is_floating(kind) or pa.types.is_boolean(kind) or pa.types.is_decimal(kind)):
        return None
    encoded = column.dictionary_encode()
    texts = ["" if value is None or value != value else str(value) for value in encoded.dictionary.to_pylist()]
    return pa.array(texts, pa.string()).take(encoded.indices).fill_null("")


def _is_string_view(kind: pa.DataType) -> bool:
    """Whether ``kind`` is Arrow's ``string_view`` (polars' strings; pyarrow 16 and later)."""
    import pyarrow as pa

    test = getattr(pa.types, "is_string_view", None)
    return bool(test(kind)) if test is not None else False


def timestamp_us(column: pa.Array) -> np.ndarray:
    """An aware timestamp column as epoch µs: :data:`EMPTY` where missing, :data:`BAD` out of the range the
    columnar engine reads or with a part of a microsecond (the row engine reads those)."""
    import numpy as np
    import pyarrow as pa

    values = np.asarray(column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    present = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    unit = column.type.unit
    if unit == "ns":
        us, rest = np.divmod(values, 1000)
        bad = rest != 0
    else:
        factor = {"s": 1_000_000, "ms": 1000, "us": 1}[unit]
        bad = (values < LOW // factor) | (values > HIGH // factor)
        us = np.where(bad, 0, values) * factor
    bad |= (us < LOW) | (us >= HIGH)
    found: np.ndarray = np.where(present, np.where(bad, BAD, us), EMPTY)
    return found


def plain_lines(data: bytes) -> int | None:
    """The number of lines of a chunk's bytes when each is a record the csv module reads as one row of cells (no
    blank line, at the end neither; ``\\r`` only in ``\\r\\n``); else None. Found from the positions of the line
    ends (numpy), not by searching the bytes for each pattern."""
    import numpy as np

    raw = np.frombuffer(data, dtype=np.uint8)
    if b"\r" in data:  # a CRLF file: each \r must end a line
        returns = np.flatnonzero(raw == _CR)
        if returns[-1] == len(raw) - 1 or (raw[returns + 1] != _LF).any():
            return None
    size = len(raw) - (2 if data.endswith(b"\r\n") else 1 if data.endswith(b"\n") else 0)
    ends = np.flatnonzero(raw[:size] == _LF)  # the line ends inside the body
    if size == 0 or raw[size - 1] in (_CR, _LF):
        return None  # empty, or a blank line at the end
    if len(ends):
        gaps = np.diff(ends)
        starts_blank = ends[0] == 0 or (ends[0] == 1 and raw[0] == _CR)
        blank_inside = (gaps == 1).any() or ((gaps == 2) & (raw[ends[:-1] + 1] == _CR)).any()
        if starts_blank or blank_inside:
            return None  # a blank line (the csv module skips it)
    return len(ends) + 1


_CR, _LF = ord("\r"), ord("\n")
_ISO = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"
_ISO_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24]
_ISO_MARKS = [4, 7, 10, 13, 16, 19, 22]
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def iso_instants(array: pa.Array) -> np.ndarray:
    """Cells of the shape ``2025-09-01T08:32:00+08:00`` as epoch µs, computed on the whole column; an empty cell
    :data:`EMPTY`, any other cell (or one ``datetime.fromisoformat`` would refuse) :data:`BAD`.

    The same instant as ``to_us(datetime.fromisoformat(cell))``: the fields are read at their places, checked as
    that function checks them (month, day of the month, hour, minute, second, an offset under 24 hours) and
    counted from the epoch with the proleptic Gregorian calendar."""
    import numpy as np
    import pyarrow as pa

    n = len(array)
    found = np.full(n, BAD, dtype=np.int64)
    if array.null_count:
        return found  # a CSV chunk's cells are never missing
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=n + 1, offset=array.offset * 4)
    lengths = np.diff(offsets)
    found[lengths == 0] = EMPTY
    where = np.nonzero(lengths == 25)[0]
    if not len(where):
        return found
    plain = len(where) + int((lengths == 0).sum()) == n  # empty cells take no bytes: the others are back to back
    cells = array if plain else array.take(pa.array(where))  # 25 bytes each, one after the other
    start = int(np.frombuffer(cells.buffers()[1], dtype=np.int32, count=1, offset=cells.offset * 4)[0])
    raw = np.frombuffer(cells.buffers()[2], dtype=np.uint8, count=25 * len(where), offset=start).reshape(-1, 25)
    places = np.ascontiguousarray(raw.T)  # one row per character place: whole-row operations below
    # the shape _ISO matches: digits at their places, '-' '-' 'T' ':' ':' a sign ':' between them
    digits_there = ((places[_ISO_DIGITS] - ord("0")) <= 9).all(axis=0)  # bytes below '0' wrap round past 9
    marks = places[_ISO_MARKS]
    fixed = (marks[[0, 1, 2, 3, 4, 6]] == np.frombuffer(b"--T:::", dtype=np.uint8)[:, None]).all(axis=0)
    signed = (marks[5] == ord("+")) | (marks[5] == ord("-"))
    shaped = digits_there & fixed & signed
    where, places = where[shaped], places[:, shaped]
    digits = places.astype(np.int64) - ord("0")

    def field(begin: int, stop: int) -> np.ndarray:
        value: np.ndarray = digits[begin]
        for i in range(begin + 1, stop):
            value = value * 10 + digits[i]
        return value

    year, month, day = field(0, 4), field(5, 7), field(8, 10)
    hour, minute, second = field(11, 13), field(14, 16), field(17, 19)
    offset_hours, offset_minutes = field(20, 22), field(23, 25)
    sign = np.where(places[19] == ord("-"), -1, 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days = np.asarray(_DAYS_IN_MONTH, dtype=np.int64)[np.where(month_ok, month, 0)] + (leap & (month == 2))
    valid = (
        (year >= 1)
        & month_ok
        & (day >= 1)
        & (day <= days)
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
        & (offset_hours <= 23)
        & (offset_minutes <= 59)
    )
    shifted = year - (month <= 2)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    epoch_days = era * 146097 + day_of_era - 719468
    seconds = (
        epoch_days * 86400 + hour * 3600 + minute * 60 + second - sign * (offset_hours * 3600 + offset_minutes * 60)
    )
    us = seconds * 1_000_000
    valid &= (us >= LOW) & (us < HIGH)
    found[where[valid]] = us[valid]
    return found
