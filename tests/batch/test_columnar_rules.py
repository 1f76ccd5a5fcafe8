"""The columnar engine's escalation rules (slakit.batch.columnar_rules) against the row engine's escalation report.

For generated flat rows every covered row's columns must be the row engine's report (``slakit.escalation`` through
``Evaluator``): the rules fired in the order it lists them, each ``fired_at``, ``visible_at``, ``contact_by`` and
level, the level reached and ``next_at``. The rows are drawn on a grid of half hours around the calendars' opening
and closing instants (so thresholds land exactly on open-interval edges), over nights, weekends and the Chinese
National Day holidays, with an ``as_of`` at, just before or just after such an instant; the policies are the
presets with rules (p1-p3, severity, four-level made columnar-ready), p1-p3 on an America/New_York calendar (DST),
and a policy whose rules use every leaf the columnar engine fires.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.optional import require_module

require_module("numpy")
require_module("pyarrow")

from slakit import presets  # noqa: E402
from slakit.batch import appending, columnar, columnar_rules  # noqa: E402
from slakit.batch.accumulator import Accumulator  # noqa: E402
from slakit.batch.evaluation import Evaluator  # noqa: E402
from slakit.batch.facts import Context, TicketFacts  # noqa: E402
from slakit.batch.flat import FlatLayout  # noqa: E402
from slakit.batch.output import TicketWriter  # noqa: E402
from slakit.instants import to_us, zone_named  # noqa: E402
from slakit.policy import ServicePolicy  # noqa: E402
from tests.batch.exports import defined_metric_policy  # noqa: E402

HEADER = [
    *("id", "created_at", "priority", "category", "channel", "product", "customer", "agent", "assigned_at"),
    *("acknowledged_at", "first_response_at", "agent_replies", "resolved_at", "reopened_at", "complaints"),
    *("affected_customers", "flags", "subject", "survey_solved", "survey_speed", "survey_attitude", "survey_at"),
    *("attributes.tier", "attributes.level"),
]
PRESETS = Path(presets.__file__).parent
EVERY_LEAF = [
    {"name": "response-near", "when": {"fact": "sla.response.remaining", "op": "lt", "value": "30m"}, "level": 0},
    {
        "name": "response-exactly-due",
        "when": {"fact": "sla.response.remaining", "op": "eq", "value": "0s"},
        "level": 0,
    },
    {
        "name": "elapsed-past-2h",
        "when": {"fact": "sla.resolution.elapsed", "op": "gt", "value": "2h"},
        "level": 1,
        "contact_within": "90m",
        "clock": "calendar",
    },
    {"name": "elapsed-not-1h", "when": {"fact": "sla.resolution.elapsed", "op": "ne", "value": "1h"}, "level": 0},
    {"name": "overdue-some", "when": {"fact": "sla.resolution.overdue", "op": "gt", "value": "0s"}, "level": 1},
    {"name": "overdue-none", "when": {"fact": "sla.resolution.overdue", "op": "le", "value": "0s"}, "level": 0},
    {"name": "at-risk", "when": {"fact": "sla.resolution.at_risk", "op": "eq", "value": True}, "level": 1},
    {"name": "not-at-risk", "when": {"fact": "sla.acknowledge.at_risk", "op": "eq", "value": False}, "level": 0},
    {
        "name": "ack-waiting",
        "when": {"fact": "sla.acknowledge.state", "op": "in", "value": ["pending", "running"]},
        "level": 0,
    },
    {"name": "response-met", "when": {"fact": "sla.response.state", "op": "eq", "value": "met"}, "level": 0},
    {
        "name": "not-breached-or-p3",
        "when": {
            "not": {
                "any": [
                    {"fact": "sla.resolution.state", "op": "eq", "value": "breached"},
                    {"fact": "ticket.priority", "op": "eq", "value": "P3"},
                ]
            }
        },
        "level": 0,
    },
    {
        "name": "reopened-late",
        "when": {
            "all": [
                {"fact": "ticket.reopens", "op": "ge", "value": 1},
                {"fact": "sla.resolution.remaining", "op": "le", "value": "-1h"},
            ]
        },
        "level": 2,
        "contact_within": "30m",
    },
    {"name": "no-complaint", "when": {"fact": "ticket.complaints", "op": "eq", "value": 0}, "level": 0},
    {"name": "slow-speed", "when": {"fact": "survey.speed", "op": "le", "value": 2}, "level": 1},
    {
        "name": "phone-product",
        "when": {
            "all": [
                {"fact": "ticket.channel", "op": "eq", "value": "电话"},
                {"fact": "ticket.product", "op": "ne", "value": "App"},
                {"fact": "ticket.customer", "op": "in", "value": ["ACME", "华东精密制造有限公司"]},
                {"fact": "ticket.category", "op": "contains", "value": "故障"},
            ]
        },
        "level": 1,
    },
    {"name": "half-way", "when": {"fact": "sla.resolution.elapsed_ratio", "op": "ge", "value": 0.5}, "level": 0},
    {"name": "past-third", "when": {"fact": "sla.response.elapsed_ratio", "op": "gt", "value": "0.3333"}, "level": 0},
    {
        "name": "ratio-not-quarter",
        "when": {"not": {"fact": "sla.acknowledge.elapsed_ratio", "op": "in", "value": [0, 0.25, 1]}},
        "level": 0,
    },
    {"name": "ratio-at-most-1", "when": {"fact": "sla.resolution.elapsed_ratio", "op": "le", "value": 1}, "level": 0},
    {"name": "ratio-exactly-1", "when": {"fact": "sla.response.elapsed_ratio", "op": "eq", "value": 1}, "level": 0},
    {"name": "ratio-below-2", "when": {"fact": "sla.response.elapsed_ratio", "op": "lt", "value": 2}, "level": 0},
    {"name": "ratio-ne-0", "when": {"fact": "sla.response.elapsed_ratio", "op": "ne", "value": 0}, "level": 0},
    {"name": "gold-tier", "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"}, "level": 2},
    {
        "name": "high-level-late",
        "when": {
            "all": [
                {"fact": "ticket.attributes.level", "op": "ge", "value": 5},
                {"fact": "sla.response.overdue", "op": "gt", "value": "0s"},
            ]
        },
        "level": 1,
    },
    {"name": "update-late", "when": {"fact": "sla.update.state", "op": "eq", "value": "breached"}, "level": 2},
]


SLAS = [
    {
        "name": "phone",
        "when": {"fact": "ticket.channel", "op": "eq", "value": "电话"},
        "targets": {"*": {"response": {"within": "30m", "clock": "calendar"}}},
    },
    {
        "name": "gold",
        "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
        "targets": {"P2": {"resolution": "4h"}, "*": {"acknowledge": "0s", "response": "0s"}},
    },
]
"""Conditional SLAs on the channel (a calendar clock) and a text attribute, with zero targets."""


def _policy(tmp: Path, name: str) -> Path:
    """A policy the columnar engine takes (metrics defined by events left out)."""
    base = "p1-p3" if name in ("p1-p3", "new-york", "every-leaf", "restart", "conditional") else name
    config = yaml.safe_load((PRESETS / f"{base}.yaml").read_text(encoding="utf-8"))
    if name == "four-level":
        config.pop("slas")
        config.pop("metrics", None)
        for entry in config["priorities"].values():
            entry["targets"] = {k: ("30m" if v == "0s" else v) for k, v in entry["targets"].items()}
            entry["targets"].pop("customer_followup", None)
        dimensions = ("solved", "speed", "attitude")
        config["survey"]["dimensions"] = {name: {"label": name, "weight": 1} for name in dimensions}
    if name == "new-york":
        config["calendars"]["default"] = {
            "timezone": "America/New_York",
            "hours": {"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"]},
        }
    if name in ("every-leaf", "conditional"):
        config["escalation"]["rules"] = EVERY_LEAF
    if name == "conditional":
        config["slas"] = SLAS
    if name == "restart":  # clocks restart on reopen: rows without a reopen are the columnar engine's
        config["on_reopen"] = "restart"
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


# -- the columns for a block of rows, and the row engine's reports ---------------------------------------------


def _columns(policy: ServicePolicy, rows: list[list[str]], as_of: datetime) -> tuple[Any, list[Any], Evaluator]:
    """The block the columnar engine evaluated for ``rows`` (its escalations), and the row engine's report of each
    row it covers."""
    evaluator = Evaluator(policy, as_of)
    layout = FlatLayout(HEADER)
    context = Context.of(evaluator.policy_for(layout.measured))
    plan = columnar.Plan(evaluator, context, layout)
    table = plan.read("\n".join(",".join(row) for row in rows) + "\n", ",")
    assert table is not None
    found: list[Any] = []
    original = columnar._Block.texts

    def texts(block: Any, summary: Accumulator) -> Any:
        found.append(block)
        return original(block, summary)

    chunk = columnar._Chunk(plan, table, 2)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columnar._Block, "texts", texts)
        chunk.run(Accumulator(as_of=as_of), lambda item, line, summary: ("", "", "", "", ""))
    (block,) = found
    reports = []
    for position in block.covered.tolist():
        result = evaluator.evaluate(layout.ticket(rows[position], 2 + position), 2 + position)
        assert result.escalations is not None, result.rejection
        reports.append(result.escalations)
    return block, reports, evaluator


def _us(moment: datetime | None) -> int:
    return columnar_rules.NO_TIME if moment is None else to_us(moment)


def _check(block: Any, reports: list[Any]) -> None:
    """Each covered row's columns are its report."""
    escalations = block.escalations
    assert escalations is not None
    order = escalations.order()
    for r, report in enumerate(reports):
        listed = [int(c) for c in order[r] if escalations.fired[r, c]]
        mine = [
            (
                escalations.rules[c].name,
                int(escalations.fired_at[r, c]),
                int(escalations.seen[r, c]),
                int(escalations.contact_by[r, c]),
            )
            for c in listed
        ]
        theirs = [(e.rule, to_us(e.fired_at), to_us(e.visible_at), _us(e.contact_by)) for e in report.fired]
        assert mine == theirs, (r, report)
        assert int(escalations.level[r]) == report.level
        assert int(escalations.next_at[r]) == _us(report.next_at), (r, report)


# -- generated rows ---------------------------------------------------------------------------------------------

_ZONE = zone_named("Asia/Shanghai")
_START = datetime(2025, 9, 22, 9, 0, tzinfo=_ZONE)  # a Monday; National Day (1-8 October) two weeks later


_STARTS = {  # New York: four weeks over the end of daylight saving time (2 November 2025)
    "new-york": datetime(2025, 10, 20, 8, 0, tzinfo=zone_named("America/New_York")),
}


def _at(half_hours: int, seconds: int = 0, start: datetime = _START) -> str:
    """An instant on the grid of half hours of local time from ``start`` (and ``seconds``)."""
    return (start + timedelta(minutes=30 * half_hours, seconds=seconds)).isoformat()


@st.composite
def _rows(draw: st.DrawFn, priorities: tuple[str, ...], until: int, start: datetime = _START) -> list[str]:
    """A row created on the grid up to ``until`` (half hours from the start), its events on the grid (or a second
    either side of a grid instant) up to about ``until``."""
    created = draw(st.integers(min_value=0, max_value=until))

    def later(after: int | None = None) -> str:
        if draw(st.integers(0, 2)) == 0:
            return ""
        low = created if after is None else after
        nudges = [0, 0, 0, 1] if after is not None else [0, 0, 0, 1, -1]
        return _at(draw(st.integers(low, max(low, until))), draw(st.sampled_from(nudges)), start)

    assigned_at = draw(st.integers(created, max(created, until)))
    assigned = _at(assigned_at, 0, start) if draw(st.integers(0, 3)) else ""
    acknowledged = later(assigned_at) if assigned else ""
    responded, resolved = later(), later()
    reopened = later() if draw(st.integers(0, 3)) == 0 else ""
    answered = draw(st.integers(0, 2)) > 0
    answers = [draw(st.sampled_from(["5", "4", "2", "1"])) if answered else "" for _ in range(3)]
    return [
        f"T{draw(st.integers(0, 10**6))}",
        _at(created, 0, start),
        draw(st.sampled_from(priorities)),
        draw(st.sampled_from(["技术支持类/软件故障排查", "售后服务类/硬件维修", ""])),
        draw(st.sampled_from(["电话", "邮件", ""])),
        draw(st.sampled_from(["BX-100 工业平板", "", "App"])),
        draw(st.sampled_from(["华东精密制造有限公司", "", "ACME"])),
        "",
        assigned,
        acknowledged,
        responded,
        "",
        resolved,
        reopened,
        draw(st.sampled_from(["0", "", "1", "2", "3"])),
        draw(st.sampled_from(["1", "", "12", "10"])),
        draw(st.sampled_from(["", "public_opinion_risk", "product_defect;x", "major_fault"])),
        "",
        *answers,
        later() if draw(st.booleans()) else "",
        draw(st.sampled_from(["", "gold", "silver"])),
        draw(st.sampled_from(["", "3", "7", "5.0"])),
    ]


_PRIORITIES = {
    "p1-p3": ("P1", "P2", "P3"),
    "new-york": ("P1", "P2", "P3"),
    "every-leaf": ("P1", "P2", "P3"),
    "restart": ("P1", "P2", "P3"),
    "conditional": ("P1", "P2", "P3"),
    "severity": ("critical", "major", "minor", "trivial"),
    "four-level": ("urgent", "high", "medium", "low"),
}


_POLICIES: dict[str, ServicePolicy] = {}


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ServicePolicy]:
    """The policies by name (kept at module level so that hypothesis does not show them with each example)."""
    if not _POLICIES:
        tmp = tmp_path_factory.mktemp("policies")
        _POLICIES.update({name: presets.resolve(_policy(tmp, name)) for name in _PRIORITIES})
    return _POLICIES


@pytest.mark.usefixtures("policies")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), name=st.sampled_from(sorted(_PRIORITIES)))
def test_covered_rows_fire_as_the_row_engine(data: st.DataObject, name: str) -> None:
    policies = _POLICIES
    as_of_half_hours = data.draw(st.integers(min_value=0, max_value=4 * 7 * 48))
    start = _STARTS.get(name, _START)
    rows = data.draw(st.lists(_rows(_PRIORITIES[name], as_of_half_hours, start), min_size=1, max_size=30))
    nudge = data.draw(st.sampled_from([0, 0, 1, -1, 1_000_000]))
    as_of = start + timedelta(minutes=30 * as_of_half_hours, microseconds=nudge)
    block, reports, _ = _columns(policies[name], rows, as_of.astimezone(UTC))
    _check(block, reports)


def test_p1_p3_rules_fire_on_the_demo_shapes(policies: dict[str, ServicePolicy]) -> None:
    """Hand-worked: a P1 created Friday 26 September 2025 17:00 (Shanghai, 9-18 business hours; Sunday 28 is a
    make-up workday before National Day) answered in time, not acknowledged, still open, with two complaints, ten
    affected customers and a low survey (holding from creation: no survey_at, no resolve)."""
    rows = [
        [
            "H1", "2025-09-26T17:00:00+08:00", "P1", "", "", "", "", "",
            "2025-09-26T17:10:00+08:00", "", "2025-09-26T17:20:00+08:00", "",
            "", "", "2", "10", "", "", "1", "2", "3", "", "", "",
        ],
    ]  # fmt: skip
    as_of = datetime(2025, 9, 30, 12, 0, tzinfo=_ZONE)
    block, reports, _ = _columns(policies["p1-p3"], rows, as_of)
    _check(block, reports)
    escalations = block.escalations
    names = [escalations.rules[c].name for c in escalations.order()[0] if escalations.fired[0, c]]
    # acknowledge 1 h from 17:10 Friday: 50 min Friday, due Sunday 09:10, breached just after it (fired_at 09:10)
    ack = next(c for c, rule in enumerate(escalations.rules) if rule.name == "p1-not-acknowledged")
    assert int(escalations.fired_at[0, ack]) == to_us(datetime(2025, 9, 28, 9, 10, tzinfo=_ZONE))
    assert int(escalations.seen[0, ack]) == to_us(datetime(2025, 9, 28, 9, 10, tzinfo=_ZONE)) + 1
    # contact within 2 business hours of 09:10 Sunday: 11:10
    assert int(escalations.contact_by[0, ack]) == to_us(datetime(2025, 9, 28, 11, 10, tzinfo=_ZONE))
    # resolution 24 business hours from Friday 17:00: 1 h Friday, 9 h Sunday, 9 h Monday, 5 h Tuesday -> 14:00
    overdue = next(c for c, rule in enumerate(escalations.rules) if rule.name == "resolution-overdue")
    assert not escalations.fired[0, overdue]
    # impact and the survey hold from creation (in rule order), the complaints from the latest instant (17:20)
    assert names == ["wide-impact", "low-satisfaction", "second-complaint", "p1-not-acknowledged"]
    assert int(escalations.level[0]) == 2
    assert int(escalations.next_at[0]) == to_us(datetime(2025, 9, 30, 13, 0, tzinfo=_ZONE))  # remaining <= 1h


def test_thresholds_on_the_edges_of_open_intervals(policies: dict[str, ServicePolicy]) -> None:
    """A P2 created Monday 09:00 is due 48 business hours later, at a closing instant (18:00, before National Day):
    breached just after it, overdue by 4 h after four more open hours (across the holidays)."""
    rows = [
        ["E1", "2025-09-24T09:00:00+08:00", "P2", *[""] * 21],
        ["E2", "2025-09-24T09:00:00+08:00", "P2", *[""] * 9, "2025-09-30T18:00:00+08:00", *[""] * 11],
    ]
    for as_of in (
        datetime(2025, 9, 30, 18, 0, tzinfo=_ZONE),
        datetime(2025, 9, 30, 18, 0, 0, 1, tzinfo=_ZONE),
        datetime(2025, 10, 9, 13, 0, tzinfo=_ZONE),
    ):
        block, reports, _ = _columns(policies["p1-p3"], rows, as_of)
        _check(block, reports)


def test_a_rule_on_a_metric_defined_by_events_keeps_the_row_engine(tmp_path: Path) -> None:
    path = defined_metric_policy(tmp_path)
    policy = presets.resolve(path)
    assert columnar_rules.refusal(policy.escalation, frozenset(policy.sla.definitions)) is not None
    assert columnar_rules.refusal(presets.resolve("p1-p3").escalation, frozenset()) is None
    evaluator = Evaluator(policy, datetime(2025, 10, 1, tzinfo=UTC))
    layout = FlatLayout(HEADER)
    why = columnar.plan_for(evaluator, Context.of(evaluator.policy_for(layout.measured)), layout, "csv", "utf-8")
    assert isinstance(why, str)
    assert "follow-up-late" in why


# -- the files' escalation cells and the summary's counts ----------------------------------------------------------


def _texts(
    policy: ServicePolicy, rows: list[list[str]], as_of: datetime, by: tuple[str, ...]
) -> tuple[list[int], list[str], list[str], Accumulator, Accumulator]:
    """The covered rows, their results.csv and results.jsonl lines from the columnar engine, its summary, and the
    row engine's summary of the same rows."""
    evaluator = Evaluator(policy, as_of)
    layout = FlatLayout(HEADER)
    context = Context.of(evaluator.policy_for(layout.measured))
    plan = columnar.Plan(evaluator, context, layout)
    table = plan.read("\n".join(",".join(row) for row in rows) + "\n", ",")
    assert table is not None
    mine = Accumulator(by, as_of=as_of)
    texts = columnar._Chunk(plan, table, 2).run(mine, lambda item, line, summary: ("", "", "", "", ""))
    covered = [i for i, row in enumerate(rows) if row[0] != "" and i not in _uncovered(texts, rows)]
    theirs = Accumulator(by, as_of=as_of)
    for position in covered:
        result, timeline = evaluator.evaluate_with_timeline(layout.ticket(rows[position], 2 + position), 2 + position)
        theirs.add_facts(TicketFacts.from_result(result, context, timeline))
    csv_lines = appending.joined(texts.results_csv).decode().splitlines(keepends=True)
    json_lines = appending.joined(texts.results_jsonl).decode().splitlines(keepends=True)
    return covered, csv_lines, json_lines, mine, theirs


def _uncovered(texts: Any, rows: list[list[str]]) -> set[int]:
    """The rows the columnar engine left to the row engine (their lines are empty in ``texts``: the stand-in row
    engine writes nothing)."""
    lines = appending.joined(texts.results_jsonl).decode().splitlines()
    written = {json.loads(line)["line"] - 2 for line in lines}
    return set(range(len(rows))) - written


def _escalations_text(line: str) -> str:
    """The text of ``"escalations"`` in a results.jsonl line."""
    found = line.split('"escalations":', 1)[1]
    return found.split(',"route":', 1)[0] if ',"route":' in found else found.rstrip("\n")[:-1]


@pytest.mark.usefixtures("policies")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), name=st.sampled_from(["p1-p3", "every-leaf", "new-york", "restart", "conditional"]))
def test_escalation_cells_and_counts_are_the_row_engines(data: st.DataObject, name: str) -> None:
    as_of_half_hours = data.draw(st.integers(min_value=0, max_value=4 * 7 * 48))
    start = _STARTS.get(name, _START)
    rows = data.draw(st.lists(_rows(_PRIORITIES[name], as_of_half_hours, start), min_size=1, max_size=20))
    as_of = start + timedelta(minutes=30 * as_of_half_hours)
    by = data.draw(st.sampled_from([(), ("priority",), ("month",)]))
    policy = _POLICIES[name]
    covered, csv_lines, json_lines, mine, theirs = _texts(policy, rows, as_of, by)
    evaluator = Evaluator(policy, as_of)
    layout = FlatLayout(HEADER)
    context = Context.of(evaluator.policy_for(layout.measured))
    writer = TicketWriter(context.metrics)
    level_at = writer.header.index("escalation_level")
    for position, csv_line, json_line in zip(covered, csv_lines, json_lines, strict=True):
        result, timeline = evaluator.evaluate_with_timeline(layout.ticket(rows[position], 2 + position), 2 + position)
        facts = TicketFacts.from_result(result, context, timeline)
        expected_cells = next(csv.reader([writer.csv_line(facts)]))
        cells = next(csv.reader([csv_line]))
        assert cells[level_at : level_at + 2] == expected_cells[level_at : level_at + 2]
        assert _escalations_text(json_line) == _escalations_text(writer.json_line(facts))
    overall, expected = mine.finish().overall.escalations, theirs.finish().overall.escalations
    assert overall == expected
    assert [g.figures.escalations for g in mine.finish().groups] == [
        g.figures.escalations for g in theirs.finish().groups
    ]
