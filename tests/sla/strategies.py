"""Random ticket histories for property tests (slakit.testing will ship the public version)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from slakit.sla import Event, Ticket

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 1, 1, tzinfo=SH)


@st.composite
def events(draw: st.DrawFn, created: datetime, codes: list[str], *, statuses: bool = True) -> list[Event]:
    kinds = [
        "reply",
        "note",
        "assign",
        "acknowledge",
        "priority",
        "resolve",
        "reopen",
        "close",
        "complaint",
        "extend",
    ]
    if statuses:
        kinds.append("status")
    result = []
    t = created
    for _ in range(draw(st.integers(0, 12))):
        t = t + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
        kind = draw(st.sampled_from(kinds))
        if kind == "reply":
            event = Event(t, "reply", author=draw(st.sampled_from(["agent", "customer"])), public=draw(st.booleans()))
        elif kind == "status":
            event = Event(t, "status", status=draw(st.sampled_from(["pending_customer", "on_hold", "open"])))
        elif kind == "priority":
            event = Event(t, "priority", priority=draw(st.sampled_from(codes)))
        elif kind == "assign":
            event = Event(t, "assign", assignee="agent-1")
        elif kind == "extend":
            until = t + timedelta(minutes=draw(st.integers(-600, 7 * 24 * 60)))
            event = Event(
                t,
                "extend",
                metric=draw(st.sampled_from(["response", "acknowledge", "update", "resolution"])),
                until=until,
                customer_agreed=draw(st.booleans()),
            )
        else:
            event = Event(t, kind)  # type: ignore[arg-type]
        result.append(event)
    return result


@st.composite
def tickets(draw: st.DrawFn, codes: list[str], *, statuses: bool = True) -> Ticket:
    created = START + timedelta(minutes=draw(st.integers(0, 360 * 24 * 60)))
    return Ticket(
        id=f"T{draw(st.integers(1, 999))}",
        created_at=created,
        priority=draw(st.sampled_from(codes)),
        events=tuple(draw(events(created, codes, statuses=statuses))),
    )


def offsets() -> st.SearchStrategy[timedelta]:
    return st.integers(0, 40 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))
