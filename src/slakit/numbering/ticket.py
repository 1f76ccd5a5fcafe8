"""The parts a ticket number is made of, as :meth:`TicketNumberer.parse` reads them back."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Final

__all__ = ["MAX_COUNTER", "TicketNumber"]

MAX_COUNTER: Final = 2**63 - 1
"""The largest value a sequence counter reaches, so the largest sequence a number can carry: the
largest signed 64-bit integer, what an SQLite ``INTEGER`` and a PostgreSQL ``bigint`` hold."""


@dataclass(frozen=True, slots=True)
class TicketNumber:
    """A parsed ticket number: ``TS20240501001`` is ``TicketNumber("TS", date(2024, 5, 1), 1)``.

    ``date`` is the calendar day the pattern prints, in the numberer's time zone; parts the pattern
    leaves out default to the first (``%Y%m`` gives the 1st of the month, ``%Y`` the 1st of January),
    and it is ``None`` when the pattern has no ``{date:...}`` token at all. ``seq`` is from 1 to
    :data:`MAX_COUNTER`.
    """

    prefix: str
    date: _dt.date | None
    seq: int
