"""Instants in the helpdesk's zone, for the tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    """``at(2025, 10, 9, 13, 0)``: that wall-clock time in Asia/Shanghai."""
    return datetime(*parts, tzinfo=SH)  # type: ignore[misc]
