"""The tables of a report, built once from the summary dict and rendered by every format.

A :class:`Table` keeps raw values (numbers stay numbers, ``None`` stays ``None``): the CSV export
writes them as they are, Markdown and HTML format each column by its :data:`~._format.Kind`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slakit.batch.report._format import Kind, display, short_hours

__all__ = [
    "ALL",
    "COUNT_TABLES",
    "METRIC_LABELS",
    "OVERVIEW_COLUMNS",
    "Column",
    "Table",
    "breaches_table",
    "count_table",
    "csv_tables",
    "figure_tables",
    "first_response_table",
    "group_columns",
    "group_label",
    "metric_label",
    "overview_table",
    "overview_values",
    "priority_labels",
    "rejected_reasons_table",
    "rejected_rows_table",
    "sla_metrics",
]

ALL = "(all)"
"""The group value of the rows that cover every ticket, in tables that also have per-group rows."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column: ``name`` heads the CSV, ``title`` the human reports, ``kind`` says how cells read.

    ``labels`` are ``(value, label)`` pairs the human reports show instead of a value (priority ``P1`` as
    ``P1 紧急``, metric ``response`` as ``Response 首次响应``); the CSV export keeps the raw value.
    """

    name: str
    title: str
    kind: Kind = "text"
    labels: tuple[tuple[str, str], ...] = ()

    def show(self, value: Any) -> str:
        """``value`` as the human reports show it in this column."""
        if self.labels and isinstance(value, str):
            for raw, label in self.labels:
                if raw == value:
                    return label
        return display(value, self.kind)


METRIC_LABELS: Mapping[str, str] = {
    "response": "Response 首次响应",
    "acknowledge": "Acknowledge 受理确认",
    "update": "Update 进展更新",
    "resolution": "Resolution 解决",
}
"""Each built-in metric in English and Chinese, as the human reports name it."""


def metric_label(metric: str) -> str:
    """``response`` -> ``Response 首次响应``; a metric without a label as it is."""
    return METRIC_LABELS.get(metric, metric)


def priority_labels(summary: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """``(code, "P1 紧急")`` for each priority the summary names (``summary["priorities"]``), by rank."""
    priorities = _mapping(summary.get("priorities"))
    ranked = sorted(priorities.items(), key=lambda item: (_rank(item[1]), item[0]))
    labels = []
    for code, spec in ranked:
        name = _mapping(spec).get("name")
        labels.append((str(code), f"{code} {name}" if name and name != code else str(code)))
    return tuple(labels)


def _rank(spec: Any) -> float:
    rank = _mapping(spec).get("rank")
    return float(rank) if isinstance(rank, int | float) and not isinstance(rank, bool) else math.inf


def _by_rank(items: Iterable[tuple[str, Any]], labels: tuple[tuple[str, str], ...]) -> list[tuple[str, Any]]:
    """Items keyed by priority code in rank order (the labels' order), others after them in their own order."""
    order = {code: i for i, (code, _) in enumerate(labels)}
    return sorted(items, key=lambda item: order.get(item[0], len(order)))


@dataclass(frozen=True, slots=True)
class Table:
    """A named table of raw values; ``name`` is also its CSV file's ``summary_<name>.csv``."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


_COUNT_COLUMNS = (Column("tickets", "Tickets", "count"), Column("share", "Share", "rate"))


def count_table(name: str, title: str, label: Column, counts: Mapping[str, int], note: str = "") -> Table:
    """Tickets and share per value of one grouping key (type, priority, route, an attribute, ...)."""
    total = sum(counts.values())
    rows = tuple((key, count, _share(count, total)) for key, count in counts.items())
    return Table(name, title, (label, *_COUNT_COLUMNS), rows, note=note)


COUNT_TABLES: tuple[tuple[str, str, str, str], ...] = (
    ("by_type", "Tickets by type · 按类型", "type", "Type"),
    ("by_priority", "Tickets by priority · 按优先级", "priority", "Priority"),
    ("by_product", "Tickets by product · 按产品型号", "product", "Product"),
    ("by_channel", "Tickets by channel · 按渠道", "channel", "Channel"),
    ("by_route", "Tickets by route · 按派单角色", "route", "Route"),
)
"""``(figures key, title, CSV column, heading)`` of each "tickets by" table: one line per grouping key (a ticket
attribute's counts, ``by_attribute.tier``, would be one more line)."""


def sla_metrics(figures: Mapping[str, Any]) -> list[str]:
    """The metrics in ``figures["sla"]`` and ``["sla_overall"]``, in first-seen order."""
    seen: dict[str, None] = {}
    for per_metric in (*_mapping(figures.get("sla")).values(), _mapping(figures.get("sla_overall"))):
        seen.update(dict.fromkeys(_mapping(per_metric)))
    return list(seen)


def _counts_note(name: str, figures: Mapping[str, Any]) -> str:
    classified = figures.get("classified_from_subject") or 0
    if name in ("by_type", "by_route") and classified:
        return (
            f"{display(classified, 'count')} of {display(figures.get('tickets'), 'count')} tickets had no category in "
            "the export: their type comes from the policy's keyword classifier over the subject, as in the top "
            "problems."
        )
    return ""


def figure_tables(figures: Mapping[str, Any], priorities: tuple[tuple[str, str], ...] = ()) -> list[Table]:
    """The tables of one ``<Figures>`` mapping (the whole run or one group); ``priorities`` are the
    :func:`priority_labels` (priority tables in rank order, codes shown with their names)."""
    tables = []
    for name, title, column, heading in COUNT_TABLES:
        counts = _mapping(figures.get(name))
        if name == "by_priority":
            counts = dict(_by_rank(counts.items(), priorities))
        labels = priorities if name == "by_priority" else ()
        tables.append(
            count_table(name, title, Column(column, heading, labels=labels), counts, _counts_note(name, figures))
        )
    tables += [
        Table(
            "volume_by_week",
            "Volume by week · 每周工单量",
            (Column("week", "ISO week"), Column("tickets", "Tickets", "count")),
            tuple(_mapping(figures.get("volume_by_week")).items()),
        ),
    ]
    handling = _mapping(figures.get("handling_time"))
    stats = (Column("count", "Resolved", "count"), *(Column(k, k.title(), "hours") for k in ("mean", "median", "p90")))
    tables.append(
        Table(
            "handling_time",
            "Handling time, created to last resolve · 处理时长",
            (Column("clock", "Clock"), *stats),
            tuple(
                (clock, *(_mapping(handling.get(clock)).get(k) for k in ("count", "mean", "median", "p90")))
                for clock in ("business", "wall")
            ),
            note="Business hours count the policy calendar's open time only; wall-clock hours count every hour.",
        )
    )
    buckets = [(_mapping(b).get("label"), _mapping(b).get("count", 0)) for b in handling.get("histogram") or ()]
    resolved = sum(count for _, count in buckets)
    tables.append(
        Table(
            "handling_time_histogram",
            "Handling time distribution (business hours) · 处理时长分布",
            (Column("bucket", "Business hours"), *_COUNT_COLUMNS),
            tuple((label, count, _share(count, resolved)) for label, count in buckets),
        )
    )
    tables.append(_sla_table(figures, priorities))
    satisfaction = _mapping(figures.get("satisfaction"))
    tables.append(
        Table(
            "satisfaction",
            "Satisfaction by dimension · 满意度",
            (Column("dimension", "Dimension"), Column("label", "Label"), Column("mean", "Mean score", "score")),
            tuple(
                (name, _mapping(dim).get("label", name), _mapping(dim).get("mean"))
                for name, dim in _mapping(satisfaction.get("dimensions")).items()
            ),
            note=_satisfaction_note(satisfaction, _mapping(figures.get("survey_timeliness")) or None),
        )
    )
    top = _mapping(figures.get("top_issues"))
    tables.append(
        Table(
            "top_issues",
            "Top 5 problems · 高频问题",
            (
                Column("rank", "Rank", "count"),
                Column("issue", "Problem"),
                Column("tickets", "Tickets", "count"),
                Column("share", "Share", "rate"),
                Column("mean_handling_hours", "Mean handling (business)", "hours"),
                Column("categories", "Categories"),
            ),
            tuple(
                (
                    rank,
                    _mapping(item).get("issue"),
                    _mapping(item).get("count"),
                    _mapping(item).get("share"),
                    _mapping(item).get("mean_handling_hours"),
                    _categories(_mapping(item).get("categories")),
                )
                for rank, item in enumerate(top.get("items") or (), start=1)
            ),
            note=_TOP_SOURCES.get(str(top.get("source")), ""),
        )
    )
    tables.append(
        Table(
            "first_response",
            "First response per priority · 首次响应时长",
            (Column("priority", "Priority", labels=priorities), *_FIRST_RESPONSE_COLUMNS),
            tuple(_first_response_rows(figures, priorities)),
            note="Created to the first public agent reply, in business hours (the policy calendar's open time) and "
            "wall-clock hours.",
        )
    )
    escalations = _mapping(figures.get("escalations"))
    tables.append(
        Table(
            "escalations_by_rule",
            "Escalations by rule · 升级规则",
            (Column("rule", "Rule"), Column("tickets", "Tickets", "count")),
            tuple(_mapping(escalations.get("by_rule")).items()),
        )
    )
    tables.append(
        Table(
            "escalations_by_level",
            "Escalations by highest level · 升级级别",
            (Column("level", "Level"), Column("tickets", "Tickets", "count")),
            tuple(_mapping(escalations.get("by_level")).items()),
        )
    )
    return tables


def _satisfaction_note(satisfaction: Mapping[str, Any], timeliness: Mapping[str, Any] | None = None) -> str:
    note = (
        f"{display(satisfaction.get('responses'), 'count')} responses · overall "
        f"{display(satisfaction.get('mean_overall'), 'score')} · CSAT {display(satisfaction.get('csat'), 'rate')} · "
        f"{display(satisfaction.get('follow_up'), 'count')} need follow-up"
    )
    if timeliness:
        within = timeliness.get("due_within_hours")
        note += (
            f" · surveyed within {short_hours(within)} h of resolution: {display(timeliness.get('rate'), 'rate')}"
            f" ({display(timeliness.get('on_time'), 'count')} of {display(timeliness.get('due'), 'count')} due)"
        )
    return note


_TOP_SOURCES = {
    "category": "No subject matched a keyword: counted by the ticket's category (its subtype where there is one).",
    "subject": "Counted by the problem phrase the policy's keyword classifier matched in each ticket's subject "
    "(the keyword that decided its category); share of the tickets with a phrase; handling of the resolved ones.",
}


def _categories(value: Any) -> str | None:
    """``{"售后服务类/硬件维修": 3, ...}`` as ``售后服务类/硬件维修 ×3 · ...`` (None when there are none)."""
    categories = _mapping(value)
    if not categories:
        return None
    return " · ".join(f"{category} ×{count}" for category, count in categories.items())


def _first_response_rows(figures: Mapping[str, Any], priorities: tuple[tuple[str, str], ...]) -> list[tuple[Any, ...]]:
    per = _by_rank(_mapping(figures.get("first_response")).items(), priorities)
    per.append((ALL, figures.get("first_response_overall")))
    rows = []
    for priority, one in per:
        business, wall = _mapping(_mapping(one).get("business")), _mapping(_mapping(one).get("wall"))
        rows.append(
            (priority, business.get("count"), business.get("mean"), business.get("median"), wall.get("mean"),
             wall.get("median"))
        )  # fmt: skip
    return rows


_FIRST_RESPONSE_COLUMNS = (
    Column("replied", "Replied", "count"),
    Column("business_mean", "Mean (business)", "hours"),
    Column("business_median", "Median (business)", "hours"),
    Column("wall_mean", "Mean (wall clock)", "hours"),
    Column("wall_median", "Median (wall clock)", "hours"),
)


def first_response_table(summary: Mapping[str, Any]) -> Table:
    """Mean and median first-response time per priority, for the whole run and then per group (period)."""
    priorities = priority_labels(summary)
    rows = tuple((*key, *row) for key, figures in _groups(summary) for row in _first_response_rows(figures, priorities))
    return Table(
        "first_response_by_group",
        "First response per priority and "
        + (", ".join(str(k) for k in summary.get("group_by") or ()) or "run")
        + " · 首次响应时长",
        (*group_columns(summary), Column("priority", "Priority", labels=priorities), *_FIRST_RESPONSE_COLUMNS),
        rows,
        note="Created to the first public agent reply of the tickets that had one.",
    )


def _sla_table(figures: Mapping[str, Any], priorities: tuple[tuple[str, str], ...] = ()) -> Table:
    columns = (
        Column("priority", "Priority", labels=priorities),
        Column("metric", "Metric", labels=tuple(METRIC_LABELS.items())),
        Column("met", "Met", "count"),
        Column("breached", "Breached", "count"),
        Column("running", "Running", "count"),
        Column("compliance", "Compliance", "rate"),
    )
    per_priority = [
        (priority, _mapping(metrics))
        for priority, metrics in _by_rank(_mapping(figures.get("sla")).items(), priorities)
    ]
    per_priority.append((ALL, _mapping(figures.get("sla_overall"))))
    rows = tuple(
        (priority, metric, *(_mapping(counts).get(k) for k in ("met", "breached", "running", "compliance")))
        for priority, metrics in per_priority
        for metric, counts in metrics.items()
    )
    return Table(
        "sla",
        "SLA compliance per priority and metric · SLA 达成率",
        columns,
        rows,
        note="Compliance = met / (met + breached); tickets whose clock is still running are not counted.",
    )


OVERVIEW_COLUMNS = (
    Column("tickets", "Tickets", "count"),
    Column("resolved", "Resolved", "count"),
    Column("fcr_rate", "FCR", "rate"),
    Column("handling_business_mean", "Mean handling (business)", "hours"),
    Column("handling_business_median", "Median (business)", "hours"),
    Column("handling_wall_mean", "Mean (wall clock)", "hours"),
    Column("response_compliance", "Response SLA", "rate"),
    Column("resolution_compliance", "Resolution SLA", "rate"),
    Column("satisfaction_mean", "Satisfaction", "score"),
    Column("csat", "CSAT", "rate"),
    Column("escalated_tickets", "Escalated", "count"),
    Column("resolution_rate", "Resolution rate", "rate"),
    Column("first_response_business_mean", "Mean first response (business)", "hours"),
    Column("first_response_business_median", "Median first response (business)", "hours"),
    Column("first_response_wall_mean", "Mean first response (wall clock)", "hours"),
    Column("first_response_wall_median", "Median first response (wall clock)", "hours"),
    Column("survey_on_time_rate", "Surveyed in time", "rate"),
)
"""The headline figures of a group: one row per group in the overview table (the columns added last come last,
so that readers of summary_overview.csv keep working)."""


def overview_values(figures: Mapping[str, Any]) -> tuple[Any, ...]:
    """The :data:`OVERVIEW_COLUMNS` values of one ``<Figures>`` mapping."""
    handling = _mapping(figures.get("handling_time"))
    business, wall = _mapping(handling.get("business")), _mapping(handling.get("wall"))
    sla = _mapping(figures.get("sla_overall"))
    satisfaction = _mapping(figures.get("satisfaction"))
    return (
        figures.get("tickets"),
        figures.get("resolved"),
        _mapping(figures.get("first_contact_resolution")).get("rate"),
        business.get("mean"),
        business.get("median"),
        wall.get("mean"),
        _mapping(sla.get("response")).get("compliance"),
        _mapping(sla.get("resolution")).get("compliance"),
        satisfaction.get("mean_overall"),
        satisfaction.get("csat"),
        _mapping(figures.get("escalations")).get("tickets"),
        figures.get("resolution_rate"),
        *_first_figures(figures),
        _mapping(figures.get("survey_timeliness")).get("rate"),
    )


def _first_figures(figures: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    first = _mapping(figures.get("first_response_overall"))
    business, wall = _mapping(first.get("business")), _mapping(first.get("wall"))
    return business.get("mean"), business.get("median"), wall.get("mean"), wall.get("median")


def group_columns(summary: Mapping[str, Any]) -> tuple[Column, ...]:
    """One text column per ``group_by`` key."""
    return tuple(Column(str(key), str(key).replace("_", " ").capitalize()) for key in summary.get("group_by") or ())


def group_label(key: Mapping[str, Any]) -> str:
    """A group's key as one short label: ``2025-09``, or ``2025-09 · P1`` for several keys."""
    return " · ".join(str(value) for value in key.values())


def _groups(summary: Mapping[str, Any]) -> Iterable[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    """``(group key values, figures)`` for the whole run (key values :data:`ALL`) then each group."""
    names = [str(key) for key in summary.get("group_by") or ()]
    yield tuple(ALL for _ in names), _mapping(summary.get("overall"))
    for group in summary.get("groups") or ():
        key = _mapping(_mapping(group).get("key"))
        yield tuple(key.get(name) for name in names), _mapping(_mapping(group).get("figures"))


def overview_table(summary: Mapping[str, Any]) -> Table:
    """Headline figures for the whole run and then per group (month by default)."""
    return Table(
        "overview",
        "Overview by " + (", ".join(str(k) for k in summary.get("group_by") or ()) or "run") + " · 分组概览",
        group_columns(summary) + OVERVIEW_COLUMNS,
        tuple((*key, *overview_values(figures)) for key, figures in _groups(summary)),
    )


def csv_tables(summary: Mapping[str, Any]) -> list[Table]:
    """Every table for the CSV export: the overview, then each figure table with rows for all and per group."""
    prefix = group_columns(summary)
    priorities = priority_labels(summary)
    merged: dict[str, Table] = {}
    for key, figures in _groups(summary):
        for table in figure_tables(figures, priorities):
            rows = tuple((*key, *row) for row in table.rows)
            if table.name in merged:
                merged[table.name] = replace(merged[table.name], rows=merged[table.name].rows + rows)
            else:
                merged[table.name] = replace(table, columns=prefix + table.columns, rows=rows)
    return [overview_table(summary), *merged.values(), rejected_reasons_table(summary)]


def breaches_table(summary: Mapping[str, Any]) -> Table:
    """The breaches the summary lists (latest deadline first); the note says how many there are in all."""
    breaches = _mapping(summary.get("breaches"))
    shown: Sequence[Any] = breaches.get("shown") or ()
    total = breaches.get("total", len(shown))
    columns = (
        Column("ticket", "Ticket"),
        Column("line", "Line"),
        Column("priority", "Priority", labels=priority_labels(summary)),
        Column("metric", "Metric", labels=tuple(METRIC_LABELS.items())),
        Column("deadline", "Deadline"),
        Column("completed_at", "Completed"),
        Column("late_by_hours", "Late by (business)", "hours"),
    )
    rows = tuple(tuple(_mapping(item).get(column.name) for column in columns) for item in shown)
    note = f"{len(rows):,} of {total:,} breaches shown" + (
        "; breaches.csv lists every one." if len(rows) < total else "."
    )
    return Table("breaches", "SLA breaches · 超时记录", columns, rows, note=note)


def rejected_reasons_table(summary: Mapping[str, Any]) -> Table:
    """How many input rows were rejected, per reason."""
    reasons = _mapping(_mapping(summary.get("rejected")).get("reasons"))
    return Table(
        "rejected_reasons",
        "Rejected rows by reason · 无效行原因",
        (Column("reason", "Reason"), Column("rows", "Rows", "count")),
        tuple(reasons.items()),
    )


def rejected_rows_table(summary: Mapping[str, Any]) -> Table:
    """The rejected rows the summary lists, with line numbers; the note says how many there are in all."""
    rejected = _mapping(summary.get("rejected"))
    shown: Sequence[Any] = rejected.get("shown") or ()
    total = rejected.get("total", len(shown))
    columns = (Column("line", "Line"), Column("id", "Ticket"), Column("reason", "Reason"))
    rows = tuple(tuple(_mapping(item).get(column.name) for column in columns) for item in shown)
    note = f"{len(rows):,} of {total:,} rejected rows shown" + (
        "; rejected.csv lists every one." if len(rows) < total else "."
    )
    return Table("rejected", "Rejected rows · 无效行", columns, rows, note=note)
