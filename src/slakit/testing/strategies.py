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

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar
from slakit.errors import ConfigError
from slakit.instants import require_aware, zone_named
from slakit.policy import ServicePolicy
from slakit.sla import EVENT_TYPES, Event, HoldsPolicy, Policy, Ticket
from slakit.sla.policy import sla_policy
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


def aware_datetimes(
    calendar: BusinessCalendar | None = None,
    *,
    min_value: datetime = _FIRST,
    max_value: datetime = _LAST,
    resolution: timedelta | None = None,
) -> st.SearchStrategy[datetime]:
    """Aware instants in ``[min_value, max_value]`` with microseconds, in assorted zones, often on a
    DST or holiday edge day; with a ``calendar``, in the calendar's zone and often right at one of
    its openings or closings (or a microsecond either side).

    ``resolution`` (say ``timedelta(minutes=1)``) keeps instants on that grid counted from
    ``min_value``, for checks against a minute-by-minute reference model.
    """
    require_aware(min_value, "min_value")
    require_aware(max_value, "max_value")
    if max_value < min_value:
        raise ConfigError.for_value("max_value", max_value, f"at or after 'min_value' ({min_value.isoformat()})")
    if resolution is not None and resolution <= timedelta(0):
        raise ConfigError.for_value("resolution", resolution, "a positive duration")
    return _aware_datetimes(calendar, min_value.astimezone(UTC), max_value.astimezone(UTC), resolution)


@st.composite
def _aware_datetimes(
    draw: st.DrawFn, calendar: BusinessCalendar | None, low: datetime, high: datetime, resolution: timedelta | None
) -> datetime:
    instant = low + timedelta(microseconds=draw(st.integers(0, _us(high - low))))
    edge_days = [day for day in _EDGE_DAYS if low.date() <= day <= high.date()]
    if edge_days and draw(st.integers(0, 4)) == 0:  # a DST or holiday edge day
        day = draw(st.sampled_from(edge_days))
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        instant = _clamp(midnight + timedelta(minutes=draw(st.integers(0, 1439))), low, high)
    if calendar is not None and draw(st.booleans()):
        stretches = list(calendar.intervals(instant, min(instant + timedelta(days=8), high)))
        if stretches:
            edge = draw(st.sampled_from([moment for stretch in stretches for moment in stretch]))
            nudge = timedelta(microseconds=draw(st.sampled_from([-1, 0, 1])))
            instant = _clamp(edge.astimezone(UTC) + nudge, low, high)
    if resolution is not None:
        instant -= (instant - low) % resolution
    zone = calendar.timezone if calendar is not None else zone_named(draw(st.sampled_from(ZONES)))
    return instant.astimezone(zone)


def _us(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def _clamp(instant: datetime, low: datetime, high: datetime) -> datetime:
    return min(max(instant, low), high)


def durations(*, max_value: timedelta = timedelta(days=30)) -> st.SearchStrategy[timedelta]:
    """Durations from zero to ``max_value``, often round (minutes, hours) as configs write them."""
    if max_value < timedelta(0):
        raise ConfigError.for_value("max_value", max_value, "a non-negative duration")
    hours = min(72, max_value // timedelta(hours=1))
    minutes = min(600, max_value // timedelta(minutes=1))
    options = [st.just(timedelta(0))]
    if hours:
        options.append(st.integers(1, hours).map(lambda h: timedelta(hours=h)))
    if minutes:
        options.append(st.integers(1, minutes).map(lambda m: timedelta(minutes=m)))
    options.append(st.timedeltas(min_value=timedelta(0), max_value=max_value))
    return st.one_of(options)


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


def policies() -> st.SearchStrategy[ServicePolicy]:
    """Random but valid policies (see :func:`policy_configs`): clocks only, no escalation or survey."""
    return policy_configs().map(ServicePolicy.from_config)


def tickets(
    policy: HoldsPolicy | Policy,
    *,
    max_events: int = 14,
    consistent: bool = True,
    event_types: Iterable[str] | None = None,
) -> st.SearchStrategy[Ticket]:
    """Valid ticket histories for ``policy``: increasing times, statuses that make sense (a reopen
    only after a resolve, nothing but a reopen after a close, ``open`` only to end a pause), pauses
    in the policy's pause statuses, priority changes among the policy's priorities, reopenings,
    extensions (agreed or not, before or after deadlines).

    ``consistent=False`` draws any event at any point instead, as a careless export has them (a
    reopen with no resolve, replies after a close, a pause while paused): such tickets are still
    valid input, and evaluation must cope. ``event_types`` restricts the events to those types
    (say every type but ``status``, to add pauses of one's own).
    """
    allowed = EVENT_TYPES if event_types is None else tuple(event_types)
    for kind in allowed:
        if kind not in EVENT_TYPES:
            raise ConfigError.for_value("event_types", kind, f"event types among {', '.join(EVENT_TYPES)}")
    return _tickets(sla_policy(policy), max_events, consistent, allowed)


@st.composite
def _tickets(draw: st.DrawFn, policy: Policy, max_events: int, consistent: bool, allowed: tuple[str, ...]) -> Ticket:
    codes = sorted(policy.priorities)
    pauses = sorted(policy.config.pause_statuses)
    zone = policy.default_calendar.timezone
    created = draw(aware_datetimes(policy.default_calendar)).astimezone(zone).replace(microsecond=0)
    events: list[Event] = []
    t = created
    resolved = closed = paused = False
    for _ in range(draw(st.integers(0, max_events))):
        t = t + timedelta(minutes=draw(st.one_of(st.integers(0, 240), st.integers(0, 5 * 24 * 60))))
        if not consistent:
            choices = list(allowed)
        else:
            choices = [kind for kind in _next_kinds(resolved=resolved, closed=closed) if kind in allowed]
        if not choices:
            break
        kind = draw(st.sampled_from(choices))
        if kind == "reply":
            author: Literal["agent", "customer"] = draw(st.sampled_from(["agent", "customer"]))
            events.append(Event(t, "reply", author=author, public=draw(st.booleans())))
        elif kind == "status":
            if not consistent:
                status = draw(st.sampled_from([*pauses, "open", "in_progress"]))
            else:
                status = "open" if paused else draw(st.sampled_from([*pauses, "in_progress"]))
            paused = status in pauses
            events.append(Event(t, "status", status=status))
        elif kind == "priority":
            events.append(Event(t, "priority", priority=draw(st.sampled_from(codes))))
        elif kind == "assign":
            events.append(Event(t, "assign", assignee=draw(st.sampled_from(["wang", "li"]))))
        elif kind == "extend":
            until = t + timedelta(minutes=draw(st.integers(-600, 10 * 24 * 60)))
            metric = draw(st.sampled_from(_METRICS))
            agreed, reason = draw(st.booleans()), draw(st.sampled_from([None, "备件缺货"]))
            events.append(Event(t, "extend", metric=metric, until=until, reason=reason, customer_agreed=agreed))
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


def _next_kinds(*, resolved: bool, closed: bool) -> tuple[str, ...]:
    """The events that make sense next (repeats weigh the common ones)."""
    if closed:
        return ("reopen",)
    if resolved:
        return ("reopen", "close", "complaint", "note")
    return ("reply", "reply", "note", "assign", "acknowledge", "priority", "status", "resolve", "close",
            "complaint", "extend")  # fmt: skip


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
