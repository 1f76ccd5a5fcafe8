"""CSV cells that spreadsheets will not run as formulas (CSV/formula injection, OWASP).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``, which spreadsheets show as text and never evaluate. Numbers (``int``/``float``, not ``bool``)
are written as they are: ``-2.5`` is a number to a spreadsheet, not a formula. Every CSV file
slakit writes (per-ticket results, rejected rows, breaches, summary tables) goes through here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row", "writer"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet treat a cell as a formula."""


def safe_cell(value: Any) -> str | int | float:
    """``value`` ready for a CSV cell: None as empty, numbers as they are, text escaped if it could be a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


_STARTS = frozenset(FORMULA_STARTS)


def safe_row(values: Iterable[Any]) -> list[str | int | float]:
    """Every cell of a row through :func:`safe_cell` (text and numbers inline: this runs for every cell)."""
    return [
        ("'" + value if value[:1] in _STARTS else value)
        if value.__class__ is str
        else value
        if value.__class__ is int or value.__class__ is float
        else safe_cell(value)
        for value in values
    ]


class _SafeWriter:
    """A ``csv.writer`` whose rows go through :func:`safe_row`."""

    __slots__ = ("_writer",)

    def __init__(self, file: IO[str], **options: Any) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, cells made safe."""
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write many rows, cells made safe."""
        self._writer.writerows(safe_row(row) for row in rows)


def writer(file: IO[str], **options: Any) -> _SafeWriter:
    """A CSV writer over ``file`` (opened with ``newline=""``) that makes every cell safe; options as ``csv.writer``."""
    return _SafeWriter(file, **options)
