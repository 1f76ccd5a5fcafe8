"""The HTML report's markup: charts with the right marks, key figures, tables, escaping, self-containment.

`parse_page` is also used by the browser test on Chromium's DOM dump.
"""

import copy
import json
import math
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from slakit.batch.report import render_html
from slakit.batch.report.svg import nice_top

EXAMPLE = Path(__file__).parent / "data" / "summary_example.json"
VOID = {"meta", "br", "img", "input", "link", "hr", "area", "base", "col", "embed", "source", "track", "wbr"}
# every element the page may contain; anything else (script, iframe, img, a ...) would be injected
ALLOWED = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "p", "section", "div",
    "span", "figure", "svg", "g", "rect", "line", "text", "path", "circle", "table", "thead", "tbody", "tr", "th",
    "td", "dl", "dt", "dd", "footer",
}  # fmt: skip


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: tuple["Element", ...]
    text: list[str] = field(default_factory=list)

    def inside(self, other: "Element") -> bool:
        return any(a is other for a in self.ancestors)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Page(HTMLParser):
    """Every element with its attributes, ancestors and the text directly or indirectly inside it."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, tuple(self.stack)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text.append(data)

    def by_id(self, element_id: str) -> Element:
        (found,) = [e for e in self.elements if e.attrs.get("id") == element_id]
        return found

    def within(self, parent: Element, tag: str, cls: str | None = None) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and e.inside(parent) and (cls is None or cls in e.classes)]

    def text_of(self, element: Element) -> str:
        return "".join(element.text)

    @property
    def text(self) -> str:
        return self.text_of(self.by_tag("body"))

    def by_tag(self, tag: str) -> Element:
        return next(e for e in self.elements if e.tag == tag)


def parse_page(markup: str) -> Page:
    """The page parsed, for assertions."""
    return Page(markup)


EXPECTED_CHARTS = {  # chart -> (mark, how many) for the example summary
    "volume_by_week": ("rect", 9),
    "sla_compliance": ("rect", 8),  # P1, P2, P3 and All x response, resolution
    "handling_time": ("rect", 5),
    "satisfaction": ("rect", 4),  # three dimensions and the overall mean
    "top_issues": ("rect", 5),
    "trend": ("circle", 12),  # six rate series x two months
    "trend_response": ("circle", 6),  # mean and median business, mean wall clock x two months
}

KEY_FIGURES = {
    "tickets": "612",
    "resolved": "580",
    "fcr": "53.6%",
    "response": "94.5%",
    "resolution": "91.4%",
    "handling": "14.62 h",
    "satisfaction": "4.31",
    "escalated": "74",
    "breaches": "83",
    "rejected": "8",
    "first_response": "2.40 h",
    "resolution_rate": "94.8%",
    "survey_on_time": "66.4%",
    "retention": "0",
}

TABLE_ROWS = {
    "by_type": 3, "by_priority": 3, "by_route": 3, "by_product": 5, "by_channel": 6, "handling_time": 2,
    "handling_time_histogram": 5, "first_response": 4, "first_response_by_group": 12, "sla": 8, "satisfaction": 3,
    "top_issues": 5, "escalations_by_rule": 6, "escalations_by_level": 3, "overview": 3, "breaches": 5,
    "rejected_reasons": 4, "rejected": 8,
}  # fmt: skip


def cells(page: "Page", table_id: str, column: int) -> list[str]:
    """The texts of one column of a table's body."""
    table = page.by_id(f"table-{table_id}")
    return [
        page.text_of(row_cells[column]) for row in page.within(table, "tr") if (row_cells := page.within(row, "td"))
    ]


def assert_readable(page: "Page") -> None:
    """The readability fixes: labels that do not overlap, axes, names beside codes, both languages, the as-of."""
    # compliance values: each written vertically within its own column, so neighbours never overlap
    sla = page.by_id("chart-sla_compliance")
    columns = {r.attrs["data-group"] + " " + r.attrs["data-series"]: r for r in page.within(sla, "rect", "bar")}
    values = page.within(sla, "text", "value")
    assert values
    for text in values:
        bar = columns[text.attrs["data-for"]]
        left, width = float(bar.attrs["x"]), float(bar.attrs["width"])
        assert "rotate(-90" in text.attrs["transform"]
        x = float(text.attrs["x"])
        assert left <= x - 9 * 0.65, text.attrs["data-for"]
        assert x + 9 * 0.35 <= left + width, text.attrs["data-for"]
    legend = page.text_of(sla)
    assert "Response 首次响应" in legend
    assert "Resolution 解决" in legend
    assert "P1 紧急" in legend  # the axis names the priorities
    # the satisfaction bars have a value axis 0..5
    satisfaction = page.by_id("chart-satisfaction")
    assert [page.text_of(t) for t in page.within(satisfaction, "text", "tick")] == ["0", "1", "2", "3", "4", "5"]
    assert page.within(satisfaction, "line", "axis")
    # priority tables by rank, codes with their names; metrics in both languages
    assert cells(page, "by_priority", 0) == ["P1 紧急", "P2 重要", "P3 一般"]
    assert cells(page, "sla", 0)[:2] == ["P1 紧急", "P1 紧急"]
    assert cells(page, "sla", 1)[:2] == ["Response 首次响应", "Resolution 解决"]
    assert cells(page, "first_response", 0) == ["P1 紧急", "P2 重要", "P3 一般", "(all)"]
    # the as-of in the policy's zone, to the minute
    meta = page.text_of(next(e for e in page.elements if "meta" in e.classes))
    assert "as of 2025-10-31 23:59 (Asia/Shanghai)" in meta
    assert "23:59:59" not in meta
    # top problems: phrases with share, handling and categories
    assert cells(page, "top_issues", 1)[:2] == ["软件卡顿", "设备无法启动"]
    assert cells(page, "top_issues", 5)[0] == "技术支持类/软件故障排查 ×141"
    assert cells(page, "by_route", 0) == ["技术支持工程师", "维修工程师", "售后主管"]
    for name, count in TABLE_ROWS.items():
        table = page.by_id(f"table-{name}")
        assert table.attrs["data-rows"] == str(count), name
        assert len(page.within(page.within(table, "tbody")[0], "tr")) == count, name


def assert_example_page(page: Page) -> None:
    """What the example summary's page must show, in markup or in a browser's DOM."""
    for name, (mark, count) in EXPECTED_CHARTS.items():
        svg = page.by_id(f"chart-{name}")
        assert svg.tag == "svg"
        assert svg.attrs["data-chart"] == name
        marks = page.within(svg, mark, "bar" if mark == "rect" else "point")
        assert len(marks) == count, name
        assert svg.attrs["data-bars" if mark == "rect" else "data-points"] == str(count)
    volume = page.within(page.by_id("chart-volume_by_week"), "rect", "bar")
    assert [(r.attrs["data-label"], r.attrs["data-value"]) for r in volume][:2] == [
        ("2025-W36", "70"),
        ("2025-W37", "72"),
    ]
    heights = {r.attrs["data-label"]: float(r.attrs["height"]) for r in volume}
    assert heights["2025-W44"] > heights["2025-W36"] > heights["2025-W40"] > 0
    sla = page.within(page.by_id("chart-sla_compliance"), "rect", "bar")
    assert {(r.attrs["data-group"], r.attrs["data-series"], r.attrs["data-value"]) for r in sla} >= {
        ("P1", "resolution", "0.8448"),
        ("All", "response", "0.9449"),
    }
    issues = page.within(page.by_id("chart-top_issues"), "rect", "bar")
    assert [r.attrs["data-label"] for r in issues] == ["软件卡顿", "设备无法启动", "怎么", "是否支持", "态度"]
    satisfaction = page.within(page.by_id("chart-satisfaction"), "rect", "bar")
    assert [r.attrs["data-label"] for r in satisfaction] == ["问题解决效果", "服务响应速度", "服务态度", "Overall 总体"]
    for key, value in KEY_FIGURES.items():
        (card,) = [e for e in page.elements if e.attrs.get("data-kpi") == key]
        assert page.text_of(card).startswith(value), key
    text = page.text
    for figure in ("技术支持类", "BX-100 工业平板", "在线客服", "52.30 h", "140.75 h", "SS20251031004",
                   "5 of 83 breaches shown", "unknown priority 'P5'; known: P1, P2, P3"):  # fmt: skip
        assert figure in text, figure
    assert not [e for e in page.elements if e.attrs.get("id") == "warning-rejected"]
    assert_readable(page)


def stressed() -> dict:
    """The example as a run whose rows were mostly rejected, whose tickets had no category (classified from the
    subject) and none of which was resolved: a warning banner, notes, and charts that say "No data"."""
    summary = example()
    summary["rows"] = {"total": 620, "evaluated": 200, "rejected": 420}
    overall = summary["overall"]
    overall["classified_from_subject"] = 150
    overall["tickets"] = 200
    overall["handling_time"]["histogram"] = [
        {"label": b["label"], "count": 0} for b in overall["handling_time"]["histogram"]
    ]
    overall["volume_by_week"] = {}
    return summary


def assert_stressed_page(page: "Page") -> None:
    banner = page.by_id("warning-rejected")
    assert banner.attrs["role"] == "alert"
    assert page.text_of(banner).startswith("Warning: 420 of 620 rows (67.7%) were rejected")
    assert banner.inside(page.by_tag("main"))
    for name in ("handling_time", "volume_by_week"):
        svg = page.by_id(f"chart-{name}")
        assert svg.attrs["data-bars"] == "0"
        assert "No data" in page.text_of(svg)
        assert not page.within(svg, "text", "tick")  # no 0, 0, 0, 1, 1 axis
    note = page.text_of(page.by_id("table-by_type").ancestors[-1])
    assert "150 of 200 tickets had no category in the export" in note
    assert "classifier over the subject, as in the top problems" in note


def test_the_stressed_page():
    assert_stressed_page(parse_page(render_html(stressed())))


def test_the_example_page():
    assert_example_page(parse_page(render_html(example())))


def test_tables_for_counts_handling_fcr_satisfaction_escalations_breaches_rejections():
    page = parse_page(render_html(example()))
    for name, count in TABLE_ROWS.items():
        table = page.by_id(f"table-{name}")
        assert table.attrs["data-rows"] == str(count)
        assert len(page.within(page.within(table, "tbody")[0], "tr")) == count, name
    overview = page.by_id("table-overview")
    first = [page.text_of(td) for td in page.within(overview, "td")][:4]
    assert first == ["(all)", "612", "580", "53.6%"]


def test_the_page_is_self_contained_and_readable_in_chinese():
    markup = render_html(example())
    page = parse_page(markup)
    assert markup.startswith("<!DOCTYPE html>")
    assert page.by_tag("html").attrs["lang"] == "zh-CN"
    assert page.by_tag("meta").attrs == {"charset": "utf-8"}
    assert {e.tag for e in page.elements} <= ALLOWED
    assert not [e for e in page.elements if {"src", "href", "xlink:href", "srcset", "action"} & set(e.attrs)]
    style = page.text_of(page.by_tag("style"))
    assert "url(" not in style
    assert "@import" not in style
    assert "http" not in markup.lower()
    assert '"Noto Sans CJK SC"' in style
    assert '"Microsoft YaHei"' in style
    assert '"PingFang SC"' in style


HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "a & b", "it's", "]]><!--"]


def test_text_from_the_export_is_escaped():
    summary = copy.deepcopy(example())
    summary["policy"] = HOSTILE[0]
    summary["overall"]["by_product"] = dict.fromkeys(HOSTILE, 1)
    summary["overall"]["top_issues"]["items"] = [{"issue": value, "count": 1} for value in HOSTILE]
    summary["overall"]["volume_by_week"] = dict.fromkeys(HOSTILE, 1)
    summary["groups"][0]["key"] = {"month": HOSTILE[1]}
    summary["rejected"]["shown"][0]["reason"] = HOSTILE[1]
    page = parse_page(render_html(summary))
    assert {e.tag for e in page.elements} <= ALLOWED
    assert not [e for e in page.elements if any(name.startswith("on") for name in e.attrs)]
    labels = [r.attrs["data-label"] for r in page.within(page.by_id("chart-top_issues"), "rect", "bar")]
    assert labels == HOSTILE
    assert [r.attrs["data-label"] for r in page.within(page.by_id("chart-volume_by_week"), "rect", "bar")] == HOSTILE
    text = page.text
    assert all(value in text for value in HOSTILE)


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20), max_size=6))
def test_any_label_stays_text(labels):
    summary = example()
    summary["overall"]["by_product"] = dict.fromkeys(labels, 1)
    summary["overall"]["top_issues"]["items"] = [{"issue": label, "count": 2} for label in labels]
    page = parse_page(render_html(summary))
    assert {e.tag for e in page.elements} <= ALLOWED
    issues = page.within(page.by_id("chart-top_issues"), "rect", "bar")
    assert [r.attrs["data-label"] for r in issues] == labels[:5]
    table = page.text_of(page.by_id("table-by_product"))
    assert all(label in table for label in set(labels))


def test_an_empty_run_has_empty_charts():
    from tests.batch.test_report import empty_summary

    page = parse_page(render_html(empty_summary()))
    for name in ("volume_by_week", "sla_compliance", "handling_time", "satisfaction", "top_issues"):
        svg = page.by_id(f"chart-{name}")
        assert svg.attrs["data-bars"] == "0"
        assert "No data" in page.text_of(svg)
    assert not [e for e in page.elements if e.attrs.get("id") == "chart-trend"]  # no groups, no trend
    assert page.text_of(next(e for e in page.elements if e.attrs.get("data-kpi") == "fcr")).startswith("—")


def test_missing_rates_draw_no_bar_and_one_group_no_trend():
    summary = example()
    summary["overall"]["sla"]["P1"]["response"]["compliance"] = None
    summary["overall"]["sla"]["P1"]["acknowledge"] = {"met": 0, "breached": 0, "running": 3, "compliance": None}
    summary["overall"]["sla"]["P2"]["acknowledge"] = {"met": 9, "breached": 1, "running": 0, "compliance": 0.9}
    summary["groups"] = summary["groups"][:1]
    page = parse_page(render_html(summary))
    svg = page.by_id("chart-sla_compliance")
    bars = page.within(svg, "rect", "bar")
    assert len(bars) == 8
    assert svg.attrs["data-bars"] == "8"
    assert {r.attrs["data-series"] for r in bars} == {"response", "resolution", "acknowledge"}
    assert ("P1", "response") not in {(r.attrs["data-group"], r.attrs["data-series"]) for r in bars}
    assert not [e for e in page.elements if e.attrs.get("id") == "chart-trend"]


def test_many_weeks_thin_out_the_axis_labels():
    summary = example()
    summary["overall"]["volume_by_week"] = {f"2025-W{week:02d}": week for week in range(1, 53)}
    page = parse_page(render_html(summary))
    svg = page.by_id("chart-volume_by_week")
    assert len(page.within(svg, "rect", "bar")) == 52
    labels = page.within(svg, "text", "label")
    assert 4 <= len(labels) <= 13


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False))
def test_axis_tops_are_round_and_cover_the_data(maximum):
    top, step = nice_top(maximum)
    assert top >= maximum or math.isclose(top, maximum)
    ticks = top / step
    assert math.isclose(ticks, round(ticks))
    assert 1 <= round(ticks) <= 5
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))


def test_the_page_of_a_real_run(tmp_path):
    """The batch core's summary (not a hand-written one) draws one mark per figure."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from slakit.batch import run
    from slakit.demo import write_export

    as_of = datetime(2025, 10, 31, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
    files = write_export(tmp_path, 150, seed=5, as_of=as_of)
    summary = run(files.jsonl, "p1-p3", as_of=as_of, out_dir=tmp_path / "out", formats=()).summary.to_dict()
    page = parse_page(render_html(summary))
    overall = summary["overall"]
    sla_values = [c["compliance"] for m in (*overall["sla"].values(), overall["sla_overall"]) for c in m.values()]
    expected = {
        "volume_by_week": len(overall["volume_by_week"]),
        "sla_compliance": sum(v is not None for v in sla_values),
        "handling_time": len(overall["handling_time"]["histogram"]),
        "satisfaction": len(overall["satisfaction"]["dimensions"]) + 1,
        "top_issues": len(overall["top_issues"]["items"]),
    }
    for name, count in expected.items():
        assert len(page.within(page.by_id(f"chart-{name}"), "rect", "bar")) == count, name
    assert expected["volume_by_week"] >= 8
    assert len(page.within(page.by_id("chart-trend"), "circle", "point")) == 6 * len(summary["groups"])
    assert len(page.within(page.by_id("chart-trend_response"), "circle", "point")) == 3 * len(summary["groups"])
    assert page.by_id("table-rejected").attrs["data-rows"] == "0"
