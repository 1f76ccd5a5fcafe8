"""A ticket's events reduced to facts, as epoch microseconds: the one place events become facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import NamedTuple

from slakit.instants import to_us
from slakit.sla.definitions import MetricDefinition
from slakit.sla.ticket import EVENT_TYPES, Event, Ticket

__all__ = ["Instance", "Instances", "Timeline", "build_timeline", "ordered"]

Instance = tuple[int, int | None, int]
"""One run of a defined metric's clock: ``(start, stop, cycle)``, ``stop`` None while it runs; ``cycle`` counts the
reopenings before it when reopening restarts the clocks of a metric that resumes (else 0)."""
# read only (typed as Mapping); plain dicts, so that a timeline and a policy can be pickled
_NONE: Mapping[str, tuple[Instance, ...]] = {}
_NO_DEFINITIONS: Mapping[str, MetricDefinition] = {}

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
    - ``extensions``: the extend events with their instants; ``status_at_end``: the status at ``as_of``;
    - ``defined``: the runs of each metric the policy defines by events (:class:`Instances`), by name.
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
    defined: Mapping[str, tuple[Instance, ...]] = _NONE

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


def build_timeline(
    ticket: Ticket,
    as_of: int,
    pause_statuses: frozenset[str],
    definitions: Mapping[str, MetricDefinition] = _NO_DEFINITIONS,
    *,
    restart: bool = False,
) -> Timeline:
    """Reduce the events at or before ``as_of`` to a :class:`Timeline`, in :func:`ordered` order.

    ``definitions`` are the metrics the policy defines by events (``plan.definitions``), ``restart`` whether a
    reopen restarts the clocks (``plan.restart``): their runs are ``defined``.

    Events usually come in time order, none at the same instant: then they are taken as given, and
    sorting (by time, then by type and content for simultaneous events) happens only when needed.
    """
    defs = (tuple(definitions.values()), restart) if definitions else None
    line = _reduce(ticket, ticket.events, as_of, pause_statuses, by_time=False, ties=False, defs=defs)
    if line is not None:
        return line
    by_time = sorted(ticket.events, key=_AT_US)
    line = _reduce(ticket, by_time, as_of, pause_statuses, by_time=True, ties=False, defs=defs)
    if line is None:  # simultaneous events: only they need the order of types and contents
        line = _reduce(
            ticket, sorted(by_time, key=_tie_break), as_of, pause_statuses, by_time=True, ties=True, defs=defs
        )
        assert line is not None  # noqa: S101 -- in full order it always finishes
    return line


def _reduce(  # noqa: C901, PLR0912, PLR0915 -- one branch per type of event, in the one pass that makes the facts
    ticket: Ticket,
    events: Iterable[Event],
    as_of: int,
    pause_statuses: frozenset[str],
    *,
    by_time: bool,
    ties: bool,
    defs: tuple[tuple[MetricDefinition, ...], bool] | None = None,
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
    machines = [Instances(d, created, defs[1]) for d in defs[0]] if defs is not None else None
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
        if machines is not None:  # after the event's own change to the resolution
            now = bool(resolved) and resolved[-1][1] is None
            for machine in machines:
                machine.event(t, event, now)
    status.finish()
    defined = _NONE
    if machines is not None:
        defined = {m.definition.name: m.finish() for m in machines}
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
        defined,
    )


class Instances:
    """The runs of one metric defined by events, as its events come in evaluation order: the one rule of when a
    defined clock starts and stops (docs/sla.md, "Metrics defined by events").

    - The clock is idle until a start matches; with ``repeat`` every start while idle begins a new run, without
      it only the first start counts. A start while running does nothing.
    - A stop completes the running run; an event that matches both stops the running run and begins the next
      (unless the run began at that very instant: then it runs on, rather than leaving an empty run).
    - A resolve or close completes the running run (a run the resolve's own instant began by ending the one
      before is dropped: the ticket was resolved as the earlier one ended). A start while the ticket is resolved
      completes at once, unless a reopen at the same instant follows. After a reopen the clock starts again only
      on its own start events.
    - With ``resume`` (the built-in ``update``) a resolve does not complete the run: the clock stands still while
      the ticket is resolved (the measurement completes it at the resolution in force, :func:`slakit.sla.clocks.
      defined_windows`), and a reopen resumes it; when reopening restarts the clocks (``restart``) the resolve
      completes the run, events while resolved are not counted, and the reopen begins a new run (a new cycle)
      if one was running at the resolve.
    """

    __slots__ = ("at_once", "cycle", "definition", "found", "held", "resolved", "restart", "running", "started")

    def __init__(self, definition: MetricDefinition, created: int, restart: bool) -> None:
        self.definition = definition
        self.restart = restart and definition.resume
        self.found: list[Instance] = []
        self.running: int | None = None  # the start of the running run
        self.started = False
        self.at_once: int | None = None  # a run begun while resolved, completing at that instant if no reopen
        self.held = False  # restart: a run was running at the resolve, a reopen begins the next
        self.cycle = 0
        self.resolved = False  # whether the ticket was resolved after the last event
        if definition.starts_at_creation:
            self.running, self.started = created, True

    def event(self, t: int, event: Event, resolved: bool) -> None:
        """``event`` at ``t``, after which the ticket is ``resolved`` or not."""
        was_resolved, self.resolved = self.resolved, resolved
        definition = self.definition
        at_once = self.at_once
        if at_once is not None and (t > at_once or (was_resolved and not resolved)):
            self.at_once = None
            if t > at_once:  # no reopen at its instant: completed at once
                self._stop(at_once)
        if (not definition.resume or self.restart) and not self._resolution(t, was_resolved, resolved):
            return
        stops = False
        for matcher in definition.stop:
            if matcher.matches(event):
                stops = True
                break
        starts = False
        for matcher in definition.start:
            if matcher.matches(event):
                starts = True
                break
        running = self.running
        if stops and running is not None:
            if starts and running == t:
                return  # begun at this instant: it runs on
            self._stop(t)
        if starts and self.running is None and (definition.repeat or not self.started):
            self.running, self.started = t, True
            if resolved and not definition.resume:
                self.at_once = t

    def _resolution(self, t: int, was_resolved: bool, resolved: bool) -> bool:
        """A resolve completes the running run; with ``restart`` a reopen begins a new cycle. Whether the event
        counts for the clock (with ``restart``, events while resolved, and the resolve itself, do not)."""
        if resolved and not was_resolved:  # a resolve completes the running run
            self.held = self.running is not None
            self._resolve(t)
            return not self.restart
        if self.restart:
            if was_resolved and not resolved:  # a reopen: a new cycle
                self.cycle += 1
                if self.held:
                    self.held = False
                    self.running = t
            elif resolved:
                return False  # not counted while resolved
        return True

    def _resolve(self, t: int) -> None:
        running = self.running
        if running is not None:
            if running == t and self.found and self.found[-1][1] == t:
                self.running = None  # begun by the event that ended the last run, at the resolve's instant
            else:
                self._stop(t)

    def _stop(self, t: int) -> None:
        if self.running is not None:
            self.found.append((self.running, t, self.cycle))
            self.running = None
        self.at_once = None

    def finish(self) -> tuple[Instance, ...]:
        """The runs, the last one running (stop None) if it still is."""
        if self.at_once is not None:
            self._stop(self.at_once)
        if self.running is not None:
            self.found.append((self.running, None, self.cycle))
        return tuple(self.found)


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
