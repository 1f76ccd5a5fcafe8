"""``evaluate_many``: SLA report, escalations and survey score for each ticket, in input order.

Each item is a :class:`~slakit.sla.Ticket` (an :class:`~slakit.batch.records.InputTicket` carries
its line, survey answers and the metrics its export can measure) or a
:class:`~slakit.batch.records.Rejected` row; every item gives exactly one
:class:`~slakit.batch.records.TicketResult`. A ticket the policy refuses (unknown priority, bad
survey answers, ...) becomes a rejected result with its line and reason; it never stops the batch.
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from slakit import presets
from slakit.batch import parallel
from slakit.batch.flat import typed_attributes
from slakit.batch.records import InputTicket, Rejected, TicketResult
from slakit.batch.values import Priorities
from slakit.calendar import BusinessCalendar
from slakit.errors import (
    ConfigError,
    InvalidSurveyResponseError,
    InvalidTicketError,
    SlakitError,
)
from slakit.escalation.engine import evaluate_ticket
from slakit.instants import require_aware, to_us
from slakit.policy import ServicePolicy
from slakit.sla import BUILT_IN, Policy, Ticket, Timeline
from slakit.survey import SurveyScore

__all__ = ["CHUNK_SIZE", "Evaluator", "evaluate_many"]

CHUNK_SIZE = 1000
"""Tickets per chunk handed to a worker process."""

_MAX_SCORES = 4096


class Evaluator:
    """Evaluates single tickets under one policy as of one instant (the work of ``evaluate_many`` and ``run``).

    Each ticket goes through the core once (docs/design.md): its events become a timeline, the SLA clocks
    are measured and the escalation rules fired from it, and both reports are shown.
    """

    def __init__(self, policy: ServicePolicy, as_of: datetime) -> None:
        require_aware(as_of, "as_of")
        if not isinstance(policy, ServicePolicy):
            raise ConfigError.for_value("policy", policy, "a slakit.ServicePolicy")
        self.policy = policy
        self.as_of = as_of
        self.as_of_us = to_us(as_of)
        self.rules = policy.escalation if policy.escalation.rules else None
        self.scheme = policy.survey
        self.priorities = Priorities.of(policy.sla)
        self._measured: dict[frozenset[str] | None, Policy] = {None: policy.sla}
        self._scores: dict[tuple[tuple[str, Any], ...], SurveyScore | str] = {}

    def policy_for(self, measured: frozenset[str] | None) -> ServicePolicy:
        """The policy without the targets an export cannot measure (same calendars, rules and survey)."""
        return replace(self.policy, sla=self.sla_for(measured))

    def sla_for(self, measured: frozenset[str] | None) -> Policy:
        """The SLA policy without the targets an export cannot measure.

        ``measured`` names the built-ins an export's columns give; a metric the policy defines by events is
        measured only if it is one of those restated as it is built in (a flat row has no event history
        for any other definition: it is not measured, as ``update`` is not)."""
        effective = self._measured.get(measured)
        if effective is None:
            assert measured is not None  # noqa: S101 -- None is always there
            sla = self.policy.sla
            defined = sla.definitions
            given = {m for m in measured if m not in defined or defined[m] == BUILT_IN.get(m)}
            targets = {
                code: {metric: target for metric, target in by_metric.items() if metric in given}
                for code, by_metric in sla.targets.items()
            }
            slas = tuple(
                replace(
                    entry,
                    targets={
                        code: {metric: target for metric, target in by_metric.items() if metric in given}
                        for code, by_metric in entry.targets.items()
                    },
                )
                for entry in sla.slas
            )
            effective = self._measured[measured] = replace(sla, targets=targets, slas=slas)
        return effective

    def evaluate(self, item: Ticket | Rejected, position: int) -> TicketResult:
        """The result of one item; ``position`` (1-based) stands in for the line of plain tickets."""
        return self.evaluate_with_timeline(item, position)[0]

    def evaluate_with_timeline(self, item: Ticket | Rejected, position: int) -> tuple[TicketResult, Timeline | None]:
        """:meth:`evaluate`, with the ticket's timeline (None for a rejected item), for its batch facts."""
        if isinstance(item, Rejected):
            return TicketResult.of_rejected(item), None
        if not isinstance(item, Ticket):
            exc = InvalidTicketError(f"expected a Ticket or a Rejected row (got {type(item).__name__})")
            return TicketResult.of_rejected(Rejected.of(position, None, exc)), None
        line = item.line if isinstance(item, InputTicket) and item.line is not None else position
        if item.created_at > self.as_of:
            return TicketResult.of_rejected(self._created_after(item, line)), None
        try:
            return self._evaluate(item, line)
        except (SlakitError, ValueError, OverflowError) as exc:
            return TicketResult.of_rejected(Rejected.of(line, item.id, exc)), None

    def _created_after(self, ticket: Ticket, line: int) -> Rejected:
        """A ticket created after ``as_of`` is not in the report's period: counting it as pending would be a guess."""
        problem = InvalidTicketError(
            f"'created_at' ({ticket.created_at.isoformat()}) is after as_of ({self.as_of.isoformat()}); "
            "a ticket created after the instant the report is made at cannot be evaluated (give a later as_of, "
            "--as-of)"
        )
        return Rejected.of(line, ticket.id, problem, "created after as_of")

    def score(self, answers: Mapping[str, Any]) -> SurveyScore:
        """The survey scheme's score of a row's answers (remembered); the scheme's error when it refuses them."""
        return self._score(answers)

    def _score(self, answers: Mapping[str, Any]) -> SurveyScore:
        """The scheme's score of ``answers``, remembered: exports repeat the same few answer sets."""
        key = tuple(answers.items())
        try:
            known = self._scores.get(key)
        except TypeError:  # unhashable answers: score them without remembering
            assert self.scheme is not None  # noqa: S101 -- checked by the caller
            return self.scheme.score(answers)
        if known is None:
            assert self.scheme is not None  # noqa: S101
            if len(self._scores) >= _MAX_SCORES:
                self._scores.clear()
            try:
                known = self.scheme.score(answers)
            except InvalidSurveyResponseError as exc:
                known = str(exc)
            self._scores[key] = known
        if isinstance(known, str):
            raise InvalidSurveyResponseError(known)
        return known

    def prepared(self, ticket: Ticket) -> Ticket:
        """The ticket as the engines see it: its priority as the policy's code, and a flat row's attributes that
        the policy compares with numbers or true/false read as such (the row's rejection when one cannot be)."""
        if ticket.priority not in self.policy.sla.priorities:
            ticket = replace(ticket, priority=self.priorities.code(ticket.priority))
        kinds = self.policy.attribute_kinds
        if isinstance(ticket, InputTicket) and ticket.measured is not None and ticket.attributes and kinds:
            ticket = typed_attributes(ticket, kinds)  # a flat row's cells are text
        return ticket

    def _evaluate(self, ticket: Ticket, line_number: int) -> tuple[TicketResult, Timeline]:
        sla = self.policy.sla
        ticket = self.prepared(ticket)
        survey = None
        survey_from = None
        if isinstance(ticket, InputTicket):
            sla = self.sla_for(ticket.measured)
            survey_from = to_us(ticket.survey_at) if ticket.survey_at is not None else None
            if ticket.survey and self.scheme is not None:
                survey = self._score(ticket.survey)
        both = evaluate_ticket(
            ticket, sla, self.rules, self.as_of, self.as_of_us, survey=survey, survey_from=survey_from
        )
        result = TicketResult(line_number, ticket.id, ticket, both.sla, both.escalations, survey, policy=self.policy)
        return result, both.timeline


def evaluate_many(
    tickets: Iterable[Ticket | Rejected],
    policy: ServicePolicy | Policy | str | os.PathLike[str],
    *,
    as_of: datetime,
    jobs: int = 1,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[TicketResult]:
    """One :class:`TicketResult` per item of ``tickets``, in input order, streaming.

    ``jobs`` > 1 evaluates chunks of ``chunk_size`` tickets in that many worker processes; the
    results are identical to ``jobs=1``. Rejected rows pass through as rejected results.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ConfigError.for_value("jobs", jobs, "a whole number of processes, 1 or more")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ConfigError.for_value("chunk_size", chunk_size, "a whole number of tickets, 1 or more")
    evaluator = Evaluator(presets.resolve(policy), as_of)
    if jobs == 1:
        return (evaluator.evaluate(item, position) for position, item in enumerate(tickets, start=1))
    return _in_workers(evaluator, tickets, jobs, chunk_size)


def _in_workers(
    evaluator: Evaluator, tickets: Iterable[Ticket | Rejected], jobs: int, size: int
) -> Iterator[TicketResult]:
    chunks = parallel.numbered_chunks(tickets, size)
    for packed in parallel.ordered_map(_evaluate_chunk, chunks, jobs=jobs, initial=evaluator, describe=_positions):
        yield from _unpack(packed, evaluator.policy)


def _positions(chunk: tuple[int, list[Ticket | Rejected]]) -> str:
    """The input positions a chunk holds, for a message."""
    start, items = chunk
    return f"items {start:,}-{start + len(items) - 1:,}"


def _evaluate_chunk(chunk: tuple[int, list[Ticket | Rejected]]) -> bytes:
    evaluator: Evaluator = parallel.state()
    start, items = chunk
    results = [evaluator.evaluate(item, start + i) for i, item in enumerate(items)]
    return _pack([replace(result, policy=None) for result in results], evaluator.policy)


# Results travel between processes with the policy (and its parts and calendars) pickled by name: the
# receiving side has the same objects already, and a calendar's tables are large.


def _shared(policy: ServicePolicy) -> dict[int, str]:
    """Names for the objects of ``policy`` that results refer to."""
    return {id(obj): name for name, obj in _objects(policy).items()}


def _objects(policy: ServicePolicy) -> dict[str, Any]:
    objects: dict[str, Any] = {"policy": policy, "policy.sla": policy.sla}
    for name, calendar in policy.sla.calendars.items():
        objects[f"calendar:{name}"] = calendar
    for targets in policy.sla.targets.values():
        for target in targets.values():
            if target.clock_name == "24x7":
                objects["calendar:24x7"] = target.clock
    return objects


def _pack(results: list[TicketResult], policy: ServicePolicy) -> bytes:
    shared = _shared(policy)
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = lambda obj: (  # type: ignore[method-assign]
        shared.get(id(obj)) if isinstance(obj, BusinessCalendar | Policy | ServicePolicy) else None
    )
    pickler.dump(results)
    return buffer.getvalue()


def _unpack(data: bytes, policy: ServicePolicy) -> list[TicketResult]:
    objects = _objects(policy)
    unpickler = pickle.Unpickler(io.BytesIO(data))  # noqa: S301 -- our own worker processes' output
    unpickler.persistent_load = objects.__getitem__  # type: ignore[method-assign]
    results: list[TicketResult] = unpickler.load()
    return [replace(result, policy=policy) for result in results]
