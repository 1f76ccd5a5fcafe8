"""A ticket's events reduced to facts, as epoch microseconds: the one place events become facts."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import NamedTuple

from slakit.instants import to_us
from slakit.sla.ticket import EVENT_TYPES, Event, Ticket

__all__ = ["Timeline", "build_timeline", "ordered"]

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


class Timeline(NamedTuple):
    """What happened to a ticket up to the evaluation instant ``as_of``, as epoch microseconds.

    The one reduction of events to facts (:func:`build_timeline`): every engine and the batch read a
    ticket through it. Spans are ``[start, end)``, ``end`` None when still so at ``as_of``.

    - ``priorities``: ``(since, code)``, the first at creation;
    - ``resolved``: resolved (or closed) spans; a reopen ends one, and only a reopen of a resolved
      ticket is a reopening (``reopens``);
    - ``paused``: spans with a pause status, with that status; a resolve or reopen ends a pause;
    - ``first_response`` (the first public agent reply), ``first_assign``, ``first_acknowledge``
      (the first acknowledgement after an assignment);
    - ``updates``: agent updates (any agent reply, any note); ``public_replies``: how many public
      agent replies; ``assignee``: the last assignee named; ``complaints``: complaint instants;
      ``last_resolve``: the last resolve or close event;
    - ``extensions``: the extend events with their instants; ``status_at_end``: the status at ``as_of``.
    """

    created: int
    as_of: int
    priorities: tuple[tuple[int, str], ...]
    resolved: tuple[tuple[int, int | None], ...] = ()
    paused: tuple[tuple[int, int | None, str], ...] = ()
    reopens: tuple[int, ...] = ()
    first_response: int | None = None
    first_assign: int | None = None
    first_acknowledge: int | None = None
    updates: tuple[int, ...] = ()
    public_replies: int = 0
    assignee: str | None = None
    complaints: tuple[int, ...] = ()
    last_resolve: int | None = None
    extensions: tuple[tuple[int, Event], ...] = ()
    status_at_end: str | None = None

    @property
    def resolved_now(self) -> bool:
        """Whether the ticket is resolved (or closed) at the evaluation instant."""
        return bool(self.resolved) and self.resolved[-1][1] is None

    def paused_now(self) -> str | None:
        """The pause status in force at the evaluation instant, if any."""
        return self.paused[-1][2] if self.paused and self.paused[-1][1] is None else None

    @property
    def priority(self) -> str:
        """The priority in force at the evaluation instant."""
        return self.priorities[-1][1]


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


def _reduce(  # noqa: C901, PLR0912 -- one branch per type of event, in the one pass that makes the facts
    ticket: Ticket, events: Iterable[Event], as_of: int, pause_statuses: frozenset[str], *, by_time: bool, ties: bool
) -> Timeline | None:
    """The timeline of ``events`` taken in this order.

    ``by_time`` says the events are sorted by time, ``ties`` that simultaneous ones are in their
    evaluation order too. None when an event is not strictly after the one before it and ``ties``
    is false: the order is then not known to be right.
    """
    created = to_us(ticket.created_at)
    priorities = [(created, ticket.priority)]
    resolved: list[tuple[int, int | None]] = []
    paused: list[tuple[int, int | None, str]] = []
    status = _Status(paused, pause_statuses)
    reopens: list[int] = []
    updates: list[int] = []
    complaints: list[int] = []
    extensions: list[tuple[int, Event]] = []
    first_response = first_assign = first_acknowledge = last_resolve = None
    public_replies = 0
    assignee = None
    previous = created - 1  # events are never before the ticket's creation
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
                if event.public:
                    public_replies += 1
                    if first_response is None:
                        first_response = t
                updates.append(t)
        elif kind == "note":
            updates.append(t)
        elif kind == "status":
            status.set(t, event.status)
        elif kind == "assign":
            if first_assign is None:
                first_assign = t
            if event.assignee:
                assignee = event.assignee
        elif kind == "acknowledge":
            if first_acknowledge is None and first_assign is not None:
                first_acknowledge = t
        elif kind == "resolve" or kind == "close":
            last_resolve = t
            if not resolved or resolved[-1][1] is not None:
                resolved.append((t, None))
                status.set(t, None)
        elif kind == "priority":
            assert event.priority is not None  # noqa: S101 -- Event checks it
            priorities.append((t, event.priority))
        elif kind == "reopen":
            if resolved and resolved[-1][1] is None:
                resolved[-1] = (resolved[-1][0], t)
                reopens.append(t)
                status.set(t, None)
        elif kind == "complaint":
            complaints.append(t)
        elif kind == "extend":
            extensions.append((t, event))
    status.finish()
    return Timeline(
        created,
        as_of,
        tuple(priorities),
        tuple(resolved),
        tuple(paused),
        tuple(reopens),
        first_response,
        first_assign,
        first_acknowledge,
        tuple(updates),
        public_replies,
        assignee,
        tuple(complaints),
        last_resolve,
        tuple(extensions),
        status.current,
    )


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
