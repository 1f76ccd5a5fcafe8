"""What escalation evaluation returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from slakit._shapes import (
    EscalationDict,
    EscalationReportDict,
    instant_from_json,
    instant_to_json,
    read_shape,
)
from slakit.errors import ConfigError
from slakit.instants import require_aware

__all__ = ["Escalation", "EscalationReport"]


@dataclass(frozen=True, slots=True)
class Escalation:
    """One rule that fired: who takes over (``role`` at ``level``; level 0 is a warning with no
    hand-over), the first instant its condition held, by when the new owner must contact the
    customer, and why. ``cycle`` counts reopenings when the policy restarts clocks on reopen.

    ``visible_at`` is the first instant an evaluation shows it: ``fired_at``, or one microsecond later
    when the condition began to hold just after a strict threshold passed at ``fired_at`` (a deadline:
    breached just after it). It is the instant :attr:`EscalationReport.next_at` announces and what
    :meth:`EscalationReport.fired_between` selects by; given as None, it is ``fired_at``. It follows from
    the rest, so ``==`` does not compare it.
    """

    rule: str
    level: int
    role: str | None
    fired_at: datetime
    contact_by: datetime | None
    reason: str
    cycle: int = 0
    visible_at: datetime = field(default=None, compare=False)  # type: ignore[assignment]  # None: fired_at

    def __post_init__(self) -> None:
        if self.visible_at is None:
            object.__setattr__(self, "visible_at", self.fired_at)

    def to_dict(self) -> EscalationDict:
        """JSON-ready data (see :meth:`EscalationReport.to_dict`)."""
        return {
            "rule": self.rule,
            "level": self.level,
            "role": self.role,
            "fired_at": instant_to_json(self.fired_at),
            "contact_by": None if self.contact_by is None else instant_to_json(self.contact_by),
            "reason": self.reason,
            "cycle": self.cycle,
            "visible_at": instant_to_json(self.visible_at),
        }

    @classmethod
    def _from_shape(cls, data: EscalationDict, where: str) -> Escalation:
        contact_by = data["contact_by"]
        return cls(
            data["rule"],
            data["level"],
            data["role"],
            instant_from_json(data["fired_at"], f"{where}.fired_at"),
            None if contact_by is None else instant_from_json(contact_by, f"{where}.contact_by"),
            data["reason"],
            data["cycle"],
            instant_from_json(data["visible_at"], f"{where}.visible_at"),
        )


@dataclass(frozen=True, slots=True)
class EscalationReport:
    """The rules fired up to ``as_of`` in firing order, the highest ``level`` reached (0 when none),
    and ``next_at``: the first instant after ``as_of`` at which another rule fires if no event
    arrives (None if none ever would)."""

    ticket_id: str
    as_of: datetime
    fired: tuple[Escalation, ...]
    level: int
    next_at: datetime | None

    def to_dict(self) -> EscalationReportDict:
        """JSON-ready data that :meth:`from_dict` reads back (``json.dumps`` takes it as it is): instants as
        ISO 8601 strings with their offsets, microseconds kept. The shape is
        :func:`slakit.schema.escalation_report`."""
        return {
            "ticket_id": self.ticket_id,
            "as_of": instant_to_json(self.as_of),
            "fired": [item.to_dict() for item in self.fired],
            "level": self.level,
            "next_at": None if self.next_at is None else instant_to_json(self.next_at),
        }

    def fired_between(self, t0: datetime, t1: datetime) -> tuple[Escalation, ...]:
        """The escalations that became visible in ``(t0, t1]``: those whose :attr:`~Escalation.visible_at`
        is after ``t0`` and at or before ``t1``, in report order.

        A host that evaluated at ``t0`` and evaluates again at ``t1`` (this report, or one with a later
        ``as_of``) notifies exactly these: consecutive windows ``(t0, t1]``, ``(t1, t2]`` never repeat nor
        miss one, and an escalation ``next_at`` announced becomes visible at that very instant
        (docs/escalation.md, "A scheduler loop"). ``t1`` after ``as_of`` is a ConfigError: the report does
        not know what fires after it; ``t1`` before ``t0`` too.
        """
        require_aware(t0, "t0")
        require_aware(t1, "t1")
        if t1 > self.as_of:
            raise ConfigError.for_value(
                "t1", t1, f"an instant at or before the report's as_of ({self.as_of.isoformat()})"
            )
        if t1 < t0:
            raise ConfigError.for_value("t1", t1, f"an instant at or after t0 ({t0.isoformat()})")
        return tuple(item for item in self.fired if t0 < item.visible_at <= t1)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EscalationReport:
        """The report :meth:`to_dict` wrote (equal to the original). The data must have the shape of
        :func:`slakit.schema.escalation_report` exactly; a :class:`~slakit.errors.ConfigError` names the
        first field that does not."""
        shape = read_shape(_SHAPE, data, what="escalation report")
        next_at = shape["next_at"]
        return cls(
            shape["ticket_id"],
            instant_from_json(shape["as_of"], "as_of"),
            tuple(Escalation._from_shape(item, f"fired[{i}]") for i, item in enumerate(shape["fired"])),
            shape["level"],
            None if next_at is None else instant_from_json(next_at, "next_at"),
        )


_SHAPE: TypeAdapter[EscalationReportDict] = TypeAdapter(EscalationReportDict)
