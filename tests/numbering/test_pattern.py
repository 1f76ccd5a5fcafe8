from datetime import date

import pytest

from slakit.errors import ConfigError, InvalidTicketNumberError
from slakit.numbering import (
    DEFAULT_PATTERN,
    NumberPattern,
    TicketNumber,
    luhn_check_digit,
    mod97_check_digits,
)


def test_default_pattern_prints_the_issue_example():
    pattern = NumberPattern(DEFAULT_PATTERN, prefix="TS")
    assert pattern.render(date(2024, 5, 1), 1) == "TS20240501001"
    assert pattern.parse("TS20240501001") == TicketNumber(prefix="TS", date=date(2024, 5, 1), seq=1)


@pytest.mark.parametrize(
    ("text", "day", "seq", "printed"),
    [
        ("{prefix}-{date:%Y-%m-%d}-{seq:04d}", date(2024, 5, 1), 7, "SS-2024-05-01-0007"),
        ("{prefix}{date:%y%m%d}{seq:03d}", date(2024, 5, 1), 12, "SS240501012"),
        ("{prefix}{date:%Y%j}{seq:03d}", date(2024, 12, 31), 1, "SS2024366001"),
        ("{prefix}{date:%Y%m}{seq:05d}", date(2024, 5, 17), 1, "SS20240500001"),
        ("{{{prefix}}}{date:%Y%%%m}{seq:01d}", date(2024, 5, 1), 3, "{SS}2024%053"),
        ("{prefix}{seq:06d}", date(2024, 5, 1), 42, "SS000042"),
        ("{prefix}{date:%Y%m%d}{seq:03d}", date(999, 1, 2), 1, "SS09990102001"),
    ],
)
def test_renders_each_token(text, day, seq, printed):
    assert NumberPattern(text, prefix="SS").render(day, seq) == printed


@pytest.mark.parametrize(
    ("text", "printed", "parsed_date"),
    [
        ("{prefix}{date:%Y%m}{seq:05d}", "SS20240500001", date(2024, 5, 1)),
        ("{prefix}{date:%Y}{seq:05d}", "SS202400001", date(2024, 1, 1)),
        ("{prefix}{seq:05d}", "SS00001", None),
        ("{prefix}{date:%y%j}{seq:02d}", "SS2406001", date(2024, 2, 29)),
    ],
)
def test_parse_fills_what_the_pattern_leaves_out(text, printed, parsed_date):
    assert NumberPattern(text, prefix="SS").parse(printed).date == parsed_date


def test_check_digit_is_appended_when_the_pattern_has_no_check_token():
    pattern = NumberPattern(DEFAULT_PATTERN, prefix="TS", check="luhn")
    assert pattern.render(date(2024, 5, 1), 1) == "TS20240501001" + luhn_check_digit("TS20240501001")


def test_check_token_may_sit_anywhere_and_covers_the_rest():
    pattern = NumberPattern("{prefix}{check}-{date:%Y%m%d}-{seq:03d}", prefix="TS", check="mod97")
    number = pattern.render(date(2024, 5, 1), 1)
    assert number == "TS" + mod97_check_digits("TS-20240501-001") + "-20240501-001"
    assert pattern.parse(number).seq == 1
    with pytest.raises(InvalidTicketNumberError, match="bad check digits"):
        pattern.parse(number.replace("-001", "-002"))


def test_widened_sequence_parses_only_without_extra_zeros():
    pattern = NumberPattern(DEFAULT_PATTERN, prefix="TS", widen=True)
    assert pattern.render(date(2024, 5, 1), 1000) == "TS202405011000"
    assert pattern.parse("TS202405011000").seq == 1000
    with pytest.raises(InvalidTicketNumberError, match=r"wrong length.*leading zeros"):
        pattern.parse("TS202405010001")
    with pytest.raises(InvalidTicketNumberError, match="at least 13 characters"):
        pattern.parse("TS2024050101")


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("SS20240501001", r"wrong prefix: expected 'TS' at position 0 \(got 'SS'\)"),
        ("ts20240501001", "wrong prefix"),
        ("TS20240230001", r"impossible date: '20240230' at position 2 is not a date in format '%Y%m%d'"),
        ("TS20231301001", "impossible date"),
        ("TS2024O501001", "impossible date"),
        (
            "TS2024050100",
            r"wrong length: pattern '\{prefix\}\{date:%Y%m%d\}\{seq:03d\}' prints 13 characters "
            r"\(got 12\)",
        ),
        ("TS202405010011", "wrong length"),
        ("TS", "wrong length"),
        ("", "wrong length"),
        ("TS20240501000", "never issued"),
        ("TS20240501x01", "malformed sequence"),
        ("TS20240501\u0661\u0662\u0663", "malformed sequence"),
    ],
)
def test_parse_says_what_is_wrong(number, reason):
    with pytest.raises(InvalidTicketNumberError, match=reason):
        NumberPattern(DEFAULT_PATTERN, prefix="TS").parse(number)


def test_parse_rejects_literal_text_and_date_inconsistencies():
    dashed = NumberPattern("{prefix}-{date:%Y%m%d}-{seq:03d}", prefix="TS")
    with pytest.raises(InvalidTicketNumberError, match="does not match pattern"):
        dashed.parse("TS_20240501-001")
    both = NumberPattern("{prefix}{date:%Y%m%d%j}{seq:03d}", prefix="TS")
    assert both.parse(both.render(date(2024, 3, 1), 1)).date == date(2024, 3, 1)
    with pytest.raises(InvalidTicketNumberError, match="impossible date"):
        both.parse("TS20240301062001")  # day 62 of 2024 is 2 March
    with pytest.raises(InvalidTicketNumberError, match="impossible date"):
        NumberPattern("{prefix}{date:%Y%j}{seq:03d}", prefix="TS").parse("TS2023366001")


def test_parse_rejects_non_strings():
    with pytest.raises(InvalidTicketNumberError, match="must be a string"):
        NumberPattern(DEFAULT_PATTERN, prefix="TS").parse(20240501001)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "non-empty"),
        ("{prefix}{date:%Y%m%d}{seq}", r"\{seq:0Nd\}"),
        ("{prefix}{date:%Y%m%d}{seq:3d}", r"\{seq:0Nd\}"),
        ("{prefix}{date:%Y%m%d}{seq:019d}", "N from 1 to 18"),
        ("{prefix}{date:%Y%b%d}{seq:03d}", "not '%b'"),
        ("{prefix}{date:%m%d}{seq:03d}", "with a year"),
        ("{prefix}{date}{seq:03d}", r"not \{date\}"),
        ("{prefix}{date:%Y{x}}{seq:03d}", "no braces"),
        ("{prefix}{when}{seq:03d}", r"not \{when\}"),
        ("{prefix!r}{seq:03d}", "without conversions"),
        ("{date:%Y%m%d}{seq:03d}", r"exactly one \{prefix\}"),
        ("{prefix}{prefix}{seq:03d}", r"exactly one \{prefix\}"),
        ("{prefix}{date:%Y}", r"exactly one \{seq\}"),
        ("{prefix}{date:%Y}{date:%Y}{seq:03d}", r"at most one \{date\}"),
        ("{prefix}{seq:03d}{check}", r"without \{check\} when check='none'"),
        ("{prefix}{seq:03d", "balanced braces"),
        ("{prefix}}{seq:03d}", "balanced braces"),
    ],
)
def test_malformed_patterns_are_config_errors_naming_the_pattern(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        NumberPattern(text, prefix="TS")
    assert str(info.value).startswith("'pattern' must be")
    assert repr(text) in str(info.value)


def test_two_checks_are_refused():
    with pytest.raises(ConfigError, match=r"at most one \{check\}"):
        NumberPattern("{prefix}{check}{seq:03d}{check}", prefix="TS", check="luhn")


@pytest.mark.parametrize("prefix", ["", "T S", "TS\n", "X" * 33, None, 5])
def test_bad_prefixes_are_config_errors(prefix):
    with pytest.raises(ConfigError, match="'prefix' must be 1 to 32 printable characters"):
        NumberPattern(DEFAULT_PATTERN, prefix=prefix)


def test_two_digit_years_cover_2000_to_2099_only():
    pattern = NumberPattern("{prefix}{date:%y%m%d}{seq:03d}", prefix="TS")
    assert pattern.parse(pattern.render(date(2099, 12, 31), 1)).date == date(2099, 12, 31)
    with pytest.raises(ConfigError, match="2000-2099"):
        pattern.render(date(1999, 12, 31), 1)


def test_properties_describe_the_pattern():
    pattern = NumberPattern("{prefix}{date:%Y%m%d}{seq:04d}", prefix="TS", check="mod97", widen=True)
    assert (pattern.text, pattern.prefix, pattern.check, pattern.widen) == (
        "{prefix}{date:%Y%m%d}{seq:04d}",
        "TS",
        "mod97",
        True,
    )
    assert (pattern.seq_width, pattern.max_seq, pattern.date_format) == (4, 9999, "%Y%m%d")
    assert pattern.date_directives == {"%Y", "%m", "%d"}
    assert "NumberPattern(" in repr(pattern)
