"""Rounding half-up (ties away from zero), exactly: shared by the survey scores and the batch report."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = ["round_half_up"]


def round_half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimals, ties away from zero (Decimal's ROUND_HALF_UP), exactly."""
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    sign = -1 if value < 0 else 1
    return Decimal(sign * whole).scaleb(-places)
