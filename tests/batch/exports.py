"""A small flat export whose every figure is worked out by hand (tests/batch/test_accumulator.py).

p1-p3 preset: Asia/Shanghai, Mon-Fri 09:00-18:00, no holidays in September 2025; 2025-09-01 is a
Monday. Targets (business hours): response P1 2h / P2 4h / P3 8h, acknowledge 1h after assignment,
resolution 24h / 48h / 72h. A flat export measures response, acknowledge and resolution, not update.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2025, 9, 26, 18, 0, tzinfo=SH)  # a Friday, close of business

HEADER = [
    "id",
    "created_at",
    "priority",
    "category",
    "channel",
    "product",
    "customer",
    "assigned_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "reopened_at",
    "complaints",
    "affected_customers",
    "subject",
    "survey_speed",
    "survey_solved",
    "survey_attitude",
]


def _row(**cells: str) -> list[str]:
    unknown = set(cells) - set(HEADER)
    assert not unknown, unknown
    return [cells.get(name, "") for name in HEADER]


def t(day: str, hhmm: str) -> str:
    """An ISO instant in Shanghai: t("09-01", "09:00") -> 2025-09-01T09:00:00+08:00."""
    month, date = day.split("-")
    return f"2025-{month}-{date}T{hhmm}:00+08:00"


ROWS: list[list[str] | None] = [
    # line 2, T1 - P1, all met: response 1h, acknowledge 20min, resolved after 6h (business = wall).
    # One public agent reply, resolved, never reopened: first-contact resolution. Survey 5/5/5.
    _row(id="T1", created_at=t("09-01", "09:00"), priority="P1", category="技术支持类/软件故障排查", channel="电话",
         product="X100", customer="甲公司", assigned_at=t("09-01", "09:10"), acknowledged_at=t("09-01", "09:30"),
         first_response_at=t("09-01", "10:00"), resolved_at=t("09-01", "15:00"), complaints="0",
         affected_customers="1", subject="软件卡顿", survey_speed="5", survey_solved="5", survey_attitude="5"),
    # line 3, T2 - P2, bare subtype 硬件维修 (type 售后服务类). Assigned Mon 17:30, acknowledged Tue 09:45:
    # 0.5h + 0.75h = 1.25h > 1h, breached (deadline Tue 09:30, late 0.25h). Response Tue 10:00 = 2h, met.
    # Resolved Thu 17:00: 1 + 9 + 9 + 8 = 27 business hours (met), 72 wall hours. FCR. No survey.
    _row(id="T2", created_at=t("09-01", "17:00"), priority="P2", category="硬件维修", channel="邮件",
         product="X200", customer="乙公司", assigned_at=t("09-01", "17:30"), acknowledged_at=t("09-02", "09:45"),
         first_response_at=t("09-02", "10:00"), resolved_at=t("09-04", "17:00"), subject="坏了"),
    # line 4, T3 - P3, response Wed 10:00 = 8 + 1 = 9h > 8h: breached (deadline Tue 18:00, late 1h).
    # Reopened Fri 09-05 10:00 before the last resolution Mon 09-08 12:00: open all along, so
    # resolution = 8 + 9 + 9 + 9 + 3 = 38h (met); wall 6 days 2 hours = 146h. Reopened: not FCR.
    # Two complaints (placed at the row's latest instant, 09-08 12:00): second-complaint (level 1).
    # Survey 3/3/4 -> 3.33 < 4: follow-up and low-satisfaction (level 1).
    _row(id="T3", created_at=t("09-02", "10:00"), priority="P3", category="售后服务类/退换货", channel="微信",
         product="X200", customer="丙公司", assigned_at=t("09-02", "10:05"), acknowledged_at=t("09-02", "10:30"),
         first_response_at=t("09-03", "10:00"), resolved_at=t("09-08", "12:00"), reopened_at=t("09-05", "10:00"),
         complaints="2", affected_customers="1", subject="退货", survey_speed="3", survey_solved="3",
         survey_attitude="4"),
    # line 5, T4 - P1, still open. Acknowledge 10:30 vs deadline 10:05 (late 25min = 0.42h), response
    # 12:00 vs 11:00 (late 1h), resolution deadline Fri 09-05 15:00, running and breached: as of Fri
    # 09-26 18:00 it has counted 18 business days x 9h = 162h, 138h over. 15 customers affected:
    # wide-impact; also resolution-at-risk (level 0), resolution-overdue, resolution-overdue-4h and
    # p1-not-acknowledged: highest level 2. One complaint only.
    _row(id="T4", created_at=t("09-03", "09:00"), priority="P1", category="技术支持类/功能咨询", channel="在线客服",
         product="X100", customer="丁公司", assigned_at=t("09-03", "09:05"), acknowledged_at=t("09-03", "10:30"),
         first_response_at=t("09-03", "12:00"), complaints="1", affected_customers="15", subject="功能咨询"),
    # line 6, T5 - August (month 2025-08, week 2025-W35), P3, no product. Created Fri 08-29 16:00,
    # resolved Mon 09-01 11:00: 2 + 2 = 4 business hours (bin 4-8h), 67 wall hours. FCR.
    # Survey 4/4/5 -> 4.33, satisfied.
    _row(id="T5", created_at=t("08-29", "16:00"), priority="P3", category="投诉建议类/服务投诉", channel="电话",
         customer="戊公司", assigned_at=t("08-29", "16:10"), acknowledged_at=t("08-29", "16:20"),
         first_response_at=t("08-29", "16:30"), resolved_at=t("09-01", "11:00"), subject="态度",
         survey_speed="4", survey_solved="4", survey_attitude="5"),
    # lines 7-15: rejected, one reason each
    _row(id="R7", created_at="2025-09-05 10:00", priority="P1"),  # naive, no assume_tz
    _row(id="R8", created_at=t("09-05", "10:00"), priority="P7"),  # unknown priority (at evaluation)
    _row(id="R9", created_at=t("09-05", "10:00"), priority="P2", resolved_at=t("09-04", "10:00")),  # end < start
    _row(id="R10", created_at=t("09-05", "10:00"), priority="P2", complaints="很多"),  # garbage number
    _row(id="R11", created_at="not a date", priority="P2"),  # unparseable
    _row(id="", created_at=t("09-05", "10:00"), priority="P2"),  # missing id
    _row(id="R13", created_at="", priority="P2"),  # missing created_at
    _row(id="R14", created_at=t("09-05", "10:00"), priority="P2", resolved_at=t("09-05", "11:00"),
         survey_speed="6", survey_solved="4", survey_attitude="4"),  # off the 1-5 scale (at evaluation)
    _row(id="R15", created_at=t("09-05", "10:00"), priority="P2", affected_customers="-3"),  # negative count
    None,  # line 16: blank, not a row
    # line 17, T6 - P2, bare type 技术支持类, week 2025-W39. Resolved 10:00 and reopened 14:00 the same
    # day: open now, so not resolved; its resolution clock has counted 1 + 4 + 4 x 9 = 41h of 48
    # (running). Response 40min and acknowledge 20min met.
    _row(id="T6", created_at=t("09-22", "09:00"), priority="P2", category="技术支持类", channel="邮件",
         product="X300", customer="甲公司", assigned_at=t("09-22", "09:00"), acknowledged_at=t("09-22", "09:20"),
         first_response_at=t("09-22", "09:40"), resolved_at=t("09-22", "10:00"), reopened_at=t("09-22", "14:00"),
         subject="咨询"),
]  # fmt: skip


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str] | None]) -> str:
    """A flat export as CSV text (header on line 1); None is a blank line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        if row is None:
            buffer.write("\n")
        else:
            writer.writerow(row)
    return buffer.getvalue()


def export_text() -> str:
    """The export as CSV text (header on line 1)."""
    return csv_text(HEADER, ROWS)


def defined_metric_policy(folder: Path) -> Path:
    """p1-p3 with a rule on a metric it defines by events (a daily follow-up), which the columnar engine does not
    fire: a run with it takes the row engine (written to ``folder``)."""
    import yaml

    from slakit import presets

    config = yaml.safe_load((Path(presets.__file__).parent / "p1-p3.yaml").read_text(encoding="utf-8"))
    reply = {"event": "reply", "author": "agent", "public": True}
    config["metrics"] = {"followup": {"start": ["created", reply], "stop": [reply], "repeat": True}}
    for entry in config["priorities"].values():
        entry["targets"]["followup"] = "24h"
    rule = {"name": "follow-up-late", "when": {"fact": "sla.followup.state", "op": "eq", "value": "breached"}}
    config["escalation"]["rules"].append({**rule, "level": 0})
    path = folder / "policy-defined.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path
