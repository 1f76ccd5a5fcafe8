"""The Markdown report: the same figures as the HTML page, as headings and pipe tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slakit.batch.report._format import display
from slakit.batch.report.definitions import DEFINITIONS, describe_run, rejected_warning
from slakit.batch.report.tables import (
    OVERVIEW_COLUMNS,
    Table,
    breaches_table,
    figure_tables,
    first_response_table,
    overview_table,
    overview_values,
    priority_labels,
    rejected_reasons_table,
    rejected_rows_table,
)

__all__ = ["escape_markdown", "render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


_LONG_TITLES = {
    "fcr_rate": "First-contact resolution",
    "handling_business_median": "Median handling (business)",
    "handling_wall_mean": "Mean handling (wall clock)",
    "response_compliance": "Response SLA compliance",
    "resolution_compliance": "Resolution SLA compliance",
    "satisfaction_mean": "Mean satisfaction",
    "escalated_tickets": "Escalated tickets",
    "survey_on_time_rate": "Surveyed in time after resolution",
}


def escape_markdown(text: str) -> str:
    """``text`` safe inside a Markdown table cell: one line, markup characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _table(table: Table, *, level: int = 3) -> list[str]:
    lines = [f"{'#' * level} {table.title}", ""] if level else []
    lines.append("| " + " | ".join(escape_markdown(column.title) for column in table.columns) + " |")
    lines.append("|" + "|".join("---:" if column.kind != "text" else "---" for column in table.columns) + "|")
    for row in table.rows:
        cells = (escape_markdown(c.show(value)) for c, value in zip(table.columns, row, strict=True))
        lines.append("| " + " | ".join(cells) + " |")
    if not table.rows:
        lines.append("| " + " | ".join(["none", *([""] * (len(table.columns) - 1))]) + " |")
    if table.note:
        lines += ["", escape_markdown(table.note)]
    return [*lines, ""]


def render_markdown(summary: dict[str, Any]) -> str:
    """The report as Markdown (GitHub-flavoured pipe tables); every text from the summary is escaped."""
    overall: Mapping[str, Any] = summary.get("overall") or {}
    tables = {table.name: table for table in figure_tables(overall, priority_labels(summary))}
    breaches = summary.get("breaches") or {}
    key_figures = [
        (_LONG_TITLES.get(column.name, column.title), display(value, column.kind))
        for column, value in zip(OVERVIEW_COLUMNS, overview_values(overall), strict=True)
    ]
    key_figures.append(("SLA breaches", display(breaches.get("total"), "count")))
    retention = overall.get("retention")
    if isinstance(retention, Mapping):
        key_figures.append(
            (
                f"Retention ending after {retention.get('after')} until {retention.get('until')}",
                display(retention.get("ending_next_quarter"), "count"),
            )
        )
    warning = rejected_warning(summary)
    lines = [
        "# Service report · 服务报告",
        "",
        escape_markdown(describe_run(summary)),
        "",
        *([f"> **{escape_markdown(warning)}**", ""] if warning else []),
        "## Key figures · 关键指标",
        "",
        "| Figure | Value |",
        "|---|---:|",
        *(f"| {escape_markdown(name)} | {escape_markdown(value)} |" for name, value in key_figures),
        "",
        "## Tickets · 工单量",
        "",
    ]
    for name in ("by_type", "by_priority", "by_route", "by_product", "by_channel", "volume_by_week"):
        lines += _table(tables[name])
    lines += ["## Handling time · 处理时长", ""]
    lines += _table(tables["handling_time"]) + _table(tables["handling_time_histogram"])
    lines += ["## First response · 首次响应", ""]
    lines += _table(tables["first_response"]) + _table(first_response_table(summary))
    lines += ["## SLA compliance · SLA 达成率", "", *_table(tables["sla"], level=0)]
    lines += ["## Satisfaction and top issues · 满意度与高频问题", ""]
    lines += _table(tables["satisfaction"]) + _table(tables["top_issues"])
    lines += ["## Escalations · 升级", ""]
    lines += _table(tables["escalations_by_rule"]) + _table(tables["escalations_by_level"])
    lines += ["## Overview per group · 分组概览", "", *_table(overview_table(summary), level=0)]
    lines += ["## SLA breaches · 超时记录", "", *_table(breaches_table(summary), level=0)]
    lines += ["## Rejected rows · 无效行", ""]
    lines += _table(rejected_reasons_table(summary)) + _table(rejected_rows_table(summary))
    lines += ["## Definitions · 口径说明", ""]
    lines += [f"- **{escape_markdown(term)}**: {escape_markdown(text)}" for term, text in DEFINITIONS]
    return "\n".join(lines) + "\n"
