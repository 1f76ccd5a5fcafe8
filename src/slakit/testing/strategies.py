"""Hypothesis strategies for slakit values: calendars, instants, durations, policies, tickets, surveys.

Every value they produce is valid (a generated ticket always evaluates), and they reach the edge
cases on purpose: DST zones and days, holidays and make-up workdays, night shifts, pauses,
priority changes, reopenings and extensions. Needs hypothesis (``pip install 'slakit[testing]'``).

    from hypothesis import given
    from slakit.testing import strategies as sst

    @given(sst.calendars(), sst.aware_datetimes(), sst.durations())
    def test_deadline_is_never_before_the_start(cal, start, d):
        assert cal.add(start, d) >= start
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar
from slakit.sla import Event, Policy, Ticket
from slakit.survey import SurveyScheme

__all__ = [
    "DST_ZONES",
    "ZONES",
    "aware_datetimes",
    "calendar_configs",
    "calendars",
    "durations",
    "policies",
    "survey_responses",
    "tickets",
]

DST_ZONES = ("America/New_York", "Europe/Berlin", "Australia/Lord_Howe")
"""Zones with DST: Lord Howe shifts by 30 minutes."""
ZONES = ("UTC", "Asia/Shanghai", "Asia/Kolkata", *DST_ZONES)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FIRST = datetime(2025, 1, 1, tzinfo=UTC)
_LAST = datetime(2026, 1, 1, tzinfo=UTC)
# Days on which something happens in 2025: DST changes (New York, Berlin, Lord Howe), China's
# National Day week with its make-up workdays, New Year.
_EDGE_DAYS = (
    date(2025, 3, 9), date(2025, 3, 30), date(2025, 4, 6), date(2025, 9, 28), date(2025, 10, 1),
    date(2025, 10, 5), date(2025, 10, 11), date(2025, 10, 26), date(2025, 11, 2), date(2025, 12, 31),
)  # fmt: skip


def _hhmm(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


@st.composite
def _day_hours(draw: st.DrawFn) -> list[str]:
    """0-3 non-overlapping intervals on a quarter-hour grid."""
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    return [f"{_hhmm(points[2 * i])}-{_hhmm(points[2 * i + 1])}" for i in range(count)]


def _minutes(interval: str, side: int) -> int:
    hours, minutes = interval.split("-")[side].split(":")
    return int(hours) * 60 + int(minutes)


@st.composite
def calendar_configs(draw: st.DrawFn, *, zones: tuple[str, ...] = ZONES) -> dict[str, Any]:
    """Valid calendar configs: weekly hours (sometimes a night shift), a zone, holidays, extra days."""
    week = [draw(_day_hours()) for _ in range(7)]
    if not any(week):
        week[0] = ["09:00-17:00"]
    if draw(st.booleans()):  # a night shift crossing midnight, where it fits
        day = draw(st.integers(0, 6))
        following = week[(day + 1) % 7]
        if (not week[day] or _minutes(week[day][-1], 1) <= 22 * 60) and (
            not following or _minutes(following[0], 0) >= 4 * 60
        ):
            week[day] = [*week[day], "22:00-04:00"]
    config: dict[str, Any] = {
        "timezone": draw(st.sampled_from(zones)),
        "hours": dict(zip(_WEEKDAYS, week, strict=True)),
        "workday_hours": ["09:00-17:00"],
    }
    if draw(st.booleans()):
        config["holidays"] = {"country": draw(st.sampled_from(["CN", "US", "DE"]))}
    days = st.one_of(st.sampled_from(_EDGE_DAYS), st.dates(min_value=date(2024, 12, 20), max_value=date(2025, 12, 31)))
    extra_holidays = draw(st.sets(days, max_size=3))
    config["extra_holidays"] = sorted(extra_holidays)
    config["extra_workdays"] = sorted(draw(st.sets(days, max_size=2)) - extra_holidays)
    config["special_hours"] = {day: draw(_day_hours()) for day in draw(st.sets(days, max_size=2))}
    return config


def calendars(*, zones: tuple[str, ...] = ZONES) -> st.SearchStrategy[BusinessCalendar]:
    """Random but valid business calendars (see :func:`calendar_configs`)."""
    return calendar_configs(zones=zones).map(BusinessCalendar.from_config)


@st.composite
def aware_datetimes(
    draw: st.DrawFn,
    calendar: BusinessCalendar | None = None,
    *,
    min_value: datetime = _FIRST,
    max_value: datetime = _LAST,
) -> datetime:
    """Aware instants with microseconds in assorted zones; with a ``calendar``, often right at one
    of its openings or closings (or a microsecond either side), in the calendar's zone."""
    span = int((max_value - min_value).total_seconds() * 1_000_000)
    instant = min_value.astimezone(UTC) + timedelta(microseconds=draw(st.integers(0, span)))
    if draw(st.integers(0, 4)) == 0:  # a DST or holiday edge day
        day = draw(st.sampled_from(_EDGE_DAYS))
        instant = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 1439)))
    if calendar is not None and draw(st.booleans()):
        stretches = list(calendar.intervals(instant, instant + timedelta(days=8)))
        if stretches:
            open_, close = draw(st.sampled_from(stretches))
            edge = draw(st.sampled_from([open_, close]))
            return (edge.astimezone(UTC) + timedelta(microseconds=draw(st.sampled_from([-1, 0, 1])))).astimezone(
                calendar.timezone
            )
    zone = calendar.timezone if calendar is not None else ZoneInfo(draw(st.sampled_from(ZONES)))
    return instant.astimezone(zone)


def durations(*, max_value: timedelta = timedelta(days=30)) -> st.SearchStrategy[timedelta]:
    """Non-negative durations, often round (minutes, hours, days) as configs write them."""
    return st.one_of(
        st.just(timedelta(0)),
        st.integers(1, 72).map(lambda h: timedelta(hours=h)),
        st.integers(1, 600).map(lambda m: timedelta(minutes=m)),
        st.timedeltas(min_value=timedelta(0), max_value=max_value),
    )


_METRICS = ("response", "acknowledge", "update", "resolution")


@st.composite
def policy_configs(draw: st.DrawFn) -> dict[str, Any]:
    """Valid policy configs: one calendar, 1-4 priorities with random targets, pause statuses."""
    codes = draw(st.lists(st.sampled_from(["P1", "P2", "P3", "P4"]), min_size=1, max_size=4, unique=True))
    priorities = {}
    for rank, code in enumerate(sorted(codes), start=1):
        targets: dict[str, Any] = {}
        for metric in draw(st.sets(st.sampled_from(_METRICS), min_size=1)):
            within = f"{draw(st.integers(0, 96))}h{draw(st.sampled_from([0, 15, 30]))}m"
            if draw(st.integers(0, 3)) == 0:
                targets[metric] = {"within": within, "clock": draw(st.sampled_from(["business", "calendar"])),
                                   "pausable": draw(st.booleans())}  # fmt: skip
            else:
                targets[metric] = within
        priorities[code] = {"name": code, "rank": rank, "targets": targets}
    return {
        "calendars": {"default": draw(calendar_configs())},
        "priorities": priorities,
        "pause_statuses": ["pending_customer", "on_hold"],
        "at_risk": draw(st.sampled_from([0.5, 0.75, 0.9, 1.0])),
        "on_reopen": draw(st.sampled_from(["resume", "restart"])),
    }


def policies() -> st.SearchStrategy[Policy]:
    """Random but valid SLA policies (see :func:`policy_configs`)."""
    return policy_configs().map(Policy.from_config)


@st.composite
def tickets(draw: st.DrawFn, policy: Policy, *, max_events: int = 14) -> Ticket:
    """Valid ticket histories for ``policy``: increasing times, statuses that make sense (a reopen
    only after a resolve, nothing but a reopen after a close), pauses, priority changes among the
    policy's priorities, reopenings, extensions (agreed or not, before or after deadlines)."""
    codes = sorted(policy.priorities)
    zone = policy.default_calendar.timezone
    created = draw(aware_datetimes(policy.default_calendar)).astimezone(zone).replace(microsecond=0)
    events: list[Event] = []
    t = created
    resolved = closed = paused = False
    for _ in range(draw(st.integers(0, max_events))):
        t = t + timedelta(minutes=draw(st.one_of(st.integers(0, 240), st.integers(0, 5 * 24 * 60))))
        choices = ["reopen"] if closed else (["reopen", "close", "complaint", "note"] if resolved else [
            "reply", "reply", "note", "assign", "acknowledge", "priority", "status", "resolve", "close",
            "complaint", "extend",
        ])  # fmt: skip
        kind = draw(st.sampled_from(choices))
        if kind == "reply":
            author: Literal["agent", "customer"] = draw(st.sampled_from(["agent", "customer"]))
            events.append(Event(t, "reply", author=author, public=draw(st.booleans())))
        elif kind == "status":
            status = "open" if paused else draw(st.sampled_from(["pending_customer", "on_hold", "in_progress"]))
            paused = status in policy.config.pause_statuses
            events.append(Event(t, "status", status=status))
        elif kind == "priority":
            events.append(Event(t, "priority", priority=draw(st.sampled_from(codes))))
        elif kind == "assign":
            events.append(Event(t, "assign", assignee=draw(st.sampled_from(["wang", "li"]))))
        elif kind == "extend":
            until = t + timedelta(minutes=draw(st.integers(-600, 10 * 24 * 60)))
            metric = draw(st.sampled_from(_METRICS))
            agreed = draw(st.booleans())
            events.append(Event(t, "extend", metric=metric, until=until, reason="备件缺货", customer_agreed=agreed))
        else:
            events.append(Event(t, kind))  # type: ignore[arg-type]
            resolved = kind in ("resolve", "close") or (resolved and kind != "reopen")
            closed = kind == "close" or (closed and kind != "reopen")
            paused = paused and kind not in ("resolve", "close", "reopen")
    return Ticket(
        id=f"T{draw(st.integers(1, 99999))}",
        created_at=created,
        priority=draw(st.sampled_from(codes)),
        channel=draw(st.sampled_from([None, "phone", "email", "web"])),
        affected_customers=draw(st.integers(1, 50)),
        events=tuple(events),
    )


@st.composite
def survey_responses(draw: st.DrawFn, scheme: SurveyScheme) -> Mapping[str, Any]:
    """Answers within ``scheme``'s scale for each dimension (some left out when partial answers are allowed)."""
    low, high = scheme.scale
    answers: dict[str, Any] = {}
    for name in scheme.dimensions:
        if scheme.allow_partial and answers and draw(st.integers(0, 3)) == 0:
            continue
        if scheme.whole_numbers:
            answers[name] = draw(st.integers(int(low), int(high)))
        else:
            answers[name] = draw(st.decimals(min_value=low, max_value=high, places=2))
    return answers
