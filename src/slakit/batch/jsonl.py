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


def ticket_from_json(text: str, line: int | None) -> InputTicket | Rejected:
    """The ticket on one JSONL line, or why it cannot be one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Rejected(line, None, f"not valid JSON: {exc}", "invalid JSON", "InvalidTicketError")
    except RecursionError:
        problem = InvalidTicketError("the line nests its JSON too deeply to be a ticket")
        return Rejected.of(line, None, problem, "invalid JSON")
    if "\\u" in text and _lone_surrogate(data):
        problem = InvalidTicketError("a text holds a lone surrogate escape (such as \\ud800), which is no character")
        return Rejected.of(line, None, problem, "invalid JSON")
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


def _lone_surrogate(data: Any) -> bool:
    """Whether a text anywhere in the decoded line holds a surrogate code point (JSON's ``\\ud800`` alone), which
    cannot be written out as UTF-8. Asked only of lines with a ``\\u`` escape; walked without recursion."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False
