"""Count, mean, median and p90 of durations, built by adding values and merging partial results exactly.

A distribution keeps its values exactly while it has at most :data:`EXACT_LIMIT` of them; past
that it keeps a logarithmic histogram (the DDSketch idea): value ``v > 0`` falls in bucket
``ceil(log(v) / log(GAMMA))``, and a bucket stands for ``2 * GAMMA**i / (GAMMA + 1)``, which is
within :data:`RELATIVE_ERROR` (0.5 %) of every value in it. Zeros are counted on their own. Counts
and sums stay exact integers either way, so means are exact; merging adds counts bucket by bucket,
so a merged distribution is exactly the one built from all values at once, in any order and any
split. Quantiles interpolate linearly between the two nearest ranks (numpy's default): exactly
while small, and within 0.5 % of the exact answer once sketched.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from typing import Any

__all__ = ["EXACT_LIMIT", "LOG_GAMMA", "RELATIVE_ERROR", "Distribution", "bucket_of"]

EXACT_LIMIT = 10_000
"""The most values a distribution keeps exactly before it switches to the sketch."""

RELATIVE_ERROR = 0.005
"""The sketch's bound on a quantile's relative error."""

GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
LOG_GAMMA = math.log(GAMMA)
"""``log(GAMMA)``: a value ``v > 0`` is in bucket ``ceil(log(v) / LOG_GAMMA)``."""


def bucket_of(value: int) -> int:
    """The sketch's bucket of a value ``> 0`` (the one rule; an engine that buckets whole columns is held to it)."""
    return math.ceil(math.log(value) / LOG_GAMMA)


def _added(a: tuple[dict[int, int], int], b: tuple[dict[int, int], int]) -> tuple[dict[int, int], int]:
    """Two sets of bucket counts and zeros added."""
    buckets = dict(a[0])
    for index, n in b[0].items():
        buckets[index] = buckets.get(index, 0) + n
    return buckets, a[1] + b[1]


class Distribution:
    """Non-negative integer values (microseconds): exact while small, a mergeable sketch beyond."""

    __slots__ = ("buckets", "count", "shadow", "total", "values", "zeros")

    def __init__(self, values: Iterable[int] = ()) -> None:
        self.count = 0
        self.total = 0
        self.values: array[int] | None = array("q")
        self.buckets: dict[int, int] | None = None
        self.zeros = 0
        self.shadow: tuple[dict[int, int], int] | None = None  # exact values bucketed, when sent elsewhere
        for value in values:
            self.add(value)

    @classmethod
    def of_column(cls, values: bytes, total: int, buckets: dict[int, int], zeros: int) -> Distribution:
        """The distribution of ``values`` (native int64 bytes, as numpy gives them) whose sum is ``total``, each
        value ``> 0`` counted in ``buckets`` by :func:`bucket_of` and the zeros in ``zeros``: exact while small
        (the buckets kept to merge into a sketch), the sketch beyond. For engines that work out a whole column
        at once; it is the distribution :meth:`add` of each value builds."""
        found = cls()
        found.count = len(values) // 8
        found.total = total
        if found.count <= EXACT_LIMIT:
            assert found.values is not None  # noqa: S101 -- a new distribution is exact
            found.values.frombytes(values)
            found.shadow = (buckets, zeros)
        else:
            found.values, found.buckets, found.zeros = None, buckets, zeros
        return found

    def add(self, value: int) -> None:
        """Count one value (a non-negative int)."""
        self.count += 1
        self.total += value
        self.shadow = None
        if self.values is not None:
            self.values.append(value)
            if len(self.values) > EXACT_LIMIT:
                self._sketch()
        else:
            self._bucket(value, 1)

    def add_counted(self, counted: Iterable[tuple[int, int]]) -> None:
        """Count each ``(value, n)``: ``n`` times ``value``, exactly as ``n`` calls of :meth:`add` would (a
        distribution is the same whatever order its values came in)."""
        pairs = list(counted)
        added = sum(n for _, n in pairs)
        self.count += added
        self.total += sum(value * n for value, n in pairs)
        self.shadow = None
        if self.values is not None and len(self.values) + added > EXACT_LIMIT:
            self._sketch()
        if self.values is not None:
            for value, n in pairs:
                self.values.extend([value] * n)
        else:
            for value, n in pairs:
                self._bucket(value, n)

    def merge(self, other: Distribution) -> None:
        """Add every value of ``other``, as if each had been added here."""
        self.count += other.count
        self.total += other.total
        if self.values is not None and other.values is not None and len(self.values) + len(other.values) <= EXACT_LIMIT:
            # the values' buckets, when both sides know theirs, are the sum of both sides' (kept, for a sketch later)
            mine = self.shadow if self.values else ({}, 0)
            self.shadow = _added(mine, other.shadow) if mine is not None and other.shadow is not None else None
            self.values.extend(other.values)
            return
        self._sketch()
        if other.values is not None and other.shadow is None:
            for value in other.values:
                self._bucket(value, 1)
        else:
            theirs, zeros = (other.buckets, other.zeros) if other.shadow is None else other.shadow
            assert theirs is not None  # noqa: S101 -- one of the two is always set
            self.zeros += zeros
            buckets = self.buckets
            assert buckets is not None  # noqa: S101
            for index, n in theirs.items():
                buckets[index] = buckets.get(index, 0) + n

    @property
    def exact(self) -> bool:
        """Whether the values are kept exactly (quantiles are exact)."""
        return self.values is not None

    def mean(self) -> float | None:
        """The exact mean, or None when empty."""
        return self.total / self.count if self.count else None

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile (0..1), interpolating between neighbouring ranks; None when empty."""
        if not self.count:
            return None
        position = q * (self.count - 1)
        low = math.floor(position)
        high = min(low + 1, self.count - 1)
        fraction = position - low
        a: float
        b: float
        if self.values is not None:
            ordered = sorted(self.values)
            a, b = ordered[low], ordered[high]
        else:
            a, b = self._ranked(low), self._ranked(high)
        return a + (b - a) * fraction if fraction else float(a)

    def _ranked(self, rank: int) -> float:
        """The sketch's value at 0-based ``rank``."""
        if rank < self.zeros:
            return 0.0
        seen = self.zeros
        assert self.buckets is not None  # noqa: S101
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if rank < seen:
                return 2 * GAMMA**index / (GAMMA + 1)
        raise AssertionError("rank beyond the count")  # pragma: no cover

    def _sketch(self) -> None:
        if self.values is None:
            return
        values, shadow = self.values, self.shadow
        self.values, self.buckets, self.shadow = None, {}, None
        if shadow is not None:  # the values' buckets are known
            self.buckets, self.zeros = dict(shadow[0]), self.zeros + shadow[1]
            return
        for value in values:
            self._bucket(value, 1)

    def _bucket(self, value: int, n: int) -> None:
        if value <= 0:
            self.zeros += n
            return
        index = bucket_of(value)
        buckets = self.buckets
        assert buckets is not None  # noqa: S101
        buckets[index] = buckets.get(index, 0) + n

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Distribution):
            return NotImplemented
        mine = sorted(self.values) if self.values is not None else None
        theirs = sorted(other.values) if other.values is not None else None
        return (self.count, self.total, mine, self.buckets, self.zeros) == (
            other.count,
            other.total,
            theirs,
            other.buckets,
            other.zeros,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __getstate__(self) -> tuple[Any, ...]:
        """The state, exact values also bucketed: merging them into a sketch is then a few additions.

        Partial summaries are pickled in worker processes and merged in one parent, which would
        otherwise bucket every value of every chunk itself.
        """
        raw = shadow = None
        if self.values is not None:
            raw = self.values.tobytes()
            if self.shadow is not None:
                shadow = self.shadow
            elif self.values:
                sketch = Distribution()
                sketch._sketch()
                for value in self.values:
                    sketch._bucket(value, 1)
                assert sketch.buckets is not None  # noqa: S101
                shadow = (sketch.buckets, sketch.zeros)
        return (self.count, self.total, raw, self.buckets, self.zeros, shadow)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.count, self.total, raw, self.buckets, self.zeros, self.shadow = state
        if raw is None:
            self.values = None
        else:
            self.values = array("q")
            self.values.frombytes(raw)
