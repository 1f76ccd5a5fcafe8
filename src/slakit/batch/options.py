"""Options of a batch given as text (the command line, pytest options) and the limit on rejected rows.

``slakit evaluate --map ... --map-values ... --max-rejected ...`` and the pytest plugin's
``--slakit-map`` / ``--slakit-map-values`` read their values here, so that both read them the same
way; each raises :class:`~slakit.errors.ConfigError` naming the option's value and what is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from slakit.batch.values import VALUE_MAP_COLUMNS
from slakit.errors import ConfigError

__all__ = ["RejectLimit", "parse_column_map", "parse_value_map"]

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def parse_column_map(text: str) -> dict[str, str]:
    """``NAME=HEADER`` pairs separated by commas (``created_at=Created,priority=优先级``), as a mapping."""
    pairs = {}
    for part in text.split(","):
        name, equals, header = part.partition("=")
        if not equals or not name.strip() or not header.strip():
            raise ConfigError.for_value("column_map", part, "NAME=HEADER pairs separated by commas")
        pairs[name.strip()] = header.strip()
    return pairs


def parse_value_map(text: str) -> dict[str, dict[str, str]]:
    """``COLUMN:VALUE=TARGET,...`` (``priority:Urgent=P1,High=P1,Normal=P2``) as ``{column: {value: target}}``.

    The column is one of ``priority``, ``channel`` and ``category``; a value may not hold ``,`` or ``=``
    (give those in Python, ``value_map=``).
    """
    column, colon, pairs = text.partition(":")
    column = column.strip()
    if not colon or column not in VALUE_MAP_COLUMNS:
        raise ConfigError.for_value(
            "value_map", text, f"COLUMN:VALUE=TARGET,... with a column among {', '.join(VALUE_MAP_COLUMNS)}"
        )
    values: dict[str, str] = {}
    for part in pairs.split(","):
        value, equals, target = part.partition("=")
        if not equals or not value.strip() or not target.strip():
            raise ConfigError.for_value(f"value_map.{column}", part, "VALUE=TARGET pairs separated by commas")
        values[value.strip()] = target.strip()
    return {column: values}


@dataclass(frozen=True, slots=True)
class RejectLimit:
    """How many rejected rows a run accepts: at most ``count`` rows, or at most ``percent`` % of the rows.

    Build it with :meth:`of` from a whole number (``0``: none) or a text (``"12"``, ``"5%"``, ``"0.5%"``).
    """

    count: int | None = None
    percent: Fraction | None = None
    text: str = ""

    @classmethod
    def of(cls, value: int | str | RejectLimit) -> RejectLimit:
        """The limit ``value`` stands for; :class:`~slakit.errors.ConfigError` for anything else."""
        if isinstance(value, RejectLimit):
            return value
        expected = "a whole number of rows, 0 or more, or a percentage of the rows such as '5%'"
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise ConfigError.for_value("max_rejected", value, expected)
            return cls(count=value, text=str(value))
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.isdigit():
                return cls(count=int(stripped), text=stripped)
            found = _PERCENT.match(stripped)
            if found is not None and Fraction(found.group(1)) <= 100:
                return cls(percent=Fraction(found.group(1)), text=stripped.replace(" ", ""))
        raise ConfigError.for_value("max_rejected", value, expected)

    def exceeded(self, rejected: int, rows: int) -> bool:
        """Whether ``rejected`` of ``rows`` is more than the limit allows (the limit itself is allowed)."""
        if self.count is not None:
            return rejected > self.count
        assert self.percent is not None  # noqa: S101 -- one of the two is set
        return rejected * 100 > self.percent * rows

    def message(self, rejected: int, rows: int) -> str:
        """Why a run with ``rejected`` of ``rows`` rows rejected is past the limit."""
        share = f" ({rejected * 100 / rows:.1f}%)" if rows else ""
        return (
            f"{rejected:,} of {rows:,} rows{share} were rejected, more than max_rejected={self.text!r} allows "
            f"(--max-rejected {self.text}); the outputs are written and rejected.csv lists each row with its reason"
        )
