"""The per-ticket files of a run: results.csv, results.jsonl, rejected.csv, breaches.csv and warnings.csv.

Every CSV cell goes through :mod:`slakit.batch.csv_safe`; instants are ISO 8601 in the policy's
zone, durations hours rounded to 2 places (docs/report.md lists the columns).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from slakit.batch.csv_safe import safe_cell, safe_text
from slakit.batch.facts import EscalationCells, TicketFacts
from slakit.batch.records import Rejected
from slakit.survey import SurveyScore

__all__ = ["BREACH_COLUMNS", "REJECTED_COLUMNS", "WARNING_COLUMNS", "TicketWriter"]

REJECTED_COLUMNS = ("line", "id", "kind", "reason")
WARNING_COLUMNS = ("line", "id", "column", "reason")
BREACH_COLUMNS = ("ticket", "line", "priority", "metric", "deadline", "completed_at", "late_by_hours")
_STATES = ("met", "breached", "running", "pending")
_BASE_COLUMNS = (
    "line",
    "id",
    "priority",
    "type",
    "category",
    "channel",
    "product",
    "customer",
    "agent",
    "created_at",
    "resolved",
    "resolved_at",
    "handling_business_hours",
    "handling_wall_hours",
    "public_agent_replies",
    "reopens",
    "complaints",
    "first_contact_resolution",
)
_METRIC_COLUMNS = ("state", "deadline", "completed_at", "elapsed_hours", "late_by_hours")
_TAIL_COLUMNS = (
    "breached",
    "survey_overall",
    "survey_follow_up",
    "escalation_level",
    "escalation_rules",
    "route",
    "retain_until",
)
"""The last columns; ``route`` and ``retain_until`` came last of all, so that readers of the earlier columns
keep working."""


_NO_METRIC = (None, None, None, None, None)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_quote = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


class _FloatTexts(dict[float, str]):
    """``repr`` of floats, remembered: hours repeat a lot across tickets. Zeros are never remembered, so that
    ``-0.0`` (equal to ``0.0`` as a key) keeps its sign."""

    def __missing__(self, value: float) -> str:
        text = repr(value)
        if value:
            if len(self) >= 100_000:
                self.clear()
            self[value] = text
        return text


_FLOAT_TEXT = _FloatTexts()


def _text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _number(value: int | None) -> str:
    return "null" if value is None else str(value)


def _survey(survey: SurveyScore) -> dict[str, Any]:
    return {
        "overall": float(survey.overall),
        "answers": {name: a if isinstance(a, int) else float(a) for name, a in survey.answers.items()},
        "follow_up": survey.needs_follow_up,
    }


def _survey_json(survey: SurveyScore) -> str:
    """``_survey(survey)`` as compact JSON, built directly for the usual int answers."""
    answers = []
    for name, answer in survey.answers.items():
        if answer.__class__ is not int:
            return _dumps(_survey(survey))  # rare: let json spell floats and the unusual
        answers.append(f"{_quote(name)}:{answer!r}")
    overall = float(survey.overall)
    if not math.isfinite(overall):
        return _dumps(_survey(survey))
    follow_up = "true" if survey.needs_follow_up else "false"
    return f'{{"overall":{overall!r},"answers":{{{",".join(answers)}}},"follow_up":{follow_up}}}'


def _escalations(cells: EscalationCells) -> dict[str, Any]:
    level, fired, next_at = cells
    return {
        "level": level,
        "fired": [
            {"rule": rule, "level": rule_level, "role": role, "fired_at": at, "contact_by": contact, "cycle": cycle}
            for rule, rule_level, role, at, contact, cycle in fired
        ],
        "next_at": next_at,
    }


def _safe(value: Any) -> Any:
    """A text cell made safe (None stays None, which csv writes as empty)."""
    if value.__class__ is str:
        return safe_text(value)
    return None if value is None else safe_cell(value)


def _same(value: Any) -> Any:
    return value


def _route_retain(facts: TicketFacts) -> tuple[str | None, str | None]:
    """The ticket's route and ``retain_until`` (ISO date), from :func:`~slakit.batch.facts.derive`."""
    derived = facts.derived
    if derived is None:
        return facts.route, None
    until = derived.retain_until
    return facts.route, until.isoformat() if until is not None else None


class TicketWriter:
    """Turns evaluated tickets into rows of results.csv and lines of results.jsonl, for ``metrics``."""

    def __init__(self, metrics: Sequence[str]) -> None:
        self.metrics = tuple(metrics)
        self.header = (
            *_BASE_COLUMNS,
            *(f"{metric}_{column}" for metric in self.metrics for column in _METRIC_COLUMNS),
            *_TAIL_COLUMNS,
        )

    def csv_row(self, facts: TicketFacts, *, safe: bool = False) -> list[Any]:
        """One row of results.csv; its cells are made safe (:mod:`~slakit.batch.csv_safe`) only with ``safe``.

        With ``safe``, only the cells that hold input text go through :func:`~slakit.batch.csv_safe.safe_cell`:
        the others (numbers, instants, states, metric names) can never start like a formula, so the row can go
        to a plain ``csv.writer`` (cheaper than making all of them safe for every ticket).
        """
        resolved = facts.resolved
        created, resolved_at, business, wall = facts.texts()
        made = _safe if safe else _same
        row: list[Any] = [
            facts.line,
            made(facts.id),
            made(facts.priority),
            made(facts.type),
            made(facts.category),
            made(facts.channel),
            made(facts.product),
            made(facts.customer),
            made(facts.agent),
            created,
            "true" if resolved else "false",
            resolved_at,
            business,
            wall,
            facts.replies,
            facts.reopens,
            facts.complaints,
            "true" if facts.fcr else "false",
        ]
        cells = facts.metric_cells
        if tuple([cell[0] for cell in cells]) == self.metrics:  # the cells follow the writer's metrics, in order
            for _, state, deadline, completed, elapsed, remaining in cells:
                row += (state, deadline, completed, elapsed, -remaining if state == "breached" else None)
        else:
            by_metric = {cell[0]: cell for cell in cells}
            for metric in self.metrics:
                cell = by_metric.get(metric)
                if cell is None:
                    row += _NO_METRIC
                else:
                    _, state, deadline, completed, elapsed, remaining = cell
                    row += (state, deadline, completed, elapsed, -remaining if state == "breached" else None)
        survey = facts.survey
        row += (
            ";".join(metric for metric, state in facts.states if state == 1),
            float(survey.overall) if survey is not None else None,
            ("true" if survey.needs_follow_up else "false") if survey is not None else None,
            facts.level,
            made(";".join(facts.rules)),
        )
        route, retain = _route_retain(facts)
        row += (made(route), retain)
        return row

    def csv_line(self, facts: TicketFacts) -> str:
        """``csv_row(facts, safe=True)`` as the line ``csv.writer`` writes for it, with its ``\\r\\n``.

        The csv module looks at every character of every cell to see whether it needs quoting; here the cells
        are joined as text directly (cells as ``csv.writer`` spells them: None empty, floats by ``repr``) and
        the line is looked at once: when no cell holds a quote, a comma or a line break (no more commas than
        separators), the joined line is exactly what the csv module writes. The rare row that does is written
        by the csv module itself.
        """
        created, resolved_at, business, wall = facts.texts()
        floats = _FLOAT_TEXT
        cells = facts.metric_cells
        if tuple([cell[0] for cell in cells]) == self.metrics:  # the cells follow the writer's metrics, in order
            metrics = ",".join(
                [
                    f"{state},{deadline or ''},{completed or ''},{floats[elapsed]},"
                    f"{floats[-remaining] if state == 'breached' else ''}"
                    for _, state, deadline, completed, elapsed, remaining in cells
                ]
            )
        else:
            return self._csv_module_line(facts)
        number, survey, level = facts.line, facts.survey, facts.level
        route, retain = _route_retain(facts)
        made = safe_text
        line = (
            f"{'' if number is None else number},{made(facts.id)},{made(facts.priority)},{made(facts.type)},"
            f"{made(facts.category)},{made(facts.channel)},{made(facts.product)},{made(facts.customer)},{made(facts.agent)},{created},"
            f"{'true' if facts.resolved else 'false'},{resolved_at or ''},"
            f"{'' if business is None else floats[business]},{'' if wall is None else floats[wall]},"
            f"{facts.replies},{facts.reopens},{facts.complaints},{'true' if facts.fcr else 'false'},{metrics},"
            f"{';'.join([metric for metric, state in facts.states if state == 1])},"
            f"{'' if survey is None else floats[float(survey.overall)]},"
            f"{'' if survey is None else 'true' if survey.needs_follow_up else 'false'},"
            f"{'' if level is None else level},{made(';'.join(facts.rules))},"
            f"{'' if route is None else made(route)},{retain or ''}"
        )
        if '"' in line or "\n" in line or "\r" in line or line.count(",") != len(self.header) - 1:
            return self._csv_module_line(facts)
        return line + "\r\n"

    def _csv_module_line(self, facts: TicketFacts) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(self.csv_row(facts, safe=True))
        return buffer.getvalue()

    @staticmethod
    def json_record(facts: TicketFacts) -> dict[str, Any]:
        """The object on one line of results.jsonl (:meth:`json_line` writes exactly its JSON)."""
        created, resolved_at, business, wall = facts.texts()
        survey, escalations = facts.survey, facts.escalation_cells
        return {
            "line": facts.line,
            "id": facts.id,
            "priority": facts.priority,
            "type": facts.type,
            "category": facts.category,
            "channel": facts.channel,
            "product": facts.product,
            "customer": facts.customer,
            "agent": facts.agent,
            "created_at": created,
            "resolved_at": resolved_at,
            "handling_hours": {"business": business, "wall": wall} if facts.resolved else None,
            "public_agent_replies": facts.replies,
            "reopens": facts.reopens,
            "complaints": facts.complaints,
            "first_contact_resolution": facts.fcr,
            "sla": {
                metric: {
                    "state": state,
                    "deadline": deadline,
                    "completed_at": completed,
                    "elapsed_hours": elapsed,
                    "remaining_hours": remaining,
                }
                for metric, state, deadline, completed, elapsed, remaining in facts.metric_cells
            },
            "breached": [metric for metric, state in facts.states if state == 1],
            "survey": _survey(survey) if survey is not None else None,
            "escalations": _escalations(escalations) if escalations is not None else None,
            "route": _route_retain(facts)[0],
            "retain_until": _route_retain(facts)[1],
        }

    @staticmethod
    def json_line(facts: TicketFacts) -> str:
        """One line of results.jsonl, with its newline: ``json_record`` as compact JSON, built directly (it runs
        for every ticket; tests/batch/test_output.py checks it against ``json.dumps`` of the record)."""
        created, resolved_at, business, wall = facts.texts()
        quote, floats = _quote, _FLOAT_TEXT
        handling = "null"
        if facts.resolved and business is not None and wall is not None:  # both set when resolved
            handling = f'{{"business":{floats[business]},"wall":{floats[wall]}}}'
        sla = ",".join(
            [
                f'"{metric}":{{"state":"{state}","deadline":{"null" if deadline is None else quote(deadline)},'
                f'"completed_at":{"null" if completed is None else quote(completed)},'
                f'"elapsed_hours":{floats[elapsed]},"remaining_hours":{floats[remaining]}}}'
                for metric, state, deadline, completed, elapsed, remaining in facts.metric_cells
            ]
        )
        breached = ",".join([f'"{metric}"' for metric, state in facts.states if state == 1])
        survey, escalations = facts.survey, facts.escalation_cells
        if escalations is None:
            fired = "null"
        else:
            level, items, next_at = escalations
            fired = ",".join(
                [
                    f'{{"rule":{quote(rule)},"level":{rule_level:d},"role":{_text(role)},'
                    f'"fired_at":"{fired_at}","contact_by":{_text(contact_by)},"cycle":{cycle:d}}}'
                    for rule, rule_level, role, fired_at, contact_by, cycle in items
                ]
            )
            fired = f'{{"level":{level:d},"fired":[{fired}],"next_at":{_text(next_at)}}}'
        route, retain = _route_retain(facts)
        kind, category, channel, product, customer, agent = (
            facts.type,
            facts.category,
            facts.channel,
            facts.product,
            facts.customer,
            facts.agent,
        )
        return (
            f'{{"line":{_number(facts.line)},"id":{quote(facts.id)},"priority":{quote(facts.priority)},'
            f'"type":{"null" if kind is None else quote(kind)},'
            f'"category":{"null" if category is None else quote(category)},'
            f'"channel":{"null" if channel is None else quote(channel)},'
            f'"product":{"null" if product is None else quote(product)},'
            f'"customer":{"null" if customer is None else quote(customer)},'
            f'"agent":{"null" if agent is None else quote(agent)},'
            f'"created_at":"{created}","resolved_at":{"null" if resolved_at is None else quote(resolved_at)},'
            f'"handling_hours":{handling},'
            f'"public_agent_replies":{facts.replies},"reopens":{facts.reopens},"complaints":{facts.complaints},'
            f'"first_contact_resolution":{"true" if facts.fcr else "false"},"sla":{{{sla}}},"breached":[{breached}],'
            f'"survey":{_survey_json(survey) if survey is not None else "null"},"escalations":{fired},'
            f'"route":{_text(route)},"retain_until":{_text(retain)}}}\n'
        )

    @staticmethod
    def breach_rows(facts: TicketFacts, *, safe: bool = False) -> list[list[Any]]:
        """The rows of breaches.csv for one ticket; with ``safe``, the input-text cells are made safe (the others
        never start like a formula, as in :meth:`csv_row`)."""
        made = _safe if safe else _same
        return [
            [made(ticket), line or None, made(priority), metric, deadline, completed or None, late]
            for _, ticket, metric, line, priority, deadline, completed, late in facts.breaches
        ]

    @staticmethod
    def rejected_row(rejected: Rejected) -> list[Any]:
        """The row of rejected.csv for one rejected row."""
        return [rejected.line, rejected.id, rejected.kind, rejected.reason]

    @staticmethod
    def warning_rows(facts: TicketFacts) -> list[list[Any]]:
        """The rows of warnings.csv for one evaluated ticket: each cell of its row that was ignored."""
        return [[warning.line, warning.id, warning.column, warning.reason] for warning in facts.warnings]
