"""The columnar engine's texts: each output text made by the row engine's own formatting once per distinct value,
or on whole columns where the rule is plain (instants, hours), and Arrow's string kernels to join them into lines.

Part of the columnar batch engine (:mod:`slakit.batch.columnar`); tests/batch/test_columnar.py holds the
whole-column texts to ``isoformat()`` and ``repr(hours(us))``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from slakit.batch import csv_safe
from slakit.batch.columnar_cells import BAD, EMPTY, Col, distinct
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
    """The element-wise concatenation of string arrays and constant texts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*(pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts), "")


def fields(*parts: Any) -> pa.Array:
    """The element-wise join of string arrays and constant texts with commas: cells of a CSV line."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*(pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts), ",")


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


def text_bytes(array: pa.Array) -> tuple[bytes, list[int]]:
    """A string array's data (no nulls) and where each text starts in it (``bounds[i]`` to ``bounds[i + 1]``)."""
    data, bounds = _data(array)
    return data, bounds.tolist()


def joined(array: pa.Array) -> bytes:
    """The texts of a string array (no nulls) one after the other, from its data buffer."""
    return _data(array)[0]


def _data(array: pa.Array) -> tuple[bytes, np.ndarray]:
    """The bytes of a string array's texts (no nulls), and each text's start in them with the end after the last."""
    import numpy as np
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if len(array) == 0:
        return b"", np.zeros(1, dtype=np.int64)
    offsets, data = array.buffers()[1], array.buffers()[2]
    bounds = np.frombuffer(offsets, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    start = int(bounds[0])
    text = data.to_pybytes()[start : int(bounds[-1])] if data is not None else b""
    return text, bounds - start


def trimmed(array: pa.Array, separator: str) -> pa.Array:
    """The texts without their leading ``separator`` (each joined piece starts with one)."""
    import pyarrow.compute as pc

    return pc.utf8_ltrim(array, characters=separator)


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

    def instant_json(self, us: int) -> str:
        return "null" if us == EMPTY else f'"{self.instant(us)}"'

    def instants(self, values: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """Each instant as ``datetime.isoformat()`` in the policy's zone writes it (results.csv: empty when there is
        none; results.jsonl: quoted, or null). Whole columns: the zone's offset is looked up once per hour (an
        hour with a change of offset in it, and an instant with microseconds, are written one by one)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        present = values != EMPTY
        at = np.where(present, values, 0)
        hour_of = at // US_PER_HOUR
        distinct, inverse = np.unique(hour_of, return_inverse=True)
        inverse = inverse.reshape(-1)
        offsets = np.zeros(len(distinct), dtype=np.int64)
        suffixes: list[str] = []
        mixed = np.zeros(len(distinct), dtype=bool)
        for i, hour in enumerate(distinct.tolist()):
            offsets[i], suffix, mixed[i] = self._hour(hour)
            suffixes.append(suffix)
        local = at + offsets[inverse]
        parts = (*local_parts(local), pa.array(suffixes, pa.string()).take(pa.array(inverse)))
        one_by_one = present & (mixed[inverse] | (at % 1_000_000 != 0) | (local < _YEAR_1000))
        if not one_by_one.any():  # each line's text made in one pass per file
            return choose(present, cat(*parts), ""), choose(present, cat('"', *parts, '"'), "null")
        where = np.nonzero(one_by_one)[0]
        texts = pc.replace_with_mask(
            cat(*parts),
            pa.array(one_by_one),
            pa.array([self.instant(int(us)) for us in at[where].tolist()], pa.string()),
        )
        return choose(present, texts, ""), choose(present, cat('"', texts, '"'), "null")

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
        the offset looked up once per hour (an hour with a change of offset in it one instant at a time)."""
        import numpy as np

        present = values != EMPTY
        at = np.where(present, values, 0)
        hours_of = distinct(at // US_PER_HOUR)
        looked = [self._hour(hour) for hour in hours_of.values]
        local = at + np.array([offset for offset, _, _ in looked] or [0], dtype=np.int64)[hours_of.codes]
        mixed = np.array([changes for _, _, changes in looked] or [False], dtype=bool)[hours_of.codes] & present
        days = local // (24 * US_PER_HOUR)
        for r in np.nonzero(mixed)[0].tolist():
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
_YEAR_1000 = to_us(datetime.fromisoformat("1000-01-02T00:00:00+00:00"))


def local_parts(local: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Local wall-clock instants (epoch µs as if the zone were UTC, whole seconds, year 1000 or later) as the two
    parts of ``YYYY-MM-DDTHH:MM:SS``: the date of each distinct day with its ``T`` (``date.isoformat``), and the
    time of day of each distinct second."""
    import numpy as np
    import pyarrow as pa

    days, second_of_day = np.divmod(local // 1_000_000, 86400)
    day = distinct(days)
    second = distinct(second_of_day)
    day_texts = [date.fromordinal(int(d) + _EPOCH_ORDINAL).isoformat() + "T" for d in day.values]
    second_texts = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in second.values]
    return (
        pa.array(day_texts or [""], pa.string()).take(pa.array(day.codes)),
        pa.array(second_texts or [""], pa.string()).take(pa.array(second.codes)),
    )


_FRACTIONS = tuple("0" if k == 0 else str(k // 10) if k % 10 == 0 else f"{k:02d}" for k in range(100))


def hour_texts(us: np.ndarray, *, negated: bool = False) -> pa.Array:
    """``repr(hours(us))`` (``repr(-hours(us))`` when ``negated``) of each value, computed on whole columns:
    :func:`slakit.batch.facts.hours` rounds to hundredths of an hour, half away from zero, and ``repr`` of a
    float with at most two decimals and fewer than 15 digits is those digits (trailing zero dropped, ``.0`` kept).
    tests/batch/test_columnar.py checks it against ``repr(hours(us))``."""
    import numpy as np
    import pyarrow as pa

    magnitude = (np.abs(us) * 200 + US_PER_HOUR) // (2 * US_PER_HOUR)
    cents = np.where(us < 0, -magnitude, magnitude)
    if negated:
        cents = -cents
    negative = (cents < 0) | (negated & (cents == 0))
    found = distinct(np.abs(cents) * 2 + negative)  # each distinct text made once
    texts = [f"{'-' if key & 1 else ''}{key // 200}.{_FRACTIONS[key // 2 % 100]}" for key in found.values]
    return pa.array(texts or [""], pa.string()).take(pa.array(found.codes))


def csv_quoted(text: str) -> str:
    """A cell as ``csv.writer`` (minimal quoting) writes it."""
    if any(special in text for special in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text
