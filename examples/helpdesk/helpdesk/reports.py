"""slakit's reports as JSON, and the escalations a scheduler check has not notified yet.

TODO: use SLAReport.to_dict(), EscalationReport.to_dict(), SurveyScore.to_dict() and
EscalationReport.fired_between(t0, t1) (issue #21, items 1 and 4) once they are in slakit; until
then these small functions write the same shapes: instants as ISO 8601 with offsets, durations as
{"seconds": ..., "text": ...}, enums as their values.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slakit.durations import format_duration
from slakit.escalation import EscalationReport
from slakit.escalation.report import Escalation
from slakit.sla import MetricStatus, SLAReport
from slakit.survey import SurveyScore


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _duration(value: timedelta) -> dict[str, Any]:
    return {"seconds": value.total_seconds(), "text": format_duration(value)}


def metric_json(status: MetricStatus) -> dict[str, Any]:
    # TODO: use MetricStatus.to_dict() (issue #21)
    return {
        "metric": status.metric,
        "state": status.state.value,
        "target": _duration(status.target),
        "deadline": _instant(status.deadline),
        "elapsed": _duration(status.elapsed),
        "remaining": _duration(status.remaining),
        "at_risk": status.at_risk,
        "started_at": _instant(status.started_at),
        "completed_at": _instant(status.completed_at),
        "breached_at": _instant(status.breached_at),
        "clock": status.clock,
        "pausable": status.pausable,
        "cycle": status.cycle,
        "extensions": len(status.extensions),
    }


def sla_json(report: SLAReport) -> dict[str, Any]:
    # TODO: use SLAReport.to_dict() (issue #15)
    return {
        "ticket_id": report.ticket_id,
        "as_of": _instant(report.as_of),
        "priority": report.priority,
        "metrics": {name: metric_json(status) for name, status in report.items()},
        "next_change_at": _instant(report.next_change_at),
        "ignored_extensions": [str(item) for item in report.ignored_extensions],
    }


def escalation_item_json(item: Escalation) -> dict[str, Any]:
    return {
        "rule": item.rule,
        "level": item.level,
        "role": item.role,
        "fired_at": _instant(item.fired_at),
        "contact_by": _instant(item.contact_by),
        "reason": item.reason,
        "cycle": item.cycle,
    }


def escalation_json(report: EscalationReport) -> dict[str, Any]:
    # TODO: use EscalationReport.to_dict() (issue #15)
    return {
        "ticket_id": report.ticket_id,
        "as_of": _instant(report.as_of),
        "level": report.level,
        "fired": [escalation_item_json(item) for item in report.fired],
        "next_at": _instant(report.next_at),
    }


def survey_json(score: SurveyScore) -> dict[str, Any]:
    # TODO: use SurveyScore.to_dict() (issue #15)
    return {
        "overall": str(score.overall),
        "needs_follow_up": score.needs_follow_up,
        "facts": {name: str(value) for name, value in score.facts().items()},
    }


def fired_between(now: EscalationReport, before: EscalationReport | None) -> list[Escalation]:
    """The escalations of ``now`` that ``before`` (the same ticket evaluated at the previous check,
    None for the first) did not show: what a check has to notify.
    TODO: use EscalationReport.fired_between(t0, t1) (issue #21)."""
    seen = {(item.rule, item.cycle) for item in before.fired} if before else set()
    return [item for item in now.fired if (item.rule, item.cycle) not in seen]
