"""The words under the figures: definitions printed in every human report, and the run's one-line description."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFINITIONS", "describe_as_of", "describe_run", "rejected_warning"]

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
        "Top problems · 高频问题",
        "The five most frequent problem phrases: the keyword of the policy's classifier that decided each ticket's "
        "category in its subject (设备无法启动, 软件卡顿), with their share of the tickets with a "
        "phrase, the mean business handling time of the resolved ones and the tickets' categories. Without any "
        "matching subject, the categories' subtypes are counted instead.",
    ),
    (
        "Tickets by type and route · 按类型与派单角色",
        "A ticket without a category in the export is classified from its subject by the same classifier as the top "
        "problems (the tables say how many); its route is its type's classification.types.<type>.route.",
    ),
    (
        "First response · 首次响应",
        "From creation to the first public agent reply, in business and wall-clock hours; mean and median per "
        "priority and per period.",
    ),
    ("Resolution rate · 解决率", "Resolved tickets (resolved at the as-of instant) / tickets."),
    (
        "Surveyed in time · 及时回访率",
        "Resolved tickets whose survey came within the survey scheme's due_within (24 h) of the resolution, out of "
        "those whose survey came or whose time is up; not measured when the export gives no survey time.",
    ),
    (
        "Retention · 存档期限",
        "Records are kept the policy's retention (3 calendar years) after the resolution day; the count is of the "
        "tickets whose retention ends after the as-of date and at most three months after it.",
    ),
    ("Escalations · 升级", "Tickets for which at least one of the policy's escalation rules fired, by rule and level."),
    ("Rejected rows · 无效行", "Input rows that could not be read as tickets, with their line numbers and reasons."),
)
"""``(term, definition)`` pairs, in the order the reports list them."""


def describe_as_of(summary: Mapping[str, Any]) -> str:
    """The as-of instant in the policy's time zone, to the minute: ``2025-10-31 23:59 (Asia/Shanghai)``.

    Without a known zone the instant keeps its own offset (``2025-10-31 23:59 +08:00``); text that is not an ISO
    instant is shown as it is.
    """
    text = summary.get("as_of")
    if not isinstance(text, str):
        return str(text)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return text
    if instant.tzinfo is None:
        return instant.strftime("%Y-%m-%d %H:%M")
    zone_name = summary.get("timezone")
    if isinstance(zone_name, str):
        try:
            return f"{instant.astimezone(ZoneInfo(zone_name)).strftime('%Y-%m-%d %H:%M')} ({zone_name})"
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = instant.strftime("%z")
    return f"{instant.strftime('%Y-%m-%d %H:%M')} {offset[:3]}:{offset[3:]}"


MOSTLY_REJECTED = 0.5
"""A run is warned about when more than this share of its rows was rejected."""


def rejected_warning(summary: Mapping[str, Any]) -> str | None:
    """The warning a run whose rows were mostly rejected carries (None otherwise)."""
    rows: Mapping[str, Any] = summary["rows"] if isinstance(summary.get("rows"), Mapping) else {}
    total, rejected = rows.get("total") or 0, rows.get("rejected") or 0
    if not isinstance(total, int) or not isinstance(rejected, int) or not total or rejected / total <= MOSTLY_REJECTED:
        return None
    return (
        f"Warning: {rejected:,} of {total:,} rows ({rejected / total:.1%}) were rejected, so these figures cover "
        f"only {total - rejected:,} tickets. See Rejected rows and rejected.csv for the reasons · 大部分行无效"
    )


def describe_run(summary: Mapping[str, Any]) -> str:
    """``Policy p1-p3 · as of 2025-10-31 23:59 (Asia/Shanghai) · grouped by month · 620 rows: 612 evaluated,
    8 rejected``, then the summary's notes (``note: China's make-up workdays after 2026 are not published;
    deadlines may move``)."""
    rows: Mapping[str, Any] = summary["rows"] if isinstance(summary.get("rows"), Mapping) else {}
    parts = [
        f"Policy {summary.get('policy') or '(unnamed)'}",
        f"as of {describe_as_of(summary)}",
    ]
    if summary.get("group_by"):
        parts.append("grouped by " + ", ".join(str(key) for key in summary["group_by"]))
    parts.append(
        f"{rows.get('total', 0):,} rows: {rows.get('evaluated', 0):,} evaluated, {rows.get('rejected', 0):,} rejected"
    )
    parts.extend(f"note: {note}" for note in summary.get("notes") or ())
    return " · ".join(parts)
