"""The HTML report: one self-contained page (inline CSS and SVG, no scripts, nothing fetched)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from slakit.batch.report._format import display, short_hours
from slakit.batch.report.charts import charts
from slakit.batch.report.definitions import DEFINITIONS, describe_run, rejected_warning
from slakit.batch.report.tables import (
    Table,
    breaches_table,
    figure_tables,
    first_response_table,
    overview_table,
    priority_labels,
    rejected_reasons_table,
    rejected_rows_table,
)

__all__ = ["render_html"]

_CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --card: #fff; --bg: #f5f7fa; --accent: #2f6db5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Droid Sans Fallback",
    "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 8px; }
.meta, .note, footer { color: var(--muted); font-size: 13px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin: 20px 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.kpi-value { display: block; font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi-label { display: block; color: var(--muted); font-size: 13px; }
.kpi-sub { display: block; color: var(--muted); font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 0;
  overflow-x: auto; }
figure.card svg { width: 100%; height: auto; display: block; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart .tick, svg.chart .empty { fill: var(--muted); }
svg.chart .value { font-size: 11px; }
svg.chart .small { font-size: 9px; }
svg.chart .value.inside { fill: #fff; }
svg.chart .grid { stroke: var(--line); }
svg.chart .axis { stroke: #9aa5b1; }
svg.chart .line { stroke-width: 2.5; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.all td { font-weight: 600; }
#table-overview td, #table-breaches td { white-space: nowrap; }
.banner { background: #fdecea; border: 1px solid #e5a5a0; color: #8a1c13; border-radius: 8px; padding: 10px 14px;
  margin: 16px 0; font-weight: 600; }
dl { font-size: 13px; } dt { font-weight: 600; margin-top: 8px; } dd { margin: 0 0 0 16px; color: var(--muted); }
@media print { body { background: #fff; } .card, .kpi { break-inside: avoid; border-color: #ccc; } }
"""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _table(table: Table, *, heading: bool = True) -> str:
    head = "".join(
        f'<th{" class=num" if column.kind != "text" else ""} scope="col">{escape(column.title)}</th>'
        for column in table.columns
    )
    body = []
    for row in table.rows:
        cells = "".join(
            f"<td{' class=num' if column.kind != 'text' else ''}>{escape(column.show(value))}</td>"
            for column, value in zip(table.columns, row, strict=True)
        )
        marker = ' class="all"' if row and row[0] == "(all)" else ""
        body.append(f"<tr{marker}>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(table.columns)}" class="note">none</td></tr>')
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    title = f"<h3>{escape(table.title)}</h3>" if heading else ""
    return (
        f'<div class="card">{title}<table id="table-{escape(table.name, quote=True)}" data-rows="{len(table.rows)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}</div>"
    )


def _kpis(summary: Mapping[str, Any]) -> str:
    figures = _mapping(summary.get("overall"))
    handling = _mapping(_mapping(figures.get("handling_time")).get("business"))
    sla = _mapping(figures.get("sla_overall"))
    satisfaction = _mapping(figures.get("satisfaction"))
    timeliness = _mapping(figures.get("survey_timeliness"))
    retention = _mapping(figures.get("retention"))
    items = [
        ("tickets", "Tickets 工单量", display(figures.get("tickets"), "count"), ""),
        ("resolved", "Resolved 已解决", display(figures.get("resolved"), "count"), ""),
        (
            "fcr",
            "First-contact resolution 一次解决率",
            display(_mapping(figures.get("first_contact_resolution")).get("rate"), "rate"),
            "",
        ),
        ("response", "Response SLA 响应达成", display(_mapping(sla.get("response")).get("compliance"), "rate"), ""),
        (
            "resolution",
            "Resolution SLA 解决达成",
            display(_mapping(sla.get("resolution")).get("compliance"), "rate"),
            "",
        ),
        (
            "handling",
            "Mean handling 平均处理时长",
            display(handling.get("mean"), "hours"),
            f"business hours · median {display(handling.get('median'), 'hours')}",
        ),
        (
            "satisfaction",
            "Satisfaction 满意度",
            display(satisfaction.get("mean_overall"), "score"),
            f"CSAT {display(satisfaction.get('csat'), 'rate')} · "
            f"{display(satisfaction.get('responses'), 'count')} responses",
        ),
        (
            "first_response",
            "Mean first response 平均首次响应",
            display(_mapping(_mapping(figures.get("first_response_overall")).get("business")).get("mean"), "hours"),
            "business hours · wall clock "
            + display(_mapping(_mapping(figures.get("first_response_overall")).get("wall")).get("mean"), "hours"),
        ),
        ("resolution_rate", "Resolution rate 解决率", display(figures.get("resolution_rate"), "rate"), ""),
        (
            "survey_on_time",
            "Surveyed in time 及时回访率",
            display(timeliness.get("rate"), "rate"),
            f"within {short_hours(timeliness.get('due_within_hours'))} h of resolution"
            if timeliness.get("due_within_hours") is not None
            else "",
        ),
        ("escalated", "Escalated 升级工单", display(_mapping(figures.get("escalations")).get("tickets"), "count"), ""),
        ("breaches", "SLA breaches 超时", display(_mapping(summary.get("breaches")).get("total"), "count"), ""),
        ("rejected", "Rejected rows 无效行", display(_mapping(summary.get("rows")).get("rejected"), "count"), ""),
    ]
    if retention:
        items.append(
            (
                "retention",
                "Retention ending next quarter 下季度到期存档",
                display(retention.get("ending_next_quarter"), "count"),
                f"after {retention.get('after')} until {retention.get('until')} · "
                f"{display(retention.get('ended'), 'count')} already ended",
            )
        )
    cards = "".join(
        f'<div class="kpi" data-kpi="{key}"><span class="kpi-value">{escape(value)}</span>'
        f'<span class="kpi-label">{escape(label)}</span>'
        + (f'<span class="kpi-sub">{escape(sub)}</span>' if sub else "")
        + "</div>"
        for key, label, value, sub in items
    )
    return f'<section class="kpis" id="key-figures">{cards}</section>'


def _banner(summary: Mapping[str, Any]) -> str:
    warning = rejected_warning(summary)
    if warning is None:
        return ""
    return f'<div class="banner" id="warning-rejected" role="alert">{escape(warning)}</div>\n'


def _section(section_id: str, title: str, body: str) -> str:
    return f'<section id="{section_id}"><h2>{escape(title)}</h2>{body}</section>'


def render_html(summary: dict[str, Any]) -> str:
    """The report as one self-contained HTML page; every text from the summary is escaped."""
    tables = {table.name: table for table in figure_tables(_mapping(summary.get("overall")), priority_labels(summary))}
    figures = "".join(
        f'<figure class="card" id="figure-{chart.name}"><h3>{escape(chart.title)}</h3>{chart.svg}</figure>'
        for chart in charts(summary)
    )
    sections = [
        _section("charts", "Charts · 图表", f'<div class="grid">{figures}</div>'),
        _section(
            "tickets",
            "Tickets · 工单量",
            '<div class="grid">'
            + "".join(
                _table(tables[name]) for name in ("by_type", "by_priority", "by_route", "by_product", "by_channel")
            )
            + "</div>",
        ),
        _section(
            "handling",
            "Handling time · 处理时长",
            f'<div class="grid">{_table(tables["handling_time"])}{_table(tables["handling_time_histogram"])}</div>',
        ),
        _section(
            "first-response",
            "First response · 首次响应",
            f'<div class="grid">{_table(tables["first_response"])}</div>'
            + _table(first_response_table(summary), heading=True),
        ),
        _section("sla", "SLA compliance · SLA 达成率", _table(tables["sla"], heading=False)),
        _section(
            "satisfaction-section",
            "Satisfaction and top issues · 满意度与高频问题",
            f'<div class="grid">{_table(tables["satisfaction"])}{_table(tables["top_issues"])}</div>',
        ),
        _section(
            "escalations",
            "Escalations · 升级",
            f'<div class="grid">{_table(tables["escalations_by_rule"])}{_table(tables["escalations_by_level"])}</div>',
        ),
        _section("groups", "Overview per group · 分组概览", _table(overview_table(summary), heading=False)),
        _section("breaches", "SLA breaches · 超时记录", _table(breaches_table(summary), heading=False)),
        _section(
            "rejected",
            "Rejected rows · 无效行",
            f'<div class="grid">{_table(rejected_reasons_table(summary))}{_table(rejected_rows_table(summary))}</div>',
        ),
        _section(
            "definitions",
            "Definitions · 口径说明",
            "<dl>" + "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in DEFINITIONS) + "</dl>",
        ),
    ]
    policy = summary.get("policy")
    title = "Service report · 服务报告" + (f" — {policy}" if policy else "")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="slakit">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<header><h1>Service report · 服务报告</h1><p class="meta">{escape(describe_run(summary))}</p></header>\n'
        f"{_banner(summary)}{_kpis(summary)}\n"
        + "\n".join(sections)
        + f"\n<footer><p>Generated by slakit · {escape(str(summary.get('schema', '')))}</p></footer>\n"
        "</main>\n</body>\n</html>\n"
    )
