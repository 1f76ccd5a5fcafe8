"""The Ruler answers exactly as BusinessCalendar.elapsed_us / add_us, however its tables change."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar
from slakit.instants import to_us
from slakit.testing.strategies import aware_datetimes as instants
from slakit.testing.strategies import calendar_configs, calendars

H = 3_600_000_000  # an hour in microseconds
SH = ZoneInfo("Asia/Shanghai")
OFFICE = {"timezone": "Asia/Shanghai", "hours": {"mon-fri": ["09:00-18:00"]}, "holidays": {"country": "CN"}}

amounts = st.integers(-300 * H, 300 * H)


@given(calendars(), st.lists(instants(), min_size=1, max_size=8), st.lists(amounts, min_size=1, max_size=4))
def test_ruler_agrees_with_the_calendar(cal: BusinessCalendar, moments, durations):
    ruler = cal.ruler()
    points = [to_us(moment) for moment in moments]
    for a in points:
        for b in points:
            assert ruler.elapsed(a, b) == cal.elapsed_us(a, b)
        for d in durations:
            assert ruler.add(a, d) == cal.add_us(a, d)


@given(calendars(), st.lists(instants(), min_size=2, max_size=8))
def test_running_totals_are_cumulative_elapsed_times(cal: BusinessCalendar, moments):
    points = sorted(to_us(moment) for moment in moments)
    segments = list(zip(points[::2], points[1::2], strict=False))
    totals = cal.ruler().running_totals(segments)
    expected, total = [], 0
    for a, b in segments:
        total += cal.elapsed_us(a, b)
        expected.append(total)
    assert totals == expected


@given(calendar_configs(), instants(), instants(), st.integers(1, 3))
def test_positions_stay_valid_when_the_calendar_widens_its_table(config, a, b, years_back):
    # The ruler measures positions from the first table's start; a later table that starts
    # earlier (another caller asked about an older year) must not shift what it answers.
    cal = BusinessCalendar.from_config(config)
    ruler = cal.ruler()
    first, second = to_us(a), to_us(b)
    ruler.position(first)
    older = to_us(datetime(2025 - years_back, 6, 1, tzinfo=UTC))
    cal.elapsed_us(older, first)  # the calendar swaps in a table starting years earlier
    assert ruler.elapsed(first, second) == cal.elapsed_us(first, second)
    assert ruler.elapsed(older, first) == cal.elapsed_us(older, first)  # the ruler widens too
    assert ruler.add(first, 5 * H) == cal.add_us(first, 5 * H)


def test_a_ruler_made_before_any_table_exists_builds_one():
    cal = BusinessCalendar.from_config(OFFICE)
    ruler = cal.ruler()
    monday_9 = to_us(datetime(2025, 9, 22, 9, tzinfo=SH))
    assert ruler.elapsed(monday_9, monday_9 + 2 * H) == 2 * H
    assert ruler.add(monday_9, 10 * H) == to_us(datetime(2025, 9, 23, 10, tzinfo=SH))


def test_add_past_the_table_grows_it_through_the_calendar():
    cal = BusinessCalendar.from_config(OFFICE)
    ruler = cal.ruler()
    late_december = to_us(datetime(2025, 12, 30, 17, tzinfo=SH))
    ruler.position(late_december)  # the ruler holds a table of 2025 only
    expected = cal.add(datetime(2025, 12, 30, 17, tzinfo=SH), timedelta(hours=400))
    assert ruler.add(late_december, 400 * H) == to_us(expected)
    assert expected.year == 2026


def test_zero_and_negative_amounts_are_the_calendars():
    cal = BusinessCalendar.from_config(OFFICE)
    ruler = cal.ruler()
    saturday = to_us(datetime(2025, 9, 20, 12, tzinfo=SH))
    assert ruler.add(saturday, 0) == saturday
    assert ruler.add(saturday, -H) == to_us(datetime(2025, 9, 19, 17, tzinfo=SH))
