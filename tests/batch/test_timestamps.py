"""Instants in exports: ISO 8601 fast, other unambiguous spellings, naive ones only with a zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slakit.batch.timestamps import TimestampError, parse_instant
from slakit.errors import InvalidTicketError, NaiveDatetimeError

SH = ZoneInfo("Asia/Shanghai")
NINE = datetime(2025, 9, 1, 9, 0, tzinfo=SH)


@pytest.mark.parametrize(
    "text",
    ["2025-09-01T09:00:00+08:00", "2025-09-01 09:00:00+0800", "2025-09-01T01:00:00Z", "2025/09/01 09:00 +08:00"],
)
def test_with_an_offset(text: str) -> None:
    assert parse_instant(text, "created_at", None) == NINE


@pytest.mark.parametrize("text", ["2025-09-01 09:00", "2025-09-01T09:00:00", "2025/9/1 9:00", "Sep 1 2025 9:00"])
def test_naive_text_takes_the_assumed_zone(text: str) -> None:
    value = parse_instant(text, "created_at", SH)
    assert value == NINE
    assert value is not None
    assert value.tzinfo is SH
    with pytest.raises(NaiveDatetimeError, match="'created_at' has no UTC offset"):
        parse_instant(text, "created_at", None)


def test_datetimes_and_empty_cells() -> None:
    assert parse_instant(NINE, "x", None) is NINE
    assert parse_instant(datetime(2025, 9, 1, 9), "x", SH) == NINE
    assert parse_instant("", "x", None) is None
    assert parse_instant("   ", "x", None) is None
    assert parse_instant(None, "x", None) is None


@pytest.mark.parametrize("text", ["soon", "09:00", "2025", "September", "32/13/2025"])
def test_text_that_is_not_a_whole_date_is_refused(text: str) -> None:
    with pytest.raises(TimestampError, match="'resolved_at' must be a date and time") as caught:
        parse_instant(text, "resolved_at", SH)
    assert isinstance(caught.value, InvalidTicketError)
