"""The figures of a batch (the monthly/quarterly service report), per group and overall.

:class:`Summary` is what :func:`~slakit.batch.summarize` returns and :meth:`Summary.to_dict` the
JSON every renderer reads (``slakit.summary/1``, docs/report.md has each figure's definition).
Durations are hours rounded to 2 places, rates fractions rounded to 4 places (None when their
denominator is 0); mappings are ordered by descending count, then key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "SCHEMA",
    "Breach",
    "Compliance",
    "EscalationFigures",
    "Figures",
    "FirstResponse",
    "Group",
    "HandlingTime",
    "RetentionFigures",
    "Satisfaction",
    "Stats",
    "Summary",
    "SurveyTimeliness",
    "TopIssue",
    "TopIssues",
]

SCHEMA = "slakit.summary/1"


@dataclass(frozen=True, slots=True)
class Stats:
    """Count, mean, median and 90th percentile of a duration, in hours (None when the count is 0)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        """``{"count", "mean", "median", "p90"}`` (``exact`` says whether median and p90 are exact)."""
        return {"count": self.count, "mean": self.mean, "median": self.median, "p90": self.p90, "exact": self.exact}


@dataclass(frozen=True, slots=True)
class HandlingTime:
    """Created -> last resolution of the resolved tickets, in business and wall-clock hours, and a histogram."""

    business: Stats
    wall: Stats
    histogram: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "business": self.business.to_dict(),
            "wall": self.wall.to_dict(),
            "histogram": [{"label": label, "count": count} for label, count in self.histogram],
        }


@dataclass(frozen=True, slots=True)
class Compliance:
    """One metric's tickets by state; ``compliance = met / (met + breached)``.

    ``running`` includes paused clocks; ``pending`` counts clocks that never started (e.g. never assigned).
    """

    met: int
    breached: int
    running: int
    pending: int
    compliance: float | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "met": self.met,
            "breached": self.breached,
            "running": self.running,
            "pending": self.pending,
            "compliance": self.compliance,
        }


@dataclass(frozen=True, slots=True)
class Satisfaction:
    """The survey responses: mean overall, mean per dimension (with its label), CSAT and follow-ups."""

    responses: int
    mean_overall: float | None
    dimensions: Mapping[str, tuple[str, float | None, int]]  # name -> (label, mean, responses)
    csat: float | None
    follow_up: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "responses": self.responses,
            "mean_overall": self.mean_overall,
            "dimensions": {
                name: {"label": label, "mean": mean, "responses": n}
                for name, (label, mean, n) in self.dimensions.items()
            },
            "csat": self.csat,
            "follow_up": self.follow_up,
        }


@dataclass(frozen=True, slots=True)
class FirstResponse:
    """Created -> first public agent reply of the tickets that had one, in business and wall-clock hours."""

    business: Stats
    wall: Stats

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"business": self.business.to_dict(), "wall": self.wall.to_dict()}


@dataclass(frozen=True, slots=True)
class SurveyTimeliness:
    """Surveys that came within the scheme's ``due_within`` of the resolution (``on_time``) out of the resolved
    tickets whose survey is due (``due``: it came, or the time is up); ``rate`` None when nothing is measured."""

    on_time: int
    due: int
    rate: float | None
    due_within_hours: float | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"on_time": self.on_time, "due": self.due, "rate": self.rate, "due_within_hours": self.due_within_hours}


@dataclass(frozen=True, slots=True)
class RetentionFigures:
    """Tickets whose ``retain_until`` falls after the as-of date and at most three months after it (``ending``:
    the window ``(start, end]``), and those whose retention has already ended (``ended``)."""

    ending: int
    ended: int
    start: str
    end: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"ending_next_quarter": self.ending, "ended": self.ended, "after": self.start, "until": self.end}


@dataclass(frozen=True, slots=True)
class TopIssue:
    """One frequent problem: its phrase (or category), tickets, share of the counted tickets, mean business
    handling hours of the resolved ones, and the tickets' categories with their counts."""

    issue: str
    count: int
    share: float | None
    mean_handling_hours: float | None
    categories: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "issue": self.issue,
            "count": self.count,
            "share": self.share,
            "mean_handling_hours": self.mean_handling_hours,
            "categories": dict(self.categories),
        }


@dataclass(frozen=True, slots=True)
class TopIssues:
    """The five most frequent problems: by the classifier's matched phrase in the subject (``source``
    ``"subject"``), or, when no subject matched, by the tickets' categories (``"category"``)."""

    source: str
    items: tuple[TopIssue, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"source": self.source, "items": [item.to_dict() for item in self.items]}


@dataclass(frozen=True, slots=True)
class EscalationFigures:
    """Tickets on which any escalation rule fired, per rule, and per highest level reached."""

    tickets: int
    by_rule: Mapping[str, int]
    by_level: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"tickets": self.tickets, "by_rule": dict(self.by_rule), "by_level": dict(self.by_level)}


@dataclass(frozen=True, slots=True)
class Figures:
    """Every figure of the report for one set of tickets (a group, or all of them)."""

    tickets: int
    by_type: Mapping[str, int]
    by_priority: Mapping[str, int]
    by_product: Mapping[str, int]
    by_channel: Mapping[str, int]
    volume_by_week: Mapping[str, int]
    resolved: int
    handling_time: HandlingTime
    first_contact_resolution: tuple[int, float | None]
    sla: Mapping[str, Mapping[str, Compliance]]
    sla_overall: Mapping[str, Compliance]
    satisfaction: Satisfaction
    top_issues: TopIssues
    escalations: EscalationFigures
    by_route: Mapping[str, int] = field(default_factory=dict)
    classified_from_subject: int = 0
    resolution_rate: float | None = None
    first_response: Mapping[str, FirstResponse] = field(default_factory=dict)
    first_response_overall: FirstResponse | None = None
    survey_timeliness: SurveyTimeliness | None = None
    retention: RetentionFigures | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``<Figures>`` object of ``slakit.summary/1``."""
        fcr_count, fcr_rate = self.first_contact_resolution
        overall = self.first_response_overall
        return {
            "tickets": self.tickets,
            "by_type": dict(self.by_type),
            "by_priority": dict(self.by_priority),
            "by_product": dict(self.by_product),
            "by_channel": dict(self.by_channel),
            "volume_by_week": dict(self.volume_by_week),
            "resolved": self.resolved,
            "handling_time": self.handling_time.to_dict(),
            "first_contact_resolution": {"count": fcr_count, "rate": fcr_rate},
            "sla": {
                priority: {metric: c.to_dict() for metric, c in metrics.items()}
                for priority, metrics in self.sla.items()
            },
            "sla_overall": {metric: c.to_dict() for metric, c in self.sla_overall.items()},
            "satisfaction": self.satisfaction.to_dict(),
            "top_issues": self.top_issues.to_dict(),
            "escalations": self.escalations.to_dict(),
            "by_route": dict(self.by_route),
            "classified_from_subject": self.classified_from_subject,
            "resolution_rate": self.resolution_rate,
            "first_response": {priority: one.to_dict() for priority, one in self.first_response.items()},
            "first_response_overall": overall.to_dict() if overall is not None else None,
            "survey_timeliness": self.survey_timeliness.to_dict() if self.survey_timeliness is not None else None,
            "retention": self.retention.to_dict() if self.retention is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Group:
    """One group of the summary: its key (``{"month": "2025-09"}``) and its figures."""

    key: Mapping[str, str | None]
    figures: Figures

    def to_dict(self) -> dict[str, Any]:
        """``{"key": ..., "figures": ...}``."""
        return {"key": dict(self.key), "figures": self.figures.to_dict()}


@dataclass(frozen=True, slots=True)
class Breach:
    """One breached metric of one ticket: its deadline, when it completed (if it did) and how late, in hours.

    ``late_by_hours`` is on the metric's own clock (business hours for a business-hours target), as of
    completion or, while still running, as of the evaluation instant.
    """

    ticket: str
    line: int | None
    priority: str
    metric: str
    deadline: str
    completed_at: str | None
    late_by_hours: float

    def to_dict(self) -> dict[str, Any]:
        """The ``<Breach>`` object of ``slakit.summary/1``."""
        return {
            "ticket": self.ticket,
            "line": self.line,
            "priority": self.priority,
            "metric": self.metric,
            "deadline": self.deadline,
            "completed_at": self.completed_at,
            "late_by_hours": self.late_by_hours,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures of a batch: overall, per group, the latest breaches and the rejected rows.

    ``breaches_total`` counts breached metrics (a ticket breaching two metrics counts twice) and
    ``breached_tickets`` the tickets with at least one; ``breaches`` shows at most 200, latest
    deadline first. ``rejected_reasons`` counts rejected rows by the short kind of their reason;
    ``rejected`` shows at most 50, by line; ``rejected_first`` the first row (smallest line) of each kind,
    as ``(line, id, reason)``. ``warnings_total``, ``warning_reasons`` and ``warnings_first`` are the same
    for the cells of evaluated rows that were ignored with a warning (warnings.csv). ``notes`` are cautions
    the figures carry (say, that the calendar counts days of a year whose make-up workdays are not
    published yet).
    """

    policy: str | None
    as_of: datetime | None
    group_by: tuple[str, ...]
    rows: int
    evaluated: int
    overall: Figures
    groups: tuple[Group, ...]
    breaches_total: int
    breached_tickets: int
    breaches: tuple[Breach, ...]
    rejected_total: int
    rejected_reasons: Mapping[str, int]
    rejected: tuple[tuple[int | None, str | None, str], ...]
    notes: tuple[str, ...] = ()
    rejected_first: Mapping[str, tuple[int | None, str | None, str]] = field(default_factory=dict)
    warnings_total: int = 0
    warning_reasons: Mapping[str, int] = field(default_factory=dict)
    warnings_first: Mapping[str, tuple[int | None, str | None, str]] = field(default_factory=dict)
    timezone: str | None = None
    priorities: Mapping[str, tuple[str | None, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``slakit.summary/1`` JSON object (docs/report.md)."""
        return {
            "schema": SCHEMA,
            "policy": self.policy,
            "as_of": self.as_of.isoformat() if self.as_of is not None else None,
            "timezone": self.timezone,
            "priorities": {code: {"name": name, "rank": rank} for code, (name, rank) in self.priorities.items()},
            "group_by": list(self.group_by),
            "rows": {"total": self.rows, "evaluated": self.evaluated, "rejected": self.rejected_total},
            "overall": self.overall.to_dict(),
            "groups": [group.to_dict() for group in self.groups],
            "breaches": {
                "total": self.breaches_total,
                "tickets": self.breached_tickets,
                "shown": [breach.to_dict() for breach in self.breaches],
            },
            "rejected": {
                "total": self.rejected_total,
                "reasons": dict(self.rejected_reasons),
                "shown": [{"line": line, "id": ticket, "reason": reason} for line, ticket, reason in self.rejected],
                "first": _firsts(self.rejected_first),
            },
            "warnings": {
                "total": self.warnings_total,
                "reasons": dict(self.warning_reasons),
                "first": _firsts(self.warnings_first),
            },
            "notes": list(self.notes),
        }


def _firsts(firsts: Mapping[str, tuple[int | None, str | None, str]]) -> dict[str, dict[str, Any]]:
    return {kind: {"line": line, "id": ticket, "reason": reason} for kind, (line, ticket, reason) in firsts.items()}
