"""A ticket's events reduced to the facts the SLA clocks need, as epoch microseconds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from slakit._time import to_us
from slakit.sla.ticket import EVENT_TYPES, Event, Ticket

# Ties at one instant are taken in this order, so that results never depend on input order:
# a reply at the same instant as the resolve counts as a response, a reopen comes after a resolve.
_TYPE_ORDER = {
    name: i
    for i, name in enumerate(
        (
            "assign",
            "priority",
            "status",
            "extend",
            "acknowledge",
            "reply",
            "note",
            "complaint",
            "resolve",
            "close",
            "reopen",
        )
    )
}
assert set(_TYPE_ORDER) == set(EVENT_TYPES)  # noqa: S101 -- a new event type must be given a place here


def ordered(events: Iterable[Event]) -> list[tuple[int, Event]]:
    """Events with their instants, in evaluation order (time, then type, then content)."""
    keyed = [(event.at_us, event) for event in events]
    keyed.sort(key=_by_time_and_type)
    if any(a[0] == b[0] for a, b in pairwise(keyed)):
        keyed.sort(key=_tie_break)  # only simultaneous events need the full, content-based order
    return keyed


def _by_time_and_type(item: tuple[int, Event]) -> tuple[int, int]:
    return item[0], _TYPE_ORDER[item[1].type]


def _tie_break(item: tuple[int, Event]) -> tuple[object, ...]:
    t, e = item
    return (
        t,
        _TYPE_ORDER[e.type],
        e.status or "",
        e.priority or "",
        e.author or "",
        e.public,
        e.assignee or "",
        e.metric or "",
        to_us(e.until) if e.until else 0,
        e.customer_agreed,
        e.reason or "",
    )


@dataclass(slots=True)
class Timeline:
    """What happened up to the evaluation instant. Spans are ``[start, end)``; ``end`` None = still so."""

    created: int
    as_of: int
    priorities: list[tuple[int, str]] = field(default_factory=list)
    resolved: list[tuple[int, int | None]] = field(default_factory=list)
    paused: list[tuple[int, int | None, str]] = field(default_factory=list)
    reopens: list[int] = field(default_factory=list)
    first_response: int | None = None
    first_assign: int | None = None
    first_acknowledge: int | None = None
    updates: list[int] = field(default_factory=list)
    extensions: list[tuple[int, Event]] = field(default_factory=list)
    status_at_end: str | None = None

    @property
    def resolved_now(self) -> bool:
        """Whether the ticket is resolved (or closed) at the evaluation instant."""
        return bool(self.resolved) and self.resolved[-1][1] is None

    def paused_now(self) -> str | None:
        """The pause status in force at the evaluation instant, if any."""
        return self.paused[-1][2] if self.paused and self.paused[-1][1] is None else None


def build_timeline(ticket: Ticket, as_of: int, pause_statuses: frozenset[str]) -> Timeline:
    """Reduce the events at or before ``as_of`` to a :class:`Timeline`."""
    line = Timeline(
        created=to_us(ticket.created_at),
        as_of=as_of,
        priorities=[(to_us(ticket.created_at), ticket.priority)],
    )
    status: str | None = None
    pause_start: int | None = None

    def set_status(t: int, new: str | None) -> None:
        nonlocal status, pause_start
        if pause_start is not None and new not in pause_statuses:
            line.paused.append((pause_start, t, status or ""))
            pause_start = None
        if new in pause_statuses and pause_start is None:
            pause_start = t
        elif new in pause_statuses and new != status and pause_start is not None:
            line.paused.append((pause_start, t, status or ""))  # one pause status to another
            pause_start = t
        status = new

    for t, event in ordered(ticket.events):
        if t > as_of:
            break
        kind = event.type
        if kind == "status":
            set_status(t, event.status)
        elif kind == "priority":
            assert event.priority is not None  # noqa: S101 -- Event checks it
            line.priorities.append((t, event.priority))
        elif kind in ("resolve", "close"):
            if not line.resolved_now:
                line.resolved.append((t, None))
                set_status(t, None)
        elif kind == "reopen":
            if line.resolved_now:
                line.resolved[-1] = (line.resolved[-1][0], t)
                line.reopens.append(t)
                set_status(t, None)
        elif kind == "assign":
            if line.first_assign is None:
                line.first_assign = t
        elif kind == "acknowledge":
            if line.first_acknowledge is None and line.first_assign is not None:
                line.first_acknowledge = t
        elif kind == "extend":
            line.extensions.append((t, event))
        if event.is_first_response and line.first_response is None:
            line.first_response = t
        if event.is_agent_update:
            line.updates.append(t)
    if pause_start is not None:
        line.paused.append((pause_start, None, status or ""))
    line.status_at_end = status
    return line


def running_segments(start: int, end: int, holes: Iterable[tuple[int, int | None]]) -> list[tuple[int, int]]:
    """``[start, end)`` minus the (sorted, disjoint) ``holes``."""
    segments: list[tuple[int, int]] = []
    cursor = start
    for hole_start, hole_end in holes:
        stop = end if hole_end is None else hole_end
        if stop <= cursor:
            continue
        if hole_start >= end:
            break
        if hole_start > cursor:
            segments.append((cursor, hole_start))
        cursor = max(cursor, stop)
        if cursor >= end:
            break
    if cursor < end:
        segments.append((cursor, end))
    return segments
