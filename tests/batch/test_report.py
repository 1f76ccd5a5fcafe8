"""The report files: Markdown, summary.json and the CSV summary tables, from a hand-written summary."""

import copy
import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.batch.report import FORMATS, render_markdown, write_report
from slakit.batch.report.markdown import escape_markdown
from slakit.errors import ConfigError

EXAMPLE = Path(__file__).parent / "data" / "summary_example.json"


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def empty_figures() -> dict:
    """A group with no tickets: every count 0, every rate and mean null."""
    stats = {"count": 0, "mean": None, "median": None, "p90": None}
    return {
        "tickets": 0,
        "by_type": {},
        "by_priority": {},
        "by_product": {},
        "by_channel": {},
        "volume_by_week": {},
        "resolved": 0,
        "handling_time": {"business": stats, "wall": stats, "histogram": []},
        "first_contact_resolution": {"count": 0, "rate": None},
        "sla": {},
        "sla_overall": {},
        "satisfaction": {"responses": 0, "mean_overall": None, "dimensions": {}, "csat": None, "follow_up": 0},
        "top_issues": {"source": "category", "items": []},
        "escalations": {"tickets": 0, "by_rule": {}, "by_level": {}},
    }


def empty_summary() -> dict:
    return {
        "schema": "slakit.summary/1",
        "policy": None,
        "as_of": "2025-10-31T23:59:59+08:00",
        "group_by": ["month"],
        "rows": {"total": 0, "evaluated": 0, "rejected": 0},
        "overall": empty_figures(),
        "groups": [],
        "breaches": {"total": 0, "shown": []},
        "rejected": {"total": 0, "reasons": {}, "shown": []},
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def unescaped_pipes(line: str) -> int:
    count, escaped = 0, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            count += 1
    return count


# -- Markdown ---------------------------------------------------------------------------------------


def test_markdown_shows_every_section_and_the_key_figures():
    text = render_markdown(example())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Key figures · 关键指标",
        "## Tickets · 工单量",
        "## Handling time · 处理时长",
        "## First response · 首次响应",
        "## SLA compliance · SLA 达成率",
        "## Satisfaction and top issues · 满意度与高频问题",
        "## Escalations · 升级",
        "## Overview per group · 分组概览",
        "## SLA breaches · 超时记录",
        "## Rejected rows · 无效行",
        "## Definitions · 口径说明",
    ]
    assert (
        "Policy p1-p3 · as of 2025-10-31 23:59 (Asia/Shanghai) · grouped by month · 620 rows: 612 evaluated, "
        "8 rejected" in text
    )
    for row in (
        "| Tickets | 612 |",
        "| First-contact resolution | 53.6% |",
        "| Mean handling (business) | 14.62 h |",
        "| Response SLA compliance | 94.5% |",
        "| Resolution SLA compliance | 91.4% |",
        "| CSAT | 82.8% |",
        "| SLA breaches | 83 |",
        "| 技术支持类 | 306 | 50.0% |",
        "| P1 紧急 | 61 | 10.0% |",  # by rank, with the priority's name
        "| 技术支持工程师 | 306 | 50.0% |",  # by route
        "| P1 紧急 | 60 | 0.82 h | 0.60 h | 3.10 h | 0.90 h |",  # first response
        "| (all) | 602 | 2.40 h | 1.70 h | 9.20 h | 3.30 h |",
        "| 2025-10 | P3 一般 | 185 | 2.95 h | 2.10 h | 11.40 h | 4.50 h |",  # per priority and period
        "| BX-100 工业平板 | 180 | 29.4% |",
        "| 在线客服 | 153 | 25.0% |",
        "| 2025-W40 | 30 |",
        "| business | 580 | 14.62 h | 8.50 h | 38.40 h |",
        "| wall | 580 | 52.30 h | 26.10 h | 140.75 h |",
        "| 8-24h | 170 | 29.3% |",
        "| P1 紧急 | Resolution 解决 | 49 | 9 | 3 | 84.5% |",
        "| (all) | Response 首次响应 | 566 | 33 | 13 | 94.5% |",
        "| solved | 问题解决效果 | 4.19 |",
        "| 1 | 软件卡顿 | 141 | 25.1% | 12.40 h | 技术支持类/软件故障排查 ×141 |",
        "| Resolution rate | 94.8% |",
        "| Surveyed in time after resolution | 66.4% |",
        "| Retention ending after 2025-10-31 until 2026-01-31 | 0 |",
        "| resolution-overdue | 50 |",
        "| 2025-10 | 314 | 284 | 53.2% |",
        "| SS20251031004 | 611 | P1 紧急 | Response 首次响应 | 2025-10-31T11:00:00+08:00 | — | 7.00 h |",
        "| 402 | — | unknown priority 'P5'; known: P1, P2, P3 |",
    ):
        assert row in text, row
    assert "5 of 83 breaches shown; breaches.csv lists every one." in text
    assert "8 of 8 rejected rows shown." in text
    assert "402 responses · overall 4.31 · CSAT 82.8% · 69 need follow-up" in text
    assert "surveyed within 24 h of resolution: 66.4% (372 of 560 due)" in text
    assert "Warning" not in text  # 8 of 620 rows rejected: no banner


def test_markdown_warns_when_most_rows_were_rejected():
    summary = example()
    summary["rows"] = {"total": 620, "evaluated": 300, "rejected": 320}
    text = render_markdown(summary)
    assert "> **Warning: 320 of 620 rows (51.6%) were rejected, so these figures cover only 300 tickets." in text
    summary["rows"] = {"total": 620, "evaluated": 310, "rejected": 310}  # half is not "mostly"
    assert "Warning" not in render_markdown(summary)


def test_markdown_tables_are_well_formed():
    lines = render_markdown(example()).splitlines()
    tables: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    for table in filter(None, tables):
        assert set(table[1]) <= set("|-: ")
        assert len({unescaped_pipes(line) for line in table}) == 1, table


def test_markdown_escapes_text_from_the_export():
    summary = example()
    summary["overall"]["by_product"] = {"A|B *bold* <script>alert(1)</script>\nnext": 3, "[link](http://x)": 1}
    text = render_markdown(summary)
    assert r"| A\|B \*bold\* \<script\>alert(1)\</script\> next | 3 | 75.0% |" in text
    assert r"| \[link\](http://x) | 1 | 25.0% |" in text
    assert "<script>" not in text


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_escaped_markdown_keeps_one_cell(value):
    cell = escape_markdown(value)
    assert "\n" not in cell
    assert unescaped_pipes(cell) == 0
    assert cell.replace("\\", "") == " ".join(value.split()).replace("\\", "")


def test_an_empty_run_renders_without_figures():
    text = render_markdown(empty_summary())
    assert "| Tickets | 0 |" in text
    assert "| First-contact resolution | — |" in text
    assert "0 of 0 breaches shown." in text
    assert "Policy (unnamed)" in text


# -- files ------------------------------------------------------------------------------------------


def test_write_report_writes_every_format(tmp_path):
    out = tmp_path / "new" / "dir"
    written = write_report(example(), out, FORMATS)
    names = [path.name for path in written]
    assert names[:3] == ["report.html", "report.md", "summary.json"]
    assert names[3:] == [
        "summary_overview.csv",
        "summary_by_type.csv",
        "summary_by_priority.csv",
        "summary_by_product.csv",
        "summary_by_channel.csv",
        "summary_by_route.csv",
        "summary_volume_by_week.csv",
        "summary_handling_time.csv",
        "summary_handling_time_histogram.csv",
        "summary_sla.csv",
        "summary_satisfaction.csv",
        "summary_top_issues.csv",
        "summary_first_response.csv",
        "summary_escalations_by_rule.csv",
        "summary_escalations_by_level.csv",
        "summary_rejected_reasons.csv",
    ]
    assert all(path.parent == out and path.is_file() for path in written)
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no partial files left behind


def test_summary_json_is_the_summary_as_is(tmp_path):
    (path,) = write_report(example(), tmp_path, ["json"])
    raw = path.read_bytes()
    assert "技术支持类".encode() in raw  # UTF-8, not \\u escapes
    assert json.loads(raw) == example()


def test_only_the_formats_asked_for(tmp_path):
    written = write_report(example(), tmp_path, "md, html")
    assert [p.name for p in written] == ["report.html", "report.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]


@pytest.mark.parametrize("formats", [["pdf"], ["html", "xlsx"], [], ""])
def test_unknown_formats_are_refused_before_writing(tmp_path, formats):
    with pytest.raises(ConfigError, match="'formats' must be one or more of html, md, json, csv"):
        write_report(example(), tmp_path / "out", formats)
    assert not (tmp_path / "out").exists()


def test_csv_tables_have_a_row_for_all_then_per_group(tmp_path):
    write_report(example(), tmp_path, ["csv"])
    assert (tmp_path / "summary_by_type.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    overview = read_csv(tmp_path / "summary_overview.csv")
    assert [row["month"] for row in overview] == ["(all)", "2025-09", "2025-10"]
    assert overview[0]["tickets"] == "612"
    assert overview[0]["fcr_rate"] == "0.5362"
    assert overview[2]["resolution_compliance"] == "0.9014"
    by_type = read_csv(tmp_path / "summary_by_type.csv")
    assert by_type[0] == {"month": "(all)", "type": "技术支持类", "tickets": "306", "share": "0.5"}
    assert [row["tickets"] for row in by_type if row["month"] == "2025-10"] == ["156", "110", "48"]
    sla = read_csv(tmp_path / "summary_sla.csv")
    assert len(sla) == 3 * (3 * 2 + 2)
    assert {"month": "(all)", "priority": "(all)", "metric": "resolution", "met": "530", "breached": "50",
            "running": "32", "compliance": "0.9138"} in sla  # fmt: skip
    handling = read_csv(tmp_path / "summary_handling_time.csv")
    assert handling[1] == {"month": "(all)", "clock": "wall", "count": "580", "mean": "52.3", "median": "26.1",
                           "p90": "140.75"}  # fmt: skip
    reasons = read_csv(tmp_path / "summary_rejected_reasons.csv")
    assert reasons[1] == {"reason": "unknown priority 'P5'; known: P1, P2, P3", "rows": "2"}


def test_null_figures_are_empty_csv_cells(tmp_path):
    write_report(empty_summary(), tmp_path, ["csv"])
    overview = read_csv(tmp_path / "summary_overview.csv")
    assert overview == [
        {"month": "(all)", "tickets": "0", "resolved": "0", "fcr_rate": "", "handling_business_mean": "",
         "handling_business_median": "", "handling_wall_mean": "", "response_compliance": "",
         "resolution_compliance": "", "satisfaction_mean": "", "csat": "", "escalated_tickets": "0",
         "resolution_rate": "", "first_response_business_mean": "", "first_response_business_median": "",
         "first_response_wall_mean": "", "first_response_wall_median": "", "survey_on_time_rate": ""}
    ]  # fmt: skip
    assert read_csv(tmp_path / "summary_by_type.csv") == []


@pytest.mark.parametrize("evil", ["=1+2", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_csv_cells_are_safe_against_formula_injection(tmp_path, evil):
    summary = copy.deepcopy(example())
    summary["overall"]["by_product"] = {evil: 5}
    summary["overall"]["top_issues"]["items"] = [{"issue": evil, "count": 5}]
    summary["rejected"]["reasons"] = {evil: 1}
    write_report(summary, tmp_path, ["csv"])
    for name, column in (("by_product", "product"), ("top_issues", "issue"), ("rejected_reasons", "reason")):
        rows = read_csv(tmp_path / f"summary_{name}.csv")
        assert rows[0][column] == "'" + evil, name


def test_numbers_stay_numbers_in_csv(tmp_path):
    summary = example()
    summary["breaches"]["shown"][0]["late_by_hours"] = -1.5  # not a formula: a spreadsheet reads a number
    summary["overall"]["volume_by_week"] = {"2025-W36": 70}
    write_report(summary, tmp_path, ["csv"])
    assert read_csv(tmp_path / "summary_volume_by_week.csv")[0] == {
        "month": "(all)",
        "week": "2025-W36",
        "tickets": "70",
    }
