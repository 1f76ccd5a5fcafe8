"""Instants in exports: ISO 8601 fast, other unambiguous spellings, naive ones only with a zone."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.batch.timestamps import (
    AmbiguousDateError,
    DateOrderError,
    TimestampError,
    check_date_format,
    check_date_order,
    parse_instant,
)
from slakit.errors import ConfigError, InvalidTicketError, NaiveDatetimeError

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


# -- the order of numeric dates (issue #17) ---------------------------------------------------------------------


def _day(text: str, **options: object) -> str:
    value = parse_instant(text, "created_at", SH, **options)  # type: ignore[arg-type]
    assert value is not None
    return value.strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("text", "day", "order"),
    [
        ("13/06/2023 12:15", "2023-06-13 12:15", "dmy"),  # 13 is no month
        ("06/13/2023 12:15", "2023-06-13 12:15", "mdy"),
        ("31.12.2023", "2023-12-31 00:00", "dmy"),
        ("2023/06/01 12:15", "2023-06-01 12:15", None),  # a four-digit year first: the order is certain
        ("05/05/2023", "2023-05-05 00:00", None),  # both orders give the same day
        ("6/13/23 2:05 PM", "2023-06-13 14:05", "mdy"),  # a two-digit year is 20yy; month 13 and month 23 are none
    ],
)
def test_a_date_whose_order_is_certain_is_read_and_counted(text: str, day: str, order: str | None) -> None:
    orders: Counter[str] = Counter()
    assert _day(text, orders=orders) == day
    assert orders == (Counter({order: 1}) if order else Counter())


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("01/06/2023 12:15", "day-month-year reads 2023-06-01, month-day-year reads 2023-01-06"),
        ("01-06-2023", "day-month-year reads 2023-06-01, month-day-year reads 2023-01-06"),
        ("23/06/01", "day-month-year reads 2001-06-23, year-month-day reads 2023-06-01"),
    ],
)
def test_a_date_whose_order_is_not_certain_is_refused_without_an_order(text: str, readings: str) -> None:
    """Regression: 01/06/2023 was read as 6 January and 13/06/2023 as 13 June, in the same file."""
    with pytest.raises(AmbiguousDateError, match="'created_at' is a date whose order is not certain") as caught:
        parse_instant(text, "created_at", SH)
    assert readings in str(caught.value)
    assert "--date-order dmy" in str(caught.value)
    assert isinstance(caught.value, TimestampError)


def test_the_given_order_reads_the_date_and_a_contradicting_one_is_refused() -> None:
    assert _day("01/06/2023 12:15", date_order="dmy") == "2023-06-01 12:15"
    assert _day("01/06/2023 12:15", date_order="mdy") == "2023-01-06 12:15"
    assert _day("23/06/01", date_order="ymd") == "2023-06-01 00:00"
    assert _day("2023-06-01 12:15", date_order="mdy") == "2023-06-01 12:15"  # ISO 8601 stays ISO 8601
    assert _day("2023/06/01", date_order="dmy") == "2023-06-01 00:00"  # so does a four-digit year first
    with pytest.raises(DateOrderError, match=r"is not a date in month-day-year order, which date_order='mdy'"):
        parse_instant("13/06/2023", "created_at", SH, date_order="mdy")
    with pytest.raises(DateOrderError, match="day-month-year would read 2023-06-13"):
        parse_instant("13/06/2023", "created_at", SH, date_order="mdy")
    with pytest.raises(DateOrderError, match="year-month-day order"):
        parse_instant("01/06/2023", "created_at", SH, date_order="ymd")  # the year is last
    with pytest.raises(TimestampError, match="must be a date and time"):
        parse_instant("32/13/2023", "created_at", SH, date_order="dmy")  # no date in any order


def test_a_date_format_reads_every_text_that_is_not_iso_8601() -> None:
    assert _day("01/06/2023 12:15", date_format="%d/%m/%Y %H:%M") == "2023-06-01 12:15"
    assert _day("2023-06-01T12:15:00", date_format="%d/%m/%Y %H:%M") == "2023-06-01 12:15"
    value = parse_instant("01/06/2023 12:15 +0000", "x", None, date_format="%d/%m/%Y %H:%M %z")
    assert value is not None
    assert value.utcoffset() is not None
    with pytest.raises(TimestampError, match="must be ISO 8601 or match date_format '%d/%m/%Y %H:%M'"):
        parse_instant("06/13/2023 12:15", "created_at", SH, date_format="%d/%m/%Y %H:%M")


@pytest.mark.parametrize("value", ["dm", "DMY", "day-first"])
def test_a_bad_date_order_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="'date_order' must be 'dmy', 'mdy' or 'ymd'"):
        check_date_order(value)


@pytest.mark.parametrize("value", ["%H:%M", "%d/%m %H:%M", "%m/%Y", "%Q/%d/%m/%Y"])
def test_a_date_format_without_a_whole_date_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="'date_format' must be"):
        check_date_format(value)


def _reference_readings(text: str, separator: str) -> set[date]:
    """The days a numeric date can be, by the documented rule: a four-digit year first is year-month-day; a
    four-digit year last is day-month-year or month-day-year; with a two-digit year (20yy) any of the three."""
    first, second, third = text.split(separator)
    orders = ("ymd",) if len(first) == 4 else ("dmy", "mdy") if len(third) == 4 else ("dmy", "mdy", "ymd")
    found = set()
    for order in orders:
        fields = dict(zip(order, (first, second, third), strict=True))
        year = int(fields["y"]) + (2000 if len(fields["y"]) == 2 else 0)
        with contextlib.suppress(ValueError):
            found.add(date(year, int(fields["m"]), int(fields["d"])))
    return found


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(["/", ".", "-"]))
def test_any_day_written_in_an_order_reads_back_with_that_order(day: date, separator: str) -> None:
    """A day written day-month-year, month-day-year or year-month-day (four- and two-digit years) reads back as
    that day with its order given; without it, exactly when every reading the rule allows gives that day."""
    for order, pattern in (("dmy", "%d{0}%m{0}%Y"), ("mdy", "%m{0}%d{0}%Y"), ("ymd", "%y{0}%m{0}%d"),
                           ("ymd", "%Y{0}%m{0}%d")):  # fmt: skip
        text = day.strftime(pattern.format(separator))
        if len(text.split(separator)[0]) == 4 and separator == "-":
            continue  # that is ISO 8601, read as such
        assert _day(text, date_order=order) == f"{day.isoformat()} 00:00"
        if _reference_readings(text, separator) == {day}:
            assert _day(text) == f"{day.isoformat()} 00:00"
        else:
            with pytest.raises(AmbiguousDateError):
                parse_instant(text, "created_at", SH)
