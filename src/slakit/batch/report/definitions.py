"""The words under the figures: definitions printed in every human report, and the run's one-line description."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFINITIONS", "describe_run"]

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Ticket counts · 工单量", "Every evaluated ticket, by its type, priority, product model and channel."),
    ("Volume by week · 每周工单量", "Tickets by the ISO week of their creation, in the policy calendar's time zone."),
    (
        "Handling time · 处理时长",
        "From creation to the last resolve of a resolved ticket, in business hours (the policy calendar's open time) "
        "and in wall-clock hours; medians and 90th percentiles beside the means.",
    ),
    (
        "First-contact resolution · 一次解决率",
        "Share of resolved tickets that had exactly one public agent reply and were never reopened.",
    ),
    (
        "SLA compliance · SLA 达成率",
        "Met / (met + breached) per metric; tickets whose clock is still running at the as-of instant are "
        "counted as running and left out of the rate.",
    ),
    (
        "Breach · 超时",
        "A target whose business-hours deadline passed before the metric was completed (or, still running, before "
        "the as-of instant); late by counts the business hours past the deadline.",
    ),
    (
        "Satisfaction · 满意度",
        "Mean survey scores per dimension and overall; CSAT is the share of responses at or above the policy's "
        "follow-up threshold, and follow-ups count responses below it.",
    ),
    (
        "Top issues · 高频问题",
        "The five most frequent categories (or, without categories, the keyword classifier over the subject).",
    ),
    ("Escalations · 升级", "Tickets for which at least one of the policy's escalation rules fired, by rule and level."),
    ("Rejected rows · 无效行", "Input rows that could not be read as tickets, with their line numbers and reasons."),
)
"""``(term, definition)`` pairs, in the order the reports list them."""


def describe_run(summary: Mapping[str, Any]) -> str:
    """``Policy p1-p3 · as of … · grouped by month · 620 rows: 612 evaluated, 8 rejected``, then the summary's
    notes (``note: China's make-up workdays after 2026 are not published; deadlines may move``)."""
    rows: Mapping[str, Any] = summary["rows"] if isinstance(summary.get("rows"), Mapping) else {}
    parts = [
        f"Policy {summary.get('policy') or '(unnamed)'}",
        f"as of {summary.get('as_of')}",
    ]
    if summary.get("group_by"):
        parts.append("grouped by " + ", ".join(str(key) for key in summary["group_by"]))
    parts.append(
        f"{rows.get('total', 0):,} rows: {rows.get('evaluated', 0):,} evaluated, {rows.get('rejected', 0):,} rejected"
    )
    parts.extend(f"note: {note}" for note in summary.get("notes") or ())
    return " · ".join(parts)
