"""What the helpdesk does with slakit, without the web layer: the service the routes call.

- A ticket gets its number from slakit's SQLite number store (one counter per prefix and day,
  never repeated across the web workers and the scheduler process sharing the file).
- Its text is classified and prioritised (intake.py); its history is a list of slakit events.
- Every event is checked by slakit before it is stored: a bad one (an unknown priority, an extension
  of an unknown metric, an instant before the ticket's creation) is refused with slakit's message
  and nothing is written.
- The SLA and escalation reports are computed on demand, as of the injected clock's "now".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from helpdesk.clock import Clock
from helpdesk.db import EventRow, SurveyRow, TicketRow
from helpdesk.intake import PREFIXES, Triage, triage
from slakit import ServicePolicy
from slakit.errors import SlakitError
from slakit.escalation import EscalationReport, evaluate_with_sla
from slakit.instants import to_us
from slakit.numbering import Numberers, PrefixMap, SQLiteSequenceStore
from slakit.sla import Event, SLAReport, Ticket
from slakit.survey import SurveyScore


class NotFoundError(LookupError):
    """No ticket with that number."""


class ConflictError(ValueError):
    """The request does not fit the ticket's state (a survey before resolution, a second survey)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A ticket as of an instant: its slakit ticket, SLA report and escalation report."""

    ticket: Ticket
    sla: SLAReport
    escalation: EscalationReport
    survey: SurveyScore | None


@dataclass
class Helpdesk:
    policy: ServicePolicy
    db: sessionmaker[Session]  # SQLAlchemy: one unit of work per call
    clock: Clock
    numbers_path: Path
    numberers: Numberers = field(init=False)

    def __post_init__(self) -> None:
        store = SQLiteSequenceStore(self.numbers_path)
        self.numberers = PrefixMap(PREFIXES).numberers(store=store, timezone="Asia/Shanghai")

    # --- tickets ---------------------------------------------------------------------------------

    def create_ticket(
        self,
        *,
        subject: str,
        description: str = "",
        customer: str | None = None,
        channel: str | None = None,
        impact: str | None = None,
        urgency: str | None = None,
    ) -> tuple[TicketRow, Triage]:
        now = self.clock.now()
        found = triage(self.policy, f"{subject}\n{description}", impact=impact, urgency=urgency)
        number = self.numberers[found.type].next(at=now)  # the number is taken only once the triage passed
        row = TicketRow(
            number=number,
            created_at=now,
            priority=found.priority,
            impact=found.impact,
            urgency=found.urgency,
            category=found.category,
            subject=subject,
            description=description,
            customer=customer,
            channel=channel,
            wake_us=to_us(now),  # the scheduler looks at it on its next round
        )
        with self.db.begin() as tx:
            tx.add(row)
        return row, found

    def _row(self, tx: Session, number: str) -> TicketRow:
        row = tx.get(TicketRow, number)
        if row is None:
            raise NotFoundError(f"no ticket {number!r}")
        return row

    @staticmethod
    def _ticket(row: TicketRow) -> Ticket:
        """The slakit ticket of a row: its fields and its events, as slakit's JSON form."""
        return Ticket.from_dict(
            {
                "id": row.number,
                "created_at": row.created_at.isoformat(),
                "priority": row.priority,
                "category": row.category,
                "channel": row.channel,
                "customer": row.customer,
                "subject": row.subject,
                "events": [event.data for event in row.events],
            }
        )

    def ticket(self, number: str) -> Ticket:
        with self.db() as tx:
            return self._ticket(self._row(tx, number))

    # --- events ----------------------------------------------------------------------------------

    def record(self, number: str, kind: str, **fields: Any) -> Evaluation:
        """Record an event of type ``kind`` happening now; slakit checks it first (SlakitError if bad).

        The event's id in slakit is its row id (``E17``), so an extension in the SLA JSON and a line of
        ``explain()`` point at the stored event; ``meta`` (small JSON data) travels with it."""
        now = self.clock.now()
        with self.db.begin() as tx:  # any error below rolls the whole change back
            row = self._row(tx, number)
            ticket = self._ticket(row)
            stored = EventRow(data={})
            row.events.append(stored)
            tx.flush()  # gives the row its id
            event = Event(now, kind, id=f"E{stored.id}", **fields)  # type: ignore[arg-type]  # slakit checks it
            ticket = replace(ticket, events=(*ticket.events, event))
            evaluation = self._evaluate(ticket, row.survey, now)  # refuses what slakit refuses
            stored.data = dict(event.to_dict())
            self._changed(row, now)
        return evaluation

    @staticmethod
    def _changed(row: TicketRow, now: datetime) -> None:
        """Something happened at ``now``: the scheduler looks again on its next round. A check made at
        this same instant ran before the change, so it counts as having looked just before it."""
        row.wake_us = to_us(now)
        if row.checked_at is not None and row.checked_at >= now:
            row.checked_at = now - timedelta(microseconds=1)

    # --- survey ----------------------------------------------------------------------------------

    def answer_survey(self, number: str, answers: dict[str, Any]) -> SurveyScore:
        if self.policy.survey is None:
            raise ConflictError("the policy has no survey scheme")
        now = self.clock.now()
        with self.db.begin() as tx:
            row = self._row(tx, number)
            if row.survey is not None:
                raise ConflictError(f"ticket {number!r} already has a survey response")
            report = self._evaluate(self._ticket(row), None, now).sla
            resolution = report.get("resolution")
            if resolution is None or resolution.completed_at is None:
                raise ConflictError(f"ticket {number!r} is not resolved: survey it once it is")
            score = self.policy.survey.score(answers, meta=self._survey_meta(row, resolution.completed_at))
            row.survey = SurveyRow(answered_at=now, answers=answers)
            self._changed(row, now)
        return score

    def _survey_meta(self, row: TicketRow, resolved_at: datetime) -> dict[str, Any]:
        return {"ticket": row.number, "category": row.category, "resolved_at": resolved_at}

    # --- evaluation ------------------------------------------------------------------------------

    def _evaluate(self, ticket: Ticket, survey: SurveyRow | None, as_of: datetime) -> Evaluation:
        score = survey_at = None
        if survey is not None and self.policy.survey is not None and survey.answered_at <= as_of:
            score = self.policy.survey.score(survey.answers)
            survey_at = survey.answered_at
        sla, escalation = evaluate_with_sla(ticket, self.policy, as_of=as_of, survey=score, survey_at=survey_at)
        return Evaluation(ticket, sla, escalation, score)

    def evaluate(self, number: str, as_of: datetime | None = None) -> Evaluation:
        """The ticket as of ``as_of`` (default: now)."""
        with self.db() as tx:
            row = self._row(tx, number)
            return self._evaluate(self._ticket(row), row.survey, as_of or self.clock.now())


__all__ = ["ConflictError", "Evaluation", "Helpdesk", "NotFoundError", "SlakitError"]
