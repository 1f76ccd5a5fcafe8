"""Tickets and their event histories, as immutable values."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal, cast, get_args

from dateutil import parser as date_parser

from slakit._shapes import EventDict, instant_to_json
from slakit.errors import InvalidTicketError, NaiveDatetimeError, shown
from slakit.instants import require_aware, to_us

__all__ = [
    "EVENT_TYPES",
    "MAX_EVENT_ID",
    "MAX_META_CHARS",
    "MAX_META_DEPTH",
    "AttributeValue",
    "Attributes",
    "Event",
    "EventType",
    "Ticket",
]

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
_NO_META: Mapping[str, Any] = MappingProxyType({})
MAX_EVENT_ID = 1000
"""The longest event ``id`` accepted, in characters (an e-mail Message-ID fits)."""
MAX_META_CHARS = 4096
"""The largest event ``meta`` accepted, in characters of its compact JSON."""
MAX_META_DEPTH = 8
"""How many levels of mappings and lists an event's ``meta`` may nest (its top mapping is level 1)."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a ticket at an instant.

    ``type`` is one of :data:`EVENT_TYPES`; the other fields belong to some types only:
    ``reply`` (``author`` agent|customer, ``public``), ``status`` (``status``), ``assign``
    (``assignee``), ``priority`` (``priority``), ``extend`` (``metric``, ``until``, ``reason``,
    ``customer_agreed``).

    ``id`` is the host's own identity of the event (a message id, a database key) and ``meta`` a small
    mapping of JSON data the host wants back wherever the event shows (a channel, a URL): neither
    changes any figure, both are carried through :meth:`to_dict`, the reports' JSON and
    :meth:`SLAReport.explain <slakit.sla.SLAReport.explain>`. ``meta`` holds JSON types only (strings,
    finite numbers, true/false, null, lists, mappings with string keys), at most :data:`MAX_META_CHARS`
    characters as compact JSON and :data:`MAX_META_DEPTH` levels deep; it is stored read-only (mappings
    as read-only views, lists as tuples) and not hashed.
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
    id: str | None = None
    meta: Mapping[str, Any] = field(default_factory=lambda: _NO_META, hash=False)
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
        if self.id is not None and (not isinstance(self.id, str) or not 0 < len(self.id) <= MAX_EVENT_ID):
            raise InvalidTicketError(
                f"an event's 'id' must be a non-empty string of at most {MAX_EVENT_ID} characters or null "
                f"(got {shown(self.id)})"
            )
        if self.meta or not isinstance(self.meta, MappingProxyType):
            object.__setattr__(self, "meta", _frozen_meta(self.meta))

    def __reduce__(self) -> tuple[Callable[..., Event], tuple[Any, ...]]:
        """Pickle with plain data (a read-only mapping view does not pickle)."""
        return (Event, tuple(_thawed(getattr(self, f.name)) for f in _EVENT_INIT))

    def to_dict(self) -> EventDict:
        """JSON-ready data that :meth:`from_dict` reads back: ``at`` and ``type``, then each other field
        that differs from its default (instants as ISO 8601 with their offsets)."""
        data: dict[str, Any] = {"at": instant_to_json(self.at), "type": self.type}
        for name, default in _EVENT_OPTIONAL:
            value = getattr(self, name)
            if value != default:
                data[name] = instant_to_json(value) if isinstance(value, datetime) else _thawed(value)
        return cast("EventDict", data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: str = "event") -> Event:
        """Build from JSON-like data as :meth:`to_dict` writes it; ``field`` names it in errors
        (:class:`~slakit.errors.InvalidTicketError` naming the field and the value)."""
        if not isinstance(data, Mapping):
            raise InvalidTicketError(f"{field!r} must be a mapping (got {shown(data)})")
        known = {f.name for f in fields(cls) if f.init}
        unknown = [key for key in data if key not in known]
        if unknown:
            raise InvalidTicketError(
                f"{field!r} has unknown field {shown(unknown[0])}; known: {', '.join(sorted(known))}"
            )
        values = dict(data)
        kind = values.get("type")
        if not isinstance(kind, str) or kind not in EVENT_TYPES:
            raise InvalidTicketError(f"'{field}.type' must be one of {', '.join(EVENT_TYPES)} (got {shown(kind)})")
        event_id = values.get("id")
        if isinstance(event_id, int) and not isinstance(event_id, bool):
            values["id"] = str(event_id)  # as a ticket's: exports write numeric keys as numbers
        for name in _EVENT_TEXT_FIELDS:
            _check_text(values, name, prefix=f"{field}.")
        if values.get("meta") is None:
            values.pop("meta", None)
        elif not isinstance(values["meta"], Mapping):
            raise InvalidTicketError(f"'{field}.meta' must be a mapping of JSON data (got {shown(values['meta'])})")
        for name in _EVENT_FLAGS:
            if name in values:
                values[name] = _flag(values[name], f"{field}.{name}")
        values["at"] = _instant(values.get("at"), f"{field}.at")
        if values.get("until") is not None:
            values["until"] = _instant(values["until"], f"{field}.until")
        return cls(**values)

    @property
    def is_agent_update(self) -> bool:
        """Any agent reply (public or not) or internal note: what the ``update`` metric waits for."""
        return self.type == "note" or (self.type == "reply" and self.author == "agent")

    @property
    def is_first_response(self) -> bool:
        """A public reply by an agent: what the ``response`` metric waits for."""
        return self.type == "reply" and self.author == "agent" and self.public


AttributeValue = str | int | float | bool
"""What a ticket attribute may hold: text, a whole or decimal number (finite), or true/false."""


@dataclass(frozen=True, slots=True, init=False, eq=False)
class Attributes(Mapping[str, AttributeValue]):
    """A ticket's attributes (``{"tier": "gold", "seats": 40}``): an immutable, hashable, picklable mapping.

    Names are non-empty strings without a dot or surrounding spaces (``ticket.attributes.<name>`` names them
    in conditions); values are :data:`AttributeValue`. Anything else is an
    :class:`~slakit.errors.InvalidTicketError` naming the attribute.
    """

    pairs: tuple[tuple[str, AttributeValue], ...]

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        if values is None:
            values = {}
        if not isinstance(values, Mapping):
            raise InvalidTicketError(
                f"'attributes' must be a mapping of names to text, numbers or true/false (got {shown(values)})"
            )
        pairs = []
        for name, value in values.items():
            if not isinstance(name, str) or not name or "." in name or name != name.strip():
                raise InvalidTicketError(
                    f"an attribute name must be non-empty text without a dot or surrounding spaces (got {shown(name)})"
                )
            pairs.append((name, _attribute_value(value, name)))
        object.__setattr__(self, "pairs", tuple(sorted(pairs)))

    def __getitem__(self, name: str) -> AttributeValue:
        for key, value in self.pairs:
            if key == name:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Attributes):
            return self.pairs == other.pairs
        return Mapping.__eq__(self, other)

    def __hash__(self) -> int:
        return hash(self.pairs)

    def __repr__(self) -> str:
        return f"Attributes({dict(self.pairs)!r})"


def _attribute_value(value: Any, name: str) -> AttributeValue:
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise InvalidTicketError(f"'attributes.{name}' must be text, a finite number or true/false (got {shown(value)})")


NO_ATTRIBUTES = Attributes()


@dataclass(frozen=True, slots=True)
class Ticket:
    """A ticket as slakit sees it: identity, classification, and the events of its history.

    Events may be given in any order; evaluation orders them by time (ties in a fixed order of
    types, so the result never depends on input order). Naive datetimes are rejected.
    ``attributes`` are the helpdesk's own fields (``{"tier": "gold", "region": "eu"}``), kept as
    :class:`Attributes`: conditions read them as ``ticket.attributes.<name>``.
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
    attributes: Attributes = NO_ATTRIBUTES

    def __post_init__(self) -> None:
        require_aware(self.created_at, "created_at")
        if not isinstance(self.attributes, Attributes):
            object.__setattr__(
                self, "attributes", NO_ATTRIBUTES if self.attributes is None else Attributes(self.attributes)
            )
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
        if values.get("attributes") is None:
            values.pop("attributes", None)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data that :meth:`from_dict` reads back: every field, instants as ISO 8601 with their
        offsets, ``flags`` sorted, each event as :meth:`Event.to_dict` writes it."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["created_at"] = instant_to_json(self.created_at)
        data["flags"] = sorted(self.flags)
        if self.attributes:
            data["attributes"] = dict(self.attributes)
        else:
            del data["attributes"]
        data["events"] = [event.to_dict() for event in self.events]
        return data


def _replace(ticket: Ticket, **changes: Any) -> Ticket:
    values = {f.name: getattr(ticket, f.name) for f in fields(ticket)}
    values.update(changes)
    return Ticket(**values)


_TEXT_FIELDS = ("category", "channel", "product", "customer", "subject")
_EVENT_TEXT_FIELDS = ("author", "status", "assignee", "priority", "metric", "reason", "id")
_EVENT_FLAGS = ("public", "customer_agreed")
_EVENT_INIT = tuple(f for f in fields(Event) if f.init)
_EVENT_OPTIONAL = tuple(
    (f.name, f.default_factory() if f.default is MISSING else f.default)  # type: ignore[operator]  # meta has a factory
    for f in _EVENT_INIT
    if f.name not in ("at", "type")
)


def _frozen_meta(meta: Any) -> MappingProxyType[str, Any]:
    """``meta`` checked (JSON data, bounded) and made read-only: mappings as read-only views, lists as tuples.

    The walk stops at the first problem, after at most :data:`MAX_META_CHARS` values, so a huge or deep
    structure costs little; the size is that of its compact JSON.
    """
    accepted = (
        f"a mapping of JSON data (strings, finite numbers, true/false, null, lists and mappings with string keys) "
        f"of at most {MAX_META_CHARS} characters as JSON and {MAX_META_DEPTH} levels deep"
    )
    if not isinstance(meta, Mapping):
        raise InvalidTicketError(f"an event's 'meta' must be {accepted} (got {shown(meta)})")
    budget = [MAX_META_CHARS]

    def freeze(value: Any, depth: int, where: str) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_META_DEPTH:
            raise InvalidTicketError(f"an event's 'meta' must be {accepted} (got {shown(meta)})")
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        if isinstance(value, Mapping):
            frozen: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InvalidTicketError(f"'{where}' keys must be strings (got {shown(key)})")
                frozen[key] = freeze(item, depth + 1, f"{where}.{key}")
            return MappingProxyType(frozen)
        if isinstance(value, list | tuple):
            return tuple(freeze(item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value))
        raise InvalidTicketError(f"'{where}' must be JSON data: {accepted} (got {shown(value)})")

    frozen = freeze(meta, 1, "meta")
    size = len(json.dumps(_thawed(frozen), ensure_ascii=False, separators=(",", ":")))
    if size > MAX_META_CHARS:
        raise InvalidTicketError(f"an event's 'meta' must be {accepted} (got {size} characters: {shown(meta)})")
    return frozen  # type: ignore[no-any-return]  # the top level is a mapping, so a read-only view


def _thawed(value: Any) -> Any:
    """Frozen ``meta`` as plain JSON data again: read-only views as dicts, tuples as lists."""
    if isinstance(value, Mapping):
        return {key: _thawed(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thawed(item) for item in value]
    return value


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
    return Event.from_dict(item, field=f"events[{index}]")
