"""Human-readable traces of how each deadline was derived, in English or zh-CN."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from slakit.calendar import DayKind
from slakit.durations import format_duration
from slakit.instants import from_us

if TYPE_CHECKING:
    from slakit.calendar import BusinessCalendar
    from slakit.sla.report import MetricStatus, SLAReport

_MAX_INTERVALS = 12
_MAX_DAYS = 400

_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "header": "Ticket {id} as of {as_of}, priority {priority}",
        "metric": {
            "response": "response",
            "acknowledge": "acknowledge",
            "update": "update",
            "resolution": "resolution",
        },
        "state": {
            "pending": "pending",
            "running": "running",
            "paused": "paused",
            "met": "met",
            "breached": "breached",
        },
        "target": "{metric}: target {target} on {clock} ({pausable}); {state}",
        "sla": "  target of SLA '{name}', whose 'when' held: {why}",
        "relative": "  due at the last closing of business day {days} after the clock's own (0: that day)",
        "pausable": "pauses stop the clock",
        "not_pausable": "pauses do not stop the clock",
        "started": "  started {at}",
        "counted": "  counted open time: {items}",
        "more": "and {n} more",
        "skipped": "  closed days skipped: {items}",
        "makeup": "  make-up workdays counted: {items}",
        "paused": "  paused: {items}",
        "extension": "  deadline moved by an agreed extension to {until}",
        "deadline": "  deadline {deadline}",
        "completed": "  completed {at}",
        "breached": "  breached at {at}",
        "figures": "  elapsed {elapsed}, remaining {remaining}",
        "gaps": "  update gaps over target: {items}",
        "runs": "  {metric} runs over target: {items}",
        "ignored": "ignored extension of {metric} recorded {at}: {reason}",
        "note": "note: {note}",
        "cycle": "earlier cycle {n}:",
        "pending": "  not started",
        "24x7": "24x7 time",
        "calendar": "business hours of calendar '{name}'",
        "event": " (event {id})",
    },
    "zh-CN": {
        "header": "工单 {id}，截至 {as_of}，优先级 {priority}",
        "metric": {"response": "响应", "acknowledge": "确认接单", "update": "进展更新", "resolution": "解决"},
        "state": {
            "pending": "未开始",
            "running": "计时中",
            "paused": "已暂停",
            "met": "已达标",
            "breached": "已超时",
        },
        "target": "{metric}：目标 {target}，按{clock}计算（{pausable}）；{state}",
        "sla": "  目标来自 SLA「{name}」，其条件成立：{why}",
        "relative": "  截止于计时开始当天之后第 {days} 个工作日的下班时间",
        "pausable": "暂停状态停止计时",
        "not_pausable": "暂停状态不停止计时",
        "started": "  开始于 {at}",
        "counted": "  计入的工作时段：{items}",
        "more": "另有 {n} 段",
        "skipped": "  跳过的休息日：{items}",
        "makeup": "  计入的调休工作日：{items}",
        "paused": "  暂停：{items}",
        "extension": "  经客户同意延期，截止时间改为 {until}",
        "deadline": "  截止时间 {deadline}",
        "completed": "  完成于 {at}",
        "breached": "  超时于 {at}",
        "figures": "  已用 {elapsed}，剩余 {remaining}",
        "gaps": "  超过目标的更新间隔：{items}",
        "runs": "  超过目标的{metric}计时：{items}",
        "ignored": "未采用的{metric}延期（记录于 {at}）：{reason}",
        "note": "注意：{note}",
        "cycle": "第 {n} 个周期：",
        "pending": "  尚未开始",
        "24x7": "自然时间（7x24）",
        "calendar": "日历「{name}」的工作时间",
        "event": "（事件 {id}）",
    },
}


def explain(report: SLAReport, lang: str = "en") -> str:
    """The trace of every metric in ``report``; ``lang`` is ``en`` or ``zh-CN`` (``zh``)."""
    text = _TEXT["zh-CN" if lang.lower().startswith("zh") else "en"]
    zone = report.as_of.tzinfo
    for status in report.metrics.values():
        zone = status.trace.zone or zone
        break
    lines = [text["header"].format(id=report.ticket_id, as_of=_show(report.as_of, zone), priority=report.priority)]
    for n, cycle in enumerate(report.cycles, start=1):
        lines.append(text["cycle"].format(n=n))
        for status in cycle.values():
            lines.extend("  " + line for line in _metric_lines(status, text))
    for status in report.metrics.values():
        lines.extend(_metric_lines(status, text))
    for item in report.ignored_extensions:
        lines.append(
            text["ignored"].format(
                metric=text["metric"].get(item.event.metric or "", item.event.metric),
                at=_show(item.event.at, zone),
                reason=item.reason,
            )
            + _event_id(item.event.id, text)
        )
    lines.extend(text["note"].format(note=note) for note in report.notes)
    return "\n".join(lines)


def _metric_lines(status: MetricStatus, text: dict[str, Any]) -> list[str]:
    trace = status.trace
    clock_text = text["24x7"] if status.clock == "24x7" else text["calendar"].format(name=status.clock)
    pausable = text["pausable"] if status.pausable else text["not_pausable"]
    lines = [
        text["target"].format(
            metric=text["metric"].get(status.metric, status.metric),
            target=format_duration(status.target),
            clock=clock_text,
            pausable=pausable,
            state=text["state"][status.state.value],
        )
    ]
    target = status.figures.target if status.figures is not None else None
    if status.sla is not None:
        why = target.why if target is not None and target.sla == status.sla else None
        lines.append(text["sla"].format(name=status.sla, why=why or "—"))
    if target is not None and target.days is not None:
        lines.append(text["relative"].format(days=target.days))
    if status.started_at is None:
        lines.append(text["pending"])
        return lines
    zone: tzinfo = trace.zone or status.started_at.tzinfo or UTC
    lines.append(text["started"].format(at=_show(status.started_at, zone)))
    if trace.clock is not None and trace.counted:
        lines.extend(_calendar_lines(trace.clock, trace.counted, zone, text))
    if trace.paused:
        items = [f"{_show_us(a, zone)} – {_show_us(b, zone)} ({reason})" for a, b, reason in trace.paused]
        lines.append(text["paused"].format(items="; ".join(items)))
    for extension in status.extensions:
        lines.append(
            text["extension"].format(until=_show(extension.event.until, zone)) + _event_id(extension.event.id, text)
        )
    if status.deadline is not None:
        lines.append(text["deadline"].format(deadline=_show(status.deadline, zone)))
    if status.completed_at is not None:
        lines.append(text["completed"].format(at=_show(status.completed_at, zone)))
    if status.breached_at is not None:
        lines.append(text["breached"].format(at=_show(status.breached_at, zone)))
    if status.gaps:
        items = [f"{_show(g.started_at, zone)} → {_show(g.ended_at, zone) if g.ended_at else '…'}" for g in status.gaps]
        key = "gaps" if status.metric == "update" else "runs"
        lines.append(text[key].format(items="; ".join(items), metric=status.metric))
    lines.append(
        text["figures"].format(elapsed=format_duration(status.elapsed), remaining=format_duration(status.remaining))
    )
    return lines


def _calendar_lines(
    clock: BusinessCalendar, counted: tuple[tuple[int, int], ...], zone: tzinfo, text: dict[str, Any]
) -> list[str]:
    intervals = []
    for a, b in counted:
        for open_, close in clock.intervals(from_us(a, zone), from_us(b, zone)):
            intervals.append((open_, close))
    shown = [
        f"{_show(o, zone)}–{_show(c, zone, time_only=o.astimezone(zone).date() == c.astimezone(zone).date())}"
        f" ({format_duration(c - o)})"
        for o, c in intervals[:_MAX_INTERVALS]
    ]
    if len(intervals) > _MAX_INTERVALS:
        shown.append(text["more"].format(n=len(intervals) - _MAX_INTERVALS))
    lines = [text["counted"].format(items=", ".join(shown) or "—")]
    first = from_us(counted[0][0], zone).date()
    last = from_us(counted[-1][1], zone).date()
    skipped, makeup = [], []
    day = first
    for _ in range(_MAX_DAYS):
        if day > last:
            break
        schedule = clock.schedule(day)
        if schedule.kind in (DayKind.HOLIDAY, DayKind.EXTRA_HOLIDAY):
            skipped.append(f"{day.isoformat()} {schedule.name or ''}".strip())
        elif schedule.kind in (DayKind.MAKEUP_WORKDAY, DayKind.EXTRA_WORKDAY):
            makeup.append(day.isoformat())
        day += timedelta(days=1)
    if skipped:
        lines.append(text["skipped"].format(items=", ".join(skipped)))
    if makeup:
        lines.append(text["makeup"].format(items=", ".join(makeup)))
    return lines


def _event_id(event_id: str | None, text: dict[str, Any]) -> str:
    """`` (event E-17)`` after a line about an event the host gave an id, else nothing."""
    return "" if event_id is None else text["event"].format(id=event_id)


def _show(value: datetime | None, zone: tzinfo | None, *, time_only: bool = False) -> str:
    if value is None:
        return "—"
    local = value.astimezone(zone) if zone is not None else value
    fmt = "%H:%M" if time_only else "%Y-%m-%d %H:%M %a"
    if local.second or local.microsecond:
        fmt = fmt.replace("%M", "%M:%S")
    return local.strftime(fmt)


def _show_us(value: int, zone: tzinfo | None) -> str:
    return _show(from_us(value, zone) if zone is not None else None, zone)


__all__ = ["explain"]
