"""slakit's reports as the JSON the API returns (slakit's own `to_dict()` shapes, issue #15)."""

from __future__ import annotations

from typing import Any

from slakit.escalation import EscalationReport
from slakit.sla import SLAReport
from slakit.survey import SurveyScore


def report_json(sla: SLAReport, escalation: EscalationReport, survey: SurveyScore | None) -> dict[str, Any]:
    """`GET /tickets/{number}/sla`: the SLA report, the escalation report and the survey score, if any.
    Each validates against its JSON Schema (`slakit.schema.report()`, `escalation_report()`,
    `survey_score()`), instants ISO 8601 with offsets, durations `{"seconds": ..., "text": ...}`."""
    return {
        "sla": sla.to_dict(),
        "escalation": escalation.to_dict(),
        "survey": survey.to_dict() if survey is not None else None,
    }
