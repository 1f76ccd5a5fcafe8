"""Tickets and their event histories, as immutable values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, get_args

from dateutil import parser as date_parser

from slakit.errors import InvalidTicketError, NaiveDatetimeError, shown
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
_METRIC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # as metrics: names them (slakit.sla.definitions)


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
            if not isinstance(self.metric, str) or not _METRIC_NAME.match(self.metric):
                raise InvalidTicketError(
                    f"an extend event's 'metric' must be one of {', '.join(_METRICS)} or the name of a metric the "
                    f"policy defines (got {self.metric!r})"
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
            object.__setattr__(self, "flags", _flags(self.flags))
        if not isinstance(self.events, tuple):
            if isinstance(self.events, str | bytes | Mapping) or not isinstance(self.events, Iterable):
                raise InvalidTicketError(f"'events' must be a sequence of events (got {shown(self.events)})")
            object.__setattr__(self, "events", tuple(self.events))
        for event in self.events:
            if not isinstance(event, Event):
                raise InvalidTicketError(
                    f"ticket {shown(self.id)}: 'events' must hold Event values (got {shown(event)})"
                )
            if event.at < self.created_at:
                raise InvalidTicketError(
                    f"ticket {shown(self.id)}: a {event.type} event at {event.at.isoformat()} is before the ticket "
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
        """Build from JSON-like data (ISO 8601 strings with offsets for instants), e.g. a JSONL line.

        Every field is checked for its JSON type (``id`` a string or whole number, ``priority`` a
        string, ``flags`` a list of strings, ``events`` a list of objects, ...); anything else is an
        :class:`~slakit.errors.InvalidTicketError` naming the field and the value.
        """
        if not isinstance(data, Mapping):
            raise InvalidTicketError(f"a ticket must be a mapping of its fields (got {shown(data)})")
        known = {f.name for f in fields(cls)}
        unknown = [key for key in data if key not in known]
        if unknown:
            raise InvalidTicketError(f"unknown ticket field {shown(unknown[0])}; known: {', '.join(sorted(known))}")
        values = dict(data)
        if values.get("id") is None or values.get("priority") is None:
            raise InvalidTicketError("a ticket needs 'id', 'created_at' and 'priority'")
        ticket_id = values["id"]
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, str | int):
            raise InvalidTicketError(f"'id' must be a string (got {shown(ticket_id)})")
        values["id"] = str(ticket_id)
        _check_text(values, "priority", optional=False)
        for name in _TEXT_FIELDS:
            _check_text(values, name)
        affected = values.get("affected_customers", 1)
        if isinstance(affected, bool) or not isinstance(affected, int) or affected < 0:
            raise InvalidTicketError(f"'affected_customers' must be a whole number, 0 or more (got {shown(affected)})")
        values["created_at"] = _instant(values.get("created_at"), "created_at")
        values["flags"] = _flags(values.get("flags"))
        events = values.get("events")
        if events is not None and not isinstance(events, list | tuple):
            raise InvalidTicketError(f"'events' must be a list of event objects (got {shown(events)})")
        values["events"] = tuple(_event(item, i) for i, item in enumerate(events or ()))
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


_TEXT_FIELDS = ("category", "channel", "product", "customer", "subject")
_EVENT_TEXT_FIELDS = ("author", "status", "assignee", "priority", "metric", "reason")
_EVENT_FLAGS = ("public", "customer_agreed")


def _flags(value: Any) -> frozenset[str]:
    """A ticket's flags: a list (or set) of strings; a single string is refused, not split into letters."""
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(flag, str) for flag in value):
        return frozenset(value)
    raise InvalidTicketError(f"'flags' must be a list of strings such as ['vip'] (got {shown(value)})")


def _flag(value: Any, name: str) -> bool:
    """A yes/no field: JSON ``true``/``false``, or the strings ``true``/``false`` in any case (as exports write
    them); anything else (``"no"``, ``0``, ``"false "``) is refused rather than read one way."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidTicketError(f"{name!r} must be true or false (got {shown(value)})")


def _check_text(values: Mapping[str, Any], name: str, *, optional: bool = True, prefix: str = "") -> None:
    value = values.get(name)
    if not isinstance(value, str) and not (optional and value is None):
        raise InvalidTicketError(
            f"{prefix + name!r} must be a string{' or null' if optional else ''} (got {shown(value)})"
        )


def _instant(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise InvalidTicketError(f"{name!r} must be an ISO 8601 date-time with an offset (got {shown(value)})")
    try:
        parsed = date_parser.isoparse(value)
    except (ValueError, OverflowError) as exc:
        raise InvalidTicketError(f"{name!r} must be an ISO 8601 date-time with an offset (got {shown(value)})") from exc
    if parsed.tzinfo is None:
        raise NaiveDatetimeError.for_parameter(name, value)
    return parsed


def _event(item: Any, index: int) -> Event:
    if not isinstance(item, Mapping):
        raise InvalidTicketError(f"'events[{index}]' must be a mapping (got {shown(item)})")
    known = {f.name for f in fields(Event) if f.init}
    unknown = [key for key in item if key not in known]
    if unknown:
        raise InvalidTicketError(
            f"'events[{index}]' has unknown field {shown(unknown[0])}; known: {', '.join(sorted(known))}"
        )
    values = dict(item)
    kind = values.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise InvalidTicketError(f"'events[{index}].type' must be one of {', '.join(EVENT_TYPES)} (got {shown(kind)})")
    for name in _EVENT_TEXT_FIELDS:
        _check_text(values, name, prefix=f"events[{index}].")
    for name in _EVENT_FLAGS:
        if name in values:
            values[name] = _flag(values[name], f"events[{index}].{name}")
    values["at"] = _instant(values.get("at"), f"events[{index}].at")
    if values.get("until") is not None:
        values["until"] = _instant(values["until"], f"events[{index}].until")
    return Event(**values)
