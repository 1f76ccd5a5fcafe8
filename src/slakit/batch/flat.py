"""Flat exports (one row per ticket, as helpdesks export them) turned into tickets with events.

The columns, the optional extras and how each becomes an event are documented in docs/report.md
("How a flat row becomes a ticket"). :class:`FlatLayout` is worked out once per file from its
header, the ``column_map`` and ``assume_tz``; :meth:`FlatLayout.ticket` then turns one row (a list
of cells) into an :class:`~slakit.batch.records.InputTicket`, or a
:class:`~slakit.batch.records.Rejected` naming the field, the value and what is accepted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

from slakit.batch.records import InputTicket, Rejected, RowWarning
from slakit.batch.timestamps import (
    AmbiguousDateError,
    DateOrderError,
    TimestampError,
    check_date_format,
    check_date_order,
    parse_instant,
)
from slakit.batch.values import ValueMap, map_value
from slakit.durations import format_duration, parse_duration
from slakit.errors import ConfigError, InvalidTicketError, NaiveDatetimeError, SlakitError
from slakit.instants import td_to_us, to_us, zone_named
from slakit.sla import Attributes, Event

__all__ = [
    "ATTRIBUTE_PREFIX",
    "COLUMNS",
    "EXTRA_COLUMNS",
    "MAX_COUNT",
    "FlatLayout",
    "ProblemError",
    "flag_set",
    "resolve_zone",
    "text_cell",
    "typed_attributes",
]

COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "priority",
    "category",
    "channel",
    "product",
    "customer",
    "assigned_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "reopened_at",
    "complaints",
    "affected_customers",
    "subject",
)
"""The columns of a flat export (plus ``survey_<dimension>``); only id, created_at and priority are required."""

EXTRA_COLUMNS: tuple[str, ...] = (
    "agent",
    "agent_replies",
    "flags",
    "survey_at",
    "first_response_after",
    "resolved_after",
)
"""Optional extras: the assignee's name, the number of public agent replies, flags, when the survey came in, and
the first response and the resolution as wall-clock time after ``created_at`` (minutes, or a duration text)."""

REQUIRED = ("id", "created_at", "priority")
SURVEY_PREFIX = "survey_"
ATTRIBUTE_PREFIX = "attributes."
"""Columns ``attributes.<name>`` are the ticket's attributes (text; a policy that compares one with numbers or
true/false has its cells read so when evaluated: docs/report.md)."""
MAX_COUNT = 1000
"""The most complaints or agent replies a row may claim (each becomes an event)."""

_LATER = ("assigned_at", "acknowledged_at", "first_response_at", "resolved_at", "reopened_at", "survey_at")
AGREE_US = 60_000_000
"""How close ``first_response_at`` and ``first_response_after`` (or ``resolved_at`` and ``resolved_after``) of one
row must be to agree: under a minute, since exports give durations in whole minutes."""
_US_PER_MINUTE = Decimal(60_000_000)
_AFTER_ACCEPTED = "minutes after 'created_at' as a number (90, 1.5) or a duration such as 2h30m or PT2H30M"
_NO_FLAGS: frozenset[str] = frozenset()
_FLAG_SPLIT = re.compile(r"[;,|\s]+")


class ProblemError(Exception):
    """A rejected row: the slakit error and the short kind reports count it under."""

    def __init__(self, error: SlakitError, kind: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.kind = kind


def resolve_zone(assume_tz: str | tzinfo | None) -> tzinfo | None:
    """``assume_tz`` as a tzinfo (an IANA name is looked up); None stays None."""
    if assume_tz is None or isinstance(assume_tz, tzinfo):
        return assume_tz
    return zone_named(assume_tz, field="assume_tz")


class FlatLayout:
    """Where each column of a flat export is, and how to read a row of it.

    ``header`` is the file's first row; ``column_map`` maps canonical names (``created_at``,
    ``survey_efficiency``) to the file's headers (``Created``, ``服务效率``). A canonical column not
    in the map is looked for under its own name (exactly, then ignoring case). A missing required
    column, or a mapped header the file does not have, raises :class:`~slakit.errors.ConfigError`:
    that is the whole file's problem, not a row's. ``date_order`` and ``date_format`` say how numeric
    dates are written (:func:`~slakit.batch.timestamps.parse_instant`); ``date_orders`` counts the
    orders the rows read so far showed without them (the hint when ambiguous dates are rejected).
    ``value_map`` maps the file's values of ``priority``, ``channel`` and ``category``
    (:class:`~slakit.batch.values.ValueMap`).
    """

    def __init__(
        self,
        header: Sequence[str],
        *,
        column_map: Mapping[str, str] | None = None,
        assume_tz: str | tzinfo | None = None,
        date_order: str | None = None,
        date_format: str | None = None,
        value_map: Mapping[str, Mapping[str, str]] | ValueMap | None = None,
    ) -> None:
        self.header = [cell.strip() for cell in header]
        self.values = ValueMap.of(value_map)
        self._priority_map = self.values.get("priority")
        self._channel_map = self.values.get("channel")
        self._category_map = self.values.get("category")
        self.zone = resolve_zone(assume_tz)
        self.date_order = check_date_order(date_order)
        self.date_format = check_date_format(date_format)
        if date_order is not None and date_format is not None:
            raise ConfigError(
                f"give date_order or date_format, not both (got {date_order!r} and {date_format!r}): "
                "a date_format already says the order",
                path="date_order",
            )
        self.date_orders: Counter[str] = Counter()
        self.width = len(self.header)
        mapping = dict(column_map or {})
        known = set(COLUMNS) | set(EXTRA_COLUMNS)
        for name, target in mapping.items():
            if (
                name not in known
                and not (name.startswith(SURVEY_PREFIX) and len(name) > len(SURVEY_PREFIX))
                and not _attribute_name(name)
            ):
                raise ConfigError.for_value(
                    "column_map",
                    name,
                    f"a column name among {', '.join((*COLUMNS, *EXTRA_COLUMNS))}, survey_<dimension> or "
                    "attributes.<name>",
                )
            if not isinstance(target, str) or target.strip() not in self.header:
                raise ConfigError(
                    f"'column_map' maps {name!r} to {target!r}, which is not a column of the file "
                    f"(columns: {', '.join(self.header)})",
                    path="column_map",
                )
        self.index: dict[str, int] = {}
        for name in (*COLUMNS, *EXTRA_COLUMNS):
            position = self._find(mapping.get(name, name), exact=name in mapping)
            if position is not None:
                self.index[name] = position
        missing = [name for name in REQUIRED if name not in self.index]
        if missing:
            raise ConfigError(
                f"the file has no {', '.join(repr(m) for m in missing)} column (columns: {', '.join(self.header)}); "
                "map one with column_map (--map created_at=Created)",
                path="column_map",
            )
        self.survey: list[tuple[str, int]] = []
        taken = set(self.index.values())
        for name, target in mapping.items():
            if name.startswith(SURVEY_PREFIX) and name != "survey_at":
                self.survey.append((name[len(SURVEY_PREFIX) :], self.header.index(target.strip())))
                taken.add(self.header.index(target.strip()))
        for position, cell in enumerate(self.header):
            if cell.startswith(SURVEY_PREFIX) and cell != "survey_at" and position not in taken:
                self.survey.append((cell[len(SURVEY_PREFIX) :], position))
        self.attributes = self._attribute_columns(mapping, taken)
        self.measured = self._measured()
        self._durations = "first_response_after" in self.index or "resolved_after" in self.index
        fields = (*COLUMNS, *EXTRA_COLUMNS)
        self._getter = itemgetter(*(self.index.get(name, -1) for name in fields))

    def _attribute_columns(self, mapping: Mapping[str, str], taken: set[int]) -> list[tuple[str, int]]:
        """``(name, position)`` of each attribute: those ``column_map`` maps, then the columns ``attributes.<name>``."""
        found: list[tuple[str, int]] = []
        for name, target in mapping.items():
            if _attribute_name(name):
                found.append((name[len(ATTRIBUTE_PREFIX) :], self.header.index(target.strip())))
        named = {name for name, _ in found}
        for position, cell in enumerate(self.header):
            name = cell[len(ATTRIBUTE_PREFIX) :]
            if _attribute_name(cell) and name not in named and position not in taken:
                found.append((name, position))
                named.add(name)
        return found

    def _find(self, name: str, *, exact: bool) -> int | None:
        name = name.strip()
        if name in self.header:
            return self.header.index(name)
        if not exact:
            lowered = [cell.lower() for cell in self.header]
            if name.lower() in lowered:
                return lowered.index(name.lower())
        return None

    def _measured(self) -> frozenset[str]:
        """The SLA metrics the file's columns can measure (never ``update``: no history of agent updates)."""
        measured = set()
        if "first_response_at" in self.index or "first_response_after" in self.index:
            measured.add("response")
        if "assigned_at" in self.index and "acknowledged_at" in self.index:
            measured.add("acknowledge")
        if "resolved_at" in self.index or "resolved_after" in self.index:
            measured.add("resolution")
        return frozenset(measured)

    # -- one row -------------------------------------------------------------------------------------

    def ticket(self, row: Sequence[Any], line: int | None) -> InputTicket | Rejected:
        """The ticket in ``row`` (cells as text, or datetimes and numbers from a DataFrame), or why not."""
        cells = list(row)
        if len(cells) > self.width:
            problem = InvalidTicketError(f"the row has {len(cells)} fields but the header has {self.width}")
            return Rejected(
                line, _text(cells[self.index["id"]]), str(problem), "wrong number of fields", "InvalidTicketError"
            )
        if len(cells) < self.width:
            cells.extend([""] * (self.width - len(cells)))
        cells.append("")  # what an absent column reads (position -1)
        values = self._getter(cells)
        ticket_id = _text(values[0])
        try:
            return self._ticket(values, cells, line, ticket_id)
        except ProblemError as problem:
            return Rejected(line, ticket_id, str(problem.error), problem.kind, type(problem.error).__name__)
        except SlakitError as exc:  # anything Ticket itself refuses
            return Rejected.of(line, ticket_id, exc)

    def _time(self, value: Any, name: str) -> datetime | None:
        if value == "" or value is None:
            return None
        if value.__class__ is str:
            try:  # the common case, inline: ISO 8601 with an offset
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if parsed.tzinfo is not None:
                    return parsed
                if self.zone is not None:  # naive ISO 8601 with assume_tz: what parse_instant would return
                    return parsed.replace(tzinfo=self.zone)
        try:
            return parse_instant(
                value,
                name,
                self.zone,
                date_order=self.date_order,
                date_format=self.date_format,
                orders=self.date_orders,
            )
        except NaiveDatetimeError as exc:
            raise ProblemError(exc, f"naive timestamp in {name}") from None
        except AmbiguousDateError as exc:
            raise ProblemError(exc, f"ambiguous date in {name}") from None
        except DateOrderError as exc:
            raise ProblemError(exc, f"date against date_order in {name}") from None
        except TimestampError as exc:
            raise ProblemError(exc, f"unparseable timestamp in {name}") from None

    @staticmethod
    def count_cell(value: Any, name: str, default: int) -> int:
        """A count cell (``complaints``, ``affected_customers``, ``agent_replies``): ``default`` when empty;
        :class:`ProblemError` when it is not a whole number in range."""
        return FlatLayout._count(value, name, default)

    @staticmethod
    def _count(value: Any, name: str, default: int) -> int:
        if value == "" or value is None:
            return default
        if value.__class__ is str and value.isdigit():
            number: int | None = int(value)
        else:
            if isinstance(value, str) and not value.strip():
                return default
            number = _whole(value)
        limit = MAX_COUNT * 1000 if name == "affected_customers" else MAX_COUNT
        if number is None or not 0 <= number <= limit:
            raise ProblemError(
                InvalidTicketError(f"{name!r} must be a whole number from 0 to {limit} (got {value!r:.40})"),
                f"invalid number in {name}",
            )
        return number

    def _ticket(
        self, values: tuple[Any, ...], cells: list[Any], line: int | None, ticket_id: str | None
    ) -> InputTicket:
        (
            _,
            created_at,
            priority,
            category,
            channel,
            product,
            customer,
            assigned_at,
            acknowledged_at,
            first_response_at,
            resolved_at,
            reopened_at,
            complaints_cell,
            affected_cell,
            subject,
            agent,
            replies_cell,
            flags,
            survey_at_cell,
            response_after,
            resolved_after,
        ) = values
        if ticket_id is None:
            raise ProblemError(InvalidTicketError("'id' is empty; every row needs a ticket id"), "missing id")
        created = self._time(created_at, "created_at")
        if created is None:
            raise ProblemError(InvalidTicketError("'created_at' is empty; every row needs one"), "missing created_at")
        priority = _text(priority)
        if priority is None:
            raise ProblemError(InvalidTicketError("'priority' is empty; every row needs one"), "missing priority")
        time = self._time
        times = (
            time(assigned_at, "assigned_at"),
            time(acknowledged_at, "acknowledged_at"),
            time(first_response_at, "first_response_at"),
            time(resolved_at, "resolved_at"),
            time(reopened_at, "reopened_at"),
            time(survey_at_cell, "survey_at"),
        )
        if self._durations:
            times = (
                *times[:2],
                _after_or_at(times[2], response_after, "first_response", created),
                _after_or_at(times[3], resolved_after, "resolved", created),
                *times[4:],
            )
        created_us = to_us(created)
        stamps = tuple(None if value is None else to_us(value) for value in times)
        for name, value, us in zip(_LATER, times, stamps, strict=True):
            if us is not None and us < created_us:
                assert value is not None  # noqa: S101 -- set with its stamp
                raise ProblemError(_before(name, value, "created_at", created), f"{name} before created_at")
        assigned, acknowledged, first_response, _, _, survey_at = times
        if assigned is not None and acknowledged is not None and stamps[1] < stamps[0]:  # type: ignore[operator]
            raise ProblemError(
                _before("acknowledged_at", acknowledged, "assigned_at", assigned), "acknowledged_at before assigned_at"
            )
        complaints = self._count(complaints_cell, "complaints", 0)
        affected = self._count(affected_cell, "affected_customers", 1)
        replies = self._count(replies_cell, "agent_replies", -1)
        agent = _text(agent)
        warnings: tuple[RowWarning, ...] = ()
        if replies >= 0 or (agent is not None and assigned is None):
            replies, warnings = self._ignored(line, ticket_id, replies, first_response, agent, assigned)
        events = self._events(created, created_us, times[:5], stamps[:5], agent, max(replies, 1), complaints)
        survey = self._survey(cells)
        attributes = self._attributes(cells) if self.attributes else None
        category, channel = _text(category), _text(channel)
        if self.values:
            priority = map_value(self._priority_map, priority) or priority
            channel = map_value(self._channel_map, channel)
            category = map_value(self._category_map, category)
        return InputTicket(
            id=ticket_id,
            created_at=created,
            priority=priority,
            category=category,
            channel=channel,
            product=_text(product),
            customer=_text(customer),
            affected_customers=affected,
            flags=flag_set(flags),
            events=events,
            subject=_text(subject),
            attributes=attributes,  # type: ignore[arg-type]  # Ticket makes its Attributes of the mapping
            line=line,
            survey=survey,
            survey_at=survey_at,
            measured=self.measured,
            warnings=warnings,
        )

    def _ignored(
        self,
        line: int | None,
        ticket_id: str,
        replies: int,
        first_response: datetime | None,
        agent: str | None,
        assigned: datetime | None,
    ) -> tuple[int, tuple[RowWarning, ...]]:
        """The cells of a row that contradict the rest of it, ignored with a warning when every figure of the row
        can be computed without them, else the row's rejection. Returns the replies to count (-1: as if the cell
        were empty) and the warnings (docs/report.md, "Rejected or ignored")."""
        warnings: list[RowWarning] = []
        if replies == 0 and first_response is not None:
            warnings.append(
                RowWarning(
                    line,
                    ticket_id,
                    "agent_replies",
                    f"'agent_replies' is 0 but the first response is at {first_response.isoformat()}; agent_replies "
                    "is ignored: the ticket counts the replies a row without it counts (one)",
                    "agent_replies 0 with a first response",
                )
            )
            replies = -1
        elif replies > 0 and first_response is None:
            if "response" in self.measured:  # the response clock would count an answered ticket as unanswered
                raise ProblemError(
                    InvalidTicketError(
                        f"'agent_replies' is {replies} but the first response is empty; the response clock needs "
                        "the first reply's time (first_response_at, or first_response_after)"
                    ),
                    "agent_replies without a first response",
                )
            warnings.append(
                RowWarning(
                    line,
                    ticket_id,
                    "agent_replies",
                    f"'agent_replies' is {replies} but the file gives no first response time, so the replies "
                    "cannot be placed in time; agent_replies is ignored: the ticket counts no reply",
                    "agent_replies without a first response",
                )
            )
            replies = -1
        if agent is not None and assigned is None:
            warnings.append(
                RowWarning(
                    line,
                    ticket_id,
                    "agent",
                    f"'agent' is {agent!r:.60} but 'assigned_at' is empty, so the assignment has no time; agent is "
                    "ignored: the ticket has no assignee",
                    "agent without assigned_at",
                )
            )
        return replies, tuple(warnings)

    def _attributes(self, cells: list[Any]) -> dict[str, Any] | None:
        """The row's attributes by name (text stripped; an empty cell gives none); None when it has none."""
        found: dict[str, Any] | None = None
        for name, position in self.attributes:
            value = _given(cells[position])
            if value is None:
                continue
            if not isinstance(value, str | int | float | bool):  # a DataFrame's other values, as text
                value = str(value)
            if found is None:
                found = {}
            found[name] = value
        return found

    def _survey(self, cells: list[Any]) -> dict[str, Any] | None:
        """The row's survey answers by dimension; None when it has none."""
        survey: dict[str, Any] | None = None
        for dimension, position in self.survey:
            answer = _given(cells[position])
            if answer is None:
                continue
            if survey is None:
                survey = {}
            survey[dimension] = answer
        return survey

    @staticmethod
    def _events(
        created: datetime,
        created_us: int,
        times: tuple[datetime | None, ...],
        stamps: tuple[int | None, ...],
        agent: str | None,
        replies: int,
        complaints: int,
    ) -> tuple[Event, ...]:
        """The events a flat row stands for (docs/report.md, "How a flat row becomes a ticket"): the one way a
        row becomes a history, so that it has the timeline a JSONL ticket with the same events has."""
        events: list[Event] = []
        assigned, acknowledged, first_response, resolved, reopened = times
        _, _, _, resolved_us, reopened_us = stamps
        if assigned is not None:
            events.append(Event(assigned, "assign", assignee=agent))
        if acknowledged is not None:
            events.append(Event(acknowledged, "acknowledge"))
        if first_response is not None:
            reply = Event(first_response, "reply", author="agent")
            events.extend([reply] * replies)
        if reopened is not None and (resolved is None or reopened_us < resolved_us):  # type: ignore[operator]
            # resolved at an unknown time before the reopen: the ticket counts as open until it
            events.append(Event(reopened, "resolve"))
            events.append(Event(reopened, "reopen"))
            if resolved is not None:
                events.append(Event(resolved, "resolve"))
        else:
            if resolved is not None:
                events.append(Event(resolved, "resolve"))
            if reopened is not None:
                events.append(Event(reopened, "reopen"))
        if complaints:
            latest, latest_us = created, created_us
            for value, us in zip(times, stamps, strict=True):
                if value is not None and us is not None and us > latest_us:
                    latest, latest_us = value, us
            complaint = Event(latest, "complaint")
            events.extend([complaint] * complaints)
        events.sort(key=_at_us)
        return tuple(events)


def _empty(value: Any) -> bool:
    """Whether a cell is empty (an absent column reads ``""``; a DataFrame's missing values are None)."""
    return value is None or value == "" or (value.__class__ is str and not value.strip())


def _after_or_at(at: datetime | None, after: Any, name: str, created: datetime) -> datetime | None:
    """The instant a row's ``<name>_at`` and ``<name>_after`` cells give: the ``_at`` time, or ``created`` plus
    the ``_after`` duration; both given, they must agree to the minute (:data:`AGREE_US`)."""
    if _empty(after):
        return at
    column = f"{name}_after"
    delta = _duration(after, column)
    try:
        instant = (created.astimezone(UTC) + delta).astimezone(created.tzinfo)  # elapsed time, also across DST
    except OverflowError:
        raise ProblemError(
            InvalidTicketError(f"{column!r} is too long: {after!r:.40} after 'created_at' is past the year 9999"),
            f"invalid duration in {column}",
        ) from None
    if at is None:
        return instant
    if abs(to_us(at) - to_us(instant)) >= AGREE_US:
        gap = format_duration(abs(at - instant))
        raise ProblemError(
            InvalidTicketError(
                f"'{name}_at' ({at.isoformat()}) and {column!r} ({after!r:.40}, which is {instant.isoformat()}) "
                f"disagree by {gap}; give one of them, or values that agree to the minute"
            ),
            f"{name}_at contradicts {column}",
        )
    return at


def _duration(value: Any, column: str) -> timedelta:
    """A cell of ``<name>_after``: minutes as a number (text, int, float), a duration text or a timedelta."""
    number: Decimal | None = None
    delta: timedelta | None = None
    if isinstance(value, timedelta):
        delta = value
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            try:
                delta = parse_duration(text, field=column)
            except ConfigError:
                delta = None
    if number is not None and number.is_finite() and number >= 0:
        try:
            delta = timedelta(microseconds=int((number * _US_PER_MINUTE).to_integral_value()))
        except OverflowError:
            delta = None
    if delta is None or td_to_us(delta) < 0:
        raise ProblemError(
            InvalidTicketError(f"{column!r} must be {_AFTER_ACCEPTED}, zero or more (got {value!r:.40})"),
            f"invalid duration in {column}",
        )
    return delta


def flag_set(value: Any) -> frozenset[str]:
    """A ``flags`` cell as a ticket holds it: the flags separated by ``;``, ``,``, ``|`` or blanks (the one rule
    both engines read flags by)."""
    text = _text(value)
    return frozenset(flag for flag in _FLAG_SPLIT.split(text) if flag) if text else _NO_FLAGS


def text_cell(value: Any) -> str | None:
    """A text cell as a ticket holds it: stripped, None when empty (the one rule both engines read text by)."""
    return _text(value)


_WHOLE = re.compile(r"[+-]?[0-9]+")


def typed_attributes(ticket: InputTicket, kinds: Mapping[str, str]) -> InputTicket:
    """A flat row's ticket with each text attribute the policy compares with numbers or true/false (``kinds``, by
    name: :attr:`slakit.ServicePolicy.attribute_kinds`) read as one: ``40``, ``-3``, ``12.5`` and ``1e3`` as
    numbers, ``true``/``false`` in any case as true/false. A cell that is not one is an
    :class:`~slakit.errors.InvalidTicketError` naming the attribute: the row is rejected, not read as missing."""
    changed: dict[str, Any] = {}
    for name, value in ticket.attributes.items():
        kind = kinds.get(name)
        if kind is None or kind == "text" or value.__class__ is not str:
            continue
        assert isinstance(value, str)  # noqa: S101 -- checked above
        if kind == "bool":
            if value.lower() not in ("true", "false"):
                raise InvalidTicketError(
                    f"'attributes.{name}' must be true or false, as the policy compares it with true/false "
                    f"(got {value!r:.40})"
                )
            changed[name] = value.lower() == "true"
            continue
        number: int | float | None = None
        if _WHOLE.fullmatch(value):
            number = int(value)
        else:
            try:
                decimal = Decimal(value)
            except InvalidOperation:
                decimal = None
            if decimal is not None and decimal.is_finite():
                number = float(decimal)
        if number is None:
            raise InvalidTicketError(
                f"'attributes.{name}' must be a number, as the policy compares it with numbers (got {value!r:.40})"
            )
        changed[name] = number
    if not changed:
        return ticket
    return replace(ticket, attributes=Attributes({**ticket.attributes, **changed}))


def _attribute_name(column: str) -> bool:
    """Whether ``column`` names an attribute: ``attributes.<name>``, a name without a dot or surrounding spaces."""
    name = column[len(ATTRIBUTE_PREFIX) :]
    return column.startswith(ATTRIBUTE_PREFIX) and bool(name) and "." not in name and name == name.strip()


def _text(value: Any) -> str | None:
    """A text cell stripped, None when empty; other values (numbers from a DataFrame) as text."""
    if value.__class__ is str:
        return value.strip() or None
    if value is None or value != value:  # NaN
        return None
    return str(value).strip() or None


def _at_us(event: Event) -> int:
    return event.at_us


def _before(name: str, value: datetime, other: str, bound: datetime) -> InvalidTicketError:
    return InvalidTicketError(
        f"{name!r} ({value.isoformat()}) is before {other!r} ({bound.isoformat()}); it must be at or after it"
    )


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def _given(value: Any) -> Any:
    """A cell's value, text stripped; None for an empty cell (blank text, None, or a DataFrame's NaN)."""
    if value.__class__ is str:
        return value.strip() or None
    if value is None or value != value:  # NaN is the one value unequal to itself
        return None
    return value
