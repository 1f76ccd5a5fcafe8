"""The tables of a report, built once from the summary dict and rendered by every format.

A :class:`Table` keeps raw values (numbers stay numbers, ``None`` stays ``None``): the CSV export
writes them as they are, Markdown and HTML format each column by its :data:`~._format.Kind`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slakit.batch.report._format import Kind, display

__all__ = [
    "ALL",
    "OVERVIEW_COLUMNS",
    "Column",
    "Table",
    "breaches_table",
    "csv_tables",
    "figure_tables",
    "group_columns",
    "group_label",
    "overview_table",
    "overview_values",
    "rejected_reasons_table",
    "rejected_rows_table",
    "sla_metrics",
]

ALL = "(all)"
"""The group value of the rows that cover every ticket, in tables that also have per-group rows."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column: ``name`` heads the CSV, ``title`` the human reports, ``kind`` says how cells read."""

    name: str
    title: str
    kind: Kind = "text"


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


def _count_table(name: str, title: str, label: Column, counts: Mapping[str, int]) -> Table:
    total = sum(counts.values())
    rows = tuple((key, count, _share(count, total)) for key, count in counts.items())
    return Table(name, title, (label, *_COUNT_COLUMNS), rows)


_COUNTS = (
    ("by_type", "Tickets by type · 按类型", "type", "Type"),
    ("by_priority", "Tickets by priority · 按优先级", "priority", "Priority"),
    ("by_product", "Tickets by product · 按产品型号", "product", "Product"),
    ("by_channel", "Tickets by channel · 按渠道", "channel", "Channel"),
)


def sla_metrics(figures: Mapping[str, Any]) -> list[str]:
    """The metrics in ``figures["sla"]`` and ``["sla_overall"]``, in first-seen order."""
    seen: dict[str, None] = {}
    for per_metric in (*_mapping(figures.get("sla")).values(), _mapping(figures.get("sla_overall"))):
        seen.update(dict.fromkeys(_mapping(per_metric)))
    return list(seen)


def figure_tables(figures: Mapping[str, Any]) -> list[Table]:
    """The tables of one ``<Figures>`` mapping (the whole run or one group)."""
    tables = [
        _count_table(name, title, Column(column, heading), _mapping(figures.get(name)))
        for name, title, column, heading in _COUNTS
    ]
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
    tables.append(_sla_table(figures))
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
            note=_satisfaction_note(satisfaction),
        )
    )
    top = _mapping(figures.get("top_issues"))
    tables.append(
        Table(
            "top_issues",
            "Top issues · 高频问题",
            (Column("rank", "Rank", "count"), Column("issue", "Issue"), Column("tickets", "Tickets", "count")),
            tuple(
                (rank, _mapping(item).get("issue"), _mapping(item).get("count"))
                for rank, item in enumerate(top.get("items") or (), start=1)
            ),
            note=_TOP_SOURCES.get(str(top.get("source")), ""),
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


def _satisfaction_note(satisfaction: Mapping[str, Any]) -> str:
    return (
        f"{display(satisfaction.get('responses'), 'count')} responses · overall "
        f"{display(satisfaction.get('mean_overall'), 'score')} · CSAT {display(satisfaction.get('csat'), 'rate')} · "
        f"{display(satisfaction.get('follow_up'), 'count')} need follow-up"
    )


_TOP_SOURCES = {
    "category": "Counted by the ticket's category (its subtype where there is one).",
    "subject": "Counted by the policy's keyword classifier over each ticket's subject.",
}


def _sla_table(figures: Mapping[str, Any]) -> Table:
    columns = (
        Column("priority", "Priority"),
        Column("metric", "Metric"),
        Column("met", "Met", "count"),
        Column("breached", "Breached", "count"),
        Column("running", "Running", "count"),
        Column("compliance", "Compliance", "rate"),
    )
    per_priority = [(priority, _mapping(metrics)) for priority, metrics in _mapping(figures.get("sla")).items()]
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
)
"""The headline figures of a group: one row per group in the overview table."""


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
    )


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
    merged: dict[str, Table] = {}
    for key, figures in _groups(summary):
        for table in figure_tables(figures):
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
        Column("priority", "Priority"),
        Column("metric", "Metric"),
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
