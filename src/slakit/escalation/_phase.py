"""A stretch of one metric's history: what the escalation evaluator's history of a metric is made
of (see :mod:`slakit.escalation._history`)."""

from __future__ import annotations

from slakit.calendar.business_calendar import Ruler
from slakit.sla.report import MetricState

__all__ = ["INF", "Phase"]

INF = 1 << 62  # an instant after every real one (about the year 146,000); never handed to a calendar


class Phase:
    """A metric from ``start`` until the next phase: state, breach and clock figures at ``start``.

    ``state`` is None when the metric has no status (not tracked); otherwise it is the state before
    any breach, and the metric is breached from ``breach`` on (at or before ``start``: throughout).
    ``elapsed`` and ``remaining`` are the figures at ``start``; ``elapsed`` grows with the open time
    of ``ruler`` when ``counting``, ``remaining`` falls with it when ``falling``; ``span``, when
    known, is the open time of ``ruler`` until the next phase (INF for the last). A plain slotted
    class, made often and treated as immutable.
    """

    __slots__ = ("breach", "counting", "elapsed", "falling", "remaining", "ruler", "span", "start", "state")

    def __init__(
        self,
        start: int,
        state: MetricState | None,
        breach: int | None = None,
        elapsed: int = 0,
        remaining: int = 0,
        counting: bool = False,
        falling: bool = False,
        ruler: Ruler | None = None,
        span: int | None = None,
    ) -> None:
        self.start = start
        self.state = state
        self.breach = breach
        self.elapsed = elapsed
        self.remaining = remaining
        self.counting = counting
        self.falling = falling
        self.ruler = ruler
        self.span = span

    @property
    def moving(self) -> bool:
        """Whether a figure changes with open time during the phase."""
        return self.counting or self.falling
