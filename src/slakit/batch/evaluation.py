"""``evaluate_many``: SLA report, escalations and survey score for each ticket, in input order.

Each item is a :class:`~slakit.sla.Ticket` (an :class:`~slakit.batch.records.InputTicket` carries
its line, survey answers and the metrics its export can measure) or a
:class:`~slakit.batch.records.Rejected` row; every item gives exactly one
:class:`~slakit.batch.records.TicketResult`. A ticket the policy refuses (unknown priority, bad
survey answers, ...) becomes a rejected result with its line and reason; it never stops the batch.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from slakit._time import require_aware
from slakit.batch import parallel
from slakit.batch.records import InputTicket, Rejected, TicketResult
from slakit.calendar import BusinessCalendar
from slakit.errors import (
    ConfigError,
    InvalidSurveyResponseError,
    InvalidTicketError,
    SlakitError,
    UnknownPriorityError,
)
from slakit.escalation import evaluate_with_sla
from slakit.sla import MetricStatus, Policy, Ticket
from slakit.sla import evaluate as evaluate_sla
from slakit.sla.report import new_status
from slakit.survey import SurveyScore

__all__ = ["CHUNK_SIZE", "Evaluator", "evaluate_many"]

CHUNK_SIZE = 1000
"""Tickets per chunk handed to a worker process."""

_MAX_SCORES = 4096


class Evaluator:
    """Evaluates single tickets under one policy as of one instant (the work of ``evaluate_many``)."""

    def __init__(self, policy: Policy, as_of: datetime) -> None:
        require_aware(as_of, "as_of")
        if not isinstance(policy, Policy):
            raise ConfigError.for_value("policy", policy, "a slakit.sla.Policy")
        self.policy = policy
        self.as_of = as_of
        self.rules = policy.escalation if policy.escalation.rules else None
        self.scheme = policy.survey
        names: dict[str, list[str]] = {}
        for code, priority in policy.priorities.items():
            names.setdefault(priority.name, []).append(code)
        self.by_name = {
            name: codes[0] for name, codes in names.items() if len(codes) == 1 and name not in policy.priorities
        }
        self._measured: dict[frozenset[str] | None, Policy] = {None: policy}
        self._scores: dict[tuple[tuple[str, Any], ...], SurveyScore | str] = {}

    def policy_for(self, measured: frozenset[str] | None) -> Policy:
        """The policy without the targets an export cannot measure (same calendars, rules and survey)."""
        effective = self._measured.get(measured)
        if effective is None:
            assert measured is not None  # noqa: S101 -- None is always there
            targets = {
                code: {metric: target for metric, target in by_metric.items() if metric in measured}
                for code, by_metric in self.policy.targets.items()
            }
            effective = self._measured[measured] = replace(self.policy, targets=targets)
        return effective

    def evaluate(self, item: Ticket | Rejected, position: int) -> TicketResult:
        """The result of one item; ``position`` (1-based) stands in for the line of plain tickets."""
        if isinstance(item, Rejected):
            return TicketResult.of_rejected(item)
        if not isinstance(item, Ticket):
            exc = InvalidTicketError(f"expected a Ticket or a Rejected row (got {type(item).__name__})")
            return TicketResult.of_rejected(Rejected.of(position, None, exc))
        line = item.line if isinstance(item, InputTicket) and item.line is not None else position
        try:
            return self._evaluate(item, line)
        except (SlakitError, ValueError, OverflowError) as exc:
            return TicketResult.of_rejected(Rejected.of(line, item.id, exc))

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

    def _evaluate(self, ticket: Ticket, line: int) -> TicketResult:
        policy = self.policy
        if ticket.priority not in policy.priorities:
            code = self.by_name.get(ticket.priority)
            if code is None:
                raise UnknownPriorityError.for_code(ticket.priority, list(policy.priorities))
            ticket = replace(ticket, priority=code)
        survey = None
        survey_at = None
        if isinstance(ticket, InputTicket):
            policy = self.policy_for(ticket.measured)
            survey_at = ticket.survey_at
            if ticket.survey and self.scheme is not None:
                survey = self._score(ticket.survey)
        escalations = None
        if self.rules is not None:
            report, escalations = evaluate_with_sla(
                ticket, policy, as_of=self.as_of, survey=survey, survey_at=survey_at
            )
        else:
            report = evaluate_sla(ticket, policy, as_of=self.as_of)
        return TicketResult(line, ticket.id, ticket, report, escalations, survey, policy=self.policy)


def evaluate_many(
    tickets: Iterable[Ticket | Rejected],
    policy: Policy,
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
    evaluator = Evaluator(policy, as_of)
    if jobs == 1:
        return (evaluator.evaluate(item, position) for position, item in enumerate(tickets, start=1))
    return _in_workers(evaluator, tickets, jobs, chunk_size)


def _in_workers(
    evaluator: Evaluator, tickets: Iterable[Ticket | Rejected], jobs: int, size: int
) -> Iterator[TicketResult]:
    chunks = parallel.numbered_chunks(tickets, size)
    for packed in parallel.ordered_map(_evaluate_chunk, chunks, jobs=jobs, initial=evaluator):
        yield from _unpack(packed, evaluator.policy)


def _evaluate_chunk(chunk: tuple[int, list[Ticket | Rejected]]) -> bytes:
    evaluator: Evaluator = parallel.state()
    start, items = chunk
    results = [evaluator.evaluate(item, start + i) for i, item in enumerate(items)]
    return _pack([replace(result, policy=None) for result in results], evaluator.policy)


# Results travel between processes with the policy's calendars (and the policy) pickled by name:
# the receiving side has the same objects already, and a calendar's tables are large.


def _shared(policy: Policy) -> dict[int, str]:
    shared = {id(calendar): f"calendar:{name}" for name, calendar in policy.calendars.items()}
    for targets in policy.targets.values():
        for target in targets.values():
            if target.clock_name == "24x7":
                shared[id(target.clock)] = "calendar:24x7"
    shared[id(policy)] = "policy"
    return shared


def _read_only(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(data)


def _mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _read_only, (dict(proxy),)


def _status(values: tuple[Any, ...], trace: Any) -> MetricStatus:
    build: Any = new_status  # every field in order, then the trace
    status: MetricStatus = build(*values, trace)
    return status


def _metric_status(status: MetricStatus) -> tuple[Any, tuple[tuple[Any, ...], Any]]:
    values = tuple(getattr(status, name) for name in _STATUS_FIELDS)
    return _status, (values, getattr(status, "_trace", None))  # the hidden trace too, for explain()


_STATUS_FIELDS = tuple(f.name for f in fields(MetricStatus))
_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[MappingProxyType] = _mapping_proxy  # survey scores keep their answers read-only
_DISPATCH[MetricStatus] = _metric_status


def _pack(results: list[TicketResult], policy: Policy) -> bytes:
    shared = _shared(policy)
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.persistent_id = lambda obj: shared.get(id(obj)) if isinstance(obj, BusinessCalendar | Policy) else None  # type: ignore[method-assign]
    pickler.dump(results)
    return buffer.getvalue()


def _unpack(data: bytes, policy: Policy) -> list[TicketResult]:
    objects: dict[str, Any] = {"policy": policy}
    for name, calendar in policy.calendars.items():
        objects[f"calendar:{name}"] = calendar
    for targets in policy.targets.values():
        for target in targets.values():
            if target.clock_name == "24x7":
                objects["calendar:24x7"] = target.clock
    unpickler = pickle.Unpickler(io.BytesIO(data))  # noqa: S301 -- our own worker processes' output
    unpickler.persistent_load = objects.__getitem__  # type: ignore[method-assign]
    results: list[TicketResult] = unpickler.load()
    for result in results:
        object.__setattr__(result, "policy", policy)
    return results
