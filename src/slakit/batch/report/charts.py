"""The report's charts, drawn from the summary dict with :mod:`.svg`.

Each chart has a stable name (its SVG is ``id="chart-<name>"``): ``volume_by_week``,
``sla_compliance``, ``handling_time``, ``satisfaction``, ``top_issues``, and ``trend`` (rates) and
``trend_response`` (first-response hours) when the summary has two groups or more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slakit.batch.report._format import display
from slakit.batch.report.svg import Bar, Series, bar_chart, column_chart, grouped_column_chart, line_chart
from slakit.batch.report.tables import group_label, metric_label, priority_labels, sla_metrics

__all__ = ["Chart", "charts"]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's ``name`` (``chart-<name>`` in the page), its ``title`` and its ``svg`` markup."""

    name: str
    title: str
    svg: str


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def charts(summary: Mapping[str, Any]) -> list[Chart]:
    """Every chart of the report for ``summary``, in page order."""
    figures = _mapping(summary.get("overall"))
    made = [
        _volume(figures),
        _sla(figures, dict(priority_labels(summary))),
        _handling(figures),
        _satisfaction(figures),
        _top_issues(figures),
    ]
    groups = [_mapping(group) for group in summary.get("groups") or ()]
    if len(groups) >= 2:
        made += [_trend(groups), _trend_response(groups)]
    return made


def _hours(value: float) -> str:
    return f"{value:,.0f} h" if value >= 10 or value == int(value) else f"{value:,.1f} h"


def _volume(figures: Mapping[str, Any]) -> Chart:
    title = "Tickets per ISO week · 每周工单量"
    weeks = _mapping(figures.get("volume_by_week"))
    bars = [Bar(str(week), count, display(count, "count")) for week, count in weeks.items()]
    return Chart("volume_by_week", title, column_chart("volume_by_week", title, bars))


def _sla(figures: Mapping[str, Any], names: Mapping[str, str]) -> Chart:
    title = "SLA compliance per priority and metric · SLA 达成率"
    order = {code: i for i, code in enumerate(names)}
    sla = sorted(_mapping(figures.get("sla")).items(), key=lambda item: order.get(item[0], len(order)))
    per_group = [(str(p), _mapping(m)) for p, m in sla]
    if figures.get("sla_overall"):
        per_group.append(("All", _mapping(figures.get("sla_overall"))))
    series = []
    for metric in sla_metrics(figures):
        values = tuple(_mapping(metrics.get(metric)).get("compliance") for _, metrics in per_group)
        series.append(Series(metric, values, tuple(display(v, "rate") for v in values), metric_label(metric)))
    groups = [g for g, _ in per_group]
    labels = [names.get(g, "All 全部" if g == "All" else g) for g in groups]
    svg = grouped_column_chart(
        "sla_compliance", title, groups, series, tick_text=_percent, max_value=1.0, labels=labels
    )
    return Chart("sla_compliance", title, svg)


def _handling(figures: Mapping[str, Any]) -> Chart:
    title = "Handling time distribution, business hours · 处理时长分布"
    buckets = [_mapping(b) for b in _mapping(figures.get("handling_time")).get("histogram") or ()]
    bars = [Bar(str(b.get("label")), b.get("count", 0), display(b.get("count", 0), "count")) for b in buckets]
    return Chart("handling_time", title, column_chart("handling_time", title, bars))


def _satisfaction(figures: Mapping[str, Any]) -> Chart:
    title = "Satisfaction by dimension · 满意度"
    satisfaction = _mapping(figures.get("satisfaction"))
    dimensions = [(str(_mapping(d).get("label") or n), _mapping(d).get("mean")) for n, d in _dims(satisfaction)]
    bars = [Bar(label, mean, display(mean, "score")) for label, mean in dimensions]
    if bars and satisfaction.get("mean_overall") is not None:
        bars.append(Bar("Overall 总体", satisfaction["mean_overall"], display(satisfaction["mean_overall"], "score")))
    # the summary does not carry the survey's scale: 5 (the manuals' 1-5) unless a mean is above it
    top = max(5.0, math.ceil(max((b.value or 0 for b in bars), default=0)))
    return Chart("satisfaction", title, bar_chart("satisfaction", title, bars, max_value=top, tick_text=_score))


def _score(value: float) -> str:
    return f"{value:g}"


def _dims(satisfaction: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return list(_mapping(satisfaction.get("dimensions")).items())


def _top_issues(figures: Mapping[str, Any]) -> Chart:
    title = "Top 5 problems · 高频问题"
    items = [_mapping(item) for item in _mapping(figures.get("top_issues")).get("items") or ()][:5]
    bars = [Bar(str(item.get("issue")), item.get("count", 0), display(item.get("count", 0), "count")) for item in items]
    return Chart("top_issues", title, bar_chart("top_issues", title, bars))


def _trend_values(figures: Mapping[str, Any]) -> dict[str, Any]:
    sla = _mapping(figures.get("sla_overall"))
    return {
        "Response SLA 响应达成": _mapping(sla.get("response")).get("compliance"),
        "Resolution SLA 解决达成": _mapping(sla.get("resolution")).get("compliance"),
        "Resolution rate 解决率": figures.get("resolution_rate"),
        "First-contact resolution 一次解决率": _mapping(figures.get("first_contact_resolution")).get("rate"),
        "CSAT 满意率": _mapping(figures.get("satisfaction")).get("csat"),
        "Surveyed in time 及时回访率": _mapping(figures.get("survey_timeliness")).get("rate"),
    }


def _response_values(figures: Mapping[str, Any]) -> dict[str, Any]:
    first = _mapping(figures.get("first_response_overall"))
    business, wall = _mapping(first.get("business")), _mapping(first.get("wall"))
    return {
        "Mean first response, business 平均首次响应(工作时)": business.get("mean"),
        "Median first response, business 首次响应中位数(工作时)": business.get("median"),
        "Mean first response, wall clock 平均首次响应(自然时)": wall.get("mean"),
    }


def _series(groups: list[Mapping[str, Any]], values: Any, kind: Any) -> list[Series]:
    per_group = [values(_mapping(group.get("figures"))) for group in groups]
    series = []
    for name in per_group[0]:
        row = tuple(one[name] for one in per_group)
        if any(v is not None for v in row):
            series.append(Series(name, row, tuple(display(v, kind) for v in row)))
    return series


def _trend(groups: list[Mapping[str, Any]]) -> Chart:
    title = "Rates per group · 达成率与解决率趋势"
    labels = [group_label(_mapping(group.get("key"))) for group in groups]
    series = _series(groups, _trend_values, "rate")
    return Chart("trend", title, line_chart("trend", title, labels, series, tick_text=_percent, max_value=1.0))


def _trend_response(groups: list[Mapping[str, Any]]) -> Chart:
    title = "First-response time per group · 响应时长趋势"
    labels = [group_label(_mapping(group.get("key"))) for group in groups]
    series = _series(groups, _response_values, "hours")
    return Chart("trend_response", title, line_chart("trend_response", title, labels, series, tick_text=_hours))
