"""Exact arithmetic shared by the survey modules: reading answers and rounding half-up.

Every mean is computed as an exact :class:`~fractions.Fraction` and rounded once, so a weighted mean
of exactly 3.995 becomes 4.00 and never 3.99 through an intermediate rounding.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from slakit._rounding import round_half_up
from slakit.errors import InvalidSurveyResponseError

__all__ = ["Answer", "Scale", "mean", "plain", "round_half_up", "to_decimal"]

Answer = int | Decimal
"""One answer as stored: an ``int`` on a whole-number scale, a ``Decimal`` on a continuous one."""


class Scale:
    """The closed range ``low..high`` answers must fall in; ``whole`` when they must be whole numbers."""

    __slots__ = ("high", "low", "whole")

    def __init__(self, low: Decimal, high: Decimal, *, whole: bool) -> None:
        self.low = low
        self.high = high
        self.whole = whole

    def describe(self) -> str:
        """``a whole number from 1 to 5`` or ``a number from 0 to 1``."""
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} from {plain(self.low)} to {plain(self.high)}"

    def read(self, value: object, *, name: str) -> Answer:
        """Read one answer for ``name``; InvalidSurveyResponseError naming it, the value and the scale."""
        number = to_decimal(value)
        if number is None or not self.low <= number <= self.high:
            raise InvalidSurveyResponseError(f"{name!r} must be {self.describe()} (got {value!r})")
        if not self.whole:
            return number
        if number != number.to_integral_value():
            raise InvalidSurveyResponseError(f"{name!r} must be {self.describe()} (got {value!r})")
        return int(number)


def to_decimal(value: object) -> Decimal | None:
    """A finite Decimal from an int, Decimal, float or numeric string; ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    number: Decimal
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest repr: 4.1 stays 4.1, not 4.0999...
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def plain(value: Decimal) -> str:
    """A Decimal as configs write it: ``5`` rather than ``5.00`` or ``5E+0``."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def mean(values: list[Fraction]) -> Fraction:
    """The exact arithmetic mean of a non-empty list."""
    return sum(values, Fraction(0)) / len(values)
