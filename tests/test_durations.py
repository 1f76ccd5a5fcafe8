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
