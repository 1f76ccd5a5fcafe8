"""JSONL exports: one full ticket per line (``Ticket.to_dict()`` form), with an optional ``survey``.

Each line is a JSON object read by :meth:`Ticket.from_dict <slakit.sla.Ticket.from_dict>` (events,
pauses, priority changes, extensions: the whole history), plus two optional keys: ``survey`` (the
answers, dimension -> answer) and ``survey_at`` (when they came in, ISO 8601 with an offset).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from slakit.batch.records import InputTicket, Rejected
from slakit.batch.timestamps import TimestampError, parse_instant
from slakit.errors import InvalidSurveyResponseError, InvalidTicketError, SlakitError
from slakit.sla import Ticket

__all__ = ["ticket_from_json"]

_TICKET_FIELDS = tuple(f.name for f in fields(Ticket))
_TEXT_FIELDS = ("category", "channel", "product", "customer", "subject")


def ticket_from_json(text: str, line: int | None) -> InputTicket | Rejected:
    """The ticket on one JSONL line, or why it cannot be one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Rejected(line, None, f"not valid JSON: {exc}", "invalid JSON", "InvalidTicketError")
    if not isinstance(data, dict):
        problem = InvalidTicketError(f"a line must hold a JSON object (got {type(data).__name__})")
        return Rejected.of(line, None, problem, "invalid JSON")
    raw_id = data.get("id")
    ticket_id = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    try:
        return _ticket(data, line)
    except SlakitError as exc:
        return Rejected.of(line, ticket_id, exc)


def _ticket(data: dict[str, Any], line: int | None) -> InputTicket:
    survey = data.pop("survey", None)
    survey_at_text = data.pop("survey_at", None)
    if survey is not None and not isinstance(survey, Mapping):
        raise InvalidSurveyResponseError(f"'survey' must be an object of dimension to answer (got {survey!r:.80})")
    _check_types(data)
    try:
        survey_at = parse_instant(survey_at_text, "survey_at", None) if survey_at_text is not None else None
    except TimestampError as exc:
        raise InvalidTicketError(str(exc)) from None
    ticket = Ticket.from_dict(data)
    values = {name: getattr(ticket, name) for name in _TICKET_FIELDS}
    if survey_at is not None and survey_at < ticket.created_at:
        raise InvalidTicketError(
            f"'survey_at' ({survey_at.isoformat()}) is before 'created_at' ({ticket.created_at.isoformat()})"
        )
    return InputTicket(**values, line=line, survey=dict(survey) if survey else None, survey_at=survey_at)


def _check_types(data: Mapping[str, Any]) -> None:
    """What ``Ticket.from_dict`` takes on trust: the types of the plain fields."""
    ticket_id = data.get("id")
    if ticket_id is not None and (isinstance(ticket_id, bool) or not isinstance(ticket_id, str | int)):
        raise InvalidTicketError(f"'id' must be a string (got {ticket_id!r:.40})")
    priority = data.get("priority")
    if priority is not None and not isinstance(priority, str):
        raise InvalidTicketError(f"'priority' must be a string such as 'P1' (got {priority!r:.40})")
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidTicketError(f"{name!r} must be a string or null (got {value!r:.40})")
    affected = data.get("affected_customers", 1)
    if isinstance(affected, bool) or not isinstance(affected, int) or affected < 0:
        raise InvalidTicketError(f"'affected_customers' must be a whole number, 0 or more (got {affected!r:.40})")
    flags = data.get("flags") or []
    if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
        raise InvalidTicketError(f"'flags' must be a list of strings (got {flags!r:.60})")
    events = data.get("events") or []
    if not isinstance(events, list):
        raise InvalidTicketError(f"'events' must be a list of event objects (got {events!r:.60})")
