"""Loading calendars from every config source, and the errors malformed configs give."""

import json
from datetime import UTC, datetime

import pytest

from slakit.calendar import BusinessCalendar, CalendarConfig
from slakit.errors import ConfigError

YAML = """
timezone: Asia/Shanghai
hours:
  mon-fri: ["09:00-12:00", "13:30-18:00"]
  sat: ["09:00-12:00"]
holidays: {country: CN}
extra_holidays: [2025-12-31]
special_hours:
  2025-12-24: ["09:00-12:00"]
"""

TOML = """
timezone = "Asia/Shanghai"
extra_holidays = ["2025-12-31"]

[hours]
mon-fri = ["09:00-12:00", "13:30-18:00"]
sat = ["09:00-12:00"]

[holidays]
country = "CN"

[special_hours]
"2025-12-24" = ["09:00-12:00"]
"""

MAPPING = {
    "timezone": "Asia/Shanghai",
    "hours": {"mon-fri": ["09:00-12:00", "13:30-18:00"], "sat": ["09:00-12:00"]},
    "holidays": {"country": "CN"},
    "extra_holidays": ["2025-12-31"],
    "special_hours": {"2025-12-24": ["09:00-12:00"]},
}


def test_yaml_json_toml_text_and_mapping_give_the_same_calendar():
    expected = BusinessCalendar.from_config(MAPPING)
    assert BusinessCalendar.from_config(YAML) == expected
    assert BusinessCalendar.from_config(TOML) == expected
    assert BusinessCalendar.from_config(json.dumps(MAPPING)) == expected
    assert BusinessCalendar.from_config(CalendarConfig.model_validate(MAPPING)) == expected


@pytest.mark.parametrize(
    ("suffix", "text"),
    [(".yaml", YAML), (".yml", YAML), (".toml", TOML), (".json", json.dumps(MAPPING)), ("", YAML)],
)
def test_load_from_a_path(tmp_path, suffix, text):
    path = tmp_path / f"calendar{suffix}"
    path.write_text(text, encoding="utf-8")
    assert BusinessCalendar.load(path) == BusinessCalendar.from_config(MAPPING)
    assert BusinessCalendar.from_config(path) == BusinessCalendar.from_config(MAPPING)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read calendar file"):
        BusinessCalendar.load(tmp_path / "nope.yaml")


def test_weekday_ranges_lists_and_wrapping():
    cal = BusinessCalendar.from_config(
        {"timezone": "UTC", "hours": {"sun-tue": "09:00-10:00", "thu,sat": "09:00-10:00"}}
    )
    monday = datetime(2025, 9, 22, 9, 30, tzinfo=UTC)
    open_days = [cal.is_open(monday.replace(day=22 + i)) for i in range(7)]
    assert open_days == [True, True, False, True, False, True, True]


def _error(config: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        BusinessCalendar.from_config(config)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "asia/shanghai ", "../etc/passwd"])
def test_bad_zone_names_the_zone(zone):
    error = _error({"timezone": zone, "hours": {"mon": "09:00-10:00"}})
    assert "'timezone'" in str(error)
    assert repr(zone) in str(error)


@pytest.mark.parametrize("zone", ["Asia", "America", "50 MB"])
def test_a_folder_of_zones_or_a_huge_name_is_a_config_error(zone):
    """Issue 16: ``timezone: Asia`` raised IsADirectoryError, a 50 MB name OSError."""
    zone = "A" * 50_000_000 if zone == "50 MB" else zone
    error = _error({"timezone": zone, "hours": {"mon": "09:00-10:00"}})
    assert str(error).startswith("'timezone' must be an IANA time zone name")
    assert len(str(error)) < 300
    with pytest.raises(ConfigError, match="'timezone' must be an IANA time zone name"):
        BusinessCalendar.always_open(zone)


@pytest.mark.parametrize("interval", ["０９:００-１８:００", "09:00-١٨:00", "০৯:00-18:00", "09:00\u3000-18:00"])
def test_non_ascii_digits_in_hours_are_refused(interval):
    """Issue 16 (decided: refused): full-width digits were read as 09:00-18:00."""
    error = _error({"timezone": "UTC", "hours": {"mon-fri": [interval]}})
    assert "hours.mon-fri[0]" in str(error)
    assert "in ASCII digits" in str(error)
    assert repr(interval) in str(error)


@pytest.mark.parametrize("interval", ["9-18", "25:00-26:00", "09:60-10:00", "09:00-24:30", "09:00", "nine-ten"])
def test_bad_time_names_the_interval_and_the_form(interval):
    error = _error({"timezone": "UTC", "hours": {"mon-fri": ["08:00-08:30", interval]}})
    assert "hours.mon-fri[1]" in str(error)
    assert repr(interval) in str(error)
    assert "HH:MM-HH:MM" in str(error)


def test_empty_interval_is_an_error():
    error = _error({"timezone": "UTC", "hours": {"mon": ["09:00-09:00"]}})
    assert "empty" in str(error)
    assert "'09:00-09:00'" in str(error)


def test_overlap_names_the_day_and_both_intervals():
    error = _error({"timezone": "UTC", "hours": {"mon-fri": ["09:00-12:00", "11:00-13:00"]}})
    assert "overlap" in str(error)
    assert "'09:00-12:00'" in str(error)
    assert "'11:00-13:00'" in str(error)
    assert "mon" in str(error)


def test_night_shift_running_into_the_next_day_is_an_overlap():
    error = _error({"timezone": "UTC", "hours": {"mon": "22:00-06:00", "tue": "05:00-09:00"}})
    assert "'22:00-06:00'" in str(error)
    assert "'05:00-09:00'" in str(error)


@pytest.mark.parametrize("key", ["mo-fr", "monday", "mon-fri-sat", "weekdays"])
def test_unknown_weekday_names_the_key_and_the_accepted_forms(key):
    error = _error({"timezone": "UTC", "hours": {key: "09:00-10:00"}})
    assert repr(key) in str(error)
    assert "mon, tue, wed" in str(error)


def test_a_weekday_named_twice_is_an_error():
    error = _error({"timezone": "UTC", "hours": {"mon-fri": "09:00-10:00", "fri": "11:00-12:00"}})
    assert "fri twice" in str(error)


def test_unknown_country_names_the_country():
    error = _error({"timezone": "UTC", "hours": {"mon": "09:00-10:00"}, "holidays": {"country": "XX"}})
    assert "country='XX'" in str(error)
    assert error.path == "holidays.country"


def test_unknown_subdivision_is_an_error():
    error = _error(
        {
            "timezone": "UTC",
            "hours": {"mon": "09:00-10:00"},
            "holidays": {"country": "US", "subdivision": "ZZ"},
        }
    )
    assert "'ZZ'" in str(error)


def test_unknown_key_is_an_error():
    error = _error({"timezone": "UTC", "hours": {"mon": "09:00-10:00"}, "holiday": "CN"})
    assert "holiday" in str(error)


UNEVEN_WEEK = {"mon-thu": "09:00-18:00", "fri": "09:00-15:00"}


def test_workday_hours_required_for_extra_workdays_when_weekdays_differ():
    error = _error({"timezone": "UTC", "hours": UNEVEN_WEEK, "extra_workdays": ["2025-09-27"]})
    assert "'workday_hours' is required" in str(error)
    assert "2025-09-27" in str(error)


def test_workday_hours_required_when_a_makeup_workday_is_met():
    cal = BusinessCalendar.from_config({"timezone": "UTC", "hours": UNEVEN_WEEK, "holidays": "CN"})
    with pytest.raises(
        ConfigError, match=r"'workday_hours' is required: 2025-01-26 is a make-up workday of the CN holidays"
    ):
        cal.is_open(datetime(2025, 9, 28, 10, 0, tzinfo=UTC))
    # A country without make-up workdays never needs them.
    us = BusinessCalendar.from_config({"timezone": "UTC", "hours": UNEVEN_WEEK, "holidays": "US"})
    assert not us.is_open(datetime(2025, 12, 25, 10, 0, tzinfo=UTC))


def test_workday_hours_given_are_used_for_makeup_days():
    cal = BusinessCalendar.from_config(
        {"timezone": "UTC", "hours": UNEVEN_WEEK, "holidays": "CN", "workday_hours": ["09:00-17:00"]}
    )
    assert cal.is_open(datetime(2025, 9, 28, 16, 30, tzinfo=UTC))  # CN make-up Sunday, workday hours
    assert not cal.is_open(datetime(2025, 9, 28, 17, 30, tzinfo=UTC))


def test_a_calendar_that_never_opens_is_rejected():
    assert "never open" in str(_error({"timezone": "UTC", "hours": {}}))
    assert "never open" in str(_error({"timezone": "UTC", "hours": {"mon": []}, "special_hours": {"2025-01-01": []}}))


def test_same_date_extra_holiday_and_workday_is_an_error():
    error = _error(
        {
            "timezone": "UTC",
            "hours": {"mon": "09:00-10:00"},
            "extra_holidays": ["2025-01-01"],
            "extra_workdays": ["2025-01-01"],
        }
    )
    assert "2025-01-01" in str(error)


def test_bad_date_names_the_field():
    error = _error({"timezone": "UTC", "hours": {"mon": "09:00-10:00"}, "extra_holidays": ["2025-13-01"]})
    assert "extra_holidays" in str(error)
    assert "2025-13-01" in str(error)


@pytest.mark.parametrize("text", ["[1, 2]", "just words", "{not json", "a = "])
def test_text_that_is_not_a_mapping_is_an_error(text):
    with pytest.raises(ConfigError, match="calendar"):
        BusinessCalendar.from_config(text)


def test_config_errors_are_value_errors():
    with pytest.raises(ValueError, match="timezone"):
        BusinessCalendar.from_config({"timezone": "Nowhere/Land", "hours": {"mon": "09:00-10:00"}})
