"""retention: 3y -- calendar years after closing, hand-worked, and the policy key."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import ServicePolicy, presets
from slakit.errors import ConfigError
from slakit.retention import Retention


@pytest.mark.parametrize(
    ("closed", "until"),
    [
        (date(2024, 5, 1), date(2027, 5, 1)),
        (date(2024, 12, 31), date(2027, 12, 31)),
        (date(2024, 2, 29), date(2027, 3, 1)),  # 2027 has no 29 February: 28 Feb would be a day short
        (date(2024, 2, 28), date(2027, 2, 28)),
        (date(2025, 3, 1), date(2028, 3, 1)),
    ],
)
def test_three_calendar_years_after_closing(closed, until):
    assert Retention.parse("3y").retain_until(closed) == until


def test_a_leap_day_four_years_on_is_a_leap_day():
    assert Retention.parse("4y").retain_until(date(2024, 2, 29)) == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["3y", "3Y", " 3 y ", "100y", "1y"])
def test_accepted_spellings(text):
    assert Retention.parse(text).years == int(text.strip().rstrip("yY"))


@pytest.mark.parametrize("bad", ["3", "3 months", "0y", "101y", "-1y", "y", 3, None, "3.5y"])
def test_other_values_are_refused_naming_the_key(bad):
    with pytest.raises(ConfigError, match=r"'retention' must be a number of calendar years such as '3y'"):
        Retention.parse(bad)


def test_the_policy_key():
    config = {**presets.config("p1-p3"), "retention": "5y"}
    assert ServicePolicy.from_config(config).retention == Retention(5)
    del config["retention"]
    assert ServicePolicy.from_config(config).retention is None
    with pytest.raises(ConfigError) as caught:
        ServicePolicy.from_config({**config, "retention": "3 months"})
    assert caught.value.path == "retention"


def test_the_end_of_the_calendar():
    assert Retention(3).retain_until(date(9998, 6, 1)) == date.max


@given(st.dates(max_value=date(9000, 12, 31)), st.integers(1, 100))
def test_never_sooner_than_whole_years_and_at_most_a_day_later(closed, years):
    until = Retention(years).retain_until(closed)
    assert until.year == closed.year + years
    assert (until.month, until.day) >= (closed.month, closed.day) or (closed.month, closed.day) == (2, 29)
    if (closed.month, closed.day) != (2, 29):
        assert (until.month, until.day) == (closed.month, closed.day)
    else:
        assert until in (date(until.year, 2, 29) if until.month == 2 else until, date(until.year, 3, 1))
