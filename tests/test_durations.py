import time
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import ConfigError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h30m", timedelta(hours=2, minutes=30)),
        ("2h 30m", timedelta(hours=2, minutes=30)),
        ("1d", timedelta(hours=24)),
        ("1w", timedelta(days=7)),
        ("45s", timedelta(seconds=45)),
        ("1.5h", timedelta(minutes=90)),
        ("0s", timedelta(0)),
        ("PT2H30M", timedelta(hours=2, minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("pt15m", timedelta(minutes=15)),
        ("PT0S", timedelta(0)),
    ],
)
def test_parses_compact_and_iso_forms(text, expected):
    assert parse_duration(text) == expected


def test_accepts_timedelta_and_int_seconds():
    assert parse_duration(timedelta(minutes=5)) == timedelta(minutes=5)
    assert parse_duration(7200) == timedelta(hours=2)


@pytest.mark.parametrize("bad", ["abc", "", "2x", "P1Y", "P1M", "PT", "P", "h", True, 1.5, None, [1], "-1h", -5])
def test_rejects_everything_else_naming_field_and_forms(bad):
    with pytest.raises(ConfigError) as info:
        parse_duration(bad, field="within")
    message = str(info.value)
    assert "'within'" in message
    assert repr(bad) in message


def test_error_lists_the_accepted_forms():
    with pytest.raises(ConfigError, match=r"'2h30m'.*PT2H30M"):
        parse_duration("soon")


def test_config_error_is_a_value_error():
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)))
def test_format_round_trips(value):
    assert parse_duration(format_duration(value)) == value


def test_format_examples():
    assert format_duration(timedelta(hours=2, minutes=30)) == "2h30m"
    assert format_duration(timedelta(0)) == "0s"
    assert format_duration(-timedelta(hours=1)) == "-1h"
    assert format_duration(timedelta(seconds=1, microseconds=500_000)) == "1.5s"


def test_duration_field_in_a_config_names_its_path_once():
    from slakit.sla import Policy

    config = {
        "calendars": {"default": {"timezone": "UTC", "hours": {"mon-fri": "09:00-18:00"}}},
        "priorities": {"P1": {"name": "urgent", "rank": 1, "targets": {"response": "soon"}}},
    }
    with pytest.raises(ConfigError) as info:
        Policy.from_config(config)
    message = str(info.value)
    assert "priorities.P1.targets.response.within: must be a timedelta" in message
    assert message.count("(got 'soon')") == 1
    assert "'duration'" not in message


@pytest.mark.parametrize(
    "value",
    ["99999999999w", 10**30, 2**63, f"{2**63}s", "P99999999999W", "PT99999999999999999999H", "9" * 400 + "s",
     "1000000000d", "999999999d24h"],
)  # fmt: skip
def test_durations_longer_than_a_timedelta_holds_are_a_config_error(value):
    """Issue 16: these raised OverflowError."""
    with pytest.raises(ConfigError, match=r"'within' must be a duration of at most 999,999,999 days \(got "):
        parse_duration(value, field="within")


def test_the_longest_duration_is_read():
    assert parse_duration("999999999d") == timedelta(days=999_999_999)
    assert parse_duration(999_999_999 * 86_400) == timedelta(days=999_999_999)
    assert parse_duration("P999999999D") == timedelta(days=999_999_999)


def test_a_huge_negative_number_of_seconds_is_refused_as_negative():
    with pytest.raises(ConfigError, match="a duration of zero or more"):
        parse_duration(-(10**30))


@pytest.mark.parametrize("text", ["９０m", "１h", "PT２H", "١٢h", "१h", "2h\u30003m", "1ſ", "PT1ſ", "1\u212a"])
def test_non_ascii_digits_and_letters_are_refused_saying_so(text):
    """Issue 16 (decided: refused): full-width and other Unicode digits were read as the digits they look like."""
    with pytest.raises(ConfigError, match=r"'within' must be written with ASCII digits 0-9 .*full-width"):
        parse_duration(text, field="within")


def test_non_ascii_digits_in_a_config_name_the_path():
    from slakit.sla import Policy

    config = {
        "calendars": {"default": {"timezone": "UTC", "hours": {"mon-fri": "09:00-18:00"}}},
        "priorities": {"P1": {"name": "urgent", "rank": 1, "targets": {"response": "２h"}}},
    }
    with pytest.raises(ConfigError, match=r"priorities.P1.targets.response.within: must be written with ASCII digits"):
        Policy.from_config(config)


@pytest.mark.parametrize("text", ["1" * 100_000, "1 " * 50_000, "1.1" * 30_000, "1h" * 30_000, "P" + "1" * 100_000])
def test_long_text_is_refused_quickly(text):
    started = time.process_time()
    with pytest.raises(ConfigError) as info:
        parse_duration(text)
    assert time.process_time() - started < 1.0
    assert len(str(info.value)) < 500
