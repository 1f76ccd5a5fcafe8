"""CSV cells that spreadsheets will not run as formulas (CSV/formula injection, OWASP).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``, which spreadsheets show as text and never evaluate. The start is looked at as a spreadsheet
may read it: after any leading invisible characters (Unicode format characters such as a
byte-order mark, a zero-width space or a direction mark) and after NFKC normalisation, so that
full-width ``＝＋－＠`` and their small and superscript forms are escaped too. Numbers
(``int``/``float``, not ``bool``) are written as they are: ``-2.5`` is a number to a spreadsheet,
not a formula. Every CSV file slakit writes (per-ticket results, rejected rows, breaches, summary
tables) goes through :func:`safe_text`.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["FORMULA_STARTS", "is_formula", "safe_cell", "safe_row", "safe_text", "writer"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters (after invisible ones, NFKC-normalised) that make a spreadsheet treat a cell as a formula."""

_STARTS = frozenset(FORMULA_STARTS)
_PLAIN_FIRSTS: set[str] = set()  # characters beyond ASCII seen to start a cell harmlessly (most are CJK)
_PLAIN_LIMIT = 65_536


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula: after its leading invisible (format) characters,
    its first character, NFKC-normalised, is one of :data:`FORMULA_STARTS`."""
    first = text[:1]
    if first < "\x80":  # ASCII (or empty): NFKC leaves it as it is, and no format character is ASCII
        return first in _STARTS
    if first in _PLAIN_FIRSTS:
        return False
    position = 0
    while position < len(text) and unicodedata.category(text[position]) == "Cf":
        position += 1
    found = unicodedata.normalize("NFKC", text[position : position + 1]).startswith(FORMULA_STARTS)
    if not found and position == 0:  # the verdict hangs on the first character alone: remember it
        if len(_PLAIN_FIRSTS) >= _PLAIN_LIMIT:
            _PLAIN_FIRSTS.clear()
        _PLAIN_FIRSTS.add(first)
    return found


def safe_text(value: str | None) -> str:
    """A text cell as written: None as empty, a possible formula with a leading ``'``, anything else as it is."""
    if value is None:
        return ""
    first = value[:1]
    if first < "\x80":  # the common case inline: what is_formula decides for an ASCII start
        return "'" + value if first in _STARTS else value
    return "'" + value if is_formula(value) else value


def safe_cell(value: Any) -> str | int | float:
    """``value`` ready for a CSV cell: None as empty, numbers as they are, text escaped if it could be a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return safe_text(value if isinstance(value, str) else str(value))


def safe_row(values: Iterable[Any]) -> list[str | int | float]:
    """Every cell of a row through :func:`safe_cell` (text and numbers inline: this runs for every cell)."""
    return [
        safe_text(value)
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
