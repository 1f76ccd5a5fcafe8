"""The columnar engine's texts: each output text made by the row engine's own formatting once per distinct value,
or on whole columns where the rule is plain (instants, hours), and Arrow's string kernels to join them into lines.

Part of the columnar batch engine (:mod:`slakit.batch.columnar`); tests/batch/test_columnar.py holds the
whole-column texts to ``isoformat()`` and ``repr(hours(us))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from slakit.batch import csv_safe
from slakit.batch.columnar_cells import BAD, EMPTY, Col, distinct
from slakit.batch.columnar_digits import hour_grid, iso_grid
from slakit.batch.facts import US_PER_HOUR
from slakit.batch.output import quote_json, survey_json
from slakit.instants import from_us, to_us

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import tzinfo

    import numpy as np
    import pyarrow as pa

    from slakit.batch.columnar_cells import Cache

_CSV_SPECIAL = (",", '"', "\r", "\n")


def cat(*parts: Any) -> pa.Array:
    """The element-wise concatenation of string arrays and constant texts (null where a part is null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*(pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts), "")


def joined_line(*parts: Any) -> pa.Array:
    """The element-wise concatenation of string arrays and constant texts, a null part taken as empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = (pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts)
    return pc.binary_join_element_wise(*texts, "", null_handling="replace", null_replacement="")


def fields(*parts: Any) -> pa.Array:
    """The element-wise join of string arrays and constant texts with commas: cells of a CSV line (a null part
    an empty cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = (pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts)
    return pc.binary_join_element_wise(*texts, ",", null_handling="replace", null_replacement="")


def hidden(array: pa.Array, shown: np.ndarray) -> pa.Array:
    """The texts where ``shown`` holds, null elsewhere (the same buffers with a validity bitmap: no copy)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if shown.all():
        return array
    mask = pa.array(shown, pa.bool_())
    if array.offset or array.null_count:
        return pc.if_else(mask, array, pa.scalar(None, array.type))
    return pa.Array.from_buffers(array.type, len(array), [mask.buffers()[1], *array.buffers()[1:]])


def fill_null(array: pa.Array, text: str) -> pa.Array:
    """The texts with ``text`` where they are null."""
    import pyarrow.compute as pc

    return pc.fill_null(array, text)


def choose(mask: np.ndarray, yes: Any, no: Any) -> pa.Array:
    """``yes`` where ``mask`` holds, else ``no`` (string arrays of the mask's length, or constant texts)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    for pick, same in ((yes, mask.all()), (no, not mask.any())):
        if same and len(mask):  # one side everywhere: no copy of the other
            return (
                pick
                if not isinstance(pick, str)
                else pa.array([pick], pa.string()).take(pa.array(np.zeros(len(mask), dtype=np.int64)))
            )
    return pc.if_else(
        pa.array(mask, pa.bool_()),
        pa.scalar(yes, pa.string()) if isinstance(yes, str) else yes,
        pa.scalar(no, pa.string()) if isinstance(no, str) else no,
    )


def numbers(values: np.ndarray) -> pa.Array:
    import pyarrow as pa

    return pa.array(values, pa.int64()).cast(pa.string())


def text_bytes(array: pa.Array) -> tuple[memoryview, np.ndarray]:
    """A string array's data (no nulls) and where each text starts in it (``bounds[i]`` to ``bounds[i + 1]``):
    a view of Arrow's buffer, not a copy."""
    return _data(array)


def joined(array: pa.Array) -> memoryview:
    """The texts of a string array (no nulls) one after the other: a view of Arrow's buffer, not a copy."""
    return _data(array)[0]


def _data(array: pa.Array) -> tuple[memoryview, np.ndarray]:
    """The bytes of a string array's texts (no nulls), and each text's start in them with the end after the last."""
    import numpy as np
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if len(array) == 0:
        return memoryview(b""), np.zeros(1, dtype=np.int64)
    offsets, data = array.buffers()[1], array.buffers()[2]
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=width, count=len(array) + 1, offset=array.offset * np.dtype(width).itemsize)
    start = int(bounds[0])
    text = memoryview(data)[start : int(bounds[-1])] if data is not None else memoryview(b"")
    return text, bounds.astype(np.int64) - start


class TextMaker:
    """Each text of the outputs made once per distinct value by the row engine's own formatting, or on whole
    columns where the rule is plain (instants, hours)."""

    def __init__(self, zone: tzinfo, caches: Callable[[str], Cache]) -> None:
        """Texts in the policy's ``zone``, remembered in the run's ``caches`` (by name: a plan's :meth:`cache`)."""
        self.zone = zone
        self.caches = caches
        self.iso = caches("iso")
        self.csv = caches("csv")
        self.json = caches("json")

    def instant(self, us: int) -> str:
        """An instant as results.csv writes it (empty when there is none)."""
        if us == EMPTY:
            return ""
        text = self.iso.get(us)
        if text is None:
            text = self.iso.remember(us, from_us(us, self.zone).isoformat())
        return text  # type: ignore[no-any-return]

    def instants(self, values: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """Each instant as ``datetime.isoformat()`` in the policy's zone writes it (results.csv: empty when there is
        none; results.jsonl: quoted, or null), written digit by digit (:func:`~slakit.batch.columnar_digits.iso_grid`)
        from the zone's offset at its hour. An instant in an hour with a change of offset in it, at an offset that is
        not whole minutes, or outside the years 1 to 9999 is written one by one."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        present = values != EMPTY
        at = np.where(present, values, 0)
        offset, suffix, exact = self._zone(at, present)
        local = at + offset
        gridded = present & exact & (local >= _YEAR_1) & (local < _YEAR_10000)
        csv_texts, json_texts = iso_grid(np.where(gridded, local, 0), suffix, gridded)
        one_by_one = present & ~gridded
        if not one_by_one.any():
            return csv_texts, json_texts
        texts = [self.instant(int(us)) for us in at[one_by_one].tolist()]
        mask = pa.array(one_by_one)
        return (
            pc.replace_with_mask(csv_texts, mask, pa.array(texts, pa.string())),
            pc.replace_with_mask(json_texts, mask, pa.array([f'"{text}"' for text in texts], pa.string())),
        )

    def _zone(self, at: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The zone's offset (µs) at the start of each instant's hour, its six-byte ``isoformat`` suffix
        (``+08:00``), and whether the row can be written from them (no change of offset within the hour, an offset
        of whole minutes); rows not ``present`` get the values of some hour. The hours are looked up in the run's
        table of contiguous hours, or once per distinct hour when they spread too far for it."""
        import numpy as np

        hours = at // US_PER_HOUR
        shown = hours[present]
        if not len(shown):
            count = len(at)
            return np.zeros(count, np.int64), np.zeros(count, "V6"), np.zeros(count, bool)
        table = self._hours(int(shown.min()), int(shown.max()))
        if table is not None:
            index = np.where(present, hours - table.first, 0)
        else:
            found = distinct(np.where(present, hours, shown[0]))
            table, index = _HourTable.of(found.values, self._hour), found.codes
        return table.offsets[index], table.suffixes[index], table.exact[index]

    def _hours(self, low: int, high: int) -> _HourTable | None:
        """The run's table of the zone at each hour from ``low`` to ``high`` (hours since the epoch), grown as the
        chunks need (or made again for these hours); None when they span more than :data:`_TABLE_HOURS` hours."""
        tables = self.caches("hours")
        table: _HourTable | None = tables.get("table")
        if table is not None:
            end = table.first + len(table.offsets) - 1
            if table.first <= low and high <= end:
                return table
            if max(high, end) - min(low, table.first) < _TABLE_HOURS:  # grown to hold both; else this chunk's alone
                low, high = min(low, table.first), max(high, end)
        if high - low >= _TABLE_HOURS:
            return None
        table = _HourTable.of(list(range(low, high + 1)), self._hour)
        tables.remember("table", table)
        return table

    def _hour(self, hour: int) -> tuple[int, str, bool]:
        """The zone's offset (µs) and its ``isoformat`` suffix at the start of the hour ``hour`` (hours since the
        epoch), and whether the offset changes within the hour."""
        known = self.caches("offset")
        found = known.get(hour)
        if found is None:
            begin = from_us(hour * US_PER_HOUR, self.zone)
            first, last = begin.utcoffset(), from_us(hour * US_PER_HOUR + US_PER_HOUR - 1, self.zone).utcoffset()
            offset = int(first.total_seconds()) * 1_000_000 if first is not None else 0
            found = known.remember(hour, (offset, begin.isoformat()[19:], first != last))
        return found  # type: ignore[no-any-return]

    def dates(self, values: np.ndarray) -> Col:
        """The date of each instant in the policy's zone (``from_us(us, zone).date()``), None for :data:`EMPTY`:
        from the zone's offset at its hour (an hour with a change of offset in it one instant at a time)."""
        import numpy as np

        present = values != EMPTY
        at = np.where(present, values, 0)
        offset, _, exact = self._zone(at, present)
        days = (at + offset) // (24 * US_PER_HOUR)
        for r in np.nonzero(present & ~exact)[0].tolist():
            days[r] = from_us(int(at[r]), self.zone).date().toordinal() - _EPOCH_ORDINAL
        found = distinct(np.where(present, days, EMPTY))
        return found.mapped(lambda day: None if day == EMPTY else date.fromordinal(day + _EPOCH_ORDINAL))

    @staticmethod
    def hours(us: int) -> str:
        from slakit.batch.facts import hours

        return repr(hours(us))

    @staticmethod
    def late(us: int) -> str:
        """``late_by_hours`` of a breached metric from its remaining time: ``-hours(remaining)``."""
        from slakit.batch.facts import hours

        return repr(-hours(us))

    def csv_cell(self, value: str | None) -> str:
        """A text cell of results.csv as the row engine writes it (made safe; quoted when it must be)."""
        if value.__class__ is not str:  # None, or a value of rows not covered
            return ""
        text = self.csv.get(value)
        if text is None:
            text = self.csv.remember(value, csv_quoted(csv_safe.safe_text(value)))
        return text  # type: ignore[no-any-return]

    def json_string(self, value: str | None) -> str:
        if value.__class__ is not str:
            return "null"
        text = self.json.get(value)
        if text is None:
            text = self.json.remember(value, quote_json(value))
        return text  # type: ignore[no-any-return]

    @staticmethod
    def overall(score: Any) -> str:
        return "" if score is None or score is BAD else repr(float(score.overall))

    @staticmethod
    def survey(score: Any) -> str:
        return "null" if score is None or score is BAD else survey_json(score)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_YEAR_1 = to_us(datetime(1, 1, 1, tzinfo=UTC))
_YEAR_10000 = to_us(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)) + 1
_TABLE_HOURS = 100_000
"""The most hours (some 11 years) a run's table of the zone spans (past it, a table for the chunk's own hours);
a chunk spread wider looks up each of its distinct hours."""


@dataclass(frozen=True, slots=True)
class _HourTable:
    """The zone at each of some hours: offset (µs), six-byte ``isoformat`` suffix, and whether an instant of the
    hour can be written from them; ``first`` is the first hour of a table of contiguous hours."""

    first: int
    offsets: np.ndarray
    suffixes: np.ndarray
    exact: np.ndarray

    @classmethod
    def of(cls, hours: list[int], look: Callable[[int], tuple[int, str, bool]]) -> _HourTable:
        """The table of ``hours``, each looked up with ``look`` (:meth:`TextMaker._hour`)."""
        import numpy as np

        found = [look(hour) for hour in hours]
        offsets = np.array([offset for offset, _, _ in found], dtype=np.int64)
        whole = [len(suffix) == len("+08:00") for _, suffix, _ in found]
        suffixes = np.frombuffer(
            b"".join(suffix.encode() if fits else b"+00:00" for (_, suffix, _), fits in zip(found, whole, strict=True)),
            dtype="V6",
        )
        exact = np.array([fits and not changes for (_, _, changes), fits in zip(found, whole, strict=True)], bool)
        return cls(hours[0] if hours else 0, offsets, suffixes, exact)


def hour_texts(us: np.ndarray, *, negated: bool = False, shown: np.ndarray | None = None) -> pa.Array:
    """``repr(hours(us))`` (``repr(-hours(us))`` when ``negated``) of each value, computed on whole columns:
    :func:`slakit.batch.facts.hours` rounds to hundredths of an hour, half away from zero, and ``repr`` of a
    float with at most two decimals and fewer than 15 digits is those digits (trailing zero dropped, ``.0`` kept:
    :func:`~slakit.batch.columnar_digits.hour_grid`). tests/batch/test_columnar.py checks it against
    ``repr(hours(us))``. Null where ``shown`` (when given) does not hold."""
    import numpy as np

    if shown is not None:
        us = np.where(shown, us, 0)
    magnitude = (np.abs(us) * 200 + US_PER_HOUR) // (2 * US_PER_HOUR)
    cents = np.where(us < 0, -magnitude, magnitude)
    if negated:
        cents = -cents
    negative = (cents < 0) | (negated & (cents == 0))
    return hour_grid(np.abs(cents), negative, shown)


def csv_quoted(text: str) -> str:
    """A cell as ``csv.writer`` (minimal quoting) writes it."""
    if any(special in text for special in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text
