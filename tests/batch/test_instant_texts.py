"""InstantTexts writes exactly what ``from_us(us, zone).isoformat()`` writes, in every zone and at every instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dateutil_tz
from hypothesis import given
from hypothesis import strategies as st

from slakit._time import from_us, to_us
from slakit.batch.instant_texts import InstantTexts

ZONES: list[tzinfo] = [
    ZoneInfo(name)
    for name in (
        "Asia/Shanghai",  # the usual one, with its 1940s-1991 summer times
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",  # a half-hour DST shift
        "America/St_Johns",  # -03:30 / -02:30
        "Asia/Kolkata",  # +05:30: UTC hours straddle local half hours
        "Asia/Kathmandu",  # +05:45
        "Pacific/Chatham",  # +12:45 / +13:45
        "Europe/Dublin",  # negative DST in tzdata
        "Africa/Casablanca",  # DST suspended every Ramadan
        "Pacific/Apia",  # skipped 2011-12-30 entirely
        "Europe/Amsterdam",  # +00:19:32 until 1937: offsets with seconds
        "Africa/Monrovia",  # -00:44:30 until 1972
    )
] + [UTC, timezone(timedelta(hours=-3, minutes=-30)), timezone(timedelta(seconds=5))]

LOW, HIGH = to_us(datetime(1850, 1, 1, tzinfo=UTC)), to_us(datetime(2200, 1, 1, tzinfo=UTC))
TEXTS = {id(zone): InstantTexts(zone) for zone in ZONES}  # shared across examples: remembered hours and days too


@st.composite
def instants(draw: st.DrawFn) -> int:
    """Epoch microseconds, often on whole minutes or seconds as exports have them."""
    us = draw(st.integers(LOW, HIGH))
    grid = draw(st.sampled_from([1, 1_000_000, 60_000_000]))
    return us - us % grid


@given(zone=st.sampled_from(ZONES), us=instants())
def test_the_text_is_isoformat(zone: tzinfo, us: int) -> None:
    assert TEXTS[id(zone)](us) == from_us(us, zone).isoformat()


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        ("Europe/Berlin", datetime(2025, 3, 30, 2, 0)),  # spring forward at 02:00 local
        ("Europe/Berlin", datetime(2025, 10, 26, 3, 0)),  # fall back at 03:00 local
        ("America/New_York", datetime(2025, 11, 2, 2, 0)),
        ("Australia/Lord_Howe", datetime(2025, 4, 6, 2, 0)),
        ("Asia/Kolkata", datetime(2025, 1, 1, 0, 0)),  # local midnight inside a UTC hour
        ("Pacific/Apia", datetime(2011, 12, 31, 0, 0)),
        ("Asia/Shanghai", datetime(1991, 9, 15, 2, 0)),  # China's last summer time ended
    ],
)
def test_the_text_is_isoformat_around_changes(zone: str, local: datetime) -> None:
    tz = ZoneInfo(zone)
    texts = InstantTexts(tz)
    middle = to_us(local.replace(tzinfo=UTC))
    for us in range(middle - 26 * 3_600_000_000, middle + 26 * 3_600_000_000, 7 * 60_000_000 + 1_000_001):
        assert texts(us) == from_us(us, tz).isoformat()


def test_texts_are_remembered_by_instant() -> None:
    texts = InstantTexts(ZoneInfo("Asia/Shanghai"))
    us = to_us(datetime(2025, 5, 1, 9, 30, tzinfo=UTC))
    assert texts(us) == "2025-05-01T17:30:00+08:00"
    assert texts.known[us] == "2025-05-01T17:30:00+08:00"


def test_the_ends_of_the_datetime_range_are_written_as_isoformat_writes_them() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    texts = InstantTexts(zone)
    for moment in (datetime(1, 1, 1, 8, 0, tzinfo=UTC), datetime(9999, 12, 31, 15, 59, 59, 999_999, tzinfo=UTC)):
        assert texts(to_us(moment)) == from_us(to_us(moment), zone).isoformat()


def test_a_tzinfo_whose_wall_time_is_not_utc_plus_its_offset_is_written_the_slow_way() -> None:
    """Found in review: dateutil's Europe/Dublin at the 2019 fall-back hour gives a wall time (fromutc) that is not
    UTC plus its utcoffset(); such an hour must not be put together from the offset."""
    dublin = dateutil_tz.gettz("Europe/Dublin")
    assert dublin is not None
    texts = InstantTexts(dublin)
    us = 1_572_139_496_000_000  # 2019-10-27 01:24:56 UTC
    for moment in range(us - 3_600_000_000, us + 3_600_000_000, 600_000_000):
        assert texts(moment) == from_us(moment, dublin).isoformat()
