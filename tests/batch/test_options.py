"""Batch options given as text (the command line, pytest options) and the limit on rejected rows."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.batch.options import RejectLimit, parse_column_map, parse_value_map
from slakit.errors import ConfigError


def test_column_map_pairs() -> None:
    assert parse_column_map("created_at=Created, priority = 优先级") == {"created_at": "Created", "priority": "优先级"}
    for bad in ("created_at", "=Created", "created_at=", "a=b,,c=d"):
        with pytest.raises(ConfigError, match="NAME=HEADER pairs"):
            parse_column_map(bad)


def test_value_map_of_one_column() -> None:
    assert parse_value_map("priority:Urgent=P1,High=P1, Normal = P2") == {
        "priority": {"Urgent": "P1", "High": "P1", "Normal": "P2"}
    }
    assert parse_value_map("channel:Web=在线客服") == {"channel": {"Web": "在线客服"}}
    with pytest.raises(ConfigError, match="COLUMN:VALUE=TARGET"):
        parse_value_map("Urgent=P1")
    with pytest.raises(ConfigError, match="among priority, channel, category"):
        parse_value_map("product:a=b")
    with pytest.raises(ConfigError, match=r"'value_map\.priority' must be VALUE=TARGET pairs"):
        parse_value_map("priority:Urgent")


@pytest.mark.parametrize(
    ("given_", "count", "percent", "text"),
    [(0, 0, None, "0"), (12, 12, None, "12"), ("7", 7, None, "7"), ("5%", None, 5, "5%"),
     (" 0.5 % ", None, 0.5, "0.5%"), ("100%", None, 100, "100%")],
)  # fmt: skip
def test_reject_limits(given_: int | str, count: int | None, percent: float | None, text: str) -> None:
    limit = RejectLimit.of(given_)
    assert (limit.count, limit.percent, limit.text) == (
        count,
        Fraction(str(percent)) if percent is not None else None,
        text,
    )
    assert RejectLimit.of(limit) is limit


@pytest.mark.parametrize("bad", [-1, True, 1.5, "", "five", "-3", "5 %%", "101%", "%", None])
def test_bad_reject_limits_are_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="'max_rejected' must be a whole number of rows, 0 or more, or a percentage"):
        RejectLimit.of(bad)  # type: ignore[arg-type]


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))
def test_a_count_limit_allows_that_many(limit: int, rejected: int, evaluated: int) -> None:
    assert RejectLimit.of(limit).exceeded(rejected, rejected + evaluated) == (rejected > limit)


@given(st.decimals(0, 100, places=2), st.integers(0, 10_000), st.integers(0, 10_000))
def test_a_share_limit_allows_that_share_of_the_rows(percent: object, rejected: int, evaluated: int) -> None:
    rows = rejected + evaluated
    limit = RejectLimit.of(f"{percent}%")
    share = Fraction(rejected, rows) if rows else Fraction(0)
    assert limit.exceeded(rejected, rows) == (share > Fraction(str(percent)) / 100)


def test_the_message_says_how_many_and_where_they_are() -> None:
    assert RejectLimit.of("5%").message(30, 200) == (
        "30 of 200 rows (15.0%) were rejected, more than max_rejected='5%' allows (--max-rejected 5%); the outputs "
        "are written and rejected.csv lists each row with its reason"
    )
