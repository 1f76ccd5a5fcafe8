"""What escalation evaluation returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Escalation", "EscalationReport"]


@dataclass(frozen=True, slots=True)
class Escalation:
    """One rule that fired: who takes over (``role`` at ``level``; level 0 is a warning with no
    hand-over), the first instant its condition held, by when the new owner must contact the
    customer, and why. ``cycle`` counts reopenings when the policy restarts clocks on reopen."""

    rule: str
    level: int
    role: str | None
    fired_at: datetime
    contact_by: datetime | None
    reason: str
    cycle: int = 0


@dataclass(frozen=True, slots=True)
class EscalationReport:
    """The rules fired up to ``as_of`` in firing order, the highest ``level`` reached (0 when none),
    and ``next_at``: the first instant after ``as_of`` at which another rule fires if no event
    arrives (None if none ever would)."""

    ticket_id: str
    as_of: datetime
    fired: tuple[Escalation, ...]
    level: int
    next_at: datetime | None
