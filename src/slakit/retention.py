"""How long a ticket's record is kept after closing: ``retention: 3y`` in a policy file.

The after-sales template keeps the complete record (customer, problem, process, solution, feedback,
attachments) for at least 3 years after closing. :class:`Retention` holds that period in calendar
years; :meth:`Retention.retain_until` gives the date from which a record closed on a given day may
be deleted::

    Retention.parse("3y").retain_until(date(2024, 5, 1))    # date(2027, 5, 1)
    Retention.parse("3y").retain_until(date(2024, 2, 29))   # date(2027, 3, 1): 2027 has no Feb 29

A record closed on 29 February whose anniversary year has no 29 February is kept until 1 March:
28 February would be one day short of the full calendar years, and the manuals say *at least*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from slakit.errors import ConfigError

__all__ = ["MAX_YEARS", "Retention"]

MAX_YEARS = 100
"""The longest retention accepted, in years."""

_YEARS = re.compile(r"\s*([0-9]{1,3})\s*y\s*", re.IGNORECASE)
_EXPECTED = f"a number of calendar years such as '3y' (1 to {MAX_YEARS})"


@dataclass(frozen=True, slots=True)
class Retention:
    """A retention period of ``years`` calendar years (build it with :meth:`parse`)."""

    years: int

    def __post_init__(self) -> None:
        years = self.years
        if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= MAX_YEARS:
            raise ConfigError.for_value("retention", years, _EXPECTED)

    @classmethod
    def parse(cls, value: object) -> Retention:
        """``"3y"`` (or a Retention) as a Retention; anything else raises ConfigError naming ``retention``."""
        if isinstance(value, Retention):
            return value
        match = _YEARS.fullmatch(value) if isinstance(value, str) else None
        if match is None or not 1 <= int(match.group(1)) <= MAX_YEARS:
            raise ConfigError.for_value("retention", value, _EXPECTED)
        return cls(int(match.group(1)))

    def retain_until(self, closed: date) -> date:
        """The first date on which a record closed on ``closed`` has been kept ``years`` calendar years:
        the same month and day ``years`` later, or 1 March when that day is a 29 February that year lacks."""
        year = closed.year + self.years
        if year > date.max.year:
            return date.max
        try:
            return closed.replace(year=year)
        except ValueError:  # 29 February in a year without one
            return date(year, 3, 1)

    def __str__(self) -> str:
        return f"{self.years}y"
