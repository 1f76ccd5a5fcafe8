"""A ticket's events reduced to the facts the SLA clocks need, as epoch microseconds."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

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


def ordered(events: Iterable[Event]) -> list[Event]:
    """Events in evaluation order: time, then type, then content (:func:`build_timeline` sorts only if needed)."""
    return sorted(events, key=_tie_break)


_AT_US = attrgetter("at_us")


def _tie_break(e: Event) -> tuple[object, ...]:
    return (
        e.at_us,
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


class Timeline:
    """What happened up to the evaluation instant. Spans are ``[start, end)``; ``end`` None = still so.

    ``priorities`` are ``(since, code)``; ``paused`` spans carry their pause status; ``updates`` are
    the instants of agent updates; ``extensions`` the extend events with their instants.
    """

    __slots__ = (
        "as_of",
        "created",
        "extensions",
        "first_acknowledge",
        "first_assign",
        "first_response",
        "paused",
        "priorities",
        "reopens",
        "resolved",
        "status_at_end",
        "updates",
    )

    def __init__(self, created: int, as_of: int, priority: str) -> None:
        self.created = created
        self.as_of = as_of
        self.priorities: list[tuple[int, str]] = [(created, priority)]
        self.resolved: list[tuple[int, int | None]] = []
        self.paused: list[tuple[int, int | None, str]] = []
        self.reopens: list[int] = []
        self.first_response: int | None = None
        self.first_assign: int | None = None
        self.first_acknowledge: int | None = None
        self.updates: list[int] = []
        self.extensions: list[tuple[int, Event]] = []
        self.status_at_end: str | None = None

    @property
    def resolved_now(self) -> bool:
        """Whether the ticket is resolved (or closed) at the evaluation instant."""
        return bool(self.resolved) and self.resolved[-1][1] is None

    def paused_now(self) -> str | None:
        """The pause status in force at the evaluation instant, if any."""
        return self.paused[-1][2] if self.paused and self.paused[-1][1] is None else None


def build_timeline(ticket: Ticket, as_of: int, pause_statuses: frozenset[str]) -> Timeline:
    """Reduce the events at or before ``as_of`` to a :class:`Timeline`, in :func:`ordered` order.

    Events usually come in time order, none at the same instant: then they are taken as given, and
    sorting (by time, then by type and content for simultaneous events) happens only when needed.
    """
    line = _reduce(ticket, ticket.events, as_of, pause_statuses, by_time=False, ties=False)
    if line is not None:
        return line
    by_time = sorted(ticket.events, key=_AT_US)
    line = _reduce(ticket, by_time, as_of, pause_statuses, by_time=True, ties=False)
    if line is None:  # simultaneous events: only they need the order of types and contents
        line = _reduce(ticket, sorted(by_time, key=_tie_break), as_of, pause_statuses, by_time=True, ties=True)
        assert line is not None  # noqa: S101 -- in full order it always finishes
    return line


def _reduce(
    ticket: Ticket, events: Iterable[Event], as_of: int, pause_statuses: frozenset[str], *, by_time: bool, ties: bool
) -> Timeline | None:
    """The timeline of ``events`` taken in this order.

    ``by_time`` says the events are sorted by time, ``ties`` that simultaneous ones are in their
    evaluation order too. None when an event is not strictly after the one before it and ``ties``
    is false: the order is then not known to be right.
    """
    line = Timeline(to_us(ticket.created_at), as_of, ticket.priority)
    status = _Status(line.paused, pause_statuses)
    updates = line.updates
    resolved = line.resolved
    previous = line.created - 1  # events are never before the ticket's creation
    for event in events:
        t = event.at_us
        if t <= previous and not ties:
            return None
        previous = t
        if t > as_of:
            if by_time:
                break
            continue  # the rest may still be out of order
        kind = event.type
        # the most frequent kinds first
        if kind == "reply":
            if event.author == "agent":
                if event.public and line.first_response is None:
                    line.first_response = t
                updates.append(t)
        elif kind == "note":
            updates.append(t)
        elif kind == "status":
            status.set(t, event.status)
        elif kind == "assign":
            if line.first_assign is None:
                line.first_assign = t
        elif kind == "acknowledge":
            if line.first_acknowledge is None and line.first_assign is not None:
                line.first_acknowledge = t
        elif kind in ("resolve", "close"):
            if not resolved or resolved[-1][1] is not None:
                resolved.append((t, None))
                status.set(t, None)
        elif kind == "priority":
            assert event.priority is not None  # noqa: S101 -- Event checks it
            line.priorities.append((t, event.priority))
        elif kind == "reopen":
            if resolved and resolved[-1][1] is None:
                resolved[-1] = (resolved[-1][0], t)
                line.reopens.append(t)
                status.set(t, None)
        elif kind == "extend":
            line.extensions.append((t, event))
    status.finish()
    line.status_at_end = status.current
    return line


class _Status:
    """The ticket's status while the timeline is built, recording pause spans as they close."""

    __slots__ = ("current", "pause_start", "pause_statuses", "paused")

    def __init__(self, paused: list[tuple[int, int | None, str]], pause_statuses: frozenset[str]) -> None:
        self.paused = paused
        self.pause_statuses = pause_statuses
        self.current: str | None = None
        self.pause_start: int | None = None

    def set(self, t: int, new: str | None) -> None:
        pausing = new in self.pause_statuses
        if self.pause_start is not None and not pausing:
            self.paused.append((self.pause_start, t, self.current or ""))
            self.pause_start = None
        if pausing and self.pause_start is None:
            self.pause_start = t
        elif pausing and new != self.current and self.pause_start is not None:
            self.paused.append((self.pause_start, t, self.current or ""))  # one pause status to another
            self.pause_start = t
        self.current = new

    def finish(self) -> None:
        if self.pause_start is not None:
            self.paused.append((self.pause_start, None, self.current or ""))


def clock_stop(resolved: list[tuple[int, int | None]], start: int, natural: int | None) -> int | None:
    """When a response or acknowledge clock started at ``start`` stops for good: at its own event
    (``natural``), or at a resolve before it; one started on an already resolved ticket stops at once."""
    forced = None
    for a, b in resolved:
        if a >= start or b is None or start < b:
            forced = max(a, start)
            break
    return forced if natural is None or (forced is not None and forced < natural) else natural


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
