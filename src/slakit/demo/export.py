"""A realistic, seeded sample export for ``slakit demo``: two months of a support team's tickets.

The tickets follow the support manuals (docs/presets.md, the ``p1-p3`` preset): the preset's
categories (技术支持类/软件故障排查 ...) with subjects its keyword classifier recognises, product
models, the usual channels (电话, 在线客服, 邮件, 微信 ...), business-hours response and resolution
times with some breaches, acknowledgements, agent updates, customer pauses, reopenings,
complaints, wide-impact incidents, agreed extensions and 1-5 satisfaction surveys.

:func:`generate` yields them; :func:`write_export` writes the same tickets twice: as the flat CSV a
helpdesk exports (one row per ticket, docs/report.md's columns) and as JSONL with each ticket's
full history (pauses and updates cannot be expressed in a flat row). A few records are broken on
purpose, as in real exports (a time without an offset, an unknown priority, a garbage number, a
resolve before creation), so the report shows rejected rows too.

Everything comes from ``random.Random(seed)`` and the explicit ``as_of``: the same arguments give
byte-identical files everywhere.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from slakit import presets
from slakit.batch import csv_safe
from slakit.calendar import BusinessCalendar
from slakit.durations import parse_duration
from slakit.errors import ConfigError
from slakit.instants import require_aware
from slakit.numbering import PrefixMap
from slakit.sla import Event, Ticket

__all__ = ["CSV_COLUMNS", "DemoFiles", "DemoTicket", "generate", "write_export"]

CSV_COLUMNS = (
    "id", "created_at", "priority", "category", "channel", "product", "customer", "agent", "assigned_at",
    "acknowledged_at", "first_response_at", "agent_replies", "resolved_at", "reopened_at", "complaints",
    "affected_customers", "flags", "subject", "survey_solved", "survey_speed", "survey_attitude", "survey_at",
)  # fmt: skip
"""The flat export's columns, in order."""

_PREFIXES = PrefixMap({"技术支持类": "TS", "售后服务类": "SS", "投诉建议类": "CS"})
_HARDWARE = ("BX-100 工业平板", "BX-200 工业平板", "CX-8 扫码终端", "DP-50 标签打印机", "GW-3 边缘网关")
_SOFTWARE = ("云端管理平台", "移动端 App", "MES 系统 5.2")
_CHANNELS = (("电话", 34), ("在线客服", 24), ("邮件", 14), ("微信", 13), ("企业微信", 8), ("自助门户", 5), ("钉钉", 2))
_AGENTS = ("王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "周杰", "吴涛", "孙丽")
_CUSTOMERS = (
    "华东精密制造有限公司", "苏州恒信电子科技有限公司", "杭州云帆物流有限公司", "深圳市鹏程自动化设备有限公司",
    "成都天府医药连锁有限公司", "武汉长江汽车零部件有限公司", "青岛海润食品有限公司", "北京中关村软件园服务中心",
    "上海浦江仓储有限公司", "南京金陵纺织有限公司", "广州白云包装材料有限公司", "西安秦川机械有限公司",
    "厦门鹭岛电子商务有限公司", "天津港联国际货运有限公司", "合肥科大智能装备有限公司", "宁波甬港冷链物流有限公司",
    "长沙湘江新材料有限公司", "郑州中原烟草物流中心", "重庆两江汽车销售服务有限公司", "昆明滇池生物科技有限公司",
)  # fmt: skip
# (subtype, weight, hardware only, subjects); {p} is the product, {n} a number
_ISSUES: dict[str, tuple[tuple[str, int, bool, tuple[str, ...]], ...]] = {
    "技术支持类": (
        ("软件故障排查", 22, False, (
            "{p} 软件卡顿，操作经常无响应", "{p} 登录不了，提示账号异常", "升级后 {p} 报错 E{n}",
            "{p} 打开报表就闪退", "{p} 数据同步失败，界面白屏",
        )),
        ("操作指导", 16, False, (
            "如何设置 {p} 的打印模板", "{p} 的批量导入操作步骤", "新员工需要 {p} 使用方法培训",
            "怎样在 {p} 里配置权限",
        )),
        ("功能咨询", 11, False, (
            "{p} 是否支持批量导出到 Excel", "{p} 能否支持与 ERP 对接", "{p} 有没有这个功能：多仓库管理",
            "{p} 是否支持 Windows 11",
        )),
    ),
    "售后服务类": (
        ("硬件维修", 19, True, (
            "{p} 设备无法启动", "{p} 开不了机，指示灯不亮", "{p} 屏幕损坏，需要维修",
            "{p} 运行时有异响并且过热", "{p} 扫码头坏了",
        )),
        ("安装调试", 9, True, ("{p} 需要上门安装", "新到的 {p} 调试与接线指导", "{p} 部署到新产线")),
        ("退换货", 6, True, ("收到的 {p} 外壳破损，申请换货", "{p} 七天无理由退货", "{p} 退款进度查询")),
    ),
    "投诉建议类": (
        ("服务投诉", 9, False, ("投诉：{p} 报修三天一直没解决", "投诉工程师服务态度差", "对 {p} 售后处理不满意")),
        ("产品建议", 8, False, ("建议 {p} 增加夜间模式", "希望能优化 {p} 报表导出速度", "建议 {p} 支持扫码枪快捷键")),
    ),
}  # fmt: skip
_PRIORITY_SHARE = {"硬件维修": (18, 37), "软件故障排查": (12, 36), "服务投诉": (10, 45)}  # % P1, % P2; else (4, 22)
_MINUTE = timedelta(minutes=1)
_DEMO_DAYS = 61


@dataclass(frozen=True, slots=True)
class DemoTicket:
    """One generated ticket: the full :class:`~slakit.sla.Ticket` plus what a flat export shows beside it."""

    ticket: Ticket
    agent: str
    survey: dict[str, int] | None
    survey_at: datetime | None

    @property
    def flat(self) -> dict[str, Any]:
        """The ticket as one flat export row (``CSV_COLUMNS``); the current priority, no pauses or updates."""
        t, events = self.ticket, self.ticket.events
        replies = [e for e in events if e.is_first_response]
        resolves = [e.at for e in events if e.type == "resolve"]
        reopens = [e.at for e in events if e.type == "reopen"]
        priority = next((e.priority for e in reversed(events) if e.type == "priority"), t.priority)
        survey = self.survey or {}
        return {
            "id": t.id,
            "created_at": t.created_at,
            "priority": priority,
            "category": t.category,
            "channel": t.channel,
            "product": t.product,
            "customer": t.customer,
            "agent": self.agent,
            "assigned_at": _first(events, "assign"),
            "acknowledged_at": _first(events, "acknowledge"),
            "first_response_at": replies[0].at if replies else None,
            "agent_replies": len(replies),
            "resolved_at": resolves[-1] if resolves and (not reopens or resolves[-1] > reopens[-1]) else None,
            "reopened_at": reopens[-1] if reopens else None,
            "complaints": t.complaints,
            "affected_customers": t.affected_customers,
            "flags": ";".join(sorted(t.flags)),
            "subject": t.subject,
            **{f"survey_{name}": survey.get(name) for name in ("solved", "speed", "attitude")},
            "survey_at": self.survey_at,
        }

    def to_json(self) -> dict[str, Any]:
        """The ticket as one JSONL line's object: ``Ticket.to_dict()`` plus ``survey`` and ``survey_at``."""
        data = self.ticket.to_dict()
        if self.survey is not None and self.survey_at is not None:
            data["survey"] = self.survey
            data["survey_at"] = self.survey_at.isoformat()
        return data


def _at_us(event: Event) -> int:
    return event.at_us


def _first(events: Sequence[Event], kind: str) -> datetime | None:
    return next((e.at for e in events if e.type == kind), None)


def generate(rows: int, *, seed: int, as_of: datetime, days: int = _DEMO_DAYS) -> Iterator[DemoTicket]:
    """``rows`` tickets created over the ``days`` before ``as_of``, in creation order, from ``seed``.

    Events after ``as_of`` have not happened yet: those tickets are still open. Raises
    :class:`~slakit.errors.ConfigError` for ``rows`` below 0 or ``days`` below 1.
    """
    require_aware(as_of, "as_of")
    if rows < 0:
        raise ConfigError.for_value("rows", rows, "a whole number, 0 or more")
    if days < 1:
        raise ConfigError.for_value("days", days, "a whole number of days, 1 or more")
    config = presets.config("p1-p3")
    calendar = BusinessCalendar.from_config(config["calendars"]["default"])
    targets = {code: p["targets"] for code, p in config["priorities"].items()}
    maker = _Maker(random.Random(seed), calendar, targets, as_of)  # noqa: S311 -- sample data, not secrets
    last_day = (as_of - _MINUTE).astimezone(calendar.timezone).date()  # an as_of at midnight ends the day before
    first_day = last_day - timedelta(days=days - 1)
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    weights = [1.0 if calendar.schedule(day).ranges else 0.22 for day in day_list]
    for day, count in zip(day_list, _spread(rows, weights), strict=True):
        for created in maker.created_on(day, count):
            yield maker.ticket(created)


def _spread(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), so the counts add up exactly."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _hours(value: float) -> timedelta:
    """Business hours rounded to whole minutes, so every generated time stays on the minute."""
    return max(1, round(value * 60)) * _MINUTE


class _Maker:
    """The random choices behind one demo export."""

    def __init__(
        self, rng: random.Random, calendar: BusinessCalendar, targets: dict[str, Any], as_of: datetime
    ) -> None:
        self.rng, self.calendar, self.as_of = rng, calendar, as_of
        self.targets = {code: {m: _target_hours(v) for m, v in t.items()} for code, t in targets.items()}
        self.numberers = _PREFIXES.numberers(overflow="widen")

    def created_on(self, day: date, count: int) -> list[datetime]:
        """``count`` creation times on ``day``: office hours mostly, evenings and weekends some; before as_of."""
        rng, zone = self.rng, self.calendar.timezone
        workday = bool(self.calendar.schedule(day).ranges)
        start = datetime.combine(day, time(0), zone)
        room = (self.as_of - start) // _MINUTE  # minutes of the day before as_of (the last day is cut short)
        times = []
        for _ in range(count):
            if workday and rng.random() < 0.82:
                minute = int(rng.triangular(9 * 60, 18 * 60, 10.5 * 60))
            else:
                minute = rng.randrange(7 * 60, 23 * 60)
            if minute >= room:  # the as_of day: only the minutes before as_of (at least one, see generate)
                minute = rng.randrange(room)
            times.append(start + minute * _MINUTE)
        return sorted(times)

    def add(self, start: datetime, business_hours: float) -> datetime:
        return self.calendar.add(start, _hours(business_hours))

    def ticket(self, created: datetime) -> DemoTicket:
        rng = self.rng
        kind = rng.choices(list(_ISSUES), weights=[sum(i[1] for i in _ISSUES[k]) for k in _ISSUES])[0]
        subtype, _, hardware, subjects = rng.choices(_ISSUES[kind], weights=[i[1] for i in _ISSUES[kind]])[0]
        product = rng.choice(_HARDWARE if hardware or rng.random() < 0.5 else _SOFTWARE)
        p1, p2 = _PRIORITY_SHARE.get(subtype, (4, 22))
        roll = rng.randrange(100)
        priority = "P1" if roll < p1 else "P2" if roll < p1 + p2 else "P3"
        agent = rng.choice(_AGENTS)
        events, breached = self._history(created, priority, agent, subtype)
        affected = 1
        if priority == "P1" and rng.random() < 0.25:
            affected = rng.randint(2, 8)
        if rng.random() < 0.012:
            affected = rng.randint(10, 60)  # wide impact: an outage for many customers
        flags = frozenset({"public_opinion_risk"}) if rng.random() < 0.004 else frozenset()
        ticket = Ticket(
            id=self.numberers[kind].next(at=created),
            created_at=created,
            priority=priority,
            category=f"{kind}/{subtype}",
            channel=rng.choices([c for c, _ in _CHANNELS], weights=[w for _, w in _CHANNELS])[0],
            product=product,
            customer=rng.choice(_CUSTOMERS),
            affected_customers=affected,
            flags=flags,
            events=tuple(e for e in events if e.at <= self.as_of),
            subject=rng.choice(subjects).format(p=product, n=rng.randint(100, 999)),
        )
        survey, survey_at = self._survey(ticket, breached)
        return DemoTicket(ticket, agent, survey, survey_at)

    def _history(self, created: datetime, priority: str, agent: str, subtype: str) -> tuple[list[Event], bool]:
        rng, target = self.rng, self.targets[priority]
        late = {"P1": 0.09, "P2": 0.07, "P3": 0.05}[priority]
        assigned = self.add(created, rng.uniform(0.02, 0.3))
        acknowledged = self.add(assigned, rng.uniform(1.05, 2.5) if rng.random() < 0.05 else rng.uniform(0.03, 0.8))
        response_late = rng.random() < late
        factor = rng.uniform(1.05, 1.8) if response_late else rng.betavariate(1.6, 3.0)
        responded = max(self.add(created, target["response"] * factor), acknowledged + 5 * _MINUTE)
        events = [
            Event(created, "complaint") if subtype == "服务投诉" else None,
            Event(assigned, "assign", assignee=agent),
            Event(acknowledged, "acknowledge"),
            Event(responded, "reply", author="agent"),
        ]
        resolution_late = rng.random() < late * 1.4
        factor = rng.uniform(1.03, 1.7) if resolution_late else rng.betavariate(1.1, 3.2)
        resolved = max(self.add(created, target["resolution"] * factor), responded + 10 * _MINUTE)
        if rng.random() < 0.42:  # not solved at the first reply: more back and forth
            span = self.calendar.elapsed(responded, resolved).total_seconds() / 3600
            for _ in range(rng.randint(1, 3)):
                at = self.add(responded, rng.uniform(0.05, 1) * max(span, 0.1))
                events += [Event(at, "reply", author="customer"), Event(at + 20 * _MINUTE, "reply", author="agent")]
        if rng.random() < 0.16 and resolved - responded > timedelta(hours=6):
            paused = self.add(responded, rng.uniform(0.3, 2))
            if paused < resolved:
                back = self.add(paused, rng.uniform(2, 20))
                events += [Event(paused, "status", status="pending_customer"), Event(back, "status", status="open")]
                resolved = max(resolved, back + 30 * _MINUTE)
        events += self._updates(created, resolved)
        if priority == "P3" and rng.random() < 0.04 and self.add(responded, 0.5) < resolved:
            events.append(Event(self.add(responded, 0.5), "priority", priority="P2"))
        agreed = self.add(responded, 1)
        if subtype == "硬件维修" and rng.random() < 0.08 and agreed < resolved:  # spare part out of stock
            until = self.add(created, target["resolution"] * 1.6)
            events.append(
                Event(agreed, "extend", metric="resolution", until=until, reason="备件缺货", customer_agreed=True)
            )
        events.append(Event(resolved, "resolve"))
        if rng.random() < 0.06:
            reopened = resolved + rng.randint(3 * 60, 40 * 60) * _MINUTE
            again = self.add(reopened, rng.uniform(1, 10))
            events += [Event(reopened, "reopen"), Event(reopened + 30 * _MINUTE, "reply", author="agent")]
            events += [*self._updates(reopened, again), Event(again, "resolve")]
        if (resolution_late or subtype == "服务投诉") and rng.random() < 0.18:
            events.append(Event(resolved + timedelta(hours=rng.randint(1, 30)), "complaint"))
        ordered = sorted((e for e in events if e is not None), key=_at_us)  # stable: ties keep their order
        return ordered, resolution_late or response_late

    def _updates(self, start: datetime, end: datetime) -> list[Event]:
        """Internal notes every 1.5-3.6 business hours while open; one ticket in 16 lets one gap run over 4 h."""
        rng = self.rng
        slip = rng.randrange(8) if rng.random() < 0.06 else -1
        notes: list[Event] = []
        at = start
        while len(notes) < 40:
            at = self.add(at, rng.uniform(4.2, 6) if len(notes) == slip else rng.uniform(1.5, 3.6))
            if at >= end:
                return notes
            notes.append(Event(at, "note"))
        return notes

    def _survey(self, ticket: Ticket, breached: bool) -> tuple[dict[str, int] | None, datetime | None]:
        rng = self.rng
        resolves = [e.at for e in ticket.events if e.type == "resolve"]
        if not resolves or rng.random() > 0.66:
            return None, None
        at = resolves[-1] + timedelta(minutes=rng.randint(30, 23 * 60))
        if at > self.as_of:
            return None, None
        weights = (2, 5, 18, 35, 40) if breached or ticket.complaints else (1, 2, 7, 30, 60)
        scores = {d: rng.choices((1, 2, 3, 4, 5), weights=weights)[0] for d in ("solved", "speed", "attitude")}
        return scores, at


def _target_hours(value: Any) -> float:
    return parse_duration(value, field="target").total_seconds() / 3600


# -- files -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """The files :func:`write_export` wrote and how many records each holds (broken ones included)."""

    csv: Path
    jsonl: Path
    records: int
    broken: int


def _breakage(rows: int) -> dict[int, str]:
    """Which records (0-based) are broken on purpose, and how: one of each kind per 250 rows, at most 4."""
    kinds = ("naive", "priority", "number", "order")
    count = min(len(kinds), rows // 250)
    return {rows * (2 * i + 1) // (2 * count): kinds[i] for i in range(count)} if count else {}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _broken_row(row: dict[str, Any], how: str) -> dict[str, Any]:
    row = dict(row)
    if how == "naive":
        row["created_at"] = row["created_at"].strftime("%Y-%m-%d %H:%M")  # no offset: needs --assume-tz
    elif how == "priority":
        row["priority"] = "P5"
    elif how == "number":
        row["complaints"] = "两次"
    else:
        row["resolved_at"] = row["created_at"] - timedelta(days=1)
    return row


def _broken_json(data: dict[str, Any], how: str) -> dict[str, Any]:
    data = dict(data)
    if how == "naive":
        data["created_at"] = data["created_at"][:16]
    elif how == "priority":
        data["priority"] = "P5"
    elif how == "number":
        data["affected_customers"] = "两个"
    else:  # an event before the ticket was created
        data["events"] = [{"at": "2020-01-01T00:00:00+08:00", "type": "resolve"}, *data["events"]]
    return data


def write_export(directory: Path, rows: int, *, seed: int, as_of: datetime) -> DemoFiles:
    """Write ``demo-export.csv`` (flat) and ``demo-export.jsonl`` (full histories) of the same tickets."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, jsonl_path = directory / "demo-export.csv", directory / "demo-export.jsonl"
    broken = _breakage(rows)
    with (
        csv_path.open("w", encoding="utf-8-sig", newline="") as flat_file,  # as helpdesks export for Excel
        jsonl_path.open("w", encoding="utf-8", newline="\n") as json_file,
    ):
        out = csv_safe.writer(flat_file)
        out.writerow(CSV_COLUMNS)
        for index, demo in enumerate(generate(rows, seed=seed, as_of=as_of)):
            row, data = demo.flat, demo.to_json()
            if index in broken:
                row, data = _broken_row(row, broken[index]), _broken_json(data, broken[index])
            out.writerow([_iso(row[column]) for column in CSV_COLUMNS])
            _write_json(json_file, data)
    return DemoFiles(csv_path, jsonl_path, rows, len(broken))


def _write_json(file: IO[str], data: dict[str, Any]) -> None:
    file.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
