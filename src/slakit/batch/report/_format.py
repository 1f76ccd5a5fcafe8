"""How figures of a summary read in the human reports (Markdown, HTML): counts, rates, hours."""

from __future__ import annotations

import unicodedata
from typing import Literal

__all__ = ["Kind", "display", "display_width", "short_hours"]

Kind = Literal["text", "count", "rate", "hours", "score"]
"""How a cell is shown: plain text, a count (``1,234``), a rate (``88.9%``), hours (``10.5 h``) or a score."""

MISSING = "—"
"""Shown for a figure that has no value (a rate whose denominator is 0, a mean of nothing)."""


def display(value: object, kind: Kind) -> str:
    """``value`` as the reports show it; ``None`` is :data:`MISSING`."""
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "count":
        return f"{value:,}"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:,.2f} h"
    if kind == "score":
        return f"{value:.2f}"
    return str(value)


def display_width(text: str) -> float:
    """Width of ``text`` in ems, roughly: CJK characters take a full em, others a bit over half."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6 for char in text)


def short_hours(value: object) -> str:
    """A number of hours as short text: ``24`` for 24.0, ``0.5`` for 0.5 (``—`` when it is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return MISSING
    return f"{value:g}"
