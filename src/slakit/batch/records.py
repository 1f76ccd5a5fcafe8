"""The values a batch passes along: tickets with their source line, rejected rows, per-ticket results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slakit.errors import InvalidTicketError, NaiveDatetimeError, SlakitError
from slakit.sla import SLAReport, Ticket

if TYPE_CHECKING:
    from slakit.escalation import EscalationReport
    from slakit.policy import ServicePolicy
    from slakit.survey import SurveyScore

__all__ = ["InputTicket", "Rejected", "RowWarning", "TicketResult"]


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input row that could not become an evaluated ticket, and why.

    ``line`` is the 1-based line of the row in its file (the header is line 1 of a CSV), or its
    1-based position for in-memory input; ``id`` the ticket id when the row had one. ``reason`` is
    the full message (naming the field, the value and what is accepted); ``kind`` is its short,
    value-free form that reports count (``naive timestamp in created_at``); ``error`` the name of
    the slakit error class it stands for.
    """

    line: int | None
    id: str | None
    reason: str
    kind: str = "invalid row"
    error: str = "InvalidTicketError"

    @classmethod
    def of(cls, line: int | None, ticket_id: str | None, exc: BaseException, kind: str | None = None) -> Rejected:
        """The rejection for ``exc``; ``kind`` defaults to one derived from the error class."""
        return cls(line, ticket_id, str(exc), kind or kind_of(exc), type(exc).__name__)


@dataclass(frozen=True, slots=True)
class RowWarning:
    """A cell of an input row that was ignored because its row is evaluated correctly without it.

    A row is rejected only when one of its cells would make a figure wrong; a cell that contradicts the
    rest of the row but whose figures can be computed without it (``agent_replies`` of a row without a
    first response, in an export that does not measure the response) is ignored instead, and the row
    carries this warning. ``line`` and ``id`` are the row's, ``column`` the ignored cell's column,
    ``reason`` the full message (naming the value and why it is ignored) and ``kind`` its short,
    value-free form that the summary counts. Listed in warnings.csv (docs/report.md).
    """

    line: int | None
    id: str | None
    column: str
    reason: str
    kind: str


_KINDS = {
    "NaiveDatetimeError": "naive timestamp",
    "UnknownPriorityError": "unknown priority",
    "InvalidSurveyResponseError": "invalid survey response",
    "InvalidTicketError": "invalid ticket",
    "ConfigError": "invalid value",
    "UnsatisfiableError": "deadline beyond the calendar's horizon",
}


def kind_of(exc: BaseException) -> str:
    """The short, value-free kind of a rejection caused by ``exc``."""
    for klass in type(exc).__mro__:
        if klass.__name__ in _KINDS:
            return _KINDS[klass.__name__]
    return "invalid ticket" if isinstance(exc, SlakitError) else "invalid row"


@dataclass(frozen=True, slots=True)
class InputTicket(Ticket):
    """A :class:`~slakit.sla.Ticket` read from an export, with what the export said beside it.

    ``line`` is where it came from; ``survey`` the raw survey answers (dimension -> answer), scored
    with the policy's scheme when evaluated; ``survey_at`` when the survey came in; ``measured`` the
    SLA metrics the export can measure (None: all of them). A flat export has no history of agent
    updates, so its tickets never measure ``update``. ``warnings`` are the row's cells that were ignored
    (:class:`RowWarning`).
    """

    line: int | None = None
    survey: Mapping[str, Any] | None = None
    survey_at: datetime | None = None
    measured: frozenset[str] | None = None
    warnings: tuple[RowWarning, ...] = ()

    def __post_init__(self) -> None:
        Ticket.__post_init__(self)
        if self.survey_at is not None and (self.survey_at.tzinfo is None or self.survey_at.utcoffset() is None):
            raise NaiveDatetimeError.for_parameter("survey_at", self.survey_at)
        if self.survey is not None and not isinstance(self.survey, Mapping):
            raise InvalidTicketError(f"'survey' must be a mapping of dimension to answer (got {self.survey!r:.80})")


@dataclass(frozen=True, slots=True)
class TicketResult:
    """One input item after evaluation: its SLA report, escalations and survey score, or why it was rejected.

    ``line`` is the row's line in its file (header = line 1 for CSV) or its 1-based position in the
    input; ``ticket_id`` its id when known. Exactly one of ``sla`` and ``rejected`` is set.
    ``escalations`` is None when the policy has no escalation rules; ``survey`` when the ticket had
    no survey answers (or the policy no survey scheme). ``policy`` is the policy it was evaluated
    with (not compared), so that :func:`~slakit.batch.summarize` needs nothing more.
    """

    line: int | None
    ticket_id: str | None
    ticket: Ticket | None = None
    sla: SLAReport | None = None
    escalations: EscalationReport | None = None
    survey: SurveyScore | None = None
    rejected: str | None = None
    rejection: Rejected | None = field(default=None, repr=False)
    policy: ServicePolicy | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the item was evaluated (not rejected)."""
        return self.rejected is None

    @property
    def warnings(self) -> tuple[RowWarning, ...]:
        """The cells of the evaluated row that were ignored (none for a rejected row or a plain ticket)."""
        ticket = self.ticket
        if self.rejected is None and isinstance(ticket, InputTicket):
            return ticket.warnings
        return ()

    @classmethod
    def of_rejected(cls, rejected: Rejected, policy: ServicePolicy | None = None) -> TicketResult:
        """The result of a rejected row."""
        return cls(rejected.line, rejected.id, rejected=rejected.reason, rejection=rejected, policy=policy)
