"""The shipped presets' priority data: shape, priorities, matrix and classification."""

import functools
from datetime import datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
import yaml

from slakit import parse_duration, presets
from slakit.calendar import BusinessCalendar
from slakit.escalation import evaluate
from slakit.numbering import DEFAULT_PREFIXES
from slakit.priority import Classifier, PriorityMatrix, Taxonomy
from slakit.retention import Retention
from slakit.sla import Event, MetricState, Ticket
from slakit.sla import evaluate as evaluate_sla

NAMES = ["four-level", "p1-p3", "severity"]
TOP_LEVEL = [
    "name",
    "description",
    "calendars",
    "priorities",
    "pause_statuses",
    "at_risk",
    "on_reopen",
    "slas",
    "metrics",
    "priority_matrix",
    "classification",
    "survey",
    "escalation",
    "retention",
]
OPTIONAL = {"slas", "metrics"}  # four-level's channel SLAs and daily follow-up; the others have none
TARGETS = {"response", "acknowledge", "update", "resolution"}


def raw(name):
    return yaml.safe_load(resources.files("slakit.presets").joinpath(f"{name}.yaml").read_text("utf-8"))


@pytest.fixture(params=NAMES)
def preset(request):
    return raw(request.param)


def test_every_preset_is_shipped():
    assert set(NAMES) <= set(presets.names())


def test_same_top_level_shape(preset):
    assert list(preset) == [key for key in TOP_LEVEL if key not in OPTIONAL or key in preset]
    assert (set(preset) >= OPTIONAL) == (preset["name"] == "four-level")
    assert preset == presets.config(preset["name"])


def test_calendar_is_the_manuals_business_week(preset):
    default = preset["calendars"]["default"]
    assert default == {
        "timezone": "Asia/Shanghai",
        "hours": {"mon-fri": ["09:00-18:00"]},
        "holidays": {"country": "CN"},
    }
    BusinessCalendar.from_config(default)


def test_priorities_are_ranked_named_and_timed(preset):
    priorities = preset["priorities"]
    assert sorted(spec["rank"] for spec in priorities.values()) == list(range(1, len(priorities) + 1))
    for code, spec in priorities.items():
        assert code.isascii()
        assert set(spec) == {"name", "rank", "targets"}
        assert set(spec["targets"]) <= TARGETS | set(preset.get("metrics", {}))
        for metric, target in spec["targets"].items():
            parse_duration(_within(target), field=f"{code}.{metric}")


def _within(target):
    """A target's duration, from its short form or its long form's ``within``."""
    return target["within"] if isinstance(target, dict) else target


def targets(preset):
    return {
        code: {metric: parse_duration(_within(value)) for metric, value in spec["targets"].items()}
        for code, spec in preset["priorities"].items()
    }


def test_p1_p3_targets():
    h = timedelta(hours=1)
    p13 = raw("p1-p3")
    assert {code: spec["name"] for code, spec in p13["priorities"].items()} == {
        "P1": "紧急",
        "P2": "重要",
        "P3": "一般",
    }
    assert targets(p13) == {
        "P1": {"response": 2 * h, "acknowledge": h, "update": 4 * h, "resolution": 24 * h},
        "P2": {"response": 4 * h, "acknowledge": h, "update": 4 * h, "resolution": 48 * h},
        "P3": {"response": 8 * h, "acknowledge": h, "update": 4 * h, "resolution": 72 * h},
    }


def test_four_level_targets():
    h = timedelta(hours=1)
    four = raw("four-level")
    assert [(code, spec["name"], spec["rank"]) for code, spec in four["priorities"].items()] == [
        ("urgent", "紧急", 1),
        ("high", "高", 2),
        ("medium", "中", 3),
        ("low", "低", 4),
    ]
    assert four["priorities"]["urgent"]["targets"]["response"] == "0s"
    day = 24 * h  # [standard] the customer hears from the agent at least once a day
    assert targets(four) == {
        "urgent": {"response": timedelta(0), "acknowledge": h, "update": 4 * h, "customer_followup": day},
        "high": {"response": 2 * h, "acknowledge": h, "update": 4 * h, "customer_followup": day},
        "medium": {"response": 4 * h, "acknowledge": h, "update": 4 * h, "customer_followup": day},
        "low": {"response": 24 * h, "acknowledge": h, "update": 4 * h, "customer_followup": day},
    }
    for spec in four["priorities"].values():
        assert spec["targets"]["customer_followup"]["clock"] == "calendar"
    assert [entry["name"] for entry in four["slas"]] == ["phone-30s", "online-at-once"]
    assert four["metrics"]["customer_followup"] == {
        "start": ["created", {"event": "reply", "author": "agent", "public": True}],
        "stop": [{"event": "reply", "author": "agent", "public": True}],
        "repeat": True,
        "pausable": True,
    }


def test_matrix_loads_and_names_only_the_presets_priorities(preset):
    matrix = PriorityMatrix.from_config(preset["priority_matrix"])
    matrix.validate_codes(preset["priorities"])
    for impact in matrix.impact:
        for urgency in matrix.urgency:
            assert matrix.priority_for(impact, urgency) in preset["priorities"]
    assert matrix.priority_for(matrix.impact[0], matrix.urgency[0]) == min(
        preset["priorities"], key=lambda code: preset["priorities"][code]["rank"]
    )


def test_matrix_is_monotonic(preset):
    """A more severe impact or urgency never gives a less urgent priority."""
    matrix = PriorityMatrix.from_config(preset["priority_matrix"])
    rank = {code: spec["rank"] for code, spec in preset["priorities"].items()}
    cells = [[rank[matrix.priority_for(i, u)] for u in matrix.urgency] for i in matrix.impact]
    for row in cells:
        assert row == sorted(row)
    for column in zip(*cells, strict=True):
        assert list(column) == sorted(column)
    assert set(matrix.codes) == set(preset["priorities"])


SCHEMES = {
    "p1-p3": {
        "技术支持类": ("technical", ("功能咨询", "操作指导", "软件故障排查")),
        "售后服务类": ("after_sales", ("硬件维修", "退换货", "安装调试")),
        "投诉建议类": ("complaint", ("服务投诉", "产品建议")),
    },
    "severity": {
        "技术支持类": ("technical", ("功能咨询", "操作指导", "软件故障排查")),
        "售后服务类": ("after_sales", ("硬件维修", "退换货", "安装调试")),
        "投诉建议类": ("complaint", ("服务投诉", "产品建议")),
    },
    "four-level": {
        "咨询类": ("inquiry", ("产品功能", "使用方法", "政策咨询")),
        "投诉类": ("complaint", ("服务态度", "产品质量", "延迟交付")),
        "故障类": ("fault", ("产品故障", "系统错误", "账号问题")),
        "建议类": ("suggestion", ("功能改进", "服务改进")),
        "其他类": ("other", ()),
    },
}


@pytest.mark.parametrize("name", NAMES)
def test_classification_follows_the_manuals_scheme(name):
    section = raw(name)["classification"]
    classifier = Classifier.from_config(section)
    taxonomy = Taxonomy.from_config({"types": section["types"]})
    assert taxonomy.paths == classifier.taxonomy.paths
    assert {t.name: (t.code, t.subtypes) for t in taxonomy.types.values()} == SCHEMES[name]
    ruled = {rule.category for rule in classifier.config.rules}
    subtypes = {c.path for c in taxonomy if c.is_subtype}
    assert subtypes <= ruled, "every subtype has at least one keyword rule"


@functools.cache
def preset_classifier(name):
    return Classifier.from_config(presets.config(name)["classification"])


EXAMPLES = {
    "p1-p3": [
        ("设备无法启动", "售后服务类/硬件维修"),
        ("软件卡顿严重，经常闪退", "技术支持类/软件故障排查"),
        ("打开就报错", "技术支持类/软件故障排查"),
        ("申请退货", "售后服务类/退换货"),
        ("想换货", "售后服务类/退换货"),
        ("新买的打印机怎么安装", "售后服务类/安装调试"),
        ("维修进度怎么样了", "售后服务类/硬件维修"),
        ("客服态度太差，我要投诉", "投诉建议类/服务投诉"),
        ("软件一直报错，客服态度差", "投诉建议类/服务投诉"),
        ("建议增加导出功能", "投诉建议类/产品建议"),
        ("请问如何导出报表", "技术支持类/操作指导"),
        ("是否支持Mac系统", "技术支持类/功能咨询"),
        ("App crashes on startup", "技术支持类/软件故障排查"),
        ("Printer is broken, need repair", "售后服务类/硬件维修"),
        ("The machine won’t start", "售后服务类/硬件维修"),
        ("Request a refund", "售后服务类/退换货"),
        ("How do I install the driver?", "售后服务类/安装调试"),
        ("Support was rude, I want to complain", "投诉建议类/服务投诉"),
        ("Feature request: dark mode", "投诉建议类/产品建议"),
        ("您好，订单号 20240501", None),
        ("Meeting at the Hangzhou office", None),
    ],
    "four-level": [
        ("设备无法启动", "故障类/产品故障"),
        ("软件卡顿，经常闪退", "故障类/系统错误"),
        ("支付失败", "故障类/系统错误"),
        ("系统宕机了", "故障类/系统错误"),
        ("账号登录不了", "故障类/账号问题"),
        ("设备出故障了", "故障类"),
        ("请问如何导出报表", "咨询类/使用方法"),
        ("是否支持Mac系统", "咨询类/产品功能"),
        ("保修期多久", "咨询类/政策咨询"),
        ("客服态度太差，我要投诉", "投诉类/服务态度"),
        ("产品质量问题投诉", "投诉类/产品质量"),
        ("订单迟迟不发货", "投诉类/延迟交付"),
        ("我要投诉", "投诉类"),
        ("希望增加夜间模式", "建议类/功能改进"),
        ("建议改进服务流程", "建议类/服务改进"),
        ("提点意见", "建议类"),
        ("Payment failed with error 500", "故障类/系统错误"),
        ("Cannot log in to my account", "故障类/账号问题"),
        ("Delivery is overdue", "投诉类/延迟交付"),
        ("你好", None),
    ],
}


@pytest.mark.parametrize(("name", "text", "expected"), [(n, t, e) for n, cases in EXAMPLES.items() for t, e in cases])
def test_preset_keywords_route_typical_subjects(name, text, expected):
    result = preset_classifier(name).classify(text)
    assert (None if result is None else result.category) == expected


# Each rule of the manuals (docs/presets.md), checked on the shipped files by hand-worked values.

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2025, 9, 22, 9, 0, tzinfo=SH)


def test_every_preset_cites_a_manual_for_its_numbers(preset):
    text = resources.files("slakit.presets").joinpath(f"{preset['name']}.yaml").read_text("utf-8")
    assert "[template]" in text
    assert "技术支持与售后服务管理模板" in text
    assert "技术支持部门客户响应流程规范" in text  # the department-head rule's source


def test_p1_p3_survey_is_the_after_sales_templates_three_questions():
    survey = raw("p1-p3")["survey"]
    assert {name: d["label"] for name, d in survey["dimensions"].items()} == {
        "solved": "问题解决效果",
        "speed": "服务响应速度",
        "attitude": "服务态度",
    }
    assert survey["scale"] == [1, 5]
    assert survey["follow_up_below"] == 4
    assert survey["due_within"] == "24h"


def test_four_level_survey_is_the_standardised_response_manuals():
    labels = [d["label"] for d in raw("four-level")["survey"]["dimensions"].values()]
    assert labels == ["服务效率", "问题解决能力", "服务态度"]


def test_severity_has_the_service_manuals_four_levels_with_derived_limits():
    h = timedelta(hours=1)
    severity = raw("severity")
    assert [(code, spec["name"], spec["rank"]) for code, spec in severity["priorities"].items()] == [
        ("critical", "严重", 1),
        ("urgent", "紧急", 2),
        ("major", "重要", 3),
        ("minor", "一般", 4),
    ]
    # derived: 严重 responds like four-level's 紧急 (at once), the others like p1-p3's P1/P1/P2/P3
    assert targets(severity) == {
        "critical": {"response": timedelta(0), "acknowledge": h, "update": 4 * h, "resolution": 24 * h},
        "urgent": {"response": 2 * h, "acknowledge": h, "update": 4 * h, "resolution": 24 * h},
        "major": {"response": 4 * h, "acknowledge": h, "update": 4 * h, "resolution": 48 * h},
        "minor": {"response": 8 * h, "acknowledge": h, "update": 4 * h, "resolution": 72 * h},
    }
    text = resources.files("slakit.presets").joinpath("severity.yaml").read_text("utf-8")
    assert "DERIVED" in text
    assert "EACH TEAM SETS ITS OWN" in text


def test_severity_critical_goes_to_the_department_head_at_once():
    policy = presets.load("severity")
    report = evaluate(Ticket("T", MONDAY, "critical"), policy, as_of=MONDAY + timedelta(minutes=1))
    (item,) = [item for item in report.fired if item.rule == "critical-at-once"]
    assert (item.fired_at, item.level, item.role) == (MONDAY, 2, "部门负责人")
    quiet = evaluate(Ticket("T", MONDAY, "urgent"), policy, as_of=MONDAY + timedelta(minutes=1))
    assert quiet.fired == ()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("flag", ["product_defect", "major_fault"])
def test_product_defects_and_major_faults_go_to_the_department_head_at_once(name, flag):
    policy = presets.load(name)
    lowest = max(policy.sla.priorities, key=lambda code: policy.sla.priorities[code].rank)
    ticket = Ticket("T", MONDAY, lowest, flags=frozenset({flag}))
    report = evaluate(ticket, policy, as_of=MONDAY + timedelta(minutes=1))
    (item,) = [item for item in report.fired if item.rule == "product-defect"]
    assert (item.fired_at, item.level, item.role) == (MONDAY, 2, "部门负责人")
    assert item.contact_by == MONDAY + 2 * timedelta(hours=1)
    plain = evaluate(Ticket("T", MONDAY, lowest), policy, as_of=MONDAY + timedelta(minutes=1))
    assert "product-defect" not in {item.rule for item in plain.fired}


ROUTES = {
    "p1-p3": {"技术支持类": "技术支持工程师", "售后服务类": "维修工程师", "投诉建议类": "售后主管"},
    "severity": {"技术支持类": "技术支持工程师", "售后服务类": "维修工程师", "投诉建议类": "售后主管"},
    "four-level": {
        "咨询类": "技术支持工程师",
        "投诉类": "售后主管",
        "故障类": "技术支持工程师",
        "建议类": "售后主管",
        "其他类": "一线客服",
    },
}


@pytest.mark.parametrize("name", NAMES)
def test_every_type_names_its_route_and_the_classifier_carries_it(name):
    classifier = presets.load(name).classifier
    assert {t.name: t.route for t in classifier.taxonomy.types.values()} == ROUTES[name]
    for text, expected in EXAMPLES.get(name, EXAMPLES["p1-p3"]):
        result = classifier.classify(text)
        if expected is not None:
            assert result.route == ROUTES[name][expected.split("/")[0]]


def test_dispatch_by_type_as_the_template_says():
    classifier = presets.load("p1-p3").classifier
    assert classifier.classify("软件卡顿").route == "技术支持工程师"
    assert classifier.classify("设备无法启动").route == "维修工程师"
    assert classifier.classify("我要投诉").route == "售后主管"


@pytest.mark.parametrize("name", NAMES)
def test_every_preset_type_has_a_ticket_number_prefix(name):
    for ticket_type in presets.load(name).classifier.taxonomy.types:
        assert DEFAULT_PREFIXES.prefix_for(ticket_type)


@pytest.mark.parametrize("name", NAMES)
def test_every_preset_keeps_records_three_calendar_years(name):
    assert presets.load(name).retention == Retention(3)
    assert raw(name)["retention"] == "3y"


# -- four-level: by channel and daily follow-up (conditional SLAs, a metric defined by events) ---------------

SH = ZoneInfo("Asia/Shanghai")


def _sh(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 9, day, hour, minute, second, tzinfo=SH)  # 22 September 2025 is a Monday


@functools.cache
def _four_level():
    return presets.load("four-level")


def _reply(at: datetime) -> Event:
    return Event(at, "reply", author="agent", public=True)


def test_four_level_answers_the_phone_within_30_seconds_on_the_calendar_clock():
    created = _sh(22, 18, 30)  # Monday 18:30, after hours: the calendar clock counts anyway
    answered = Ticket("T1", created, "high", channel="电话", events=(_reply(_sh(22, 18, 30, 20)),))
    status = evaluate_sla(answered, _four_level(), as_of=_sh(22, 18, 31))["response"]
    assert (status.state, status.sla, status.target) == (MetricState.MET, "phone-30s", timedelta(seconds=30))
    assert status.clock == "24x7"
    waiting = Ticket("T2", created, "high", channel="电话")
    status = evaluate_sla(waiting, _four_level(), as_of=_sh(22, 18, 30, 31))["response"]
    assert (status.state, status.deadline) == (MetricState.BREACHED, _sh(22, 18, 30, 30))


@pytest.mark.parametrize(("reply", "state"), [((0, 45), MetricState.MET), ((1, 1), MetricState.BREACHED)])
def test_four_level_replies_to_online_channels_within_a_minute(reply, state):
    created = _sh(22, 12, 0)
    minute, second = reply
    ticket = Ticket("T1", created, "medium", channel="在线客服", events=(_reply(_sh(22, 12, minute, second)),))
    status = evaluate_sla(ticket, _four_level(), as_of=_sh(22, 12, 5))["response"]
    assert (status.state, status.sla, status.target) == (state, "online-at-once", timedelta(minutes=1))


def test_four_level_email_keeps_its_prioritys_response_limit():
    ticket = Ticket("T1", _sh(22, 10, 0), "high", channel="邮件")
    status = evaluate_sla(ticket, _four_level(), as_of=_sh(22, 11, 0))["response"]
    assert (status.state, status.sla, status.target) == (MetricState.RUNNING, None, timedelta(hours=2))
    assert status.deadline == _sh(22, 12, 0)  # two business hours


def test_four_level_follows_up_with_the_customer_once_a_day_pausing_while_waiting_on_them():
    events = (
        _reply(_sh(22, 10, 0)),  # Monday: the first follow-up run (09:00-10:00) met; the next starts
        Event(_sh(23, 9, 0), "status", status="pending_customer"),  # Tuesday 09:00-12:00: paused 3 h
        Event(_sh(23, 12, 0), "status", status="open"),
        _reply(_sh(24, 11, 0)),  # Wednesday 11:00: 49 h after Monday 10:00, 46 h counted
    )
    ticket = Ticket("T1", _sh(22, 9, 0), "low", channel="邮件", events=events)
    status = evaluate_sla(ticket, _four_level(), as_of=_sh(24, 12, 0))["customer_followup"]
    assert status.state is MetricState.BREACHED  # the Monday-Wednesday run went over 24 h
    assert (status.pausable, status.clock, status.target) == (True, "24x7", timedelta(hours=24))
    assert [(gap.started_at, gap.ended_at, gap.overdue) for gap in status.gaps] == [
        (_sh(22, 10, 0), _sh(24, 11, 0), timedelta(hours=22))
    ]
    assert status.breached_at == _sh(23, 13, 0)  # 23 h by Tuesday 09:00, the 24th after the pause
    assert status.elapsed == timedelta(hours=1)  # the current run, from Wednesday 11:00
