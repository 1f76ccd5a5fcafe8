"""Events and tickets built without re-running checks the flat reader has already made.

A flat row becomes a ticket and four to six events; their frozen-dataclass ``__init__`` and
``__post_init__`` (aware-datetime checks, conversions, type checks) are a good part of reading a
row. The reader checks everything first (aware instants, none before creation), so here the
values go straight into the slots, the way :func:`slakit.sla.report.new_report` builds reports.
tests/batch/test_flat.py checks the results equal the normally constructed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from slakit._time import to_us
from slakit.batch.records import InputTicket
from slakit.sla import Event

__all__ = ["new_event", "new_input_ticket"]

_NEW = object.__new__


def _setter(klass: type, name: str) -> Any:
    for owner in klass.__mro__:
        if name in owner.__dict__:
            return owner.__dict__[name].__set__
    raise AttributeError(name)  # pragma: no cover - fields always have slots


(
    _AT,
    _TYPE,
    _AUTHOR,
    _PUBLIC,
    _STATUS,
    _ASSIGNEE,
    _PRIORITY,
    _METRIC,
    _UNTIL,
    _REASON,
    _AGREED,
    _AT_US,
) = (_setter(Event, f.name) for f in fields(Event))
_TICKET_SETTERS = tuple(_setter(InputTicket, f.name) for f in fields(InputTicket))


def new_event(
    at: datetime, at_us: int | None, kind: str, *, author: str | None = None, assignee: str | None = None
) -> Event:
    """``Event(at, kind, author=author, assignee=assignee)`` for an aware ``at`` (``at_us`` its epoch
    microseconds, if known) and a valid ``kind``."""
    event: Event = _NEW(Event)
    _AT(event, at)
    _TYPE(event, kind)
    _AUTHOR(event, author)
    _PUBLIC(event, True)
    _STATUS(event, None)
    _ASSIGNEE(event, assignee)
    _PRIORITY(event, None)
    _METRIC(event, None)
    _UNTIL(event, None)
    _REASON(event, None)
    _AGREED(event, False)
    _AT_US(event, to_us(at) if at_us is None else at_us)
    return event


def new_input_ticket(
    ticket_id: str,
    created_at: datetime,
    priority: str,
    category: str | None,
    channel: str | None,
    product: str | None,
    customer: str | None,
    affected_customers: int,
    flags: frozenset[str],
    events: tuple[Event, ...],
    subject: str | None,
    line: int | None,
    survey: Mapping[str, Any] | None,
    survey_at: datetime | None,
    measured: frozenset[str] | None,
) -> InputTicket:
    """``InputTicket(...)`` with every field in order, for values already checked."""
    ticket: InputTicket = _NEW(InputTicket)
    values = (
        ticket_id,
        created_at,
        priority,
        category,
        channel,
        product,
        customer,
        affected_customers,
        flags,
        events,
        subject,
        line,
        survey,
        survey_at,
        measured,
    )
    for setter, value in zip(_TICKET_SETTERS, values, strict=True):
        setter(ticket, value)
    return ticket
