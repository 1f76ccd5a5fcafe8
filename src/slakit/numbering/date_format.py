"""The ``{date:...}`` part of a ticket-number pattern: fixed-width dates that print and read back exactly.

Only ``%Y`` (4 digits), ``%y`` (2, meaning 2000-2099), ``%m``, ``%d`` (2 each), ``%j`` (3) and ``%%``
are accepted, plus literal text, so every date part has one width and one spelling per day, in any
locale. The year is required.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

__all__ = ["DATE_ACCEPTED", "DIRECTIVE_WIDTHS", "DateFormat", "is_digits"]

DATE_ACCEPTED: Final = "the fixed-width directives %Y, %y, %m, %d, %j and %% plus literal text"
"""What a ``{date:...}`` format may contain, for error messages."""

_WIDTHS: Final = {"Y": 4, "y": 2, "m": 2, "d": 2, "j": 3}
DIRECTIVE_WIDTHS: Final = {f"%{letter}": width for letter, width in _WIDTHS.items()}
"""How many digits each date directive prints: ``%Y`` 4, ``%j`` 3, the others 2."""


def is_digits(text: str) -> bool:
    """Whether ``text`` is one or more ASCII digits (``int()`` would also take other scripts' digits)."""
    return bool(text) and all("0" <= char <= "9" for char in text)


@dataclass(frozen=True, slots=True)
class DateFormat:
    """A compiled date format such as ``%Y%m%d``; build it with :meth:`compile`."""

    spec: str
    parts: tuple[str, ...]  # two-character directives ("%Y") or single literal characters
    width: int

    @classmethod
    def compile(cls, spec: str) -> DateFormat:
        """Compile ``spec``; ValueError saying what is wrong when it is not an accepted format."""
        parts: list[str] = []
        index = 0
        while index < len(spec):
            char = spec[index]
            if char == "%":
                letter = spec[index + 1 : index + 2]
                if letter == "%":
                    parts.append("%")
                elif letter in _WIDTHS:
                    parts.append("%" + letter)
                else:
                    raise ValueError(f"a {{date:...}} format of {DATE_ACCEPTED} (not '%{letter}')")
                index += 2
            elif char in "{}":
                raise ValueError(f"a {{date:...}} format of {DATE_ACCEPTED} (no braces inside)")
            else:
                parts.append(char)
                index += 1
        directives = {part for part in parts if len(part) == 2}
        if not directives & {"%Y", "%y"}:
            raise ValueError("a {date:...} format with a year (%Y, or %y for 2000-2099)")
        width = sum(_WIDTHS[part[1]] if len(part) == 2 else 1 for part in parts)
        return cls(spec=spec, parts=tuple(parts), width=width)

    @property
    def directives(self) -> frozenset[str]:
        """The directives used, such as ``{"%Y", "%m", "%d"}``."""
        return frozenset(part for part in self.parts if len(part) == 2)

    def format(self, day: date) -> str:
        """``day`` in this format (``%y`` prints the last two digits whatever the century)."""
        out: list[str] = []
        for part in self.parts:
            if part == "%Y":
                out.append(f"{day.year:04d}")
            elif part == "%y":
                out.append(f"{day.year % 100:02d}")
            elif part == "%m":
                out.append(f"{day.month:02d}")
            elif part == "%d":
                out.append(f"{day.day:02d}")
            elif part == "%j":
                out.append(f"{day.timetuple().tm_yday:03d}")
            else:
                out.append(part)
        return "".join(out)

    def read(self, piece: str) -> date | None:
        """The date ``piece`` spells in this format, or None when it spells no (consistent) date.

        Parts the format leaves out are the first: ``%Y%m`` reads as the 1st of the month.
        """
        fields: dict[str, int] = {}
        index = 0
        for part in self.parts:
            if len(part) == 2:
                width = _WIDTHS[part[1]]
                digits = piece[index : index + width]
                if not is_digits(digits):
                    return None
                fields[part[1]] = int(digits)
                index += width
            else:
                if piece[index : index + 1] != part:
                    return None
                index += 1
        year = fields["Y"] if "Y" in fields else 2000 + fields["y"]
        try:
            if "j" in fields:
                if not 1 <= fields["j"] <= 366:
                    return None
                day = date(year, 1, 1) + timedelta(days=fields["j"] - 1)
            else:
                day = date(year, fields.get("m", 1), fields.get("d", 1))
        except (ValueError, OverflowError):
            return None
        # Printing the date again catches what the fields alone do not: day 366 of a common year,
        # %j disagreeing with %m%d, a year printed twice two different ways.
        return day if self.format(day) == piece else None
