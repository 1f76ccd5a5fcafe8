"""Tickets and their event histories, as immutable values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, get_args

from dateutil import parser as date_parser

from slakit.errors import InvalidTicketError, NaiveDatetimeError
from slakit.instants import require_aware, to_us

__all__ = ["EVENT_TYPES", "Event", "EventType", "Ticket"]

EventType = Literal[
    "reply",
    "note",
    "status",
    "assign",
    "acknowledge",
    "priority",
    "resolve",
    "reopen",
    "close",
    "complaint",
    "extend",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
_METRICS = ("response", "acknowledge", "update", "resolution")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a ticket at an instant.

    ``type`` is one of :data:`EVENT_TYPES`; the other fields belong to some types only:
    ``reply`` (``author`` agent|customer, ``public``), ``status`` (``status``), ``assign``
    (``assignee``), ``priority`` (``priority``), ``extend`` (``metric``, ``until``, ``reason``,
    ``customer_agreed``).
    """

    at: datetime
    type: EventType
    author: Literal["agent", "customer"] | None = None
    public: bool = True
    status: str | None = None
    assignee: str | None = None
    priority: str | None = None
    metric: str | None = None
    until: datetime | None = None
    reason: str | None = None
    customer_agreed: bool = False
    at_us: int = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        require_aware(self.at, "at")
        object.__setattr__(self, "at_us", to_us(self.at))  # events are immutable: convert once
        if self.type not in EVENT_TYPES:
            raise InvalidTicketError(f"'type' must be one of {', '.join(EVENT_TYPES)} (got {self.type!r})")
        if self.type == "reply" and self.author not in ("agent", "customer"):
            raise InvalidTicketError(f"a reply's 'author' must be 'agent' or 'customer' (got {self.author!r})")
        if self.type == "status" and not self.status:
            raise InvalidTicketError(f"a status event needs 'status' (got {self.status!r})")
        if self.type == "priority" and not self.priority:
            raise InvalidTicketError(f"a priority event needs 'priority' (got {self.priority!r})")
        if self.type == "extend":
            if self.metric not in _METRICS:
                raise InvalidTicketError(
                    f"an extend event's 'metric' must be one of {', '.join(_METRICS)} (got {self.metric!r})"
                )
            if self.until is None:
                raise InvalidTicketError("an extend event needs 'until', the agreed new deadline")
            require_aware(self.until, "until")

    @property
    def is_agent_update(self) -> bool:
        """Any agent reply (public or not) or internal note: what the ``update`` metric waits for."""
        return self.type == "note" or (self.type == "reply" and self.author == "agent")

    @property
    def is_first_response(self) -> bool:
        """A public reply by an agent: what the ``response`` metric waits for."""
        return self.type == "reply" and self.author == "agent" and self.public


@dataclass(frozen=True, slots=True)
class Ticket:
    """A ticket as slakit sees it: identity, classification, and the events of its history.

    Events may be given in any order; evaluation orders them by time (ties in a fixed order of
    types, so the result never depends on input order). Naive datetimes are rejected.
    """

    id: str
    created_at: datetime
    priority: str
    category: str | None = None
    channel: str | None = None
    product: str | None = None
    customer: str | None = None
    affected_customers: int = 1
    flags: frozenset[str] = field(default_factory=frozenset)
    events: tuple[Event, ...] = ()
    subject: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.created_at, "created_at")
        if not isinstance(self.flags, frozenset):
            object.__setattr__(self, "flags", frozenset(self.flags))
        if not isinstance(self.events, tuple):
            object.__setattr__(self, "events", tuple(self.events))
        for event in self.events:
            if not isinstance(event, Event):
                raise InvalidTicketError(f"ticket {self.id!r}: 'events' must hold Event values (got {event!r:.80})")
            if event.at < self.created_at:
                raise InvalidTicketError(
                    f"ticket {self.id!r}: a {event.type} event at {event.at.isoformat()} is before the ticket "
                    f"was created ({self.created_at.isoformat()})"
                )

    def with_events(self, events: Iterable[Event]) -> Ticket:
        """A copy with ``events`` appended."""
        return _replace(self, events=(*self.events, *events))

    @property
    def complaints(self) -> int:
        """How many complaint events the ticket has."""
        return sum(1 for event in self.events if event.type == "complaint")

    @property
    def reopens(self) -> int:
        """How many times the ticket was reopened."""
        return sum(1 for event in self.events if event.type == "reopen")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ticket:
        """Build from JSON-like data (ISO 8601 strings with offsets for instants), e.g. a JSONL line."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidTicketError(f"unknown ticket field {unknown[0]!r}; known: {', '.join(sorted(known))}")
        values = dict(data)
        values["created_at"] = _instant(values.get("created_at"), "created_at")
        values["flags"] = frozenset(values.get("flags") or ())
        values["events"] = tuple(_event(item, i) for i, item in enumerate(values.get("events") or ()))
        if values.get("id") is None or values.get("priority") is None:
            raise InvalidTicketError("a ticket needs 'id', 'created_at' and 'priority'")
        values["id"] = str(values["id"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data that :meth:`from_dict` reads back."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["created_at"] = self.created_at.isoformat()
        data["flags"] = sorted(self.flags)
        data["events"] = [
            {
                f.name: (value.isoformat() if isinstance(value, datetime) else value)
                for f in fields(event)
                if f.init and (value := getattr(event, f.name)) != f.default
            }
            | {"at": event.at.isoformat(), "type": event.type}
            for event in self.events
        ]
        return data


def _replace(ticket: Ticket, **changes: Any) -> Ticket:
    values = {f.name: getattr(ticket, f.name) for f in fields(ticket)}
    values.update(changes)
    return Ticket(**values)


def _instant(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise InvalidTicketError(f"{name!r} must be an ISO 8601 date-time with an offset (got {value!r})")
    try:
        parsed = date_parser.isoparse(value)
    except ValueError as exc:
        raise InvalidTicketError(f"{name!r} must be an ISO 8601 date-time with an offset (got {value!r})") from exc
    if parsed.tzinfo is None:
        raise NaiveDatetimeError.for_parameter(name, value)
    return parsed


def _event(item: Any, index: int) -> Event:
    if not isinstance(item, Mapping):
        raise InvalidTicketError(f"'events[{index}]' must be a mapping (got {item!r:.80})")
    known = {f.name for f in fields(Event) if f.init}
    unknown = sorted(set(item) - known)
    if unknown:
        raise InvalidTicketError(
            f"'events[{index}]' has unknown field {unknown[0]!r}; known: {', '.join(sorted(known))}"
        )
    values = dict(item)
    values["at"] = _instant(values.get("at"), f"events[{index}].at")
    if values.get("until") is not None:
        values["until"] = _instant(values["until"], f"events[{index}].until")
    return Event(**values)
