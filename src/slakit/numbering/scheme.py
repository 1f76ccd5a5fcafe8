"""A numbering scheme: what decides the text of every number, and whether two schemes could print one text.

A store records the scheme of every numberer that issues from it (docs/numbering.md, "Numbers are
never issued twice"), so that a changed pattern, reset or check method cannot print a number that the
old one already issued. The comparison is exact where it says "never": two schemes are compatible
when they number alike (same prefix, reset and layout) or when no text fits both patterns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final, cast

from slakit.errors import ConfigError
from slakit.numbering.check_digits import CHECK_WIDTHS, CheckMethod
from slakit.numbering.pattern import NumberPattern

__all__ = ["RESETS", "NumberingScheme"]

RESETS: Final = ("daily", "monthly", "yearly", "never")
"""The resets a scheme may have (the numberer's ``Reset``)."""

_DIGIT: Final = ""  # a cell that takes any ASCII digit; other cells hold the one character they take
_ASCII_DIGITS: Final = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class NumberingScheme:
    """Everything that decides which text a number gets: prefix, pattern, reset, check method, widening.

    The time zone is not part of it: a number's key and its text both follow from the calendar day
    it prints, so numberers that differ only in zone never print one text twice. :attr:`text` is the
    canonical JSON a store records; :meth:`from_text` reads it back.
    """

    prefix: str
    pattern: str
    reset: str
    check: CheckMethod
    widen: bool

    @property
    def text(self) -> str:
        """The canonical JSON form a store records, e.g. ``{"check":"none","pattern":...}``."""
        fields = {
            "check": self.check,
            "pattern": self.pattern,
            "prefix": self.prefix,
            "reset": self.reset,
            "widen": self.widen,
        }
        return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: object) -> NumberingScheme:
        """Read :attr:`text` back; ValueError when ``text`` is not the text of a valid scheme."""
        if not isinstance(text, str):
            raise ValueError(f"a numbering scheme is a JSON text (got {type(text).__name__})")
        try:
            fields = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"a numbering scheme is a JSON text ({exc})") from None
        if not isinstance(fields, dict) or set(fields) != {"check", "pattern", "prefix", "reset", "widen"}:
            raise ValueError("a numbering scheme has exactly check, pattern, prefix, reset and widen")
        reset, check, widen = fields["reset"], fields["check"], fields["widen"]
        if (
            reset not in RESETS
            or not isinstance(widen, bool)
            or not isinstance(check, str)
            or check not in CHECK_WIDTHS
        ):
            raise ValueError(f"not a numbering scheme: {text[:200]!r}")
        scheme = cls(
            prefix=fields["prefix"],
            pattern=fields["pattern"],
            reset=reset,
            check=cast(CheckMethod, check),
            widen=widen,
        )
        try:
            scheme.compiled()
        except ConfigError as exc:
            raise ValueError(f"not a numbering scheme: {exc}") from None
        if scheme.text != text:
            raise ValueError(f"not the canonical text of a numbering scheme: {text[:200]!r}")
        return scheme

    def compiled(self) -> NumberPattern:
        """The scheme's pattern, compiled; ConfigError when it is malformed."""
        return NumberPattern(self.pattern, prefix=self.prefix, check=self.check, widen=self.widen)

    def describe(self) -> str:
        """``pattern '...' with prefix 'TS', reset='daily', check='none'`` for messages."""
        return f"pattern {self.pattern!r} with prefix {self.prefix!r}, reset={self.reset!r}, check={self.check!r}"

    def numbers_alike(self, other: NumberingScheme) -> bool:
        """Whether both schemes give every (day, sequence) the same key and the same text.

        They then share their counters, so one never prints what the other issued; widening does
        not matter (it only decides whether a long sequence is printed or refused).
        """
        return (
            self.prefix == other.prefix
            and self.reset == other.reset
            and self.compiled().layout == other.compiled().layout
        )

    def may_repeat(self, other: NumberingScheme) -> bool:
        """Whether a number of one scheme could have the text of a number of the other.

        False when they number alike, or when no string fits both patterns: every date directive,
        sequence and check digit is taken as any digit, so "False" is certain and "True" may be
        cautious (a date that no calendar has, such as month 13, is still counted as possible).
        """
        if self.numbers_alike(other):
            return False
        return _Cells.of(self.compiled()).meets(_Cells.of(other.compiled()))


@dataclass(frozen=True, slots=True)
class _Cells:
    """The strings a pattern can print, as an automaton: one cell per printed character, each a
    literal character or any digit, and when the sequence widens, any number of digits more after
    the cell at ``loop``."""

    cells: tuple[str, ...]
    loop: int | None  # the position at which further sequence digits may come, or None

    @classmethod
    def of(cls, pattern: NumberPattern) -> _Cells:
        cells: list[str] = []
        loop = None
        for kind, what, width in pattern.layout:
            cells.extend([what] if kind == "text" else [_DIGIT] * width)
            if kind == "seq" and pattern.widen:
                loop = len(cells)
        return cls(tuple(cells), loop)

    def moves(self, at: int) -> list[tuple[int, str]]:
        """The (next position, cell) pairs that read one more character from position ``at``."""
        out = [(at + 1, self.cells[at])] if at < len(self.cells) else []
        if at == self.loop:
            out.append((at, _DIGIT))
        return out

    def meets(self, other: _Cells) -> bool:
        """Whether some string is printed by both (a search of the product automaton)."""
        end = (len(self.cells), len(other.cells))
        seen = {(0, 0)}
        todo = [(0, 0)]
        while todo:
            here, there = todo.pop()
            if (here, there) == end:
                return True
            for step, cell in self.moves(here):
                for other_step, other_cell in other.moves(there):
                    state = (step, other_step)
                    if state not in seen and _same_character(cell, other_cell):
                        seen.add(state)
                        todo.append(state)
        return False


def _same_character(cell: str, other: str) -> bool:
    """Whether one character can fill both cells."""
    if cell == _DIGIT:
        return other == _DIGIT or other in _ASCII_DIGITS
    if other == _DIGIT:
        return cell in _ASCII_DIGITS
    return cell == other
