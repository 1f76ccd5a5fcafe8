"""Random but valid calendar configs for property tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar

ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    """0-3 non-overlapping intervals on a quarter-hour grid, the last possibly crossing midnight."""
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    intervals = []
    for i in range(count):
        start, end = points[2 * i], points[2 * i + 1]
        intervals.append(f"{start // 4:02d}:{start % 4 * 15:02d}-{end // 4:02d}:{end % 4 * 15:02d}")
    return intervals


def _end_minute(interval: str) -> int:
    hours, minutes = interval.split("-")[1].split(":")
    return int(hours) * 60 + int(minutes)


def _start_minute(interval: str) -> int:
    hours, minutes = interval.split("-")[0].split(":")
    return int(hours) * 60 + int(minutes)


@st.composite
def calendar_configs(draw: st.DrawFn) -> dict[str, object]:
    week = [draw(day_hours()) for _ in range(7)]
    if not any(week):
        week[0] = ["09:00-17:00"]
    if draw(st.booleans()):  # a night shift crossing midnight
        day = draw(st.integers(0, 6))
        following = week[(day + 1) % 7]
        fits_before = not week[day] or _end_minute(week[day][-1]) <= 22 * 60
        fits_after = not following or _start_minute(following[0]) >= 4 * 60
        if fits_before and fits_after:
            week[day] = [*week[day], "22:00-04:00"]
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    config: dict[str, object] = {
        "timezone": draw(st.sampled_from(ZONES)),
        "hours": dict(zip(names, week, strict=True)),
        "workday_hours": ["09:00-17:00"],
    }
    if draw(st.booleans()):
        config["holidays"] = {"country": draw(st.sampled_from(["CN", "US", "DE"]))}
    days = st.dates(min_value=date(2024, 12, 20), max_value=date(2025, 12, 31))
    extra_holidays = draw(st.sets(days, max_size=3))
    config["extra_holidays"] = sorted(extra_holidays)
    config["extra_workdays"] = sorted(draw(st.sets(days, max_size=2)) - extra_holidays)
    config["special_hours"] = {day: draw(day_hours()) for day in draw(st.sets(days, max_size=2))}
    return config


def calendars() -> st.SearchStrategy[BusinessCalendar]:
    return calendar_configs().map(BusinessCalendar.from_config)


def instants(
    start: datetime = datetime(2025, 1, 1, tzinfo=UTC), end: datetime = datetime(2026, 1, 1, tzinfo=UTC)
) -> st.SearchStrategy[datetime]:
    """Aware instants with microseconds, in assorted zones."""
    span = int((end - start).total_seconds() * 1_000_000)
    return st.builds(
        lambda us, zone: (start + timedelta(microseconds=us)).astimezone(zone),
        st.integers(0, span),
        st.sampled_from([ZoneInfo(zone) for zone in ZONES]),
    )


def minute_instants() -> st.SearchStrategy[datetime]:
    """Instants on the UTC minute grid in 2025, for the minute-by-minute reference."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return st.integers(0, 364 * 1440).map(lambda m: start + timedelta(minutes=m))
