from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.numbering.date_format import DateFormat, is_digits


@pytest.mark.parametrize(
    ("spec", "printed", "width"),
    [
        ("%Y%m%d", "20240501", 8),
        ("%y-%m-%d", "24-05-01", 8),
        ("%Y%j", "2024122", 7),
        ("%Y%%%m", "2024%05", 7),
        ("year %Y", "year 2024", 9),
    ],
)
def test_prints_fixed_width_directives(spec, printed, width):
    fmt = DateFormat.compile(spec)
    assert fmt.format(date(2024, 5, 1)) == printed
    assert fmt.width == width == len(printed)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("%Y%b", "not '%b'"), ("%Y%", "not '%'"), ("%m%d", "with a year"), ("%Y{", "no braces")],
)
def test_refuses_other_formats(spec, message):
    with pytest.raises(ValueError, match=message):
        DateFormat.compile(spec)


@pytest.mark.parametrize("piece", ["20240230", "20241301", "00000101", "2024050x", "2024 501", "2024050"])
def test_reads_impossible_or_malformed_dates_as_none(piece):
    assert DateFormat.compile("%Y%m%d").read(piece) is None


def test_directives_and_first_of_period_defaults():
    assert DateFormat.compile("%Y-%m").directives == {"%Y", "%m"}
    assert DateFormat.compile("%Y-%m").read("2024-05") == date(2024, 5, 1)
    assert DateFormat.compile("%y").read("24") == date(2024, 1, 1)


def test_only_ascii_digits_count():
    assert is_digits("0123")
    assert not is_digits("")
    assert not is_digits("\u0661\u0662")


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(["%Y%m%d", "%Y%j", "%Y-%m-%d %j", "%d%m%Y"]))
def test_read_inverts_format(day, spec):
    fmt = DateFormat.compile(spec)
    assert fmt.read(fmt.format(day)) == day
