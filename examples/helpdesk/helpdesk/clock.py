"""Where the service gets "now" from: the wall clock in production, a clock the tests move by hand.

slakit never reads the wall clock; the host decides what "now" is. Every instant the service
records (creation, events, survey answers, scheduler checks) comes from one `Clock`, so a test can
walk a ticket through a weekend and a holiday in a few milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The wall clock, in UTC (slakit reports in the policy's zone whatever the input zone)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told to move, and only forwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"'start' must be timezone-aware (got {start.isoformat()})")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"'at' must be timezone-aware (got {at.isoformat()})")
        if at < self._now:
            raise ValueError(f"the clock only moves forward: {at.isoformat()} is before {self._now.isoformat()}")
        self._now = at

    def advance(self, by: timedelta) -> None:
        self.set(self._now + by)
